"""How far annotators agree: span F1, Cohen's kappa and Krippendorff's alpha.

The definitions, which the README repeats for users:

- A document counts as annotated by X when X has a span in it or marked it
  done. Pairwise figures use the documents both annotators annotated; alpha
  uses every document annotated by two or more of the chosen annotators,
  and a document an annotator did not annotate is missing for them.
- Span F1: 2 x matches / (spans of a + spans of b). Exact matches share
  start, end and label; relaxed matches share the label and overlap, paired
  one to one by a maximum bipartite matching.
- Kappa and alpha work on the stored tokens, whitespace-only tokens left out
  (the blank lines between paragraphs are never a span's edge, and counting
  them as agreed zeros would flatter every score). A token is 1 for label L
  and annotator X when it lies wholly inside one of X's L spans, else 0.
- Every figure is per label, so a figure inside a claim never counts
  against the claim. "Overall" is micro-averaged: matches and spans summed
  over labels, kappa and alpha over the pooled (token, label) decisions.
- A figure with nothing to measure (no spans on either side, one
  annotator, all values alike) is None, never 0 or 1.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from annotations.model import Annotator
from annotations.store import Store, StoreError

# every code point str.isspace() accepts (all below U+3001): a token starting
# with one is a whitespace token, as spaCy never starts a word with whitespace
_WHITESPACE = np.array([chr(c).isspace() for c in range(0x3001)] + [False], dtype=bool)


@dataclass(frozen=True, slots=True)
class PairFigures:
    """Agreement between two annotators on one label (or all labels pooled)."""

    a: str
    b: str
    documents: int
    spans_a: int
    spans_b: int
    exact: int
    """Spans of a with an identical span in b."""
    relaxed: int
    """Size of the maximum one-to-one matching of overlapping spans."""
    kappa: float | None

    @property
    def f1_exact(self) -> float | None:
        return _f1(self.exact, self.spans_a + self.spans_b)

    @property
    def f1_relaxed(self) -> float | None:
        return _f1(self.relaxed, self.spans_a + self.spans_b)

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "documents": self.documents,
            "spans_a": self.spans_a,
            "spans_b": self.spans_b,
            "f1_exact": self.f1_exact,
            "f1_relaxed": self.f1_relaxed,
            "kappa": self.kappa,
        }


@dataclass(frozen=True, slots=True)
class LabelFigures:
    pairs: list[PairFigures]
    alpha: float | None

    def to_json(self) -> dict[str, Any]:
        return {"pairs": [pair.to_json() for pair in self.pairs], "alpha": self.alpha}


@dataclass(frozen=True, slots=True)
class DocumentDisagreement:
    """How much the annotators of one document disagree."""

    document_id: int
    key: str
    title: str
    annotators: tuple[str, ...]
    spans: int
    """Spans counted over every pair of its annotators (a span counts once per pair)."""
    unmatched: int
    """Of those, the spans with no identical span on the other side."""

    @property
    def rate(self) -> float:
        return self.unmatched / self.spans if self.spans else 0.0


@dataclass(slots=True)
class Agreement:
    annotators: list[str]
    documents: int
    """Documents annotated by at least two of the annotators."""
    labels: dict[str, LabelFigures]
    overall: LabelFigures
    ranking: list[DocumentDisagreement] = field(default_factory=list)
    """Documents, the most disagreement first."""

    def to_json(self) -> dict[str, Any]:
        return {
            "annotators": self.annotators,
            "documents": self.documents,
            "labels": {name: figures.to_json() for name, figures in self.labels.items()},
            "overall": self.overall.to_json(),
        }


def _f1(matches: int, total: int) -> float | None:
    return None if total == 0 else 2 * matches / total


# -- the figures themselves, on plain counts (shared with the tests) ----------


def kappa_from_counts(n: int, both: int, ones_a: int, ones_b: int) -> float | None:
    """Cohen's kappa of two binary raters over ``n`` items, from how many
    items both marked 1 and how many each marked 1; None when undefined."""
    if n == 0:
        return None
    agreed = (n - ones_a - ones_b + 2 * both) / n
    chance = (ones_a * ones_b + (n - ones_a) * (n - ones_b)) / (n * n)
    if chance == 1.0:
        return None
    return (agreed - chance) / (1.0 - chance)


def alpha_from_units(values: np.ndarray, coded: np.ndarray) -> float | None:
    """Krippendorff's alpha (nominal) of binary values.

    ``values[i, u]`` is rater i's value (0/1) for unit u and ``coded[i, u]``
    whether rater i coded it at all. Units coded by fewer than two raters
    are not pairable and drop out. None when undefined.
    """
    raters = coded.sum(axis=0)
    ones = (values & coded).sum(axis=0)
    return _alpha(raters, ones)


def _alpha(raters: np.ndarray, ones: np.ndarray) -> float | None:
    pairable = raters >= 2
    m = raters[pairable].astype(np.float64)
    n1 = ones[pairable].astype(np.float64)
    total = m.sum()
    total_ones = n1.sum()
    total_zeros = total - total_ones
    if total_ones == 0 or total_zeros == 0:
        return None
    observed = (n1 * (m - n1) / (m - 1)).sum()
    return float(1.0 - (total - 1) * observed / (total_ones * total_zeros))


def max_overlap_matching(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    """The size of a maximum one-to-one pairing of overlapping extents.

    Kuhn's augmenting paths, iterative so that long span lists cannot hit
    the recursion limit; a greedy first pass leaves few paths to find.
    """
    if not a or not b:
        return 0
    order = sorted(range(len(b)), key=lambda j: b[j][0])
    starts = [b[j][0] for j in order]
    adjacency: list[list[int]] = []
    for start, end in a:
        # candidates start before a's end; keep those ending after a's start
        upto = bisect_left(starts, end)
        adjacency.append([order[k] for k in range(upto) if b[order[k]][1] > start])
    owner = [-1] * len(b)
    partner = [-1] * len(a)
    for i, candidates in enumerate(adjacency):
        for j in candidates:
            if owner[j] < 0:
                owner[j], partner[i] = i, j
                break
    for root in range(len(a)):
        if partner[root] >= 0 or not adjacency[root]:
            continue
        seen = [False] * len(b)
        # stack of (left vertex, index of its next candidate); parent_b[j] = left vertex reaching j
        came_from: dict[int, int] = {}
        stack = [(root, 0)]
        found = -1
        while stack and found < 0:
            i, k = stack[-1]
            if k >= len(adjacency[i]):
                stack.pop()
                continue
            stack[-1] = (i, k + 1)
            j = adjacency[i][k]
            if seen[j]:
                continue
            seen[j] = True
            came_from[j] = i
            if owner[j] < 0:
                found = j
            else:
                stack.append((owner[j], 0))
        while found >= 0:
            i = came_from[found]
            previous = partner[i]
            owner[found], partner[i] = i, found
            found = previous
    return sum(1 for j in owner if j >= 0)


# -- computing everything from a store ---------------------------------------


def compute(
    store: Store,
    annotators: Sequence[str] | None = None,
    labels: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Agreement:
    """Agreement between ``annotators`` (default: every human annotator who
    annotated something) on ``labels`` (default: all). ``progress(done,
    total)`` is called now and then; each shared document is counted twice
    (loading its tokens, matching its spans)."""
    report = progress or (lambda done, total: None)
    chosen = _annotators(store, annotators)
    label_rows = store.labels() if labels is None else [store.label(name) for name in dict.fromkeys(labels)]
    label_rows = sorted(label_rows, key=lambda label: (label.position, label.id))
    label_index = {label.id: i for i, label in enumerate(label_rows)}
    annotator_index = {who.id: i for i, who in enumerate(chosen)}
    names = [who.name for who in chosen]

    annotated_by: dict[int, set[int]] = {}
    for document_id, annotator_id in store.annotated_pairs(annotator_index):
        annotated_by.setdefault(document_id, set()).add(annotator_index[annotator_id])
    if annotators is None:
        # the default team: every human annotator who annotated something
        active = sorted({i for who in annotated_by.values() for i in who})
        renumber = {old: new for new, old in enumerate(active)}
        chosen = [chosen[i] for i in active]
        annotator_index = {who.id: i for i, who in enumerate(chosen)}
        names = [who.name for who in chosen]
        annotated_by = {doc: {renumber[i] for i in who} for doc, who in annotated_by.items()}
    shared = sorted(doc for doc, who in annotated_by.items() if len(who) >= 2)
    doc_index = {doc: i for i, doc in enumerate(shared)}
    n_ann, n_docs, n_labels = len(chosen), len(shared), len(label_rows)
    report(0, 2 * n_docs)

    coded = np.zeros((n_ann, n_docs), dtype=bool)
    for doc, i in doc_index.items():
        coded[list(annotated_by[doc]), i] = True

    tokens = _load_tokens(store, shared, doc_index, lambda done: report(done, 2 * n_docs))
    rows = store.span_rows(annotator_index, label_index) if n_docs else []
    spans = _Spans.of(rows, shared, annotator_index, label_index, tokens.base)
    covered = _coverage(spans, tokens, n_labels, n_ann)
    token_coded = coded[:, tokens.docs]
    pair_list = list(itertools.combinations(range(n_ann), 2))
    matches = _match(spans, coded, n_labels, pair_list, lambda d: report(n_docs + d, 2 * n_docs))
    report(2 * n_docs, 2 * n_docs)

    pair_documents = [int((coded[x] & coded[y]).sum()) for x, y in pair_list]
    # per label and pair: tokens both coded, ones of both, ones of a, ones of b
    kappa_counts = np.zeros((n_labels, len(pair_list), 4), dtype=np.int64)
    for p, (x, y) in enumerate(pair_list):
        both_coded = token_coded[x] & token_coded[y]
        n = int(both_coded.sum())
        for l in range(n_labels):
            a = covered[l, x] & both_coded
            b = covered[l, y] & both_coded
            kappa_counts[l, p] = (n, int((a & b).sum()), int(a.sum()), int(b.sum()))
    # per token: how many annotators coded it, and (per label) how many said 1
    raters = token_coded.sum(axis=0)
    ones = np.stack([(covered[l] & token_coded).sum(axis=0) for l in range(n_labels)]) if n_labels else np.zeros((0, len(raters)), dtype=np.int64)

    def figures(ls: list[int]) -> LabelFigures:
        pairs = []
        for p, (x, y) in enumerate(pair_list):
            kc = kappa_counts[ls, p].sum(axis=0)
            pairs.append(
                PairFigures(
                    names[x],
                    names[y],
                    pair_documents[p],
                    int(matches.counts[ls, p, 0].sum()),
                    int(matches.counts[ls, p, 1].sum()),
                    int(matches.exact[ls, p].sum()),
                    int(matches.relaxed[ls, p].sum()),
                    kappa_from_counts(int(kc[0]), int(kc[1]), int(kc[2]), int(kc[3])),
                )
            )
        alpha = _alpha(np.tile(raters, len(ls)), ones[ls].reshape(-1)) if n_ann >= 2 else None
        return LabelFigures(pairs, alpha)

    per_label = {label.name: figures([l]) for l, label in enumerate(label_rows)}
    overall = figures(list(range(n_labels)))
    ranking = _ranking(store, shared, coded, names, matches.doc_spans, matches.doc_unmatched)
    return Agreement(names, n_docs, per_label, overall, ranking)


@dataclass(slots=True)
class _Tokens:
    """Word tokens of the shared documents on one axis: document d's offsets
    are shifted by base[d], so every token and span has one global position."""

    starts: np.ndarray
    ends: np.ndarray
    docs: np.ndarray
    """The document index of each token."""
    base: np.ndarray


def _load_tokens(store: Store, shared: list[int], doc_index: dict[int, int], report: Callable[[int], None]) -> _Tokens:
    base = np.zeros(len(shared) + 1, dtype=np.int64)
    starts_parts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    ends_parts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    docs_parts: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    offset = 0
    for done, (document_id, text, packed) in enumerate(store.token_rows(shared), 1):
        d = doc_index[document_id]
        base[d] = offset
        flat = np.frombuffer(packed, dtype="<u4").astype(np.int64)
        starts, ends = flat[0::2], flat[1::2]
        if len(starts):
            codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
            words = ~_WHITESPACE[np.minimum(codes[starts], 0x3001)]
            starts, ends = starts[words], ends[words]
        starts_parts.append(starts + offset)
        ends_parts.append(ends + offset)
        docs_parts.append(np.full(len(starts), d, dtype=np.int64))
        offset += len(text) + 1
        if done % 500 == 0:
            report(done)
    return _Tokens(np.concatenate(starts_parts), np.concatenate(ends_parts), np.concatenate(docs_parts), base)


@dataclass(slots=True)
class _Spans:
    """The spans to compare, as arrays, grouped by (document, label)."""

    doc: np.ndarray
    annotator: np.ndarray
    label: np.ndarray
    start: np.ndarray
    end: np.ndarray
    global_start: np.ndarray
    global_end: np.ndarray

    @classmethod
    def of(
        cls,
        rows: list[tuple[int, int, int, int, int]],
        shared: list[int],
        annotator_index: dict[int, int],
        label_index: dict[int, int],
        base: np.ndarray,
    ) -> _Spans:
        table = np.array(rows, dtype=np.int64).reshape(-1, 5)
        shared_ids = np.asarray(shared, dtype=np.int64)
        table = table[np.isin(table[:, 0], shared_ids)]
        doc = np.searchsorted(shared_ids, table[:, 0])
        annotator = np.array([annotator_index[a] for a in table[:, 1].tolist()], dtype=np.int64)
        label = np.array([label_index[x] for x in table[:, 2].tolist()], dtype=np.int64)
        start, end = table[:, 3], table[:, 4]
        return cls(doc, annotator, label, start, end, start + base[doc], end + base[doc])


def _coverage(spans: _Spans, tokens: _Tokens, n_labels: int, n_ann: int) -> np.ndarray:
    """covered[l, i, t]: token t lies wholly inside one of annotator i's label-l spans."""
    n_tokens = len(tokens.starts)
    covered = np.zeros((n_labels, n_ann, n_tokens), dtype=bool)
    # tokens first..past-1 lie inside a span; a difference array marks them all at once
    first = np.searchsorted(tokens.starts, spans.global_start, side="left")
    past = np.searchsorted(tokens.ends, spans.global_end, side="right")
    inside = first < past
    for l in range(n_labels):
        for i in range(n_ann):
            mine = inside & (spans.label == l) & (spans.annotator == i)
            if mine.any():
                edges = np.bincount(first[mine], minlength=n_tokens + 1) - np.bincount(past[mine], minlength=n_tokens + 1)
                covered[l, i] = np.cumsum(edges[:n_tokens]) > 0
    return covered


@dataclass(slots=True)
class _Matches:
    exact: np.ndarray
    """[label, pair]: identical spans."""
    relaxed: np.ndarray
    """[label, pair]: size of the maximum matching of overlapping spans."""
    counts: np.ndarray
    """[label, pair, side]: spans of a (0) and b (1) on the documents both annotated."""
    doc_spans: np.ndarray
    doc_unmatched: np.ndarray


def _match(
    spans: _Spans,
    coded: np.ndarray,
    n_labels: int,
    pair_list: list[tuple[int, int]],
    report: Callable[[int], None],
) -> _Matches:
    """Span matching, one (document, label) group at a time, for every pair
    of annotators who both annotated the document."""
    n_docs = coded.shape[1]
    result = _Matches(
        np.zeros((n_labels, len(pair_list)), dtype=np.int64),
        np.zeros((n_labels, len(pair_list)), dtype=np.int64),
        np.zeros((n_labels, len(pair_list), 2), dtype=np.int64),
        np.zeros(n_docs, dtype=np.int64),
        np.zeros(n_docs, dtype=np.int64),
    )
    group_keys = spans.doc * n_labels + spans.label
    cuts = (np.flatnonzero(np.diff(group_keys)) + 1).tolist()
    extents = list(zip(spans.start.tolist(), spans.end.tolist()))
    annotators = spans.annotator.tolist()
    docs, labels = spans.doc.tolist(), spans.label.tolist()
    pair_position = {pair: p for p, pair in enumerate(pair_list)}
    last_doc = -1
    for lo, hi in zip([0, *cuts], [*cuts, len(extents)]):
        if lo >= hi:
            continue
        d, l = docs[lo], labels[lo]
        if d // 500 != last_doc // 500:
            report(d)
        last_doc = d
        by_annotator: dict[int, list[tuple[int, int]]] = {}
        for k in range(lo, hi):
            by_annotator.setdefault(annotators[k], []).append(extents[k])
        present = np.flatnonzero(coded[:, d]).tolist()
        for x, y in itertools.combinations(present, 2):
            p = pair_position[(x, y)]
            mine, theirs = by_annotator.get(x, []), by_annotator.get(y, [])
            same = len(set(mine) & set(theirs))
            result.exact[l, p] += same
            result.counts[l, p] += (len(mine), len(theirs))
            result.doc_spans[d] += len(mine) + len(theirs)
            result.doc_unmatched[d] += len(mine) + len(theirs) - 2 * same
            # identical sets need no matching
            result.relaxed[l, p] += same if same == len(mine) == len(theirs) else max_overlap_matching(mine, theirs)
    return result


def _annotators(store: Store, names: Sequence[str] | None) -> list[Annotator]:
    if names is None:
        return store.annotators()
    chosen = [store.find_annotator(name) for name in dict.fromkeys(n.strip() for n in names if n.strip())]
    if not chosen:
        raise StoreError("no annotators given")
    return chosen


def _ranking(
    store: Store,
    shared: list[int],
    coded: np.ndarray,
    names: list[str],
    doc_spans: np.ndarray,
    doc_unmatched: np.ndarray,
) -> list[DocumentDisagreement]:
    info = {doc.id: doc for doc in store.documents()} if shared else {}
    ranked = []
    for d, document_id in enumerate(shared):
        doc = info[document_id]
        who = tuple(names[i] for i in np.flatnonzero(coded[:, d]).tolist())
        ranked.append(DocumentDisagreement(document_id, doc.key, doc.title, who, int(doc_spans[d]), int(doc_unmatched[d])))
    ranked.sort(key=lambda r: (-r.rate, -r.unmatched, r.document_id))
    return ranked
