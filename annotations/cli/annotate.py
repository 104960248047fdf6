"""``redline`` (no command) and ``redline annotate``: open the annotation screen.

The usual ways in (no options but ``--db`` and ``--annotator``) skip typer
altogether: see ``annotations.cli.main``. These commands take the rest
(``--help``, errors in the options) and must stay in step with it."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from annotations.cli import ANNOTATOR_ENV, open_screen
from annotations.cli.app import DEFAULT_DB, DbOption, app

__all__ = ["AnnotatorOption", "annotate", "main_screen", "open_screen"]

AnnotatorOption = Annotated[
    Optional[str],
    typer.Option(
        "--annotator",
        envvar=ANNOTATOR_ENV,
        help="Whose layer to show and edit (default: REDLINE_ANNOTATOR, else your login name).",
        show_default=False,
    ),
]


@app.callback(
    invoke_without_command=True,
    help="Review and annotate news articles; export training data. "
    "With no command, open the annotation screen (same as `redline annotate`).",
)
def main_screen(ctx: typer.Context, db: DbOption = DEFAULT_DB, annotator: AnnotatorOption = None) -> None:
    """With no command, open the annotation screen."""
    if ctx.invoked_subcommand is None:
        open_screen(db, annotator)
    elif getattr(ctx.get_parameter_source("db"), "name", None) == "COMMANDLINE":
        # `redline --db F stats` means the same as `redline stats --db F`
        ctx.default_map = _db_defaults(ctx.command, str(db))


def _db_defaults(command: Any, db: str) -> dict[str, Any]:
    """A click default map giving every (sub)command with a --db option ``db``."""
    defaults: dict[str, Any] = {}
    if any(param.name == "db" for param in command.params):
        defaults["db"] = db
    for name, sub in getattr(command, "commands", {}).items():
        defaults[name] = _db_defaults(sub, db)
    return defaults


@app.command()
def annotate(
    db: DbOption = DEFAULT_DB,
    annotator: AnnotatorOption = None,
    order: Annotated[
        Optional[str],
        typer.Option(
            help="The order of the documents: corpus, or uncertain (where the model is least sure first);"
            " default: as last time.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Open the annotation screen: read, select and tag spans (? lists the keys)."""
    open_screen(db, annotator, order=order)
