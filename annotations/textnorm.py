"""The canonical form of an article's text, decided once at import.

Every offset Redline stores indexes the canonical text, and the text pane
must show exactly that string. Textual's text widget (like most editors)
treats more than ``\\n`` as a line break and rejoins lines with ``\\n``, so
import rewrites every line break to ``\\n``:

- ``\\r\\n`` and a lone ``\\r`` become ``\\n`` (``\\r\\n`` shortens the text
  by one character, and offsets of pre-annotations are moved to match);
- the one-character separators ``\\v \\f \\x1c \\x1d \\x1e \\x85 \\u2028
  \\u2029`` become ``\\n`` (same length, offsets unchanged);
- a byte-order mark at the very start of a file is not text and is dropped.

Nothing else about the text changes: tabs, other control characters,
markup-like brackets and escape sequences are kept as they are and shown
inert.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

LINE_SEPARATORS = "\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_SEPARATOR_TABLE = str.maketrans({c: "\n" for c in LINE_SEPARATORS + "\r"})
_CRLF = re.compile("\r\n")
_SEPARATORS = "\r" + LINE_SEPARATORS


def _same(offset: int, *, start: bool = False) -> int:
    return offset


def canonical(text: str) -> tuple[str, Callable[..., int]]:
    """The canonical text and a function moving an offset of ``text`` onto it
    (``move(offset)`` for an end, ``move(offset, start=True)`` for a start)."""
    if is_canonical(text):  # the usual case: nothing to rewrite
        return text, _same
    crlf = [m.start() for m in _CRLF.finditer(text)]
    if crlf:
        # each "\r\n" at p loses its "\n" (index p + 1)
        removed = [p + 1 for p in crlf]
        text = _CRLF.sub("\n", text)

        def move(offset: int, *, start: bool = False) -> int:
            # an offset between "\r" and "\n" lands after the "\n" for an end,
            # before it for a start, so a span on the "\n" alone keeps it
            return offset - (bisect.bisect_right if start else bisect.bisect_left)(removed, offset)

    else:
        move = _same
    return text.translate(_SEPARATOR_TABLE), move


def is_canonical(text: str) -> bool:
    # one fast substring scan per character beats a regex character class
    return not any(separator in text for separator in _SEPARATORS)
