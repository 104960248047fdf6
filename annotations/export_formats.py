"""The JSONL formats: a task as one line of Prodigy's span format or of doccano's.

Offsets are Python ``str`` indices (Unicode code points), as everywhere in
Redline. Lines are compact UTF-8 JSON; the characters JSON may leave raw
but that line readers take for line ends (U+0085, U+2028, U+2029) are
written escaped, so one line is one task to every reader.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from annotations.export_layers import ExportSpan, ExportSuggestion, StoredJSON, Task, Tokens
from annotations.speedups import compiled

META_FIELDS = ("key", "title", "annotator", "status", "note", "updated_at")
"""Names Redline writes in ``meta`` itself (import reads them back). A
document's own meta field of one of these names (only Markdown front matter
can bring one) is not exported."""

_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def dumps(value: Any) -> str:
    """Compact JSON on one line, whatever the reader counts as a line end,
    by the standard encoder (``json_bytes`` is the fast way)."""
    return _escape_line_breaks(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_stored_value))


def json_bytes(value: Any) -> bytes:
    """``dumps`` in UTF-8, written by orjson, five times faster than the
    standard encoder (which writes what orjson refuses, such as an integer
    past 64 bits). Floats may be written differently (``1e-05`` as
    ``0.00001``), the same number to any reader; NaN and infinities, which
    JSON has not, as null. ``StoredJSON`` values go in as they are."""
    try:
        data = orjson.dumps(value, default=_stored_json)
    except orjson.JSONEncodeError:
        return dumps(value).encode("utf-8")
    for character, escaped in _LINE_BREAKS_UTF8:
        if character in data:  # rarely true
            data = data.replace(character, escaped)
    return data


def _stored_json(value: Any) -> Any:
    """orjson's hook for what it does not know: JSON text from the database
    goes in as it is, when it is on one line (as the store writes it)."""
    if isinstance(value, StoredJSON):
        if "\n" in value.text or "\r" in value.text:
            return value.value()
        return orjson.Fragment(value.text)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _stored_value(value: Any) -> Any:
    """The standard encoder's hook: JSON text from the database, parsed."""
    if isinstance(value, StoredJSON):
        return value.value()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _ascii_json(value: Any) -> str:
    """Compact JSON with anything past ASCII escaped, as ``json.dumps`` writes
    it by default (what task hashes have always been taken of)."""
    data = orjson.dumps(value)
    if data.isascii() and b"\x7f" not in data:  # label names always are (json.dumps escapes DEL, orjson not)
        return data.decode("ascii")
    return json.dumps(value, separators=(",", ":"))


def _escape_line_breaks(text: str) -> str:
    for character in _LINE_BREAKS:
        if character in text:  # a fast scan; rarely true
            text = text.replace(character, f"\\u{ord(character):04x}")
    return text


_ESCAPES = {byte: json.dumps(chr(byte))[1:-1].encode() for byte in (*range(0x20), ord('"'))}
"""What JSON writes for each byte that must be escaped (but the backslash)."""
_PLAIN = bytes(byte for byte in range(256) if byte not in _ESCAPES and byte != ord("\\"))
_LINE_BREAKS_UTF8 = [(character.encode("utf-8"), f"\\u{ord(character):04x}".encode()) for character in _LINE_BREAKS]


def escape_utf8(data: bytes, line_breaks: bool) -> bytes:
    """UTF-8 text as the inside of a JSON string, the same bytes ``dumps``
    writes: each character to escape is a byte of its own in UTF-8, so a
    replace per kind present does it (backslashes first). ``line_breaks``:
    whether the text holds one of ``_LINE_BREAKS`` (cheaper to find in the
    ``str``)."""
    special = data.translate(None, _PLAIN)
    if special:
        if b"\\" in special:
            data = data.replace(b"\\", b"\\\\")
        for byte in set(special):
            if byte in _ESCAPES:
                data = data.replace(bytes((byte,)), _ESCAPES[byte])
    if line_breaks:
        for character, escaped in _LINE_BREAKS_UTF8:
            data = data.replace(character, escaped)
    return data


def has_line_break(text: str) -> bool:
    return any(character in text for character in _LINE_BREAKS)


def json_string(text: str) -> bytes:
    """The inside of ``text``'s JSON string, in UTF-8."""
    if compiled is not None:
        return compiled.json_string(text)
    return json_string_python(text)


def json_string_python(text: str) -> bytes:
    """``json_string`` in Python: the reference for the C version."""
    return escape_utf8(text.encode("utf-8"), has_line_break(text))


def hash32(*parts: str) -> int:
    """A signed 32-bit integer from SHA-256, as Prodigy's hashes are: the same
    on every machine and in every run."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big", signed=True)


def input_hash(sha256_hex: str) -> int:
    """Prodigy's ``_input_hash`` of a text: the first 4 bytes of its SHA-256."""
    return int.from_bytes(bytes.fromhex(sha256_hex[:8]), "big", signed=True)


def tokens_json(text: str, tokens: Tokens) -> bytes:
    """Prodigy's token objects (``text``, ``start``, ``end``, ``id``, ``ws``)
    as a JSON array in UTF-8, made once per document: in C straight from
    the stored tokens when they are in spaCy's layout (as spaCy's own
    always are), else in Python."""
    if tokens.json is None:
        made = None
        if compiled is not None and tokens.packed is not None:
            made = compiled.token_objects(*tokens.packed)
            if made is not None:
                tokens.packed_in_layout()
        tokens.json = made if made is not None else tokens_json_python(text, tokens)
    return tokens.json


def tokens_json_python(text: str, tokens: Tokens) -> bytes:
    """``tokens_json`` in Python, for any layout: the reference for the C version.

    Tokens are most of an export line, so they are written straight to JSON
    bytes, four pieces a token joined once: the word, then ``","start":S``,
    ``,"end":E`` and ``,"id":I,"ws":W},{"text":"``, gathered from tables of
    such pieces by the token arrays. The words are cut out of the UTF-8
    text and escaped all at once, joined by a separator split off after.
    """
    count = len(tokens)
    if count == 0:
        return b"[]"
    starts, ends, spaces = tokens.arrays
    data = text.encode("utf-8")
    if _SEPARATOR in data:  # rare: escape word by word, a NUL between them (escaped, no word holds one)
        words = [json_string_python(text[start:end]) for start, end in zip(tokens.starts, tokens.ends)]
        joined, separator = b"\x00".join(words), b"\x00"
    else:  # escape all the words at once
        joined = escape_utf8(tokens.words_joined(text, data, _SEPARATOR[0]), has_line_break(text))
        separator = _SEPARATOR
    pieces: list[bytes] = [b""] * (4 * count)
    pieces[0::4] = joined.split(separator)
    largest = max(int(ends[-1]), count)
    if largest < _GLUE_KEPT:
        glue = _glue(largest)
        pieces[1::4] = glue.starts.take(starts).tolist()
        pieces[2::4] = glue.ends.take(ends).tolist()
        # the id and ws piece of token i is at 2i + ws
        numbered = np.arange(0, 2 * count, 2)
        numbered += spaces
        pieces[3::4] = glue.ids.take(numbered).tolist()
    else:
        pieces[1::4] = [_start(offset) for offset in starts.tolist()]
        pieces[2::4] = [_end(offset) for offset in ends.tolist()]
        pieces[3::4] = [_id(i, space) for i, space in enumerate(spaces.tolist())]
    pieces[-1] = _LAST[bool(spaces[-1])] % (count - 1)
    return b'[{"text":"' + b"".join(pieces)


def _start(offset: int) -> bytes:
    return b'","start":%d' % offset


def _end(offset: int) -> bytes:
    return b',"end":%d' % offset


def _id(i: int, space: bool) -> bytes:
    return b',"id":%d,"ws":%s},{"text":"' % (i, b"true" if space else b"false")


_LAST = (b',"id":%d,"ws":false}]', b',"id":%d,"ws":true}]')
_SEPARATOR = b"\x7f"
"""Between words while they are escaped: a character JSON leaves as it is,
one byte in UTF-8, and all but unknown in text."""

_GLUE_KEPT = 1 << 16
"""Offsets and token numbers below this take their JSON from tables (grown
as needed: a few MB at most); larger ones are formatted one by one."""


@dataclass(frozen=True)
class _Glue:
    """The JSON between words, for every offset and token number below ``size``."""

    size: int
    starts: np.ndarray
    ends: np.ndarray
    ids: np.ndarray
    """The id and ws piece of token i, without a space after it at 2i, with one at 2i + 1."""


_glue_made = _Glue(0, *(np.empty(0, dtype=object) for _ in range(3)))


def _glue(largest: int) -> _Glue:
    """Tables covering ``largest`` (below ``_GLUE_KEPT``)."""
    global _glue_made
    glue = _glue_made
    if largest >= glue.size:
        size = min(_GLUE_KEPT, 2 * largest + 1)
        ids = [_id(i, space) for i in range(size) for space in (False, True)]
        glue = _Glue(size, _table([_start(i) for i in range(size)]), _table([_end(i) for i in range(size)]), _table(ids))
        _glue_made = glue
    return glue


def _table(pieces: list[bytes]) -> np.ndarray:
    table = np.empty(len(pieces), dtype=object)
    table[:] = pieces  # element by element: the bytes stay objects
    return table


def _meta(task: Task) -> dict[str, Any]:
    document = task.document
    meta: dict[str, Any] = {"key": document.key, "title": document.title}
    for name, value in document.meta.items():
        if name not in META_FIELDS:
            meta[name] = value
    if task.kind == "annotator":
        assert task.status is not None
        meta["annotator"] = task.annotator
        meta["status"] = task.status.status
        meta["note"] = task.status.note
        meta["updated_at"] = task.updated_at
    return meta


def prodigy_spans(task: Task) -> list[dict[str, Any]]:
    text, tokens = task.document.text, task.tokens
    spans: list[dict[str, Any]] = []
    located = tokens.locate_all([span.start for span in task.spans], [span.end for span in task.spans])
    for span, (first, last) in zip(task.spans, located):
        item: dict[str, Any] = {
            "start": span.start,
            "end": span.end,
            "text": text[span.start : span.end],
            "label": span.label,
            "token_start": first,
            "token_end": last,
        }
        if span.norm is not None:
            item["norm"] = span.norm
        if isinstance(span, ExportSpan) and span.decided_by is not None:
            item["decided_by"] = span.decided_by
        if isinstance(span, ExportSuggestion):
            item["source"] = span.source
            if span.score is not None:
                item["score"] = span.score
        spans.append(item)
    return spans


def prodigy_line(task: Task) -> bytes:
    """The task in Prodigy's span format, as one UTF-8 JSON line (no newline).

    An annotator's layer carries ``relations`` (claim links: ``head`` and
    ``child`` are the last tokens of the claim and of the linked span),
    ``answer`` ("reject" for a skipped document, else "accept") and
    ``_annotator_id``/``_session_id``; the suggestions and bare texts are
    tasks nobody has answered, without them.
    """
    tokens = tokens_json(task.document.text, task.tokens)  # first: from the packed tokens, if it can
    spans = prodigy_spans(task)
    tail: dict[str, Any] = {"spans": spans}
    if task.kind == "annotator":
        relations = []
        for claim, target in task.links:
            head, child = spans[claim], spans[target]
            relations.append(
                {
                    "head": head["token_end"],
                    "child": child["token_end"],
                    "head_span": {k: head[k] for k in ("start", "end", "token_start", "token_end", "label")},
                    "child_span": {k: child[k] for k in ("start", "end", "token_start", "token_end", "label")},
                    "label": child["label"],
                }
            )
        tail["relations"] = relations
        tail["answer"] = "reject" if task.skipped else "accept"
    text_hash = input_hash(task.document.sha256)
    shape = _ascii_json(
        [[s["start"], s["end"], s["label"]] for s in spans]
        + [[spans[c]["start"], spans[c]["end"], spans[t]["start"], spans[t]["end"]] for c, t in task.links]
    )
    tail["_input_hash"] = text_hash
    tail["_task_hash"] = hash32(str(text_hash), task.annotator or task.kind, shape)
    if task.kind == "annotator":
        tail["_annotator_id"] = task.annotator
        tail["_session_id"] = task.annotator
    return b"".join(
        (
            b'{"text":"',
            json_string(task.document.text),
            b'","meta":',
            json_bytes(_meta(task)),
            b',"tokens":',
            tokens,
            b",",
            json_bytes(tail)[1:],
        )
    )


def doccano_line(task: Task) -> bytes:
    """The task as a doccano sequence-labelling line: ``id`` (the document
    key), ``text``, ``label`` as [start, end, label], the layer's
    ``annotator`` and the rest in ``meta``. doccano has no place for links or
    normalised values: use JSONL to keep them."""
    seen: set[tuple[int, int, str]] = set()
    labels = []
    for span in task.spans:
        triple = (span.start, span.end, span.label)
        if triple not in seen:  # suggestions from two sources agree
            seen.add(triple)
            labels.append(list(triple))
    record: dict[str, Any] = {"id": task.document.key, "text": task.document.text, "label": labels}
    meta = _meta(task)
    del meta["key"]
    if task.annotator is not None:
        record["annotator"] = meta.pop("annotator")
    record["meta"] = meta
    return json_bytes(record)
