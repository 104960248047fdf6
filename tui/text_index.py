"""Offsets into one article: lines and stored tokens, found by bisection.

Textual's ``Document`` converts offsets by scanning the whole text on every
call; these indexes are built once per article, so a key press costs the
same on a 1 MB article as on a short one.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Protocol, TypeVar

_NEWLINE = re.compile("\n")


class Ranged(Protocol):
    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


_Ranged = TypeVar("_Ranged", bound=Ranged)


class LineIndex:
    """Where each line of a text starts; (row, column) <-> offset."""

    def __init__(self, text: str) -> None:
        self.length = len(text)
        self.starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def row(self, offset: int) -> int:
        """The line holding ``offset`` (a newline belongs to the line it ends)."""
        return bisect_right(self.starts, offset) - 1

    def location(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, self.length))
        row = self.row(offset)
        return row, offset - self.starts[row]

    def offset(self, location: tuple[int, int]) -> int:
        row, column = location
        return self.starts[row] + column

    def line_end(self, row: int) -> int:
        """The offset just past the last character of ``row`` (before its newline)."""
        if row + 1 < len(self.starts):
            return self.starts[row + 1] - 1
        return self.length


class TokenIndex:
    """The stored tokens of a text that are not whitespace, in order."""

    def __init__(self, text: str, tokens: Sequence[tuple[int, int]]) -> None:
        kept = [(start, end) for start, end in tokens if end > start and not text[start:end].isspace()]
        kept.sort()
        self.starts = [start for start, _ in kept]
        self.ends = [end for _, end in kept]

    def __len__(self) -> int:
        return len(self.starts)

    def covering(self, start: int, end: int) -> tuple[int, int] | None:
        """The smallest token-aligned range covering every token that
        [start, end) touches; for an empty range, the token at ``start``.
        None when only whitespace is touched."""
        if end <= start:
            return self.token_at(start)
        first = bisect_right(self.ends, start)
        past = bisect_left(self.starts, end)
        if first >= past:
            return None
        return self.starts[first], self.ends[past - 1]

    def token_at(self, offset: int) -> tuple[int, int] | None:
        """The token holding the character at ``offset``, else the token
        ending just before it (the cursor sits right after a word)."""
        i = bisect_right(self.ends, offset)
        if i < len(self.starts) and self.starts[i] <= offset:
            return self.starts[i], self.ends[i]
        if i > 0 and self.ends[i - 1] == offset:
            return self.starts[i - 1], self.ends[i - 1]
        return None

    def next_start(self, offset: int) -> int | None:
        """The start of the first token starting after ``offset``."""
        i = bisect_right(self.starts, offset)
        return self.starts[i] if i < len(self.starts) else None

    def previous_start(self, offset: int) -> int | None:
        """The start of the last token starting before ``offset``."""
        i = bisect_left(self.starts, offset)
        return self.starts[i - 1] if i > 0 else None

    def end_after(self, offset: int) -> int | None:
        """The end of the first token ending after ``offset``."""
        i = bisect_right(self.ends, offset)
        return self.ends[i] if i < len(self.ends) else None

    def end_before(self, offset: int) -> int | None:
        """The end of the last token ending before ``offset``."""
        i = bisect_left(self.ends, offset)
        return self.ends[i - 1] if i > 0 else None


def by_row(lines: LineIndex, items: Sequence[_Ranged]) -> dict[int, list[_Ranged]]:
    """Each item (anything with ``start`` and ``end``) under every row it touches."""
    rows: dict[int, list[_Ranged]] = {}
    for item in items:
        first = lines.row(item.start)
        last = lines.row(max(item.start, item.end - 1))
        for row in range(first, last + 1):
            rows.setdefault(row, []).append(item)
    return rows
