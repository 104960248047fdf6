"""The learning curve: what ``redline train`` learns from 10, 25, 50 and 100
annotated documents, against the rules, on documents it never saw.

Data: the PolNeAR train file (``../shared/data/polnear-train/``; skipped
with a message when absent; nothing of it is ever copied into the project).
Its labels are mapped as its README says: ``source`` is our source,
``content`` (what is attributed) stands for our claim, ``cue`` is left out.
The documents are shuffled once (a fixed seed); the last ``HELD_OUT`` are
scored, the first 100 are the training pool, and each size trains on the
first N of the pool, through ``annotations.train.train`` exactly as
``redline train`` does (its own 80/20 dev split inside the N decides which
labels the model suggests beside the rules).

Scored on the held-out documents, per label, with overlap matching
(``annotations.scoring``: one to one, by a maximum matching): the rules
alone, the model alone, and both as ``redline suggest --model latest`` runs
them. Sources are scored twice: with PolNeAR's pronoun sources ("he",
"she") and without them, since our guidelines do not mark pronouns.

Each F1 is also shown as a ratio to the rules' F1 on the same documents
(the baseline measured in this run). The target: training on 100 documents
takes minutes, not hours, on two cores (under ``TIME_TARGET`` seconds).
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from annotations.importer import import_paths
from annotations.scoring import score
from annotations.store import Store
from annotations.suggest import RULES, SuggestConfig, Suggester
from annotations.train import TrainOptions, train
from benchmarks.bench_polnear import data_path, is_pronoun, load

DATA = data_path()
SIZES = tuple(int(n) for n in os.environ.get("BENCH_LEARNING_SIZES", "10,25,50,100").split(","))
HELD_OUT = int(os.environ.get("BENCH_LEARNING_HELD_OUT", "50"))
EPOCHS = float(os.environ.get("BENCH_LEARNING_EPOCHS", "2"))
MIN_STEPS = int(os.environ.get("BENCH_LEARNING_MIN_STEPS", "60"))
"""Training steps: EPOCHS passes over the N articles (a step is a batch of about one article), at least MIN_STEPS."""
MAX_SIZE = int(os.environ.get("BENCH_LEARNING_MAX_SIZE", "32"))
"""The longest candidate span, in tokens: 32 covers most PolNeAR contents, at two thirds of 48's cost."""
TIME_TARGET = 600.0
LABEL_MAP = {"source": "source", "content": "claim"}
LABELS = ("claim", "source")
ANNOTATOR = "polnear"


def read_documents() -> list[dict]:
    documents = []
    for item in load(DATA):
        spans = [
            {"start": s["start"], "end": s["end"], "label": LABEL_MAP[s["label"]]}
            for s in item["spans"]
            if s["label"] in LABEL_MAP
        ]
        documents.append({"id": item["id"], "text": item["text"], "spans": spans})
    random.Random(13).shuffle(documents)
    return documents


def gold_spans(document: dict, pronouns: bool) -> list[tuple[str, int, int]]:
    text = document["text"]
    return [
        (s["label"], s["start"], s["end"])
        for s in document["spans"]
        if pronouns or not (s["label"] == "source" and is_pronoun(text[s["start"] : s["end"]]))
    ]


def predictions(config: SuggestConfig, documents: list[dict]) -> list[list[tuple[str, int, int]]]:
    found = []
    for _, by_source in Suggester(config).suggest((n, d["text"], None) for n, d in enumerate(documents)):
        found.append([(label, start, end) for items in by_source.values() for label, start, end, *_ in items])
    return found


def scores(predicted: list[list[tuple[str, int, int]]], documents: list[dict]) -> dict[str, dict]:
    """Per label (and ``source*``: without pronoun sources), P, R, F1."""
    result = score(((p, gold_spans(d, True)) for p, d in zip(predicted, documents)), LABELS)
    without = score(
        (
            ([s for s in p if not (s[0] == "source" and is_pronoun(d["text"][s[1] : s[2]]))], gold_spans(d, False))
            for p, d in zip(predicted, documents)
        ),
        ["source"],
    )
    result["source*"] = without["source"]
    return result


def _f(value: float | None) -> str:
    return " n/a" if value is None else f"{value:.2f}"


def show(size: int | str, who: str, figures: dict[str, dict], baseline: dict[str, dict]) -> None:
    parts = []
    for label in ("claim", "source", "source*"):
        got = figures[label]
        base = baseline[label]["f"]
        ratio = "" if not base or got["f"] is None else f" ({got['f'] / base:.2f}x)"
        parts.append(f"{label:<7} P {_f(got['p'])} R {_f(got['r'])} F1 {_f(got['f'])}{ratio:<8}")
    print(f"{str(size):>4} docs  {who:<6} " + "  ".join(parts), flush=True)


def main() -> int:
    if not DATA.is_file():
        print(f"skipped: {DATA} is not there (the PolNeAR train file; see its README)")
        return 0
    documents = read_documents()
    pool, held_out = documents[: max(SIZES)], documents[-HELD_OUT:]
    print(
        f"PolNeAR train file: training on the first N of {len(pool)} shuffled articles, scored on {len(held_out)} others;"
        f" {EPOCHS:g} epochs (at least {MIN_STEPS} steps), candidates up to {MAX_SIZE} tokens; overlap matching; source* leaves out pronoun sources",
        flush=True,
    )
    rules = scores(predictions(SuggestConfig(), held_out), held_out)
    show("-", RULES, rules, rules)
    missed = False
    with tempfile.TemporaryDirectory(prefix="redline-bench-learning-") as scratch:
        for size in SIZES:
            folder = Path(scratch) / str(size)
            folder.mkdir()
            corpus = folder / "train.jsonl"
            with corpus.open("w", encoding="utf-8") as handle:
                for document in pool[:size]:
                    handle.write(json.dumps({**document, "_annotator_id": ANNOTATOR}) + "\n")
            with Store(folder / "bench.db") as store:
                import_paths(store, [corpus])
                steps = max(MIN_STEPS, round(EPOCHS * size))
                started = time.perf_counter()
                result = train(
                    store,
                    TrainOptions(
                        (ANNOTATOR,),
                        steps=steps,
                        overrides={
                            "components.spancat.suggester.max_size": MAX_SIZE,
                            "training.eval_frequency": max(1, steps // 4),
                        },
                    ),
                )
                seconds = time.perf_counter() - started
            path = result.model.path
            labels = frozenset(result.info["scores"]["model_labels"])
            alone = scores(predictions(SuggestConfig(model=path), held_out), held_out)
            both = scores(predictions(SuggestConfig(model=path, with_rules=True, model_labels=labels), held_out), held_out)
            show(size, "model", alone, rules)
            show(size, "both", both, rules)
            per_document = seconds / size
            verdict = ""
            if size == max(SIZES):
                verdict = " PASS" if seconds < TIME_TARGET else " MISS"
                missed = missed or seconds >= TIME_TARGET
            print(
                f"{size:>4} docs  training {seconds:.0f} s, {per_document:.1f} s per document"
                f" ({result.info['steps']} steps); the model suggests beside the rules: {', '.join(sorted(labels)) or 'nothing'}"
                + (f"; target under {TIME_TARGET:.0f} s:{verdict}" if verdict else ""),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
