"""The ``redline`` command: the typer app, its shared options and error handling.

Commands live in the modules beside this one, one family each; they import
``app`` from here and register themselves.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Callable

import typer
from rich.console import Console

from annotations.store import Store, StoreError

app = typer.Typer(
    name="redline",
    help="Review and annotate news articles; export training data.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DbOption = Annotated[
    Path,
    typer.Option("--db", envvar="REDLINE_DB", help="The database file (default: redline.db here; env REDLINE_DB)."),
]
DEFAULT_DB = Path("redline.db")


class UserError(Exception):
    """A problem with what the user asked for; printed as one line."""


def default_annotator() -> str:
    return os.environ.get("REDLINE_ANNOTATOR") or getpass.getuser()


def open_store(db: Path, *, must_exist: bool = False) -> Store:
    return Store(db, create=not must_exist)


def on_terminal() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on a terminal; a silent callback when piped."""
    if not on_terminal():
        yield lambda n: None
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


@contextmanager
def count_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """Like ``progress_bar`` for counts of items rather than bytes."""
    if not on_terminal():
        yield lambda n: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


def main() -> None:
    """Entry point: run the app, turning user errors into one line and exit status 1."""
    from annotations.corpus import CorpusError

    try:
        app()
    except (StoreError, CorpusError, UserError) as error:
        err.print(f"error: {error}", markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("interrupted: nothing was changed by the unfinished command", markup=False)
        sys.exit(130)
