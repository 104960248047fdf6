"""``redline`` and ``redline annotate`` open the screen without typer, and
behave exactly as the typer commands do: same database, same annotator,
same one-line errors; everything else still goes through typer."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import annotations.cli as cli
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    calls: list[tuple] = []
    monkeypatch.setattr("tui.app.run_app", lambda db, annotator, mode="annotate", order=None: calls.append((Path(db), annotator, mode)))
    return calls


@pytest.fixture
def databases(corpus_db: Path, tmp_path: Path) -> dict[str, Path]:
    """A good database and every kind of bad one."""
    from annotations.store import Store

    empty = tmp_path / "empty.db"
    Store(empty).close()
    newer = tmp_path / "newer.db"
    newer.write_bytes(corpus_db.read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 999")
    not_redline = tmp_path / "notes.db"
    not_redline.write_text("these are my notes, not a database\n" * 100, encoding="utf-8")
    return {"DB": corpus_db, "EMPTY": empty, "NEWER": newer, "NOT_REDLINE": not_redline, "MISSING": tmp_path / "missing.db"}


# argv (with database names from ``databases``) and environment
SCREEN_REQUESTS = [
    (["--db", "DB"], {}),
    (["--db=DB"], {}),
    (["annotate", "--db", "DB", "--annotator", "maria"], {}),
    (["annotate", "--annotator=maria", "--db=DB"], {}),
    (["--annotator", "  maria  ", "--db", "DB"], {}),
    (["--db", "DB"], {"REDLINE_ANNOTATOR": "from-env"}),
    (["--db", "DB", "--annotator", "maria"], {"REDLINE_ANNOTATOR": "from-env"}),
    (["annotate"], {"REDLINE_DB": "DB", "REDLINE_ANNOTATOR": "from-env"}),
    (["--db", "DB"], {"REDLINE_DB": "MISSING"}),
    ([], {}),  # redline.db in the current folder: there is none
    (["annotate"], {"REDLINE_DB": ""}),  # an empty variable counts as unset
    (["--db", "MISSING"], {}),
    (["annotate", "--db", "EMPTY"], {}),
    (["--db", "NEWER"], {}),
    (["--db", "NOT_REDLINE"], {}),
    (["--db", "DB", "--annotator", "gold"], {}),
    (["--db", "DB", "--annotator", "   "], {"REDLINE_ANNOTATOR": "   "}),
]


def _fill(values: list[str], databases: dict[str, Path]) -> list[str]:
    def one(value: str) -> str:
        for name, path in databases.items():
            if value == name:
                return str(path)
            if value.endswith("=" + name):
                return value[: -len(name)] + str(path)
        return value

    return [one(value) for value in values]


@pytest.mark.parametrize("argv, env", SCREEN_REQUESTS)
def test_the_fast_way_does_what_the_typer_commands_do(
    argv, env, databases, opened, capsys, monkeypatch, tmp_path
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("REDLINE_DB", raising=False)
    monkeypatch.delenv("REDLINE_ANNOTATOR", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, _fill([value], databases)[0])
    args = _fill(argv, databases)
    assert cli.screen_request(args) is not None  # this is the fast way

    fast = run_cli(capsys, *args)
    fast_calls = list(opened)
    opened.clear()
    with monkeypatch.context() as typer_only:
        typer_only.setattr(cli, "screen_request", lambda argv: None)
        slow = run_cli(capsys, *args)
    assert (fast, fast_calls) == (slow, opened)
    if fast.code:
        assert fast.err.startswith("error: ") and fast.err.count("\n") == 1 and not fast.out
    else:
        assert len(fast_calls) == 1


def test_the_options_choose_the_database_and_the_annotator(databases, opened, capsys, monkeypatch):
    monkeypatch.setenv("REDLINE_ANNOTATOR", "from-env")
    assert run_cli(capsys, "--db", databases["DB"]).code == 0
    assert run_cli(capsys, "annotate", "--annotator", " maria ", "--db", databases["DB"]).code == 0
    assert opened == [(databases["DB"], "from-env", "annotate"), (databases["DB"], "maria", "annotate")]


def test_a_newer_database_is_one_line(databases, opened, capsys):
    result = run_cli(capsys, "--db", databases["NEWER"])
    assert result.code == 1
    assert result.err.startswith(f"error: {databases['NEWER']}: database schema version 999 is newer")
    assert opened == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["-h"],
        ["annotate", "--help"],
        ["stats"],
        ["--db", "x.db", "stats"],
        ["--db", "x.db", "annotate"],  # the option before the command: typer's rule
        ["--db"],
        ["--db="],
        ["--db", "a.db", "--db", "b.db"],
        ["--annotator", "-x"],
        ["--bogus"],
        ["annotate", "extra"],
        ["import", "--db", "x.db"],
    ],
)
def test_everything_else_goes_to_typer(argv):
    assert cli.screen_request(argv) is None


def test_help_still_lists_every_command(capsys):
    result = run_cli(capsys, "--help")
    assert result.code == 0
    for command in ("annotate", "import", "stats", "labels", "export", "agreement", "merge", "review", "suggest"):
        assert f"\n  {command} " in result.out


def test_a_malformed_option_is_reported_by_typer(capsys, opened):
    result = run_cli(capsys, "--db")
    assert result.code == 2
    assert "requires an argument" in result.err
    assert opened == []


def test_the_typer_app_has_every_command_once_loaded():
    from annotations.cli.app import app as typer_app

    assert cli.load_commands() is typer_app
    names = {command.name or command.callback.__name__ for command in typer_app.registered_commands}
    assert names >= {"annotate", "import", "stats", "export", "agreement", "merge", "review", "suggest"}


DRIVER = textwrap.dedent(
    """
    import sys
    import tui.app

    def run(self):
        loaded = sorted(m for m in ("typer", "spacy", "annotations.cli.app", "annotations.cli.corpus",
                                    "annotations.cli.export", "annotations.cli.review", "annotations.cli.suggest")
                        if m in sys.modules)
        print(self.annotator, self.store.path.name, self.mode, loaded)

    tui.app.RedlineApp.run = run  # everything up to the terminal, which tests do not have
    sys.argv = ["redline", *sys.argv[1:]]
    from annotations.cli import main
    main()
    """
)


def test_the_screen_starts_without_typer_or_spacy(corpus_db: Path, tmp_path: Path):
    script = tmp_path / "start.py"
    script.write_text(DRIVER, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), "annotate", "--db", str(corpus_db), "--annotator", "maria"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"maria {corpus_db.name} annotate []"


def test_the_commands_do_not_import_spacy():
    code = "import sys, annotations.cli as cli; cli.load_commands(); sys.exit('spacy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


async def test_review_mode_goes_back_to_the_annotation_screen(corpus_store):
    from tui.annotate_screen import AnnotateScreen
    from tui.app import RedlineApp
    from tui.review import ReviewScreen

    app = RedlineApp(corpus_store, "maria", mode="review")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen)
        assert app.screen.document is not None
        await pilot.press("escape")  # the annotation screen is the bottom of the stack: nothing to leave
        await pilot.pause()
        assert isinstance(app.screen, AnnotateScreen) and app.is_running
