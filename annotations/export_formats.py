"""The JSONL formats: a task as one line of Prodigy's span format or of doccano's.

Offsets are Python ``str`` indices (Unicode code points), as everywhere in
Redline. Lines are compact UTF-8 JSON; the characters JSON may leave raw
but that line readers take for line ends (U+0085, U+2028, U+2029) are
written escaped, so one line is one task to every reader.
"""

from __future__ import annotations

import hashlib
import json
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from annotations.export_layers import ExportSpan, ExportSuggestion, Task, Tokens

META_FIELDS = ("key", "title", "annotator", "status", "note", "updated_at")
"""Names Redline writes in ``meta`` itself (import reads them back). A
document's own meta field of one of these names (only Markdown front matter
can bring one) is not exported."""

_LINE_BREAKS = ("\x85", "\u2028", "\u2029")


def _has_line_break(text: str) -> bool:
    return any(character in text for character in _LINE_BREAKS)


def dumps(value: Any) -> str:
    """Compact JSON on one line, whatever the reader counts as a line end."""
    return _escape_line_breaks(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _escape_line_breaks(text: str) -> str:
    for character in _LINE_BREAKS:
        if character in text:  # a fast scan; rarely true
            text = text.replace(character, f"\\u{ord(character):04x}")
    return text


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
    as a JSON array in UTF-8, made once per document.

    Tokens are most of an export line, so they are written straight to JSON
    bytes, five pieces a token joined once: the word, then ``","start":S``,
    ``,"end":E``, ``,"id":I`` and ``,"ws":W},{"text":"``, taken from tables
    of such strings (the ids are a slice of theirs). The words are cut
    out, escaped and encoded all at once, joined by a separator that is
    split off after.
    """
    if tokens.json is not None:
        return tokens.json
    starts, ends, spaces = tokens.starts, tokens.ends, tokens.spaces
    count = len(starts)
    if count == 0:
        tokens.json = b"[]"
        return tokens.json
    if _SEPARATOR in text:  # rare: escape word by word, NUL between them (escaped, no word holds one)
        words = [encode_basestring(text[start:end])[1:-1] for start, end in zip(starts, ends)]
        joined, separator = "\x00".join(words), b"\x00"
    else:  # escape all the words at once
        joined, separator = encode_basestring(tokens.words_joined(text, _SEPARATOR))[1:-1], _SEPARATOR.encode()
    if _has_line_break(text):
        joined = _escape_line_breaks(joined)
    pieces: list[bytes] = [b""] * (5 * count)
    pieces[0::5] = joined.encode("utf-8").split(separator)
    if _glue(max(ends[-1], count)):
        pieces[1::5] = map(_STARTS.__getitem__, starts)
        pieces[2::5] = map(_ENDS.__getitem__, ends)
        pieces[3::5] = _IDS[:count]
    else:
        pieces[1::5] = [_start(s).encode() for s in starts]
        pieces[2::5] = [_end(s).encode() for s in ends]
        pieces[3::5] = [_id(i).encode() for i in range(count)]
    pieces[4::5] = map(_WS.__getitem__, spaces)
    pieces[-1] = _LAST_WS[spaces[-1]]
    tokens.json = b'[{"text":"' + b"".join(pieces)
    return tokens.json


def _start(offset: int) -> str:
    return f'","start":{offset}'


def _end(offset: int) -> str:
    return f',"end":{offset}'


def _id(i: int) -> str:
    return f',"id":{i}'


_SEPARATOR = "\x7f"
"""Between words while they are escaped and encoded: a character JSON
leaves as it is, one byte in UTF-8, and all but unknown in text."""
_WS = [b',"ws":false},{"text":"', b',"ws":true},{"text":"']
"""A list, not a tuple: its ``__getitem__`` is the cheaper call."""
_LAST_WS = (b',"ws":false}]', b',"ws":true}]')

_GLUE_KEPT = 1 << 16
"""Offsets and token numbers below this take their JSON from tables (grown
as needed: a few MB at most); larger ones are formatted one by one."""
_STARTS: list[bytes] = []
_ENDS: list[bytes] = []
_IDS: list[bytes] = []


def _glue(largest: int) -> bool:
    """Grow the tables to cover ``largest``; False past the kept range."""
    if largest >= _GLUE_KEPT:
        return False
    if largest >= len(_STARTS):
        grown = range(len(_STARTS), min(_GLUE_KEPT, 2 * largest + 1))
        _STARTS.extend(_start(i).encode() for i in grown)
        _ENDS.extend(_end(i).encode() for i in grown)
        _IDS.extend(_id(i).encode() for i in grown)
    return True


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
    for span in task.spans:
        first, last = tokens.locate(span.start, span.end)
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
    shape = json.dumps(
        [[s["start"], s["end"], s["label"]] for s in spans]
        + [[spans[c]["start"], spans[c]["end"], spans[t]["start"], spans[t]["end"]] for c, t in task.links],
        separators=(",", ":"),
    )
    tail["_input_hash"] = text_hash
    tail["_task_hash"] = hash32(str(text_hash), task.annotator or task.kind, shape)
    if task.kind == "annotator":
        tail["_annotator_id"] = task.annotator
        tail["_session_id"] = task.annotator
    head = dumps({"text": task.document.text, "meta": _meta(task)})
    return b"".join(
        (
            head[:-1].encode("utf-8"),
            b',"tokens":',
            tokens_json(task.document.text, task.tokens),
            b",",
            dumps(tail)[1:].encode("utf-8"),
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
    return dumps(record).encode("utf-8")
