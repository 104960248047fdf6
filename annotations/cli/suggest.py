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
            help="A spaCy pipeline (installed package or folder) to run instead of the rules; 'rules' for the rules;"
            " 'latest' (or a run's name) for a model redline train made, run beside the rules.",
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

    from annotations.trained import ModelError, read_info, resolve

    with open_store(db, must_exist=True) as store:
        saved = SuggestConfig() if reset else saved_config(store)
        try:
            chosen_model = saved.model if model is None else (None if model == RULES else resolve(store, model))
            info = None if chosen_model is None else read_info(chosen_model)
        except ModelError as error:
            raise UserError(str(error)) from None
        if with_rules is None:
            # a model redline train made suggests beside the rules, for the labels it does better
            rules_too = saved.with_rules if model is None else info is not None
        else:
            rules_too = with_rules
        config = SuggestConfig(
            model=chosen_model,
            with_rules=rules_too,
            patterns=saved.patterns if patterns is None else str(patterns),
            model_labels=frozenset(info["scores"].get("model_labels", [])) if info is not None and rules_too else None,
            replaces=_trained_sources(store, chosen_model),
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
        if info is not None:
            _report(store, info, config)
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


def _trained_sources(store, model: str | None) -> tuple[str, ...]:
    """The other models trained on this database: a new model's suggestions replace theirs."""
    if model is None:
        return ()
    current = str(Path(model).expanduser().resolve()) if Path(model).expanduser().exists() else model
    return tuple(m.path for m in store.models() if m.path != current)


def _report(store, info: dict, config) -> None:
    """The dev scores of the trained model used, and how they compare with the
    model whose suggestions it replaces: a worse model is never a silent change."""
    from annotations.trained import describe, overall_f1, read_info

    for line in describe(info):
        out.print(line, markup=False)
    new = overall_f1(info)
    stored = store.suggestion_sources()
    for source in config.replaces:
        if source not in stored:
            continue
        try:
            old_info = read_info(source)
        except Exception:
            old_info = None
        old = overall_f1(old_info)
        if old is None or new is None:
            continue
        verdict = "better" if new > old else "worse" if new < old else "the same"
        out.print(
            f"replacing the suggestions of model {old_info['name']} (dev F1 {old:.2f}):"
            f" this one scored {verdict} on its own dev documents ({new:.2f})",
            markup=False,
        )
