"""``redline`` and ``redline annotate``: which database, which annotator, and
one-line errors before any screen opens."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr("tui.app.run_app", lambda db, annotator, mode="annotate", order=None: calls.append((Path(db), annotator, mode)))
    return calls


def test_no_command_opens_the_annotation_screen(capsys, corpus_db, opened, monkeypatch):
    monkeypatch.setenv("REDLINE_ANNOTATOR", "from-env")
    assert run_cli(capsys, "--db", corpus_db).code == 0
    assert opened == [(corpus_db, "from-env", "annotate")]


def test_annotate_takes_the_annotator(capsys, corpus_db, opened):
    assert run_cli(capsys, "annotate", "--db", corpus_db, "--annotator", "maria").code == 0
    assert opened == [(corpus_db, "maria", "annotate")]


def test_the_database_comes_from_the_environment(capsys, corpus_db, opened, monkeypatch):
    monkeypatch.setenv("REDLINE_DB", str(corpus_db))
    assert run_cli(capsys, "annotate", "--annotator", "maria").code == 0
    assert opened == [(corpus_db, "maria", "annotate")]


def test_a_missing_database_is_one_line_and_creates_nothing(capsys, tmp_path, opened):
    missing = tmp_path / "missing.db"
    result = run_cli(capsys, "annotate", "--db", missing)
    assert result.code == 1
    assert result.err.strip() == f"error: {missing}: no such database; import articles first: redline import PATH --db {missing}"
    assert not missing.exists() and opened == []


def test_an_empty_database_says_to_import(capsys, store, db_path, opened):
    result = run_cli(capsys, "--db", db_path)
    assert result.code == 1
    assert "has no documents yet; import some first" in result.err
    assert opened == []


def test_the_gold_name_is_refused(capsys, corpus_db, opened):
    result = run_cli(capsys, "annotate", "--db", corpus_db, "--annotator", "gold")
    assert result.code == 1
    assert result.err.startswith("error: annotator name 'gold' is reserved")
    assert opened == []


def test_other_commands_still_run(capsys, corpus_db, opened):
    assert run_cli(capsys, "stats", "--db", corpus_db).code == 0
    assert opened == []


def test_db_before_the_command_is_used_by_the_command(capsys, corpus_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no redline.db here
    result = run_cli(capsys, "--db", corpus_db, "stats")
    assert result.code == 0 and "3 documents" in result.out
    assert not (tmp_path / "redline.db").exists()
