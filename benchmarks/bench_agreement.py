"""Agreement: 10,000 documents x 3 annotators x 20 spans each.

Targets (issue 6): ``redline agreement``'s computation, loading from the
database included, under 10 s, and at least 5x faster than NLTK's
``AnnotationTask`` computing the same kappas and alphas (per label and
pooled) in the same run. NLTK gets the token values ready-made (its time
excludes reading the database), and is far too slow for 10,000 documents,
so it runs on the first 100 and 200 documents of the same corpus and its
time is extrapolated linearly from the larger run; the two runs show how
close to linear it is. Its figures on the 200 documents are checked
against ours on a database of just those documents.
"""

from __future__ import annotations

import itertools
import random
import re
import time
from pathlib import Path

WORK = Path(__file__).parent / ".work" / "agreement"
DOCUMENTS = 10_000
ANNOTATORS = ("ann1", "ann2", "ann3")
SPANS = 20
LABELS = ("claim", "source", "figure", "date")
TARGET_SECONDS = 10.0
TARGET_RATIO = 5.0
WORDS = (
    "the minister said on tuesday that about 40 people had left the port city after"
    " officials confirmed a rise of 12 percent in prices since march according to"
    " a report published by the agency which estimated losses at 3 million dollars"
).split()


def article_text(rng: random.Random) -> str:
    paragraphs = []
    for _ in range(rng.randint(3, 5)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(25, 45))]
        paragraphs.append(" ".join(words) + ".")
    return "\n\n".join(paragraphs)


def word_tokens(text: str) -> list[tuple[int, int]]:
    # words, full stops, and the blank lines between paragraphs as whitespace tokens
    return [(m.start(), m.end()) for m in re.finditer(r"\w+|\.|\n\s*", text)]


def _layers(rng: random.Random, text: str, tokens: list[tuple[int, int]]) -> list[list[tuple[str, int, int]]]:
    """Three annotators' spans: a shared base, each copy perturbed a little."""
    words = [t for t in tokens if not text[t[0] : t[1]].isspace()]
    n = len(words)

    def random_span() -> tuple[str, int, int]:
        label = rng.choice(LABELS)
        first = rng.randrange(n - 1)
        length = rng.randint(5, 15) if label == "claim" else rng.randint(1, 3)
        last = min(n - 1, first + length)
        return label, words[first][0], words[last][1]

    base = {random_span() for _ in range(SPANS * 2)}
    base_list = sorted(base)[: SPANS + 5]
    layers = []
    for _ in ANNOTATORS:
        spans: set[tuple[str, int, int]] = set()
        for label, start, end in base_list:
            if len(spans) == SPANS:
                break
            roll = rng.random()
            if roll < 0.75:
                spans.add((label, start, end))
            elif roll < 0.9:
                spans.add(random_span())
        while len(spans) < SPANS:
            spans.add(random_span())
        layers.append(sorted(spans))
    return layers


def corpus(n: int, path: Path) -> Path:
    """A database of the first n documents of the benchmark corpus (made once)."""
    from annotations.model import DocumentInput
    from annotations.store import Store

    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for leftover in WORK.glob(partial.name + "*"):
        leftover.unlink()
    rng = random.Random(6)
    with Store(partial) as store, store.transaction():
        for i in range(n):
            text = article_text(rng)
            tokens = word_tokens(text)
            doc, _ = store.add_document(DocumentInput(text, f"doc{i}", f"doc {i}", {}, "bench", tokens=tokens))
            for name, spans in zip(ANNOTATORS, _layers(rng, text, tokens)):
                store.add_layer_spans(doc, name, [(label, start, end, None) for label, start, end in spans])
    partial.rename(path)
    return path


def ours(path: Path):
    from annotations import agreement
    from annotations.store import Store

    started = time.perf_counter()
    with Store(path) as store:
        result = agreement.compute(store)
    return time.perf_counter() - started, result


def token_values(path: Path) -> dict[str, dict[tuple[int, int], list[int]]]:
    """values[label][(document, token)] = each annotator's 0/1, the plain way."""
    from annotations.store import Store

    values: dict[str, dict[tuple[int, int], list[int]]] = {label: {} for label in LABELS}
    with Store(path) as store:
        for info in store.documents():
            doc = store.document(info.id)
            words = [(i, s, e) for i, (s, e) in enumerate(doc.tokens) if not doc.text[s:e].isspace()]
            layers = [store.spans(doc.id, name) for name in ANNOTATORS]
            for label in LABELS:
                for i, s, e in words:
                    values[label][(doc.id, i)] = [
                        int(any(sp.label == label and sp.start <= s and e <= sp.end for sp in layer)) for layer in layers
                    ]
    return values


def nltk_figures(values: dict[str, dict[tuple[int, int], list[int]]]) -> tuple[float, dict[str, tuple[list[float], float]]]:
    """NLTK's kappa for each pair and alpha, per label and pooled; (seconds, figures)."""
    from nltk.metrics.agreement import AnnotationTask

    started = time.perf_counter()
    figures = {}
    groups = {label: [label] for label in LABELS} | {"overall": list(LABELS)}
    for group, labels in groups.items():
        data = [
            (coder, (label, item), row[c])
            for label in labels
            for item, row in values[label].items()
            for c, coder in enumerate(ANNOTATORS)
        ]
        task = AnnotationTask(data)
        kappas = [task.kappa_pairwise(a, b) for a, b in itertools.combinations(ANNOTATORS, 2)]
        figures[group] = (kappas, task.alpha())
    return time.perf_counter() - started, figures


def main() -> None:
    big = corpus(DOCUMENTS, WORK / f"agreement-{DOCUMENTS}.db")
    small_sizes = (100, 200)
    smalls = {n: corpus(n, WORK / f"agreement-{n}.db") for n in small_sizes}

    seconds, result = ours(big)
    spans = sum(p.spans_a for p in result.overall.pairs[:2]) + result.overall.pairs[2].spans_b
    print(f"redline: {result.documents} documents, {len(result.annotators)} annotators, {spans} spans: {seconds:.2f} s")

    nltk_times = {}
    for n, path in smalls.items():
        nltk_times[n], figures = nltk_figures(token_values(path))
        print(f"NLTK AnnotationTask on {n} documents: {nltk_times[n]:.2f} s")
    # same numbers on the same documents
    _, check = ours(smalls[small_sizes[-1]])
    worst = 0.0
    for group, (kappas, alpha) in figures.items():
        mine = check.overall if group == "overall" else check.labels[group]
        worst = max(worst, abs(mine.alpha - alpha), *(abs(p.kappa - k) for p, k in zip(mine.pairs, kappas)))
    print(f"largest difference from NLTK on {small_sizes[-1]} documents: {worst:.1e}")

    per_doc = nltk_times[small_sizes[-1]] / small_sizes[-1]
    growth = (nltk_times[small_sizes[-1]] / nltk_times[small_sizes[0]]) / (small_sizes[-1] / small_sizes[0])
    nltk_total = per_doc * result.documents
    print(f"NLTK extrapolated to {result.documents} documents: {nltk_total:.0f} s (cost per document grew x{growth:.2f} from {small_sizes[0]} to {small_sizes[-1]})")
    ratio = nltk_total / seconds
    print(
        f"time: {seconds:.2f} s, target < {TARGET_SECONDS:.0f} s: {'PASS' if seconds < TARGET_SECONDS else 'MISS'}"
    )
    print(
        f"speed-up over NLTK: {ratio:.0f}x, target >= {TARGET_RATIO:.0f}x: {'PASS' if ratio >= TARGET_RATIO else 'MISS'}"
    )


if __name__ == "__main__":
    main()
