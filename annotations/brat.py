"""brat standoff, both ways: the format every corpus of the last fifteen
years ships in, and what INCEpTION imports and exports.

A brat document is ``NAME.txt`` with ``NAME.ann`` beside it. Its offsets
are Unicode code points into the ``.txt``, end exclusive, as Redline's are.
An export is one folder per layer (annotator, ``gold``, ``suggestions``),
with ``annotation.conf`` and ``visual.conf`` at the top, which brat reads
for every folder below. What brat has no place for (the document's key,
title and metadata, the layer's status and note) goes in a ``redline.json``
beside the documents, which brat ignores and ``redline import`` reads.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from annotations.corpus import CorpusError, first_line, short_quote
from annotations.model import DocumentInput, Label, Layer, SpanInput
from annotations.textnorm import canonical

NAME = "brat"
SIDECAR = "redline.json"
"""What brat has no place for, per layer folder."""
RELATION = "link"
"""The relation type of a link from a claim to a span inside or about it."""
CLAIM = "claim"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """A file or folder name for a key or an annotator: no separators, no dot first."""
    cleaned = _UNSAFE.sub("_", name).strip("_.") or "document"
    return cleaned[:120]


# -- writing -----------------------------------------------------------------


class BratError(Exception):
    """One line: what is wrong with the destination."""


class BratWriter:
    """An export's layers as brat folders under ``path``, put in place at
    commit (a folder of the same name from an earlier brat export is
    replaced; any other folder with files in it is refused)."""

    def __init__(self, path: Path, labels: list[Label]) -> None:
        if path.exists() and not path.is_dir():
            raise BratError(f"{path}: is a file; brat writes a folder, give a folder name")
        if path.is_dir() and any(path.iterdir()) and not (path / "annotation.conf").is_file():
            raise BratError(f"{path}: a folder with files in it that is not a brat export; give a new folder")
        if not path.parent.is_dir():
            raise BratError(f"{path}: no such folder {path.parent}")
        self.path = path
        self.labels = labels
        self.lines = self.documents = self.spans = 0
        self._folder = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent))
        self._layers: dict[str, tuple[Path, dict[str, Any]]] = {}
        self._last_document: int | None = None

    def write(self, task: Any) -> None:
        """One layer of one document (an ``export_layers.Task``)."""
        layer = task.annotator or task.kind
        folder, sidecar = self._layer(layer)
        stem = base = safe_name(task.document.key)
        n = 1
        while stem in sidecar["documents"]:
            n += 1
            stem = f"{base}-{n}"
        (folder / f"{stem}.txt").write_bytes(task.document.text.encode("utf-8"))
        (folder / f"{stem}.ann").write_bytes(ann_text(task.document.text, task.spans, task.links).encode("utf-8"))
        entry: dict[str, Any] = {"key": task.document.key, "title": task.document.title, "meta": task.document.meta}
        decided = {f"T{n}": span.decided_by for n, span in enumerate(task.spans, 1) if getattr(span, "decided_by", None)}
        if decided:  # the gold layer: who decided each span
            entry["decided_by"] = decided
        if task.status is not None:
            entry["status"] = task.status.status
            if task.status.note:
                entry["note"] = task.status.note
        sidecar["documents"][stem] = entry
        self.lines += 1
        self.spans += len(task.spans)
        if task.document.id != self._last_document:
            self.documents += 1
            self._last_document = task.document.id

    def _layer(self, layer: str) -> tuple[Path, dict[str, Any]]:
        if layer not in self._layers:
            name = safe_name(layer)
            taken = {folder.name for folder, _ in self._layers.values()}
            while name in taken:
                name += "_"
            folder = self._folder / name
            folder.mkdir()
            self._layers[layer] = (folder, {"annotator": layer, "documents": {}})
        return self._layers[layer]

    def commit(self) -> None:
        (self._folder / "annotation.conf").write_text(annotation_conf(self.labels), encoding="utf-8")
        (self._folder / "visual.conf").write_text(visual_conf(self.labels), encoding="utf-8")
        for folder, sidecar in self._layers.values():
            (folder / SIDECAR).write_text(json.dumps(sidecar, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        from annotations.export_output import current_umask

        self._folder.chmod(0o777 & ~current_umask())  # mkdtemp makes it private
        if self.path.is_dir():
            shutil.rmtree(self.path)
        os.replace(self._folder, self.path)

    def discard(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self._folder)


def ann_text(text: str, spans: list[Any], links: list[tuple[int, int]]) -> str:
    """The ``.ann`` of one layer: ``T`` lines for spans, ``R`` lines for
    links (``Arg1`` the claim), normalised values as ``#`` notes (JSON)."""
    lines = []
    for n, span in enumerate(spans, start=1):
        shown = " ".join(text[span.start : span.end].split("\n"))  # the text field is one line
        lines.append(f"T{n}\t{span.label} {span.start} {span.end}\t{shown.replace(chr(9), ' ')}")
    for n, (claim, target) in enumerate(links, start=1):
        lines.append(f"R{n}\t{RELATION} Arg1:T{claim + 1} Arg2:T{target + 1}")
    notes = 0
    for n, span in enumerate(spans, start=1):
        if span.norm is not None:
            notes += 1
            value = span.norm.value() if hasattr(span.norm, "value") else span.norm
            lines.append(f"#{notes}\tAnnotatorNotes T{n}\t{json.dumps(value, ensure_ascii=False)}")
    return "".join(line + "\n" for line in lines)


def annotation_conf(labels: list[Label]) -> str:
    names = [label.name for label in labels]
    others = [name for name in names if name != CLAIM]
    relations = f"{RELATION}\tArg1:{CLAIM}, Arg2:{'|'.join(others)}\n" if CLAIM in names and others else ""
    return (
        "# Redline's labels (redline export --format brat)\n"
        "[entities]\n" + "".join(f"{name}\n" for name in names) + "\n[relations]\n" + relations
        # figures, dates and sources sit inside claims
        + "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>\n"
        "\n[events]\n\n[attributes]\n"
    )


def visual_conf(labels: list[Label]) -> str:
    shown = "".join(f"{label.name} | {label.name.title()}\n" for label in labels)
    drawn = "".join(f"{label.name}\tbgColor:{label.colour}\n" for label in labels)
    return f"[labels]\n{shown}{RELATION} | Link\n\n[drawing]\n{drawn}{RELATION}\tcolor:#555555\n"


# -- reading -----------------------------------------------------------------

SKIPPED_KINDS = {
    "E": "events skipped",
    "A": "attributes skipped",
    "M": "attributes skipped",
    "N": "normalizations skipped",
    "*": "equivalences skipped",
}


def is_brat_text(path: Path) -> bool:
    return path.suffix.lower() == ".txt" and path.with_suffix(".ann").is_file()


@functools.lru_cache(maxsize=64)
def _sidecar(folder: Path, mtime: float) -> dict[str, Any]:
    try:
        data = json.loads((folder / SIDECAR).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def sidecar(folder: Path) -> dict[str, Any]:
    """The folder's ``redline.json``, or {} where there is none."""
    path = folder / SIDECAR
    try:
        return _sidecar(folder, path.stat().st_mtime)
    except OSError:
        return {}


def read_document(
    txt: Path, raw: bytes, labels: set[str], mapping: dict[str, str], annotator: str | None
) -> DocumentInput:
    """The document ``txt`` with the layer its ``.ann`` holds.

    A brat type becomes the label ``mapping`` gives it, or the label of its
    own name (any case); spans of other types are skipped and counted in the
    document's ``report``, as are discontinuous spans (one span per
    fragment), relations that are not a claim's link, and the kinds of
    annotation Redline has no place for (events, attributes...).
    """
    ann = txt.with_suffix(".ann")
    try:
        original = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CorpusError(f"{txt}:1: invalid UTF-8 at byte {error.start}") from None
    # brat reads the file as it is: a byte order mark is a character its offsets count
    bom = 1 if original.startswith("\ufeff") else 0
    text, move = canonical(original[bom:])
    if not text.strip():
        raise CorpusError(f"{txt}:1: the article is empty")
    try:
        lines = ann.read_bytes().decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as error:
        raise CorpusError(f"{ann}:1: invalid UTF-8 at byte {error.start}") from None
    except OSError as error:
        raise CorpusError(f"{ann}: {error.strerror}") from None

    folded = {name.lower(): label for name, label in mapping.items()}
    report: Counter[str] = Counter()
    spans: list[SpanInput] = []
    fragments_of: dict[str, list[int]] = {}  # T id -> its spans
    kept_types: set[str] = set()
    relations: list[tuple[int, str, str, str]] = []
    notes: list[tuple[int, str, str]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{ann}:{number}"
        kind = line[0]
        if kind == "T":
            tid, label, offsets, stated = _text_bound(line, where)
            label_name = mapping.get(label) or folded.get(label.lower())
            if label_name is None and label.lower() in labels:
                label_name = label.lower()
            for start, end in offsets:
                if not bom <= start < end <= len(original):
                    raise CorpusError(
                        f"{where}: {tid} [{start}, {end}) is empty or outside {txt.name} (length {len(original)})"
                    )
            found = " ".join(original[start:end] for start, end in offsets)
            if stated is not None and " ".join(stated.split()) != " ".join(found.split()):
                raise CorpusError(
                    f"{where}: {tid} [{offsets[0][0]}, {offsets[-1][1]}) says {short_quote(stated)}"
                    f" but {txt.name} has {short_quote(found)} there"
                )
            if label_name is None:
                report[f"spans of type {label!r} skipped (not a label; --map {label}=LABEL)"] += 1
                fragments_of[tid] = []
                continue
            if len(offsets) > 1:
                report["discontinuous spans split into one span per fragment"] += 1
            kept_types.add(tid)
            fragments_of[tid] = []
            for start, end in offsets:
                fragments_of[tid].append(len(spans))
                spans.append(SpanInput(label_name, move(start - bom, start=True), move(end - bom)))
        elif kind == "R":
            relations.append((number, *_relation(line, where)))
        elif kind == "#":
            notes.append((number, *_note(line, where)))
        elif kind in SKIPPED_KINDS:
            report[SKIPPED_KINDS[kind]] += 1
        else:
            raise CorpusError(f"{where}: not a brat annotation line (T, R, E, A, M, N, # or *)")

    links: list[tuple[int, int]] = []
    for number, _, first, second in relations:
        ends = []
        for tid in (first, second):
            if tid not in fragments_of:
                if tid[:1] == "T":
                    raise CorpusError(f"{ann}:{number}: the relation refers to {tid}, which is not in the file")
                ends = []
                break
            ends.append(fragments_of[tid])
        if len(ends) != 2 or not ends[0] or not ends[1]:
            report["relations skipped (an end is not a kept span)"] += 1
            continue
        a, b = ends[0][0], ends[1][0]
        if spans[a].label == CLAIM and spans[b].label != CLAIM:
            links.append((a, b))
        elif spans[b].label == CLAIM and spans[a].label != CLAIM:
            links.append((b, a))
        else:
            report["relations skipped (not between a claim and a span of another label)"] += 1
    for number, target, value in notes:
        norm = _json_object(value)
        if target in kept_types and norm is not None:
            for index in fragments_of[target]:
                span = spans[index]
                spans[index] = SpanInput(span.label, span.start, span.end, norm)
        else:
            report["notes skipped (not normalised values of a kept span)"] += 1

    folder_info = sidecar(txt.parent)
    entry = folder_info.get("documents", {}).get(txt.stem)
    entry = entry if isinstance(entry, dict) else {}
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {"file": txt.name}
    name = folder_info.get("annotator") if isinstance(folder_info.get("annotator"), str) else None
    layer = Layer(annotator=name or annotator or txt.parent.name)
    layer.spans, layer.links = spans, links
    if isinstance(entry.get("status"), str):
        layer.status = entry["status"]
        layer.note = str(entry.get("note") or "")
    decided = entry.get("decided_by")
    for tid, name in (decided.items() if isinstance(decided, dict) else ()):
        for index in fragments_of.get(tid, ()) if isinstance(name, str) else ():
            span = spans[index]
            spans[index] = SpanInput(span.label, span.start, span.end, span.norm, name)
    key = entry.get("key") if isinstance(entry.get("key"), str) else txt.stem
    title = entry.get("title") if isinstance(entry.get("title"), str) else ""
    document = DocumentInput(
        text=text,
        key=key,
        title=title or first_line(text),
        meta=dict(meta),
        source=str(ann),
        layers=[layer] if spans or layer.status is not None else [],
        nbytes=len(raw),
        report=dict(report),
    )
    return document


def _text_bound(line: str, where: str) -> tuple[str, str, list[tuple[int, int]], str | None]:
    """``T1<TAB>Type START END[;START END...]<TAB>text``."""
    fields = line.split("\t", 2)
    malformed = f"{where}: malformed T line (expected 'T1<TAB>Type START END<TAB>text')"
    if len(fields) < 2:
        raise CorpusError(malformed)
    label, _, ranges = fields[1].strip().partition(" ")
    offsets = []
    for part in ranges.split(";"):
        bounds = part.split()
        if len(bounds) != 2 or not all(bound.isdigit() for bound in bounds):
            raise CorpusError(malformed)
        offsets.append((int(bounds[0]), int(bounds[1])))
    if not label:
        raise CorpusError(malformed)
    return fields[0].strip(), label, offsets, fields[2] if len(fields) == 3 else None


def _relation(line: str, where: str) -> tuple[str, str, str]:
    """``R1<TAB>Type Arg1:T1 Arg2:T2``: the type and the two ends."""
    fields = line.split("\t")
    parts = fields[1].split() if len(fields) >= 2 else []
    args = [part.partition(":")[2] for part in parts[1:] if ":" in part]
    if len(args) != 2 or not all(args):
        raise CorpusError(f"{where}: malformed R line (expected 'R1<TAB>Type Arg1:T1 Arg2:T2')")
    return parts[0], args[0], args[1]


def _note(line: str, where: str) -> tuple[str, str]:
    """``#1<TAB>AnnotatorNotes T1<TAB>text``: the target and the text."""
    fields = line.split("\t", 2)
    parts = fields[1].split() if len(fields) >= 2 else []
    if len(parts) < 2:
        raise CorpusError(f"{where}: malformed note (expected '#1<TAB>AnnotatorNotes T1<TAB>text')")
    return parts[1], fields[2] if len(fields) == 3 else ""


def _json_object(value: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None
