"""The ``redline`` command: the typer app and its shared options.

Commands live in the modules beside this one, one family each; they import
``app`` from here and register themselves. The entry point and its error
handling are ``annotations.cli.main``; ``UserError``, ``DEFAULT_DB`` and
``default_annotator`` live in ``annotations.cli`` (free of typer, for the
fast way to the annotation screen) and are re-exported here.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Callable

import typer
from rich.console import Console

from annotations.cli import DB_ENV, DEFAULT_DB, UserError, default_annotator
from annotations.store import Store

__all__ = [
    "DEFAULT_DB",
    "DbOption",
    "UserError",
    "app",
    "count_bar",
    "default_annotator",
    "err",
    "on_terminal",
    "open_store",
    "out",
    "progress_bar",
]

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
    typer.Option("--db", envvar=DB_ENV, help="The database file (default: redline.db here; env REDLINE_DB)."),
]


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
