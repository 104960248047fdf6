"""Scoring suggestions against annotations: precision, recall and F1 per label,
with overlap matching.

Suggested and annotated spans of a label are paired one to one when they
overlap, by a maximum matching (as ``redline agreement``'s relaxed F1
does): precision is the pairs over the suggestions, recall the pairs over
the annotations. One to one, so that fifty overlapping guesses at one claim
count once. Overlap rather than exact boundaries, because a claim is a
sentence to one annotator and a clause to another, and a suggestion that
lands on the right words is useful to accept and trim.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from annotations.agreement import max_overlap_matching

Spans = Iterable[tuple[str, int, int]]
"""(label, start, end) of one document."""
OVERALL = "overall"


@dataclass
class Tally:
    """Counts for one label (or all of them)."""

    predicted: int = 0
    gold: int = 0
    pairs: int = 0
    """Predicted and gold spans paired one to one by overlap."""

    def add(self, other: Tally) -> None:
        self.predicted += other.predicted
        self.gold += other.gold
        self.pairs += other.pairs

    def scores(self) -> dict[str, Any]:
        """``p``, ``r``, ``f`` (None when there is nothing to divide by) and the counts."""
        p = self.pairs / self.predicted if self.predicted else None
        r = self.pairs / self.gold if self.gold else None
        if p is None or r is None:
            f = None
        else:
            f = 0.0 if p + r == 0 else 2 * p * r / (p + r)
        return {
            "p": _round(p), "r": _round(r), "f": _round(f), "predicted": self.predicted, "gold": self.gold,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def tally(predicted: Spans, gold: Spans) -> dict[str, Tally]:
    """Per label, the counts of one document."""
    by_label: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    for label, start, end in predicted:
        by_label.setdefault(label, ([], []))[0].append((start, end))
    for label, start, end in gold:
        by_label.setdefault(label, ([], []))[1].append((start, end))
    counts: dict[str, Tally] = {}
    for label, (mine, theirs) in by_label.items():
        counts[label] = Tally(len(mine), len(theirs), max_overlap_matching(mine, theirs))
    return counts


def score(documents: Iterable[tuple[Spans, Spans]], labels: Iterable[str]) -> dict[str, dict[str, Any]]:
    """For (predicted, gold) pairs of documents: per label of ``labels``, and
    ``overall`` (micro-averaged over those labels), ``p``, ``r``, ``f`` and
    the counts."""
    wanted = list(labels)
    totals = {label: Tally() for label in wanted}
    for predicted, gold in documents:
        for label, counts in tally(predicted, gold).items():
            if label in totals:
                totals[label].add(counts)
    overall = Tally()
    for counts in totals.values():
        overall.add(counts)
    result = {label: totals[label].scores() for label in wanted}
    result[OVERALL] = overall.scores()
    return result
