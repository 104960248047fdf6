"""``redline suggest --model``: any spaCy pipeline, its entities mapped, its span
categorizer's spans used as they are, including one trained on our own export."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import spacy

from annotations.store import Store
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "Mara Lind said last November that the aid was worth $240 million, according to Meridian Wire. "
    "Pieter Vos visited Valdoria."
)


@pytest.fixture(scope="module")
def ner_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pipeline with entities (no download): an entity ruler, saved to disk."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(
        [
            {"label": "MONEY", "pattern": [{"ORTH": "$"}, {"LIKE_NUM": True}, {"LOWER": "million"}]},
            {"label": "DATE", "pattern": "last November"},
            {"label": "PERSON", "pattern": "Mara Lind"},
            {"label": "PERSON", "pattern": "Pieter Vos"},
            {"label": "ORG", "pattern": "Meridian Wire"},
            {"label": "GPE", "pattern": "Valdoria"},
        ]
    )
    path = tmp_path_factory.mktemp("ner") / "pipeline"
    nlp.to_disk(path)
    return path


@pytest.fixture
def article_db(capsys, tmp_path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "aid.md").write_text(f"---\npublished: 2025-06-15\n---\n\n{TEXT}\n", encoding="utf-8")
    db = tmp_path / "redline.db"
    assert run_cli(capsys, "import", folder, "--db", db, "--no-suggest").code == 0
    return db


def suggestions(db: Path) -> dict[str, set[tuple[str, str, str]]]:
    """Per source: (label, text, norm as text) of its suggestions."""
    found: dict[str, set[tuple[str, str, str]]] = {}
    with Store(db) as store:
        for info in store.documents():
            text = store.document(info.id).text
            for s in store.suggestions(info.id):
                found.setdefault(s.source, set()).add((s.label, text[s.start:s.end], repr(s.norm)))
    return found


def test_entities_are_mapped_and_sources_need_an_attribution(capsys, article_db, ner_model):
    result = run_cli(capsys, "suggest", "--db", article_db, "--model", ner_model)
    assert result.code == 0, result.err
    assert f"suggesting with spaCy pipeline {ner_model.resolve()}" in result.out
    found = suggestions(article_db)
    assert set(found) == {str(ner_model.resolve())}  # instead of the rules
    assert found[str(ner_model.resolve())] == {
        ("figure", "$240 million", repr({"value": 240_000_000, "unit": None, "currency": "USD", "qualifier": None})),
        ("date", "last November", repr({"value": "2024-11", "resolved": True, "reason": None})),
        ("source", "Mara Lind", "None"),  # "Mara Lind said"
        ("source", "Meridian Wire", "None"),  # "according to Meridian Wire"
        # Pieter Vos is a person, but nothing is attributed to him; Valdoria is a place
    }


def test_with_rules_stores_both_and_a_span_once(capsys, article_db, ner_model):
    alone = run_cli(capsys, "suggest", "--db", article_db, "--model", ner_model)
    assert alone.code == 0, alone.err
    by_model = {(label, text) for label, text, _ in suggestions(article_db)[str(ner_model.resolve())]}
    result = run_cli(capsys, "suggest", "--db", article_db, "--model", ner_model, "--with-rules")
    assert result.code == 0, result.err
    found = suggestions(article_db)
    rules = {(label, text) for label, text, _ in found["rules"]}
    assert ("figure", "$240 million") in rules
    # what both find is kept once, as the rules' (with its value); the model keeps the rest
    beside = {(label, text) for label, text, _ in found.get(str(ner_model.resolve()), set())}
    assert not beside & rules
    assert beside == by_model - rules


def test_a_saved_model_is_used_by_import(capsys, tmp_path, article_db, ner_model):
    assert run_cli(capsys, "suggest", "--db", article_db, "--model", ner_model, "--save").code == 0
    more = tmp_path / "more"
    more.mkdir()
    (more / "second.md").write_text("Mara Lind said costs reached $310 million.\n", encoding="utf-8")
    result = run_cli(capsys, "import", more, "--db", article_db)
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == "suggested 2 spans in 1 document (source 1, figure 1)"


def test_a_folder_that_is_not_a_pipeline_is_a_one_line_error(capsys, article_db, tmp_path):
    (tmp_path / "empty").mkdir()
    result = run_cli(capsys, "suggest", "--db", article_db, "--model", tmp_path / "empty")
    assert result.code == 1
    assert result.err.startswith("error: cannot load spaCy pipeline ")
    assert len(result.err.strip().splitlines()) == 1


def test_export_train_load_suggest(capsys, sample_db, tmp_path):
    """The loop: export annotations as a DocBin, train a span categorizer with
    `spacy train`, load it with --model, see its suggestions stored."""
    corpus = tmp_path / "corpus.spacy"
    result = run_cli(
        capsys, "export", "--db", sample_db, "--annotator", "alice", "-o", corpus, "--split", "0.67", "--seed", "1"
    )
    assert result.code == 0, result.err
    train, dev = tmp_path / "corpus.train.spacy", tmp_path / "corpus.dev.spacy"
    assert train.exists() and dev.exists()
    trained = subprocess.run(
        [
            sys.executable, "-m", "spacy", "train", str(ROOT / "configs" / "spancat.cfg"),
            "--paths.train", str(train), "--paths.dev", str(dev), "--output", str(tmp_path / "model"),
            # a few steps on the CPU: enough to learn some spans, not to be good
            "--training.max_steps", "40", "--training.eval_frequency", "20",
            "--components.spancat.suggester.max_size", "4",
        ],
        capture_output=True,
        text=True,
    )
    assert trained.returncode == 0, trained.stderr[-2000:]
    model = tmp_path / "model" / "model-last"
    result = run_cli(capsys, "suggest", "--db", sample_db, "--model", model)
    assert result.code == 0, result.err
    source = str(model.resolve())
    with Store(sample_db) as store:
        made = [s for d in store.documents() for s in store.suggestions(d.id) if s.source == source]
        learned = {
            (s.document_id, s.label, s.start, s.end)
            for d in store.documents()
            for s in store.spans(d.id, "alice")
        }
    assert made, "the trained span categorizer suggested nothing"
    assert {s.label for s in made} <= {"claim", "source", "figure", "date"}
    assert all(s.score is not None and 0.5 <= s.score <= 1 for s in made)
    assert all(s.norm is not None for s in made if s.label in ("figure", "date"))
    assert {(s.document_id, s.label, s.start, s.end) for s in made} & learned
