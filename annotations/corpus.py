"""Read articles from .txt, .md and .jsonl files into ``DocumentInput``s.

Reading validates everything that can be checked without the database
(encoding, JSON, offsets, stated span text); the importer checks labels.
Every problem is a ``CorpusError`` naming the file and line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotations.model import DocumentInput, Layer, SpanInput
from annotations.textnorm import canonical

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (*TEXT_SUFFIXES, ".jsonl", ".ann")
"""A .txt with a .ann beside it is a brat document (``annotations.brat``)."""


class CorpusError(Exception):
    """One line: ``FILE:LINE: what is wrong``."""


def expand(paths: list[Path]) -> list[Path]:
    """Files to import, folders searched recursively, in sorted order. A
    brat document is its .txt (whose reader finds the .ann beside it)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            for ann in (p for p in found if p.suffix.lower() == ".ann"):
                _brat_text(ann)
            # a folder's annotations.jsonl comes after the articles it annotates
            files += [p for p in found if p.suffix.lower() not in (".jsonl", ".ann")] + [
                p for p in found if p.suffix.lower() == ".jsonl"
            ]
        elif path.is_file():
            if path.suffix.lower() not in SUFFIXES:
                raise CorpusError(f"{path}: not a supported format (use .txt, .md, .jsonl or a brat .ann)")
            files.append(_brat_text(path) if path.suffix.lower() == ".ann" else path)
        else:
            raise CorpusError(f"{path}: no such file or folder")
    return files


def _brat_text(ann: Path) -> Path:
    """The .txt a brat .ann annotates, which must be beside it."""
    text = ann.with_suffix(".txt")
    if not text.is_file():
        raise CorpusError(f"{ann}: no {text.name} beside it (brat keeps the text there)")
    return text


@dataclass(frozen=True, slots=True)
class Unit:
    """The raw bytes of one article: a whole .txt/.md file, or one line of a .jsonl file.

    Reading files as units is cheap I/O; the importer parses them in batches
    and hands the batches' texts to tokenizer processes.
    """

    path: Path
    line: int
    """The line number in a .jsonl file; 0 for a whole file."""
    raw: bytes


def units(path: Path) -> Iterator[Unit]:
    if path.suffix.lower() == ".jsonl":
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                yield Unit(path, number, raw)
    else:
        yield Unit(path, 0, path.read_bytes())


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read what files do not say themselves."""

    annotator: str | None = None
    """The annotator of pre-annotations that name none."""
    labels: frozenset[str] = frozenset()
    """The database's labels: a brat type of the same name (any case) is that label."""
    label_map: tuple[tuple[str, str], ...] = ()
    """(brat type, label) pairs given with ``--map``."""


def parse(unit: Unit, default_annotator: str | None = None, options: ReadOptions | None = None) -> DocumentInput | None:
    """The document in a unit; None for a blank JSONL line."""
    options = options or ReadOptions(annotator=default_annotator)
    if unit.line == 0:
        from annotations import brat  # it reads with this module's errors and helpers

        if brat.is_brat_text(unit.path):
            return brat.read_document(unit.path, unit.raw, options.labels, dict(options.label_map), options.annotator)
        return _text_file(unit.path, unit.raw)
    return _jsonl_line(unit.path, unit.line, unit.raw, options.annotator)


def read(path: Path, default_annotator: str | None = None) -> Iterator[DocumentInput]:
    for unit in units(path):
        item = parse(unit, default_annotator)
        if item is not None:
            yield item


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{where}: invalid UTF-8 at byte {error.start}") from None


def read_text_file(path: Path) -> DocumentInput:
    return _text_file(path, path.read_bytes())


def _text_file(path: Path, raw: bytes) -> DocumentInput:
    text = _decode(raw, f"{path}:1")
    meta: dict[str, Any] = {}
    if path.suffix.lower() == ".md":
        meta, text = _front_matter(text, path)
    text, _ = canonical(text)
    if not text.strip():
        raise CorpusError(f"{path}:1: the article is empty")
    # the title is the document's own column, not repeated in its meta
    title = str(meta.pop("title", "") or first_line(text))
    meta["file"] = path.name
    return DocumentInput(text=text, key=path.stem, title=title, meta=meta, source=str(path), nbytes=len(raw))


def _front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Split a leading ``---`` block of ``key: value`` lines from the body."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return {}, text
    meta: dict[str, Any] = {}
    for number, line in enumerate(lines[1:], start=2):
        stripped = line.rstrip("\r\n")
        if stripped == "---":
            body = "".join(lines[number:]).lstrip("\r\n")
            _check_meta(meta, f"{path}:1")
            return meta, body
        if not stripped.strip() or stripped.lstrip().startswith("#"):
            continue
        key, sep, value = stripped.partition(":")
        if not sep or not key.strip() or " " in key.strip():
            raise CorpusError(f"{path}:{number}: front matter line is not 'key: value'")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        meta[key.strip().lower()] = value
    raise CorpusError(f"{path}:1: front matter opened with '---' is never closed")


def _check_meta(meta: dict[str, Any], where: str) -> None:
    published = meta.get("published")
    if published in (None, ""):
        meta.pop("published", None)
        return
    try:
        meta["published"] = dt.date.fromisoformat(str(published)[:10]).isoformat()
    except ValueError:
        raise CorpusError(f"{where}: published date {published!r} is not YYYY-MM-DD") from None


def first_line(text: str) -> str:
    """The first non-empty line (the text is canonical: lines end with "\n")."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        title = text[start:end].strip().lstrip("#").strip()
        if title:
            return title if len(title) <= 200 else title[:199] + "…"
        start = end + 1
    return ""


def read_jsonl(path: Path, default_annotator: str | None = None) -> Iterator[DocumentInput]:
    yield from read(path, default_annotator)


def _jsonl_line(path: Path, number: int, raw: bytes, default_annotator: str | None) -> DocumentInput | None:
    where = f"{path}:{number}"
    line = _decode(raw, where)
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise CorpusError(f"{where}: malformed JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(record, dict):
        raise CorpusError(f"{where}: expected a JSON object")
    return _record(record, where, path, number, default_annotator, len(raw))


def _record(
    record: dict[str, Any], where: str, path: Path, number: int, default_annotator: str | None, nbytes: int
) -> DocumentInput:
    original = record.get("text")
    if original is None:
        raise CorpusError(f'{where}: "text" is missing')
    if not isinstance(original, str):
        raise CorpusError(f'{where}: "text" must be a string')
    raw = original  # what the line's span offsets index
    bom = 1 if original.startswith("\ufeff") else 0
    original = original[bom:]
    if not original.strip():
        raise CorpusError(f'{where}: "text" is empty')
    try:
        original.encode("utf-8")
    except UnicodeEncodeError as error:  # JSON can spell a lone surrogate, UTF-8 cannot store it
        raise CorpusError(f'{where}: "text" has an unpaired surrogate at character {error.start + bom}') from None
    meta = record.get("meta") or {}
    if not isinstance(meta, dict):
        raise CorpusError(f'{where}: "meta" must be an object')
    meta = dict(meta)
    text, canonical_move = canonical(original)

    def move(offset: int, *, start: bool = False) -> int:
        return canonical_move(max(offset - bom, 0), start=start)

    meta_key, meta_title = meta.pop("key", None), meta.pop("title", None)
    key = record.get("id", meta_key)
    key = f"{path.stem}-{number}" if key is None else str(key)
    title = record.get("title") or meta_title or first_line(text)
    status = meta.pop("status", None)
    note = meta.pop("note", "") or ""
    for transient in ("annotator", "updated_at"):
        meta.pop(transient, None)
    _check_meta(meta, where)
    layer = _layer(record, raw, move, where, default_annotator)
    if layer is not None and status is not None:
        layer.status, layer.note = str(status), str(note)
    return DocumentInput(
        text=text,
        key=key,
        title=str(title),
        meta=meta,
        source=where,
        layers=[layer] if layer is not None else [],
        nbytes=nbytes,
    )


def _annotator(record: dict[str, Any], default: str | None) -> str | None:
    for field in ("_annotator_id", "_session_id", "annotator"):
        value = record.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return default


def _layer(
    record: dict[str, Any], original: str, move: Any, where: str, default_annotator: str | None
) -> Layer | None:
    """The line's pre-annotations, offsets moved onto the canonical text."""
    raw_spans: list[_RawSpan] = []
    spans = record.get("spans")
    if spans is not None:
        if not isinstance(spans, list):
            raise CorpusError(f'{where}: "spans" must be a list')
        for span in spans:
            if not isinstance(span, dict):
                raise CorpusError(f'{where}: each span must be an object with "start", "end", "label"')
            raw_spans.append(
                _RawSpan(
                    span.get("start"),
                    span.get("end"),
                    span.get("label"),
                    span.get("text"),
                    span.get("norm"),
                    span.get("decided_by"),
                )
            )
    for field in ("label", "labels"):
        doccano = record.get(field)
        if isinstance(doccano, list):
            for item in doccano:
                if not isinstance(item, list) or len(item) != 3:
                    raise CorpusError(f'{where}: each doccano "{field}" item must be [start, end, label]')
                raw_spans.append(_RawSpan(item[0], item[1], item[2]))
    entities = record.get("entities")
    if isinstance(entities, list):
        for item in entities:
            if not isinstance(item, dict):
                raise CorpusError(f'{where}: each doccano entity must be an object')
            raw_spans.append(
                _RawSpan(item.get("start_offset"), item.get("end_offset"), item.get("label"), entity_id=item.get("id"))
            )
    answer = record.get("answer")
    has_status = isinstance(record.get("meta"), dict) and bool(record["meta"].get("status"))
    if not raw_spans and not has_status and answer != "reject":
        return None
    annotator = _annotator(record, default_annotator)
    if annotator is None:
        if not raw_spans:
            return None
        raise CorpusError(f"{where}: spans need an annotator: set \"_annotator_id\" or pass --annotator")
    layer = Layer(annotator=annotator)
    index_of: dict[tuple[int, int, str], int] = {}
    entity_index: dict[Any, int] = {}
    offsets: list[tuple[int, int]] = []  # as the line states them, for messages
    for raw in raw_spans:
        start, end, label, stated, norm = raw.start, raw.end, raw.label, raw.stated, raw.norm
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
            raise CorpusError(f"{where}: span offsets must be integers, got {start!r}, {end!r}")
        if not isinstance(label, str) or not label.strip():
            raise CorpusError(f"{where}: span [{start}, {end}) has no label")
        if not 0 <= start < end <= len(original):
            raise CorpusError(f"{where}: span [{start}, {end}) is outside the text (length {len(original)})")
        if stated is not None and stated != original[start:end]:
            raise CorpusError(
                f"{where}: span [{start}, {end}) says {short_quote(stated)} but the text there is {short_quote(original[start:end])}"
            )
        if norm is not None and not isinstance(norm, dict):
            raise CorpusError(f'{where}: span [{start}, {end}) "norm" must be an object')
        decided_by = raw.decided_by if isinstance(raw.decided_by, str) and raw.decided_by.strip() else None
        label = label.strip().lower()
        index_of[(start, end, label)] = len(layer.spans)
        if raw.entity_id is not None:
            entity_index[raw.entity_id] = len(layer.spans)
        layer.spans.append(
            SpanInput(label, move(start, start=True), move(end), norm, decided_by and decided_by.strip())
        )
        offsets.append((start, end))
    relations = record.get("relations")
    if isinstance(relations, list):
        for relation in relations:
            if isinstance(relation, dict) and "from_id" in relation and "to_id" in relation:
                # doccano: relations between entities by their ids
                try:
                    pair = (entity_index[relation["from_id"]], entity_index[relation["to_id"]])
                except (KeyError, TypeError):
                    raise CorpusError(f'{where}: a relation joins entities that are not in "entities"') from None
            else:
                pair = _prodigy_relation(relation, index_of, where)
            layer.links.append(_oriented(pair, layer.spans, offsets, where))
    if answer == "reject" and layer.status is None:
        layer.status = "skipped"
    return layer


@dataclass(slots=True)
class _RawSpan:
    """A span as a line states it, before it is checked."""

    start: Any
    end: Any
    label: Any
    stated: Any = None
    norm: Any = None
    decided_by: Any = None
    entity_id: Any = None


def _prodigy_relation(relation: Any, index_of: dict[tuple[int, int, str], int], where: str) -> tuple[int, int]:
    head = relation.get("head_span") if isinstance(relation, dict) else None
    child = relation.get("child_span") if isinstance(relation, dict) else None
    if not isinstance(head, dict) or not isinstance(child, dict):
        raise CorpusError(f'{where}: each relation needs "head_span" and "child_span"')
    try:
        return (
            index_of[(head["start"], head["end"], str(head["label"]).strip().lower())],
            index_of[(child["start"], child["end"], str(child["label"]).strip().lower())],
        )
    except KeyError:
        raise CorpusError(f'{where}: a relation joins spans that are not in "spans"') from None


def _oriented(
    pair: tuple[int, int], spans: list[SpanInput], offsets: list[tuple[int, int]], where: str
) -> tuple[int, int]:
    """A relation as a link (claim, target): a link starts at a claim."""
    first, second = spans[pair[0]].label, spans[pair[1]].label
    if first == "claim" and second != "claim":
        return pair
    if second == "claim" and first != "claim":
        return pair[1], pair[0]
    (a, b), (c, d) = offsets[pair[0]], offsets[pair[1]]
    raise CorpusError(
        f"{where}: relation between {first} [{a}, {b}) and {second} [{c}, {d}):"
        " a link joins a claim to a span of another label"
    )


def short_quote(value: str) -> str:
    return json.dumps(value if len(value) <= 40 else value[:39] + "…", ensure_ascii=False)
