"""``redline suggest`` and suggestions at import: what is stored, and what the user sees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from annotations import suggest as suggest_module
from annotations.store import Store
from annotations.suggest import (
    RULES,
    SETTING_MODEL,
    SuggestConfig,
    SuggestInterrupted,
    saved_config,
    suggest_documents,
    suggest_many,
)
from tests.helpers import dump, run_cli

ARTICLE = """---
title: Port strike
published: 2025-06-12
---

About 1,400 dock workers walked out on Wednesday, the Harbour Workers' Union said.
The dispute costs about €1.8 million a day. Markets reacted calmly.
"""


def write_corpus(folder: Path, count: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"article-{n}.md").write_text(ARTICLE.replace("1,400", f"{1400 + n:,}"), encoding="utf-8")
    return folder


def stored(db: Path, source: str | None = None) -> list[tuple[str, str, str, dict | None]]:
    """(document key, label, text, norm) of every stored suggestion."""
    with Store(db) as store:
        found = []
        for info in store.documents():
            text = store.document(info.id).text
            for s in store.suggestions(info.id):
                if source is None or s.source == source:
                    found.append((info.key, s.label, text[s.start:s.end], s.norm))
    return sorted(found, key=lambda row: (row[0], row[1], row[2]))


def test_suggest_stores_rule_suggestions_with_norms(capsys, tmp_path):
    db = tmp_path / "redline.db"
    assert run_cli(capsys, "import", write_corpus(tmp_path / "corpus"), "--db", db, "--no-suggest").code == 0
    assert stored(db) == []
    result = run_cli(capsys, "suggest", "--db", db)
    assert result.code == 0, result.err
    assert "suggested 6 spans in 1 document (claim 2, source 1, figure 2, date 1)" in result.out
    rows = stored(db, RULES)
    assert ("article-0", "date", "Wednesday", {"value": "2025-06-11", "resolved": True, "reason": None}) in rows
    assert (
        "article-0", "figure", "about €1.8 million a day",
        {"value": 1_800_000, "unit": "a day", "currency": "EUR", "qualifier": "about"},
    ) in rows
    assert ("article-0", "source", "the Harbour Workers' Union", None) in rows
    claims = [text for _, label, text, _ in rows if label == "claim"]
    assert claims == [
        "About 1,400 dock workers walked out on Wednesday, the Harbour Workers' Union said.",
        "The dispute costs about €1.8 million a day.",
    ]


def test_suggesting_again_replaces_rather_than_adds(capsys, sample_db):
    assert run_cli(capsys, "suggest", "--db", sample_db).code == 0
    first = stored(sample_db)
    assert len(first) > 100
    assert run_cli(capsys, "suggest", "--db", sample_db).code == 0
    assert stored(sample_db) == first


def test_suggest_one_document(capsys, sample_db):
    result = run_cli(capsys, "suggest", "--db", sample_db, "--document", "01-border-buildup")
    assert result.code == 0, result.err
    assert "in 1 document" in result.out
    assert {key for key, *_ in stored(sample_db)} == {"01-border-buildup"}


def test_a_rejected_suggestion_stays_rejected_after_suggesting_again(capsys, sample_db):
    assert run_cli(capsys, "suggest", "--db", sample_db).code == 0
    with Store(sample_db) as store:
        document = store.document_by_key("01-border-buildup")
        rejected = store.suggestions(document.id, "carol")[0]
        store.reject_suggestion(rejected, "carol")
    assert run_cli(capsys, "suggest", "--db", sample_db).code == 0
    with Store(sample_db) as store:
        still_open = {(s.label, s.start, s.end) for s in store.suggestions(document.id, "carol")}
        everyone = {(s.label, s.start, s.end) for s in store.suggestions(document.id)}
    assert (rejected.label, rejected.start, rejected.end) in everyone
    assert (rejected.label, rejected.start, rejected.end) not in still_open


def test_import_suggests_for_the_new_documents(capsys, tmp_path):
    db = tmp_path / "redline.db"
    result = run_cli(capsys, "import", write_corpus(tmp_path / "corpus", 2), "--db", db)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "2 added, 0 already present",
        "suggested 12 spans in 2 documents (claim 4, source 2, figure 4, date 2)",
    ]
    assert {key for key, *_ in stored(db)} == {"article-0", "article-1"}
    # nothing new: nothing to suggest
    again = run_cli(capsys, "import", tmp_path / "corpus", "--db", db)
    assert again.out.splitlines() == ["0 added, 2 already present"]


def test_import_no_suggest(capsys, tmp_path):
    db = tmp_path / "redline.db"
    result = run_cli(capsys, "import", write_corpus(tmp_path / "corpus"), "--db", db, "--no-suggest")
    assert result.out.splitlines() == ["1 added, 0 already present"]
    assert stored(db) == []


def test_a_broken_saved_model_stops_the_import_before_it_starts(capsys, tmp_path):
    db = tmp_path / "redline.db"
    with Store(db) as store:
        store.set_setting(SETTING_MODEL, str(tmp_path / "gone"))
    before = dump(db)
    result = run_cli(capsys, "import", write_corpus(tmp_path / "corpus"), "--db", db)
    assert result.code == 1
    assert result.err.startswith("error: spaCy pipeline ") and "--no-suggest" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert dump(db) == before


def test_unknown_model_is_a_one_line_error(capsys, sample_db):
    before = dump(sample_db)
    result = run_cli(capsys, "suggest", "--db", sample_db, "--model", "no_such_pipeline_xyz")
    assert result.code == 1
    assert result.err.strip() == (
        "error: spaCy pipeline 'no_such_pipeline_xyz' is neither a folder nor an installed package"
        " (install it with pip, or give the path of a trained pipeline)"
    )
    assert dump(sample_db) == before


def test_with_rules_needs_a_model(capsys, sample_db):
    result = run_cli(capsys, "suggest", "--db", sample_db, "--with-rules")
    assert result.code == 1
    assert result.err.startswith("error: --with-rules goes with --model")


def test_missing_patterns_file(capsys, sample_db):
    result = run_cli(capsys, "suggest", "--db", sample_db, "--patterns", "nowhere.jsonl")
    assert result.code == 1
    assert result.err.strip() == "error: nowhere.jsonl: no such patterns file"


def test_suggest_needs_an_existing_database(capsys, tmp_path):
    result = run_cli(capsys, "suggest", "--db", tmp_path / "none.db")
    assert result.code == 1
    assert not (tmp_path / "none.db").exists()


def test_save_makes_the_patterns_the_default_for_import(capsys, tmp_path):
    patterns = tmp_path / "mine.jsonl"
    patterns.write_text(
        Path(suggest_module.__file__).with_name("data").joinpath("patterns.jsonl").read_text(encoding="utf-8")
        + '{"label": "source", "pattern": "Markets"}\n',
        encoding="utf-8",
    )
    db = tmp_path / "redline.db"
    assert run_cli(capsys, "import", write_corpus(tmp_path / "first"), "--db", db, "--no-suggest").code == 0
    result = run_cli(capsys, "suggest", "--db", db, "--patterns", patterns, "--save")
    assert result.code == 0, result.err
    assert "saved as this database's default" in result.out
    with Store(db) as store:
        assert saved_config(store) == SuggestConfig(patterns=str(patterns.resolve()))
    (tmp_path / "second").mkdir()
    (tmp_path / "second" / "other.md").write_text("Markets fell 2% on Monday.\n", encoding="utf-8")
    assert run_cli(capsys, "import", tmp_path / "second", "--db", db).code == 0
    assert ("other", "source", "Markets", None) in stored(db)
    # back to the built-in rules
    assert run_cli(capsys, "suggest", "--db", db, "--reset", "--save").code == 0
    with Store(db) as store:
        assert saved_config(store) == SuggestConfig()


def test_two_processes_give_the_same_suggestions(sample_store):
    items = [(d.id, sample_store.document(d.id).text, d.meta.get("published")) for d in sample_store.documents()]
    one = list(suggest_many(items, SuggestConfig(), processes=1))
    two = list(suggest_many(items, SuggestConfig(), processes=2))
    assert two == one
    assert [key for key, _ in two] == [key for key, _, _ in items]


def test_an_interrupted_run_keeps_what_it_committed(sample_store, monkeypatch):
    monkeypatch.setattr(suggest_module, "COMMIT_EVERY", 3)
    seen = []

    def progress(n: int) -> None:
        seen.append(n)
        if len(seen) == 7:
            raise KeyboardInterrupt

    with pytest.raises(SuggestInterrupted) as interrupted:
        suggest_documents(sample_store, None, SuggestConfig(), progress=progress, processes=1)
    assert interrupted.value.stored == 6
    with_suggestions = [d.key for d in sample_store.documents() if sample_store.suggestions(d.id)]
    assert len(with_suggestions) == 6


def test_commands_that_do_not_suggest_do_not_import_spacy():
    code = (
        "import sys; import annotations.suggest, annotations.cli; "
        "sys.exit('spacy' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_ctrl_c_says_how_far_it_got(capsys, sample_db, monkeypatch):
    def interrupted(*args, **kwargs):
        raise SuggestInterrupted(4)

    monkeypatch.setattr(suggest_module, "suggest_documents", interrupted)
    result = run_cli(capsys, "suggest", "--db", sample_db)
    assert result.code == 130
    assert result.err.strip() == "interrupted: suggestions stored for 4 of 10 documents; run the command again to finish"


def test_suggesting_leaves_the_garbage_collector_as_it_found_it():
    import gc

    from annotations.suggest import Suggester

    items = [(n, "About 1,400 dock workers walked out on Wednesday, the union said.", None) for n in range(3)]
    assert gc.isenabled()
    assert len(list(Suggester(SuggestConfig()).suggest(items))) == 3
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(list(Suggester(SuggestConfig()).suggest(items))) == 3
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_ctrl_c_in_the_middle_of_a_batch_leaves_the_garbage_collector_on(monkeypatch):
    import gc

    from annotations.suggest import Suggester

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(suggest_module, "normalise_span", interrupted)
    with pytest.raises(KeyboardInterrupt):
        list(Suggester(SuggestConfig()).suggest([(0, "Prices rose 1.5% in May.", None)]))
    assert gc.isenabled()
