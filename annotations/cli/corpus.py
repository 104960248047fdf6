"""``redline import``, ``redline stats`` and ``redline labels``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from annotations.cli.app import DEFAULT_DB, DbOption, UserError, app, open_store, out, progress_bar


@app.command("import")
def import_command(
    paths: Annotated[
        list[Path], typer.Argument(help=".txt, .md or .jsonl files, brat .ann/.txt pairs, or folders of them.")
    ],
    db: DbOption = DEFAULT_DB,
    annotator: Annotated[
        Optional[str], typer.Option(help="Annotator of pre-annotations whose lines name none.")
    ] = None,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Import only into a database that has no documents yet.")
    ] = False,
    suggest: Annotated[
        bool,
        typer.Option(
            "--suggest/--no-suggest",
            help="Compute suggestions for the new documents (with the model saved by 'redline suggest --save').",
        ),
    ] = True,
    label_map: Annotated[
        Optional[list[str]],
        typer.Option(
            "--map",
            help="brat: TYPE=LABEL, the label of a brat entity type (repeatable); a type named as a label is that label.",
        ),
    ] = None,
) -> None:
    """Import articles (and pre-annotations) into the database: all or nothing."""
    from annotations.cli.app import count_bar, err
    from annotations.importer import import_paths, total_bytes
    from annotations.suggest import (
        SuggestError,
        SuggestRun,
        default_processes,
        saved_config,
        suggest_documents,
    )

    mapping: dict[str, str] = {}
    for pair in label_map or ():
        kind, sep, label = pair.partition("=")
        if not sep or not kind.strip() or not label.strip():
            raise UserError(f"--map {pair}: give TYPE=LABEL, e.g. --map Content=claim")
        mapping[kind.strip()] = label.strip().lower()
    store = open_store(db)
    if if_empty and store.count_documents():
        store.close()
        return
    config = saved_config(store) if suggest else None
    if config is not None:
        try:
            config.check()  # before importing: a broken setting should not leave half the work done
        except SuggestError as error:
            store.close()
            raise UserError(f"{error} (the database's suggestion setting; or import with --no-suggest)") from None
    with store:
        with progress_bar("importing", total_bytes(paths)) as advance:
            summary = import_paths(store, paths, annotator=annotator, progress=advance, label_map=mapping)
        out.print(summary.line(), markup=False)
        if config is None or not summary.added_ids:
            return
        added = len(summary.added_ids)
        try:
            # workers start before the progress bar's thread does
            with SuggestRun(config, default_processes(added)) as run, count_bar("suggesting", added) as advance:
                suggested = suggest_documents(store, summary.added_ids, config, progress=advance, run=run)
        except SuggestError as error:
            raise UserError(f"imported, but no suggestions: {error}; then run 'redline suggest'") from None
        except KeyboardInterrupt as interrupted:  # SuggestInterrupted knows how far it got
            err.print(
                f"interrupted: imported; suggestions stored for {getattr(interrupted, 'stored', 0)} of"
                f" {added} new documents; run 'redline suggest' to finish",
                markup=False,
            )
            raise typer.Exit(130) from None
        out.print(suggested.line([label.name for label in store.labels()]), markup=False)


@app.command()
def stats(
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Documents, tokens, spans per label and annotator, statuses per annotator."""
    with open_store(db, must_exist=True) as store:
        figures = store.stats()
    if as_json:
        out.print(json.dumps(figures, indent=2, ensure_ascii=False), markup=False)
        return
    out.print(f"{figures['documents']} documents, {figures['tokens']} tokens  ({db})", markup=False)
    labels = figures["labels"]
    if figures["spans"]:
        table = Table("annotator", *labels, "total", title="spans", title_justify="left")
        for annotator, counts in figures["spans"].items():
            row = [str(counts.get(label, 0)) for label in labels]
            table.add_row(annotator, *row, str(sum(counts.values())))
        out.print(table)
    else:
        out.print("no spans yet", markup=False)
    if figures["statuses"]:
        states = ["todo", "in_progress", "done", "skipped", "flagged"]
        table = Table("annotator", *[s.replace("_", " ") for s in states], title="status", title_justify="left")
        for annotator, counts in figures["statuses"].items():
            table.add_row(annotator, *[str(counts.get(s, 0)) for s in states])
        out.print(table)
    if figures["suggestions"]:
        parts = ", ".join(f"{label} {n}" for label, n in figures["suggestions"].items())
        out.print(f"suggestions: {parts}", markup=False)


labels_app = typer.Typer(help="List the labels, or add one.", invoke_without_command=True)
app.add_typer(labels_app, name="labels")


@labels_app.callback()
def labels_list(ctx: typer.Context, db: DbOption = DEFAULT_DB) -> None:
    """List the labels with their keys and colours."""
    if ctx.invoked_subcommand is not None:
        return
    with open_store(db) as store:
        table = Table("key", "label", "colour", "description")
        for label in store.labels():
            table.add_row(label.key or "", f"[{label.colour}]{label.name}[/]", label.colour, label.description)
    out.print(table)


@labels_app.command("add")
def labels_add(
    name: Annotated[str, typer.Argument(help="Lower-case name: letters, digits, '-', '_'.")],
    key: Annotated[str, typer.Option("--key", help="The single key that tags with this label.")],
    colour: Annotated[str, typer.Option("--colour", "--color", help="A colour: #rrggbb or a name.")] = "#56b6c2",
    description: Annotated[str, typer.Option(help="What the label is for.")] = "",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Add a label; the annotation screen picks it up at its next start."""
    from rich.color import Color, ColorParseError

    try:
        Color.parse(colour)
    except ColorParseError:
        raise UserError(f"colour {colour!r} is not a colour (use #rrggbb or a name like 'cyan')") from None
    with open_store(db) as store:
        label = store.add_label(name, key, colour, description)
    out.print(f"added label {label.name!r} on key {label.key}", markup=False)
