"""``redline train``: a span categorizer for the corpus, trained on the CPU.

One run:

1. exports the chosen layers (the gold layer by default) as spaCy DocBins,
   documents split between train and dev as ``redline export --split``
   splits them (by a hash of the seed and the text), from the annotations
   as they are now: training again includes everything annotated since;
2. trains the shipped ``configs/spancat.cfg`` (or another config) with
   spaCy's own training loop, keeping the checkpoint that scored best on
   the dev documents;
3. scores that model and the rules on the dev documents, per label, with
   overlap matching (``annotations.scoring``), and picks the labels the
   model suggests beside the rules: those it did better than them;
4. moves the pipeline, with ``redline.json`` saying all this, into a folder
   named by the time, beside the database (``annotations.trained``), and
   records it in the models table.

A failed or interrupted run leaves no folder and no row.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations.model import GOLD, TrainedModel
from annotations.scoring import score
from annotations.store import Store, StoreError
from annotations.trained import INFO_FILE, models_root

CONFIG_PATH = Path(__file__).with_name("data") / "spancat.cfg"
"""The shipped config, ``configs/spancat.cfg`` (this is a link to it)."""
DEV_SHARE = 0.2


class TrainError(Exception):
    """A problem with what was asked of training, as one line."""


@dataclass(frozen=True)
class TrainOptions:
    layers: tuple[str, ...]
    """Annotator names and/or ``gold``."""
    dev: float = DEV_SHARE
    """The share of documents held out for the dev scores."""
    seed: int = 0
    steps: int | None = None
    """Training steps; None: the config's ``training.max_steps``."""
    config: Path = CONFIG_PATH
    overrides: dict[str, Any] = field(default_factory=dict)
    """Config settings by dotted name, as ``spacy train --a.b value`` takes them."""


@dataclass
class TrainResult:
    model: TrainedModel
    info: dict[str, Any]
    changed_since: int | None = None
    """Documents annotated since the previous model (None when there was none)."""
    previous: TrainedModel | None = None


def choose_layers(store: Store, annotators: list[str], gold: bool) -> tuple[str, ...]:
    """The layers to train on: those asked for, else the gold layer when it
    has spans; a one-line error naming the layers there are otherwise."""
    chosen: list[str] = []
    for name in annotators:
        found = store.find_annotator(name).name  # a StoreError names the annotators
        if found not in chosen:
            chosen.append(found)
    if gold:
        if not store.count_spans(GOLD):
            raise TrainError(f"the gold layer has no spans yet ({_layers_summary(store)})")
        chosen.append(GOLD)
    if chosen:
        return tuple(chosen)
    if store.count_spans(GOLD):
        return (GOLD,)
    raise TrainError(
        f"the gold layer has no spans yet: choose the layers to train on with --annotator NAME ({_layers_summary(store)})"
    )


def _layers_summary(store: Store) -> str:
    counts = [(a.name, store.count_spans(a.name)) for a in store.annotators()]
    with_spans = [f"{name}: {n} spans" for name, n in counts if n]
    return "annotators with spans: " + (", ".join(with_spans) if with_spans else "none")


def parse_override(text: str) -> tuple[str, Any]:
    """``--set training.max_steps=400`` -> ("training.max_steps", 400); JSON values, else strings."""
    name, equals, value = text.partition("=")
    name = name.strip().removeprefix("--")
    if not equals or not name or "." not in name:
        raise TrainError(f"--set {text!r}: give SECTION.NAME=VALUE, e.g. training.max_steps=400")
    try:
        return name, json.loads(value)
    except ValueError:
        return name, value


def train(
    store: Store,
    options: TrainOptions,
    progress: Callable[[int, dict[str, int]], Callable[[int], None]] | None = None,
) -> TrainResult:
    """Train, save and record a model (see the module's description).

    ``progress(max_steps, counts)`` is called once the layers are exported
    (``counts``: train_documents, dev_documents, train_spans) and returns a
    callback advanced by one per training step."""
    if not 0 < options.dev < 1:
        raise TrainError(f"--dev {options.dev}: give the share of documents held out, between 0 and 1")
    if not options.config.is_file():
        raise TrainError(f"{options.config}: no such config file")
    previous = store.models()[-1] if store.models() else None
    last_action = store.last_action_id()
    changed = None if previous is None else len(store.documents_changed_since(previous.last_action_id))
    root = models_root(store.path)
    root.mkdir(parents=True, exist_ok=True)
    name = _run_name(root)
    part = root / f".{name}.part"
    scratch = Path(tempfile.mkdtemp(prefix="redline-train-"))
    started = time.monotonic()
    try:
        counts = _export(store, options, scratch)
        steps = _fit(options, scratch, part, None if progress is None else lambda total: progress(total, counts))
        scores = _evaluate(store, part, scratch / "corpus.dev.spacy")
        seconds = round(time.monotonic() - started, 1)
        info = {
            "name": name,
            "layers": list(options.layers),
            "train_documents": counts["train_documents"],
            "dev_documents": counts["dev_documents"],
            "train_spans": counts["train_spans"],
            "steps": steps,
            "seconds": seconds,
            "seed": options.seed,
            "scores": scores,
        }
        (part / INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        final = root / name
        os.replace(part, final)
        try:
            model = store.add_model(
                name, str(final), list(options.layers), train_documents=counts["train_documents"],
                dev_documents=counts["dev_documents"], train_spans=counts["train_spans"],
                last_action_id=last_action, steps=steps, seconds=seconds, scores=scores,
            )
        except BaseException:
            shutil.rmtree(final, ignore_errors=True)
            raise
    except BaseException:
        shutil.rmtree(part, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return TrainResult(model, info, changed, previous)


def _run_name(root: Path) -> str:
    base = time.strftime("%Y-%m-%d-%H%M%S")
    name, n = base, 1
    while (root / name).exists() or (root / f".{name}.part").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _export(store: Store, options: TrainOptions, scratch: Path) -> dict[str, int]:
    """The layers as ``corpus.train.spacy`` and ``corpus.dev.spacy``; documents
    a layer has seen and left without spans go in as negatives."""
    from annotations.export import Selection, export

    selection = Selection(
        annotators=tuple(name for name in options.layers if name != GOLD),
        gold=GOLD in options.layers,
        include_empty=True,
    )
    try:
        summary = export(store, selection, "spacy", scratch / "corpus.spacy", split=1 - options.dev, seed=options.seed)
    except StoreError as error:
        message = str(error)
        if message.startswith("--split needs at least 2 documents"):
            message = (
                f"training needs at least 2 annotated documents (one held out for the dev scores);"
                f" {', '.join(options.layers)}: {message.rsplit(' ', 1)[-1]}"
            )
        raise TrainError(message) from None
    train_writer, dev_writer = summary.writers
    return {
        "train_documents": train_writer.documents,
        "dev_documents": dev_writer.documents,
        "train_spans": train_writer.spans,
    }


def _fit(
    options: TrainOptions, scratch: Path, part: Path, progress: Callable[[int], Callable[[int], None]] | None
) -> int:
    """spaCy's training loop on the exported files; the best checkpoint is
    saved to ``part``. Returns the number of steps taken."""
    import spacy
    from spacy.schemas import ConfigSchemaTraining
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import (
        create_evaluation_callback,
        create_train_batches,
        train_while_improving,
        update_meta,
    )
    from spacy.util import registry, resolve_dot_names
    from thinc.api import fix_random_seed

    overrides = dict(options.overrides)
    overrides["paths.train"] = str(scratch / "corpus.train.spacy")
    overrides["paths.dev"] = str(scratch / "corpus.dev.spacy")
    overrides.setdefault("system.seed", options.seed)
    if options.steps is not None:
        overrides["training.max_steps"] = options.steps
    try:
        config = spacy.util.load_config(options.config, overrides=overrides, interpolate=False)
        nlp = init_nlp(config, use_gpu=-1)
        resolved = nlp.config.interpolate()
        training = registry.resolve(resolved["training"], schema=ConfigSchemaTraining)
    except Exception as error:  # confection and spaCy say what is wrong in many ways
        raise TrainError(f"{options.config}: {_first_line(error)}") from None
    fix_random_seed(training["seed"])
    train_corpus, dev_corpus = resolve_dot_names(resolved, [training["train_corpus"], training["dev_corpus"]])
    optimizer = training["optimizer"]
    max_steps = int(training["max_steps"])
    evaluate = create_evaluation_callback(nlp, dev_corpus, training["score_weights"])
    training_steps = train_while_improving(
        nlp,
        optimizer,
        create_train_batches(nlp, train_corpus, training["batcher"], training["max_epochs"]),
        evaluate,
        dropout=training["dropout"],
        accumulate_gradient=training["accumulate_gradient"],
        patience=training["patience"],
        max_steps=max_steps,
        eval_frequency=training["eval_frequency"],
        exclude=training["frozen_components"],
        annotating_components=training["annotating_components"],
        before_update=training["before_update"],
    )
    best: float | None = None

    def save(info: dict[str, Any]) -> None:
        update_meta(training, nlp, info)
        with nlp.use_params(optimizer.averages):
            nlp.to_disk(part)

    advance = progress(max_steps + 1) if progress is not None else (lambda n: None)
    taken = 0
    evaluated = False
    info: dict[str, Any] = {}
    for _, info, is_best in training_steps:
        taken += 1
        evaluated = is_best is not None
        if is_best:
            best = info["score"]
            save(info)
        advance(1)
    if taken and not evaluated:
        # the last steps came after the last evaluation: they may be the best
        with nlp.use_params(optimizer.averages):
            last, other = evaluate()
        if best is None or last >= best:
            info = {**info, "score": last, "other_scores": other}
            save(info)
    return taken


def _evaluate(store: Store, model: Path, dev_path: Path) -> dict[str, Any]:
    """Dev scores of the model and of the rules (overlap matching), and the
    labels the model suggests beside the rules."""
    import spacy
    from spacy.tokens import DocBin

    from annotations.suggest import SuggestConfig, Suggester, saved_config

    vocab = spacy.blank("en").vocab
    docs = list(DocBin().from_disk(dev_path).get_docs(vocab))
    gold = [[(span.label_, span.start_char, span.end_char) for span in doc.spans.get("sc", [])] for doc in docs]
    items = [(n, doc.text, None) for n, doc in enumerate(docs)]
    labels = [label.name for label in store.labels()]
    patterns = saved_config(store).patterns
    model_config = SuggestConfig(model=str(model), patterns=patterns)
    source = model_config.model_source
    predicted_model = [r[source] for _, r in Suggester(model_config).suggest(items)]
    predicted_rules = [r["rules"] for _, r in Suggester(SuggestConfig(patterns=patterns)).suggest(items)]

    def spans(found: list[Any]) -> list[tuple[str, int, int]]:
        return [(label, start, end) for label, start, end, *_ in found]

    by_model = score(((spans(p), g) for p, g in zip(predicted_model, gold)), labels)
    by_rules = score(((spans(p), g) for p, g in zip(predicted_rules, gold)), labels)
    chosen = [
        label
        for label in labels
        if by_model[label]["f"] is not None and by_model[label]["f"] > (by_rules[label]["f"] or 0.0)
    ]
    return {"model": by_model, "rules": by_rules, "model_labels": chosen, "matching": "overlap"}


def _first_line(error: BaseException) -> str:
    """spaCy's and confection's message as one line: its first two lines of substance."""
    lines = [
        " ".join(line.split()) for line in str(error).splitlines() if line.strip() and not set(line.strip()) <= set("=-*")
    ]
    return ": ".join(lines[:2]) or type(error).__name__
