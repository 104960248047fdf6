"""``redline``: the command line. Each module here registers one family of commands.

``main`` is the entry point. ``redline`` alone and ``redline annotate``, with
at most ``--db`` and ``--annotator``, open the annotation screen without
loading typer and the other commands' modules: the screen starts about
40 ms sooner. Anything else (``--help``, every other command, every
malformed option) goes through the typer app, whose commands load on first
use of ``app``. Both ways read the same options and environment variables
and end in the same ``open_screen``, so they behave the same.

Kept here, free of typer, for the fast way: ``UserError``, ``DEFAULT_DB``,
``default_annotator`` and ``open_screen`` (``annotations.cli.app`` and
``annotations.cli.annotate`` re-export them).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import typer

COMMAND_MODULES = ("annotate", "corpus", "export", "review", "suggest", "train")
"""Modules that register commands on ``annotations.cli.app.app``."""

DEFAULT_DB = Path("redline.db")
DB_ENV = "REDLINE_DB"
ANNOTATOR_ENV = "REDLINE_ANNOTATOR"


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


def default_annotator() -> str:
    import getpass

    return os.environ.get(ANNOTATOR_ENV) or getpass.getuser()


def open_screen(
    db: Path, annotator: str | None, mode: Literal["annotate", "review"] = "annotate", order: str | None = None
) -> None:
    """Check the database, the name and the order, then run the app until the user quits."""
    from annotations.store import Store

    if order is not None:
        from annotations.ordering import OrderError, check

        try:
            check(order)
        except OrderError as error:
            raise UserError(str(error)) from None

    name = (annotator or default_annotator()).strip()
    if not db.exists():
        raise UserError(f"{db}: no such database; import articles first: redline import PATH --db {db}")
    with Store(db, create=False) as store:
        if not store.count_documents():
            raise UserError(f"{db} has no documents yet; import some first: redline import PATH --db {db}")
        store.annotator(name)  # an empty or reserved name is refused here, as one line
    from tui import app as tui_app  # Textual loads only when a screen opens

    tui_app.run_app(db, name, mode, order)


def screen_request(argv: list[str]) -> tuple[Path, str | None] | None:
    """(database, annotator) when ``argv`` only asks for the annotation
    screen (``[annotate] [--db PATH] [--annotator NAME]``, each option at
    most once, as ``--opt VALUE`` or ``--opt=VALUE``); None for anything
    else, which typer then handles (and reports, when it is wrong).

    The values are what typer would give the commands: an option given
    wins over its environment variable (``REDLINE_DB``; an empty variable
    counts as unset), then the default; the annotator stays None when not
    given, for ``open_screen`` to choose."""
    if f"_{Path(sys.argv[0]).name.replace('-', '_').upper()}_COMPLETE" in os.environ:
        return None  # a shell asks typer to complete a command line
    args = argv[1:] if argv[:1] == ["annotate"] else argv
    given: dict[str, str] = {}
    position = 0
    while position < len(args):
        name, equals, value = args[position].partition("=")
        if name not in ("--db", "--annotator") or name in given:
            return None
        if not equals:
            position += 1
            if position == len(args):
                return None
            value = args[position]
        if not value or value.startswith("-"):
            return None  # leave odd values to typer's rules
        given[name] = value
        position += 1
    db = given.get("--db") or os.environ.get(DB_ENV) or DEFAULT_DB
    return Path(db), given.get("--annotator")


def load_commands() -> typer.Typer:
    """The typer app with every command registered."""
    from importlib import import_module

    for module in COMMAND_MODULES:
        import_module(f"annotations.cli.{module}")
    from annotations.cli.app import app

    # as before: ``annotations.cli.app`` here is the typer app, not its module
    globals()["app"] = app
    return app


def __getattr__(name: str) -> Any:
    # ``from annotations.cli import app`` gives the full app, loaded on demand
    if name == "app":
        return load_commands()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _is_user_error(error: BaseException) -> bool:
    from annotations.corpus import CorpusError
    from annotations.store import StoreError

    return isinstance(error, (StoreError, CorpusError, UserError))


def main() -> None:
    """Entry point: run the command, turning user errors into one line and exit status 1."""
    request = screen_request(sys.argv[1:])
    try:
        if request is None:
            load_commands()()
        else:
            try:
                open_screen(*request)
            except KeyboardInterrupt:
                sys.exit(130)  # quietly, as typer ends an interrupted command
    except KeyboardInterrupt:
        _print_error("interrupted: nothing was changed by the unfinished command")
        sys.exit(130)
    except Exception as error:
        if not _is_user_error(error):
            raise
        _print_error(f"error: {error}")
        sys.exit(1)


def _print_error(line: str) -> None:
    from rich.console import Console

    # as annotations.cli.app.err prints
    Console(stderr=True, highlight=False, soft_wrap=True).print(line, markup=False)
