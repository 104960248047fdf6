"""``redline suggest``: compute and store suggestions, with the rules or any spaCy pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from annotations.cli.app import DEFAULT_DB, DbOption, UserError, app, count_bar, err, open_store, out


@app.command("suggest")
def suggest_command(
    db: DbOption = DEFAULT_DB,
    model: Annotated[
        Optional[str],
        typer.Option(
            "--model",
            "-m",
            help="A spaCy pipeline (installed package or folder) to run instead of the rules; 'rules' for the rules.",
        ),
    ] = None,
    with_rules: Annotated[
        Optional[bool],
        typer.Option("--with-rules/--without-rules", help="Also run the rules beside --model."),
    ] = None,
    patterns: Annotated[
        Optional[Path],
        typer.Option("--patterns", help="The rules' patterns file (SpanRuler JSONL) instead of the built-in one."),
    ] = None,
    save: Annotated[
        bool,
        typer.Option("--save", help="Remember these choices as the database's default (redline import uses them)."),
    ] = False,
    reset: Annotated[
        bool,
        typer.Option("--reset", help="Ignore the saved choices: the built-in rules, unless options say otherwise."),
    ] = False,
    documents: Annotated[
        Optional[list[str]], typer.Option("--document", "-d", help="Only this document (by key); repeatable.")
    ] = None,
    processes: Annotated[
        Optional[int],
        typer.Option(min=1, help="Processes to use; default: 2 on a large corpus when there are two cores."),
    ] = None,
) -> None:
    """Suggest claims, sources, figures and dates (with normalised values) for
    annotators to accept or reject; replaces earlier suggestions of the same source."""
    from annotations.suggest import (
        RULES,
        SuggestConfig,
        SuggestError,
        SuggestRun,
        default_processes,
        save_config,
        saved_config,
        suggest_documents,
    )

    with open_store(db, must_exist=True) as store:
        saved = SuggestConfig() if reset else saved_config(store)
        chosen_model = saved.model if model is None else (None if model == RULES else model)
        config = SuggestConfig(
            model=chosen_model,
            with_rules=saved.with_rules if with_rules is None else with_rules,
            patterns=saved.patterns if patterns is None else str(patterns),
        )
        if with_rules and config.model is None:
            raise UserError("--with-rules goes with --model: the rules run anyway when no model is given")
        try:
            config.check()
        except SuggestError as error:
            raise UserError(str(error)) from None
        ids = None
        if documents:
            ids = [store.document_by_key(key).id for key in documents]
        total = len(ids) if ids is not None else store.count_documents()
        out.print(f"suggesting with {config.describe()}", markup=False)
        try:
            # workers start before the progress bar's thread does
            with SuggestRun(config, processes or default_processes(total)) as run, count_bar(
                "suggesting", total
            ) as advance:
                summary = suggest_documents(store, ids, config, progress=advance, run=run)
        except SuggestError as error:
            raise UserError(str(error)) from None
        except KeyboardInterrupt as interrupted:  # SuggestInterrupted knows how far it got
            err.print(
                f"interrupted: suggestions stored for {getattr(interrupted, 'stored', 0)} of {total} documents;"
                " run the command again to finish",
                markup=False,
            )
            raise typer.Exit(130) from None
        out.print(summary.line([label.name for label in store.labels()]), markup=False)
        if save:
            save_config(store, config)
            out.print(f"saved as this database's default: {config.describe()}", markup=False)
