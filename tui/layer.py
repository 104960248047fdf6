"""One annotator's layer of one document, indexed for the screen.

Built once from what the store returns when a document opens, then kept up
to date one change at a time (``add``, ``remove``, ``set_suggestions``,
``set_links``) with what the store returns after each action, so a key
press costs the same however many spans the article has. Lookups by offset
go through per-row buckets; each claim's group of members is worked out
when first asked for and kept until a change touches it.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from annotations.model import Link, Span, Suggestion
from tui.text_index import LineIndex, by_row

CLAIM = "claim"
"""The label whose spans are containers: the claim list is built from them."""

_start = attrgetter("start")


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
        self.spans = sorted(spans, key=reading_order)
        self.by_id = {span.id: span for span in self.spans}
        self._exact = {(span.label, span.start, span.end): span for span in self.spans}
        self._span_rows = by_row(lines, self.spans)
        self._claims = [span for span in self.spans if span.label == CLAIM]
        self._others = [span for span in self.spans if span.label != CLAIM]
        self._groups: dict[int, ClaimGroup] = {}
        """Claim id -> its group, for the claims asked about since they last changed."""
        self.suggestions: list[Suggestion] = []
        self._suggestion_rows: dict[int, list[Suggestion]] = {}
        self.set_suggestions(suggestions)
        self.links: set[tuple[int, int]] = set()
        self._targets: dict[int, list[int]] = {}
        self._claims_of: dict[int, set[int]] = {}
        self.set_links(links)

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

    def rows_of(self, item: Span | Suggestion) -> range:
        """The lines ``item`` touches."""
        return range(self.lines.row(item.start), self.lines.row(max(item.start, item.end - 1)) + 1)

    def is_linked(self, claim_id: int, target_id: int) -> bool:
        return (claim_id, target_id) in self.links

    def has_spans(self) -> bool:
        return bool(self.spans)

    # -- changes ------------------------------------------------------------

    def add(self, span: Span) -> None:
        """Put ``span`` (not in the layer yet) in its place."""
        insort(self.spans, span, key=reading_order)
        self.by_id[span.id] = span
        self._exact[(span.label, span.start, span.end)] = span
        for row in self.rows_of(span):
            insort(self._span_rows.setdefault(row, []), span, key=reading_order)
        if span.label == CLAIM:
            insort(self._claims, span, key=reading_order)
        else:
            insort(self._others, span, key=reading_order)
        self._forget_groups_of(span)

    def remove(self, span_id: int) -> Span | None:
        """Take the span with this id out; the span, or None if it was not here."""
        span = self.by_id.pop(span_id, None)
        if span is None:
            return None
        _discard(self.spans, span)
        del self._exact[(span.label, span.start, span.end)]
        for row in self.rows_of(span):
            bucket = self._span_rows[row]
            _discard(bucket, span)
            if not bucket:
                del self._span_rows[row]
        _discard(self._claims if span.label == CLAIM else self._others, span)
        self._forget_groups_of(span)
        return span

    def set_suggestions(self, suggestions: Sequence[Suggestion]) -> set[int]:
        """Replace the open suggestions; the lines whose suggestions changed."""
        ordered = sorted(suggestions, key=reading_order)
        if ordered == self.suggestions:
            return set()
        before = {s.id: s for s in self.suggestions}
        after = {s.id: s for s in ordered}
        rows: set[int] = set()
        for key in before.keys() | after.keys():
            old, new = before.get(key), after.get(key)
            if old != new:
                for item in (old, new):
                    if item is not None:
                        rows.update(self.rows_of(item))
        self.suggestions = ordered
        self._suggestion_rows = by_row(self.lines, ordered)
        return rows

    def set_links(self, links: Iterable[Link]) -> set[tuple[int, int]]:
        """Replace the links; the (claim, target) pairs added or removed."""
        pairs = {(link.claim_id, link.target_id) for link in links}
        changed = pairs ^ self.links
        if not changed:
            return changed
        self.links = pairs
        self._targets = {}
        self._claims_of = {}
        for claim_id, target_id in sorted(pairs):
            self._targets.setdefault(claim_id, []).append(target_id)
            self._claims_of.setdefault(target_id, set()).add(claim_id)
        for claim_id, target_id in changed:
            self._groups.pop(claim_id, None)
        return changed

    def _forget_groups_of(self, span: Span) -> None:
        """A span came or went: forget the groups it is (or was) in."""
        if span.label == CLAIM:
            self._groups.pop(span.id, None)
            return
        for claim_id in self.claims_holding(span):
            self._groups.pop(claim_id, None)

    # -- the claim list -----------------------------------------------------

    def claims(self) -> list[Span]:
        """Every claim, in reading order."""
        return list(self._claims)

    def claims_holding(self, span: Span) -> set[int]:
        """The claims ``span`` belongs to or could belong to: those whose
        span holds it, and those linked to it."""
        holding = {
            claim.id
            for claim in self._claims[: bisect_right(self._claims, span.start, key=_start)]
            if claim.end >= span.end
        }
        return holding | {claim for claim in self._claims_of.get(span.id, ()) if claim in self.by_id}

    def group(self, claim: Span) -> ClaimGroup:
        """The claim with the spans inside it and those linked to it, in reading order."""
        group = self._groups.get(claim.id)
        if group is not None and group.claim is claim:
            return group
        inside: list[Span] = []
        for span in self._others[bisect_left(self._others, claim.start, key=_start) :]:
            if span.start >= claim.end:
                break
            if span.end <= claim.end:
                inside.append(span)
        inside_ids = {span.id for span in inside}
        linked_ids = {t for t in self._targets.get(claim.id, ()) if t in self.by_id}
        members = inside + [self.by_id[t] for t in linked_ids - inside_ids]
        members.sort(key=reading_order)
        group = ClaimGroup(claim, [Member(span, span.id in inside_ids, span.id in linked_ids) for span in members])
        self._groups[claim.id] = group
        return group

    def outside(self) -> list[Span]:
        """The spans that belong to no claim, in reading order."""
        found: list[Span] = []
        claims, count = self._claims, len(self._claims)
        next_claim, reach = 0, -1  # reach: the furthest end of the claims started so far
        for span in self._others:
            while next_claim < count and claims[next_claim].start <= span.start:
                reach = max(reach, claims[next_claim].end)
                next_claim += 1
            if reach >= span.end:
                continue  # inside a claim
            if any(claim in self.by_id for claim in self._claims_of.get(span.id, ())):
                continue  # linked to one
            found.append(span)
        return found

    def claim_groups(self) -> tuple[list[ClaimGroup], list[Span]]:
        """Every claim in reading order with the spans that belong to it, and
        the spans that belong to no claim."""
        return [self.group(claim) for claim in self._claims], self.outside()


def _over(rows: dict, lines: LineIndex, start: int, end: int) -> list:
    """Items of ``rows`` overlapping [start, end), each once, in reading order."""
    if end <= start:
        return []
    seen: dict[int, object] = {}
    for row in range(lines.row(start), lines.row(end - 1) + 1):
        for item in rows.get(row, ()):
            if item.start < end and start < item.end:
                seen.setdefault(id(item), item)
    return sorted(seen.values(), key=reading_order)


def reading_order(item: Span | Suggestion) -> tuple[int, int, str]:
    """Reading order: by start, the enclosing span before what it encloses."""
    return item.start, -item.end, item.label


def _discard(items: list[Span], span: Span) -> None:
    """Remove ``span`` (this very object) from ``items``, kept in reading order."""
    position = bisect_left(items, reading_order(span), key=reading_order)
    while items[position] is not span:
        position += 1
    del items[position]
