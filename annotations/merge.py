"""``redline merge``: bring in documents and layers from databases made elsewhere.

Documents are matched by the SHA-256 of their text. A layer (one
annotator's spans, links and status on one document) is brought in when
this database has no work of that annotator on that document; when it has
exactly the same work the layer is skipped, which makes merging twice a
no-op. When both have different work the merge stops and lists every such
conflict, writing nothing; with ``rename_conflicts`` the incoming layer is
kept beside ours as ``NAME@OTHER`` (OTHER: the other file's name without
extension). Labels the other database has and this one lacks are added.
The gold layer comes along like any layer, with who decided each span, and
so do the resolved marks of the disagreements it settled.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations.model import GOLD, DocumentInput, Span, Status
from annotations.store import Store, StoreError

LayerKey = tuple[int, str]
"""(document id, annotator name)."""


class MergeConflict(StoreError):
    """Layers differ in both databases; the message lists them."""


@dataclass(frozen=True, slots=True)
class Layer:
    spans: list[Span]
    links: list[tuple[int, int]]
    """(claim, target) as indexes into spans."""
    status: Status | None
    rejections: list[tuple[str, int, int]]

    def signature(self) -> tuple[frozenset[Any], frozenset[Any], tuple[str, str] | None]:
        """What counts as the layer's work: spans with norms, links, status."""
        extents = [(s.label, s.start, s.end) for s in self.spans]
        return (
            frozenset((s.label, s.start, s.end, None if s.norm is None else json.dumps(s.norm, sort_keys=True)) for s in self.spans),
            frozenset((extents[c], extents[t]) for c, t in self.links),
            None if self.status is None else (self.status.status, self.status.note),
        )

    @property
    def empty(self) -> bool:
        return not self.spans and self.status is None


@dataclass(frozen=True, slots=True)
class Conflict:
    source: str
    document: str
    annotator: str
    ours: Layer
    theirs: Layer
    renamed_to: str | None = None

    def line(self) -> str:
        mine, other = self.ours.signature(), self.theirs.signature()
        parts = [
            f"{len(self.ours.spans)} spans here, {len(self.theirs.spans)} there",
            f"{len(mine[0] - other[0])} only here, {len(other[0] - mine[0])} only there",
        ]
        if mine[1] != other[1]:
            parts.append("links differ")
        if mine[2] != other[2]:
            parts.append(f"status {_status(mine[2])} here, {_status(other[2])} there")
        where = f"{self.annotator} on {self.document}"
        if self.renamed_to:
            where += f" (and {self.renamed_to} differs too)"
        return f"  {self.source}: {where}: " + "; ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _status(value: tuple[str, str] | None) -> str:
    return "none" if value is None else value[0]


@dataclass(slots=True)
class MergeSummary:
    documents_added: int = 0
    documents_present: int = 0
    layers_added: dict[str, int] = field(default_factory=dict)
    layers_same: int = 0
    renamed: dict[str, str] = field(default_factory=dict)
    spans_added: int = 0
    labels_added: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        added = sum(self.layers_added.values())
        who = ", ".join(f"{name} {n}" for name, n in sorted(self.layers_added.items()))
        lines = [
            f"{_count(self.documents_added, 'document')} added, {self.documents_present} already present",
            f"{_count(added, 'layer')} added" + (f" ({who})" if who else "") + f", {self.layers_same} already here;"
            f" {_count(self.spans_added, 'span')} added",
        ]
        if self.labels_added:
            lines.append("labels added: " + ", ".join(self.labels_added))
        for old, new in sorted(self.renamed.items()):
            lines.append(f"kept both versions of {old}'s conflicting work: the incoming one as {new}")
        return lines


def merge(
    store: Store,
    paths: Iterable[Path],
    *,
    rename_conflicts: bool = False,
    progress: Callable[[int], None] | None = None,
) -> MergeSummary:
    """Merge the databases at ``paths`` into ``store``: all or nothing.

    Raises MergeConflict (nothing written) when layers conflict and
    ``rename_conflicts`` is off, or when a renamed layer conflicts too.
    """
    advance = progress or (lambda n: None)
    summary = MergeSummary()
    conflicts: list[Conflict] = []
    here = store.path.resolve()
    with store.transaction():
        for path in paths:
            if path.exists() and path.resolve() == here:
                raise StoreError(f"{path}: is the database being merged into")
            with tempfile.TemporaryDirectory(prefix="redline-merge-") as folder:
                copy = Path(folder) / "other.db"
                Store.snapshot(path, copy)
                with Store(copy, create=False) as other:
                    _merge_one(store, other, path, rename_conflicts, summary, conflicts, advance)
        if conflicts:
            raise MergeConflict(_report(conflicts, rename_conflicts, store.path))
    return summary


def _report(conflicts: list[Conflict], rename_conflicts: bool, target: Path) -> str:
    n = len(conflicts)
    head = (
        f"{n} layer{'s' if n != 1 else ''} {'hold' if n != 1 else 'holds'} different work in {target}"
        " and in the database merged; nothing was merged:"
    )
    tail = (
        "the renamed layers differ as well: merge into a copy or rename the annotator there"
        if rename_conflicts
        else "use --rename-conflicts to keep both (the incoming layer as NAME@OTHER)"
    )
    return "\n".join([head, *(c.line() for c in conflicts), tail])


def _layers(store: Store, document_ids: list[int] | None) -> dict[LayerKey, Layer]:
    """Every layer of these documents (default: all), with a few bulk queries."""
    spans: dict[LayerKey, list[Span]] = {}
    for span in store.all_spans(document_ids):
        spans.setdefault((span.document_id, span.annotator), []).append(span)
    index = {span.id: (key, i) for key, layer in spans.items() for i, span in enumerate(layer)}
    links: dict[LayerKey, list[tuple[int, int]]] = {}
    for _, claim, target in store.all_links(document_ids):
        if claim in index and target in index:
            key, c = index[claim]
            links.setdefault(key, []).append((c, index[target][1]))
    wanted = None if document_ids is None else set(document_ids)
    statuses: dict[LayerKey, Status] = {}
    for status in store.all_statuses():
        if (wanted is None or status.document_id in wanted) and (status.status != "todo" or status.note):
            statuses[(status.document_id, status.annotator)] = status
    rejections: dict[LayerKey, list[tuple[str, int, int]]] = {}
    for document_id, annotator, label, start, end in store.all_rejections():
        if wanted is None or document_id in wanted:
            rejections.setdefault((document_id, annotator), []).append((label, start, end))
    keys = set(spans) | set(statuses)
    return {
        key: Layer(spans.get(key, []), links.get(key, []), statuses.get(key), rejections.get(key, []))
        for key in keys
    }


def _merge_one(
    store: Store,
    other: Store,
    path: Path,
    rename_conflicts: bool,
    summary: MergeSummary,
    conflicts: list[Conflict],
    advance: Callable[[int], None],
) -> None:
    source = path.name
    suffix = path.stem
    ours_labels = {label.name for label in store.labels()}
    used_keys = {label.key for label in store.labels() if label.key}
    for label in other.labels():
        if label.name not in ours_labels:
            key = label.key if label.key and label.key not in used_keys else None
            store.add_label(label.name, key, label.colour, label.description)
            used_keys.add(key)
            summary.labels_added.append(label.name)

    # documents: theirs -> ours, matched by text hash
    mapping: dict[int, int] = {}
    keys: dict[int, str] = {}
    for doc in other.iter_documents():
        existing = store.document_id_for_hash(doc.sha256)
        if existing is None:
            item = DocumentInput(doc.text, doc.key, doc.title, doc.meta, source, tokens=doc.tokens)
            existing, _ = store.add_document(item)
            summary.documents_added += 1
        else:
            summary.documents_present += 1
        mapping[doc.id] = existing
        keys[doc.id] = doc.key
        advance(1)

    theirs = _layers(other, None)
    ours = _layers(store, sorted(set(mapping.values())))
    gold_merged: set[int] = set()
    kinds = {a.name: a.kind for a in other.annotators(include_gold=True)}
    for (their_doc, name), layer in sorted(theirs.items(), key=lambda item: (item[0][0], item[0][1])):
        if layer.empty:
            continue
        doc = mapping[their_doc]
        mine = ours.get((doc, name))
        target = name
        if mine is not None and not mine.empty and mine.signature() != layer.signature():
            if not rename_conflicts:
                conflicts.append(Conflict(source, keys[their_doc], name, mine, layer))
                continue
            target = f"{name}@{suffix}"
            renamed = ours.get((doc, target))
            if renamed is not None and not renamed.empty and renamed.signature() != layer.signature():
                conflicts.append(Conflict(source, keys[their_doc], name, mine, layer, renamed_to=target))
                continue
            mine = renamed
        if mine is not None and not mine.empty:
            summary.layers_same += 1
            continue
        kind = "gold" if kinds.get(name) == "gold" and target == GOLD else "human"
        spans = [
            (s.label, s.start, s.end, s.origin, s.norm, s.decided_by, s.created_at, s.updated_at) for s in layer.spans
        ]
        added = store.merge_layer(doc, target, kind, spans, layer.links, layer.status, layer.rejections, source)
        summary.layers_added[target] = summary.layers_added.get(target, 0) + 1
        if target != name:
            summary.renamed[name] = target
        summary.spans_added += added
        if target == GOLD:
            gold_merged.add(their_doc)

    # the disagreements their reviewers settled stay settled here
    for action in other.adjudications(sorted(gold_merged)):
        key = action.payload.get("key")
        if key and action.document_id is not None:
            store.write_gold(
                mapping[action.document_id],
                action.annotator,
                key=key,
                resolution=f"{action.payload.get('resolution')} (merged from {source})",
            )
