"""One annotator's layer of one document, indexed for the screen.

Built from what the store returns after each change (spans, open
suggestions, links); lookups by offset go through per-row buckets, so
they cost the same however long the article is.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from annotations.model import Link, Span, Suggestion
from tui.text_index import LineIndex, by_row

CLAIM = "claim"
"""The label whose spans are containers: the claim list is built from them."""


@dataclass(frozen=True, slots=True)
class Member:
    """A span that belongs to a claim: inside its span, linked to it, or both."""

    span: Span
    inside: bool
    linked: bool


@dataclass(slots=True)
class ClaimGroup:
    claim: Span
    members: list[Member] = field(default_factory=list)


class Layer:
    """Spans, open suggestions and links of one document for one annotator."""

    def __init__(
        self,
        lines: LineIndex,
        spans: Sequence[Span] = (),
        suggestions: Sequence[Suggestion] = (),
        links: Sequence[Link] = (),
    ) -> None:
        self.lines = lines
        self.spans = sorted(spans, key=_reading)
        self.suggestions = sorted(suggestions, key=_reading)
        self.links = {(link.claim_id, link.target_id) for link in links}
        self._targets: dict[int, list[int]] = {}
        for claim_id, target_id in self.links:
            self._targets.setdefault(claim_id, []).append(target_id)
        self.by_id = {span.id: span for span in self.spans}
        self._exact = {(span.label, span.start, span.end): span for span in self.spans}
        self._span_rows = by_row(lines, self.spans)
        self._suggestion_rows = by_row(lines, self.suggestions)

    # -- lookups ------------------------------------------------------------

    def find(self, label: str, start: int, end: int) -> Span | None:
        return self._exact.get((label, start, end))

    def spans_at(self, offset: int) -> list[Span]:
        return [s for s in self._span_rows.get(self.lines.row(offset), ()) if s.start <= offset < s.end]

    def spans_over(self, start: int, end: int) -> list[Span]:
        return _over(self._span_rows, self.lines, start, end)

    def suggestions_at(self, offset: int) -> list[Suggestion]:
        return [s for s in self._suggestion_rows.get(self.lines.row(offset), ()) if s.start <= offset < s.end]

    def suggestions_over(self, start: int, end: int) -> list[Suggestion]:
        return _over(self._suggestion_rows, self.lines, start, end)

    def on_row(self, row: int) -> tuple[list[Suggestion], list[Span]]:
        """The suggestions and spans that touch line ``row``."""
        return self._suggestion_rows.get(row, []), self._span_rows.get(row, [])

    def rows_changed_since(self, other: Layer) -> set[int]:
        """The lines whose spans or suggestions differ from ``other``'s
        (a layer of the same text)."""
        rows: set[int] = set()
        for mine, theirs in ((self._span_rows, other._span_rows), (self._suggestion_rows, other._suggestion_rows)):
            rows.update(row for row in mine.keys() | theirs.keys() if mine.get(row) != theirs.get(row))
        return rows

    def is_linked(self, claim_id: int, target_id: int) -> bool:
        return (claim_id, target_id) in self.links

    def has_spans(self) -> bool:
        return bool(self.spans)

    # -- the claim list -----------------------------------------------------

    def claim_groups(self) -> tuple[list[ClaimGroup], list[Span]]:
        """Every claim in reading order with the spans that belong to it, and
        the spans that belong to no claim."""
        others = [span for span in self.spans if span.label != CLAIM]
        other_starts = [span.start for span in others]
        groups: list[ClaimGroup] = []
        belongs: set[int] = set()
        for claim in self.spans:
            if claim.label != CLAIM:
                continue
            group = ClaimGroup(claim)
            inside_ids: set[int] = set()
            first = bisect_left(other_starts, claim.start)
            for span in others[first:]:
                if span.start >= claim.end:
                    break
                if span.end <= claim.end:
                    inside_ids.add(span.id)
            linked_ids = {t for t in self._targets.get(claim.id, ()) if t in self.by_id}
            for span_id in sorted(inside_ids | linked_ids, key=lambda i: _reading(self.by_id[i])):
                group.members.append(Member(self.by_id[span_id], span_id in inside_ids, span_id in linked_ids))
            belongs |= inside_ids | linked_ids
            groups.append(group)
        outside = [span for span in others if span.id not in belongs]
        return groups, outside


def _over(rows: dict, lines: LineIndex, start: int, end: int) -> list:
    """Items of ``rows`` overlapping [start, end), each once, in reading order."""
    if end <= start:
        return []
    seen: dict[int, object] = {}
    for row in range(lines.row(start), lines.row(end - 1) + 1):
        for item in rows.get(row, ()):
            if item.start < end and start < item.end:
                seen.setdefault(id(item), item)
    return sorted(seen.values(), key=_reading)


def _reading(item: Span | Suggestion) -> tuple[int, int, str]:
    """Reading order: by start, the enclosing span before what it encloses."""
    return item.start, -item.end, item.label
