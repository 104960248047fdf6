"""The JSONL formats: a task as one line of Prodigy's span format or of doccano's.

Offsets are Python ``str`` indices (Unicode code points), as everywhere in
Redline. Lines are compact UTF-8 JSON; the characters JSON may leave raw
but that line readers take for line ends (U+0085, U+2028, U+2029) are
written escaped, so one line is one task to every reader.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import re
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from annotations.export_layers import ExportSpan, ExportSuggestion, Task, Tokens

META_FIELDS = ("key", "title", "annotator", "status", "note", "updated_at")
"""Names Redline writes in ``meta`` itself (import reads them back). A
document's own meta field of one of these names (only Markdown front matter
can bring one) is not exported."""

_LINE_BREAKS = ("\x85", "\u2028", "\u2029")
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\x85\u2028\u2029]')


def _has_line_break(text: str) -> bool:
    return any(character in text for character in _LINE_BREAKS)


def dumps(value: Any) -> str:
    """Compact JSON on one line, whatever the reader counts as a line end."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
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
    text, four pieces a token joined once: the word, and three pieces of
    JSON between words (``","start":S``, ``,"end":E``, and
    ``,"id":I,"ws":W},{"text":"``) taken from tables of such strings. Only
    the few words holding a quote, a backslash or a control character need
    escaping.
    """
    if tokens.json is not None:
        return tokens.json
    starts, ends, spaces = tokens.starts, tokens.ends, tokens.spaces
    count = len(starts)
    if count == 0:
        tokens.json = b"[]"
        return tokens.json
    words = [text[start:end] for start, end in zip(starts, ends)]
    line_breaks = _has_line_break(text)
    escaped = -1
    for match in _NEEDS_ESCAPE.finditer(text):
        at = match.start()
        if escaped >= 0 and at < ends[escaped]:
            continue  # another character of a word already escaped
        i = bisect.bisect_right(starts, at) - 1
        if i >= 0 and ends[i] > at:
            escaped = i
            word = text[starts[i] : ends[i]]
            words[i] = dumps(word)[1:-1] if line_breaks and _has_line_break(word) else encode_basestring(word)[1:-1]
    pieces: list[str] = [""] * (4 * count)
    pieces[0::4] = words
    if _glue(max(ends[-1], count)):
        pieces[1::4] = map(_STARTS.__getitem__, starts)
        pieces[2::4] = map(_ENDS.__getitem__, ends)
        pieces[3::4] = map(list.__getitem__, map(_IDS.__getitem__, spaces), range(count))
    else:
        pieces[1::4] = map(_start, starts)
        pieces[2::4] = map(_end, ends)
        pieces[3::4] = map(_id, range(count), spaces)
    pieces[-1] = f',"id":{count - 1},"ws":{"true" if spaces[-1] else "false"}}}]'
    tokens.json = ('[{"text":"' + "".join(pieces)).encode("utf-8")
    return tokens.json


def _start(offset: int) -> str:
    return f'","start":{offset}'


def _end(offset: int) -> str:
    return f',"end":{offset}'


def _id(i: int, space: bool) -> str:
    return f',"id":{i},"ws":{"true" if space else "false"}}},{{"text":"'


_GLUE_KEPT = 1 << 16
"""Offsets and token numbers below this take their JSON from tables (grown
as needed: a few MB at most); larger ones are formatted one by one."""
_STARTS: list[str] = []
_ENDS: list[str] = []
_IDS: tuple[list[str], list[str]] = ([], [])
"""The id and ws piece, without a space after the token and with one."""


def _glue(largest: int) -> bool:
    """Grow the tables to cover ``largest``; False past the kept range."""
    if largest >= _GLUE_KEPT:
        return False
    if largest >= len(_STARTS):
        grown = range(len(_STARTS), min(_GLUE_KEPT, 2 * largest + 1))
        _STARTS.extend(map(_start, grown))
        _ENDS.extend(map(_end, grown))
        _IDS[0].extend(map(_id, grown, itertools.repeat(False)))
        _IDS[1].extend(map(_id, grown, itertools.repeat(True)))
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
