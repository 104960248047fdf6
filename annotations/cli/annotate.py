"""``redline`` (no command) and ``redline annotate``: open the annotation screen."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from annotations.cli.app import DEFAULT_DB, DbOption, UserError, app, default_annotator, open_store

AnnotatorOption = Annotated[
    Optional[str],
    typer.Option(
        "--annotator",
        envvar="REDLINE_ANNOTATOR",
        help="Whose layer to show and edit (default: REDLINE_ANNOTATOR, else your login name).",
        show_default=False,
    ),
]


def open_screen(db: Path, annotator: str | None, mode: str = "annotate") -> None:
    """Check the database and the name, then run the app until the user quits."""
    name = (annotator or default_annotator()).strip()
    if not db.exists():
        raise UserError(f"{db}: no such database; import articles first: redline import PATH --db {db}")
    with open_store(db, must_exist=True) as store:
        if not store.count_documents():
            raise UserError(f"{db} has no documents yet; import some first: redline import PATH --db {db}")
        store.annotator(name)  # an empty or reserved name is refused here, as one line
    from tui.app import run_app  # Textual loads only when a screen opens

    run_app(db, name, mode)  # type: ignore[arg-type]


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
def annotate(db: DbOption = DEFAULT_DB, annotator: AnnotatorOption = None) -> None:
    """Open the annotation screen: read, select and tag spans (? lists the keys)."""
    open_screen(db, annotator)
