"""``redline train`` and ``redline suggest --model latest``: a tiny span
categorizer trained for seconds on the sample corpus's gold layer, loaded,
its scored suggestions stored; retraining; the errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from annotations.store import Store
from tests.helpers import run_cli

TINY = [
    "--steps", "3",
    "--set", "components.tok2vec.model.width=16",
    "--set", "components.tok2vec.model.embed_size=300",
    "--set", "components.spancat.model.reducer.hidden_size=16",
    "--set", "components.spancat.suggester.max_size=3",
]
"""Seconds, not minutes: a few steps of a narrow model over short candidates."""


def train(capsys, db: Path, *extra: str):
    return run_cli(capsys, "train", "--db", db, *TINY, *extra)


@pytest.fixture
def gold_db(sample_db: Path, capsys) -> Path:
    result = run_cli(capsys, "review", "--db", sample_db, "--reviewer", "rita", "--accept-agreed")
    assert result.code == 0, result.err
    return sample_db


def sources(db: Path) -> dict[str, list]:
    found: dict[str, list] = {}
    with Store(db) as store:
        for info in store.documents():
            for s in store.suggestions(info.id):
                found.setdefault(s.source, []).append(s)
    return found


def test_train_saves_records_and_scores_a_model(capsys, gold_db):
    result = train(capsys, gold_db)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("training on gold: 2 documents (")
    assert lines[0].endswith("1 held out for the dev scores")
    assert "dev scores (overlap matching):" in lines
    for label in ("claim", "source", "figure", "date", "all"):
        assert any(line.lstrip().startswith(f"{label} ") and " model P " in line and " rules P " in line for line in lines)
    with Store(gold_db) as store:
        (model,) = store.models()
    folder = Path(model.path)
    assert folder.parent == gold_db.parent / "sample-models" and folder.name == model.name
    assert f"saved as model {model.name} in {folder}" in result.out
    assert (model.layers, model.train_documents, model.dev_documents) == (["gold"], 2, 1)
    info = json.loads((folder / "redline.json").read_text())
    assert info["scores"] == model.scores and set(info["scores"]["model"]) == {"claim", "source", "figure", "date", "overall"}
    import spacy

    nlp = spacy.load(folder)
    assert nlp.pipe_names == ["tok2vec", "spancat"]
    # nothing half-made is left beside it
    assert [p.name for p in folder.parent.iterdir()] == [model.name]


def test_suggest_latest_stores_scored_suggestions_and_reports_dev_scores(capsys, gold_db):
    assert train(capsys, gold_db).code == 0
    with Store(gold_db) as store:
        (model,) = store.models()
    key = "01-border-buildup"
    result = run_cli(capsys, "suggest", "--db", gold_db, "--model", "latest", "--without-rules", "--document", key)
    assert result.code == 0, result.err
    assert f"suggesting with spaCy pipeline {model.path}" in result.out
    assert f"model {model.name}: trained on gold (2 documents, 1 held out" in result.out
    assert " model P " in result.out
    made = sources(gold_db)[model.path]
    assert made and all(s.score is not None and 0 <= s.score <= 1 for s in made)
    assert {s.label for s in made} <= {"claim", "source", "figure", "date"}
    with Store(gold_db) as store:
        stored = store.conn.execute("SELECT count(*) FROM suggestions WHERE source = ? AND score IS NOT NULL", (model.path,))
        assert stored.fetchone()[0] == len(made)

    # beside the rules (the default for a trained model): the model only for the labels it did better
    result = run_cli(capsys, "suggest", "--db", gold_db, "--model", "latest", "--document", key, "--save")
    assert result.code == 0, result.err
    assert "rules (" in result.out.splitlines()[0]
    labels = set(model.scores["model_labels"])
    found = sources(gold_db)
    assert {s.label for s in found.get(model.path, [])} <= labels
    assert not {s.label for s in found["rules"] if s.document_id == made[0].document_id} & labels
    with Store(gold_db) as store:
        assert store.setting("suggest.model") == model.path


def test_training_again_includes_new_annotations_and_replaces_the_old_models_suggestions(capsys, sample_db):
    assert train(capsys, sample_db, "--annotator", "alice").code == 0
    key = "01-border-buildup"
    assert run_cli(capsys, "suggest", "--db", sample_db, "--model", "latest", "--without-rules", "-d", key).code == 0
    with Store(sample_db) as store:
        (first,) = store.models()
        document = store.document_by_key("05-saltmere-braces")  # not annotated by alice yet
        store.add_span(document.id, "alice", "date", 0, document.tokens[0][1])
    again = train(capsys, sample_db, "--annotator", "alice")
    assert again.code == 0, again.err
    assert f"since model {first.name}: 1 document annotated or changed" in again.out
    with Store(sample_db) as store:
        first, second = store.models()
    assert second.train_documents + second.dev_documents == first.train_documents + first.dev_documents + 1
    assert second.name != first.name and Path(first.path).is_dir()
    result = run_cli(capsys, "suggest", "--db", sample_db, "--model", "latest", "--without-rules", "-d", key)
    assert result.code == 0, result.err
    assert f"replacing the suggestions of model {first.name} (dev F1" in result.out
    assert first.path not in sources(sample_db) and second.path in sources(sample_db)


def one_line_error(result) -> str:
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1, result.err
    return result.err.strip()


def test_no_model_missing_folder_broken_folder_are_one_line_errors(capsys, sample_db):
    message = one_line_error(run_cli(capsys, "suggest", "--db", sample_db, "--model", "latest"))
    assert message == f"error: {sample_db}: no model trained yet; train one with: redline train --db {sample_db}"
    assert train(capsys, sample_db, "--annotator", "alice").code == 0
    with Store(sample_db) as store:
        (model,) = store.models()
    folder = Path(model.path)
    (folder / "spancat" / "model").write_bytes(b"not a model")
    message = one_line_error(run_cli(capsys, "suggest", "--db", sample_db, "--model", "latest"))
    assert message.startswith(f"error: cannot load spaCy pipeline {model.path!r}: ")
    shutil.rmtree(folder)
    message = one_line_error(run_cli(capsys, "suggest", "--db", sample_db, "--model", "latest"))
    assert message == f"error: model {model.name}: its folder {model.path} is missing (moved or deleted?)"
    # nothing was stored by the failed runs
    assert model.path not in sources(sample_db)


def test_train_needs_layers_with_spans(capsys, sample_db):
    message = one_line_error(train(capsys, sample_db))
    assert message == (
        "error: the gold layer has no spans yet: choose the layers to train on with --annotator NAME"
        " (annotators with spans: alice: 133 spans, bob: 126 spans)"
    )
    message = one_line_error(train(capsys, sample_db, "--annotator", "carol"))
    assert message.startswith("error: unknown annotator 'carol'")
    message = one_line_error(train(capsys, sample_db, "--annotator", "alice", "--set", "nonsense"))
    assert message.startswith("error: --set 'nonsense': give SECTION.NAME=VALUE")
    message = one_line_error(
        train(capsys, sample_db, "--annotator", "alice", "--set", "components.spancat.reducer.hidden_size=16")
    )
    assert message.endswith(
        "spancat.cfg: Error parsing config overrides: components -> spancat -> reducer -> hidden_size"
        " not a section value that can be overridden"
    )
    with Store(sample_db) as store:
        assert store.models() == []
    assert not any((sample_db.parent / "sample-models").iterdir())
