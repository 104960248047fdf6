"""``redline train``: a span categorizer for the corpus, from its annotations, on the CPU."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Optional

import typer

from annotations.cli.app import DEFAULT_DB, DbOption, UserError, app, count_bar, open_store, out


@app.command("train")
def train_command(
    db: DbOption = DEFAULT_DB,
    gold: Annotated[
        bool, typer.Option("--gold", help="Train on the gold (adjudicated) layer: the default when it has spans.")
    ] = False,
    annotator: Annotated[
        Optional[list[str]], typer.Option(help="Train on this annotator's layer (repeatable).")
    ] = None,
    dev: Annotated[float, typer.Option(help="The share of documents held out for the dev scores.")] = 0.2,
    seed: Annotated[int, typer.Option(help="Which documents are held out, and spaCy's random seed.")] = 0,
    steps: Annotated[
        Optional[int], typer.Option(min=1, help="Training steps (default: the config's training.max_steps).")
    ] = None,
    config: Annotated[
        Optional[Path], typer.Option(help="A spaCy training config instead of the shipped configs/spancat.cfg.")
    ] = None,
    setting: Annotated[
        Optional[list[str]],
        typer.Option("--set", help="A config setting, e.g. components.spancat.suggester.max_size=24 (repeatable)."),
    ] = None,
) -> None:
    """Train a span categorizer on the annotations (the gold layer by default)
    and save it beside the database; `redline suggest --model latest` uses it."""
    from annotations.train import CONFIG_PATH, TrainError, TrainOptions, choose_layers, parse_override, train
    from annotations.trained import describe_scores

    with open_store(db, must_exist=True) as store:
        try:
            layers = choose_layers(store, [name.strip() for name in annotator or () if name.strip()], gold)
            overrides = dict(parse_override(text) for text in setting or ())
        except TrainError as error:
            raise UserError(str(error)) from None
        options = TrainOptions(layers, dev=dev, seed=seed, steps=steps, config=config or CONFIG_PATH, overrides=overrides)
        with ExitStack() as stack:

            def progress(total: int, counts: dict[str, int]):
                out.print(
                    f"training on {', '.join(layers)}: {counts['train_documents']} documents"
                    f" ({counts['train_spans']} spans), {counts['dev_documents']} held out for the dev scores",
                    markup=False,
                )
                return stack.enter_context(count_bar("training", total))

            try:
                result = train(store, options, progress)
            except TrainError as error:
                raise UserError(str(error)) from None
            except KeyboardInterrupt:
                raise UserError("interrupted: no model was saved") from None
    info = result.info
    if result.previous is not None:
        out.print(
            f"since model {result.previous.name}: {result.changed_since} document{'' if result.changed_since == 1 else 's'} annotated or changed",
            markup=False,
        )
    out.print(
        f"trained in {info['seconds']:.1f} s ({info['steps']} steps); saved as model {info['name']} in {result.model.path}",
        markup=False,
    )
    out.print("dev scores (overlap matching):", markup=False)
    for line in describe_scores(info["scores"]):
        out.print(line, markup=False)
    labels = info["scores"]["model_labels"]
    if labels:
        out.print(f"beside the rules the model will suggest: {', '.join(labels)}", markup=False)
    else:
        out.print("the model did no better than the rules on any label: beside them it will suggest nothing", markup=False)
    out.print("use it: redline suggest --model latest", markup=False)
