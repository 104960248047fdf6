"""Article text made safe to draw: control characters become visible and inert.

Article text is untrusted. Rich drops some control characters (which would
shift every offset after them) and passes the others, ESC included, to the
terminal. ``inert`` replaces each one with a visible stand-in of the same
length (one code point for one code point), so offsets into the shown text
are offsets into the stored text. Newlines and tabs are kept: they are
layout, and the text widget handles them.
"""

from __future__ import annotations

_C0 = {code: chr(0x2400 + code) for code in range(0x20) if code not in (0x09, 0x0A)}
"""C0 controls (ESC included) as Unicode control pictures: ␀ ␁ … ␛ … ␟."""

_OTHERS = {0x7F: "\u2421"}  # DEL as ␡
_OTHERS.update({code: "\ufffd" for code in range(0x80, 0xA0)})  # C1 controls
# bidirectional overrides and isolates reorder what a terminal shows
_OTHERS.update({code: "\ufffd" for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))})

_TABLE = str.maketrans({**_C0, **_OTHERS})


def inert(text: str) -> str:
    """``text`` with every control character replaced by a visible stand-in.

    The result has the same length and the same newlines as ``text``.
    """
    return text.translate(_TABLE)
