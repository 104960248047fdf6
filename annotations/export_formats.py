"""The JSONL formats: a task as one line of Prodigy's span format or of doccano's.

Offsets are Python ``str`` indices (Unicode code points), as everywhere in
Redline. Lines are compact UTF-8 JSON; the characters JSON may leave raw
but that line readers take for line ends (U+0085, U+2028, U+2029) are
written escaped, so one line is one task to every reader.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from collections.abc import Callable
from typing import Any

from annotations.export_layers import Task, Tokens
from annotations.model import Span, Suggestion

META_FIELDS = ("key", "title", "annotator", "status", "note", "updated_at")
"""Names Redline writes in ``meta`` itself (import reads them back). A
document's own meta field of one of these names (only Markdown front matter
can bring one) is not exported."""

_LINE_BREAKS = ("\x85", "\u2028", "\u2029")
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\x85\u2028\u2029]')
_WS_CLOSE = ("false},", "true},")


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


def tokens_json(text: str, tokens: Tokens) -> str:
    """Prodigy's token objects (``text``, ``start``, ``end``, ``id``, ``ws``)
    as a JSON array, made once per document.

    Tokens are most of an export line, so they are written straight to JSON
    text: the pieces of every object are laid side by side in one list by
    slice assignment and joined once, with no per-token formatting. Only the
    few words holding a quote, a backslash or a control character need
    escaping.
    """
    if tokens.json is not None:
        return tokens.json
    starts, ends = tokens.starts, tokens.ends
    count = len(starts)
    if count == 0:
        tokens.json = "[]"
        return tokens.json
    words = [text[start:end] for start, end in zip(starts, ends)]
    escaped: set[int] = set()
    for match in _NEEDS_ESCAPE.finditer(text):
        i = bisect.bisect_right(starts, match.start()) - 1
        if i >= 0 and ends[i] > match.start() and i not in escaped:
            escaped.add(i)
            word = text[starts[i] : ends[i]]
            words[i] = dumps(word)[1:-1] if _has_line_break(word) else encode_basestring(word)[1:-1]
    decimals = _decimals(max(ends[-1], count))
    number: Callable[[int], str] = str if decimals is None else decimals.__getitem__
    pieces: list[str] = [""] * (10 * count)
    pieces[0::10] = ['{"text":"'] * count
    pieces[1::10] = words
    pieces[2::10] = ['","start":'] * count
    pieces[3::10] = map(number, starts)
    pieces[4::10] = [',"end":'] * count
    pieces[5::10] = map(number, ends)
    pieces[6::10] = [',"id":'] * count
    pieces[7::10] = map(str, range(count)) if decimals is None else decimals[:count]
    pieces[8::10] = [',"ws":'] * count
    pieces[9::10] = map(_WS_CLOSE.__getitem__, tokens.spaces)
    pieces[-1] = pieces[-1][:-1]  # no comma after the last object
    tokens.json = "[" + "".join(pieces) + "]"
    return tokens.json


_DECIMALS: list[str] = []
_DECIMALS_KEPT = 1 << 16
"""Numbers below this are written from a table of their decimal strings
(grown as needed: a few MB at most)."""


def _decimals(largest: int) -> list[str] | None:
    """``str(n)`` for every n up to ``largest`` as a list, or None past the kept range."""
    if largest >= _DECIMALS_KEPT:
        return None
    if largest >= len(_DECIMALS):
        _DECIMALS.extend(map(str, range(len(_DECIMALS), min(_DECIMALS_KEPT, 2 * largest + 1))))
    return _DECIMALS


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
        if isinstance(span, Span) and span.decided_by is not None:
            item["decided_by"] = span.decided_by
        if isinstance(span, Suggestion):
            item["source"] = span.source
            if span.score is not None:
                item["score"] = span.score
        spans.append(item)
    return spans


def prodigy_line(task: Task) -> str:
    """The task in Prodigy's span format, as one JSON line (no newline).

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
    return f'{head[:-1]},"tokens":{tokens_json(task.document.text, task.tokens)},{dumps(tail)[1:]}'


def doccano_line(task: Task) -> str:
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
    return dumps(record)
