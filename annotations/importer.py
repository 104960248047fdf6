"""``redline import``: files in, documents, tokens and pre-annotations stored.

One import is one transaction: any bad line rolls the whole import back,
so the database is exactly as it was. Files are streamed through spaCy's
tokenizer in batches, so memory does not grow with the corpus.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from annotations import corpus
from annotations.corpus import CorpusError
from annotations.model import GOLD, STATUSES, DocumentInput, Layer
from annotations.store import Store, StoreError, sha256


@dataclass
class ImportSummary:
    added: int = 0
    present: int = 0
    spans: int = 0
    layers: dict[str, int] = field(default_factory=dict)
    """Spans added per annotator."""
    added_ids: list[int] = field(default_factory=list)
    report: dict[str, int] = field(default_factory=dict)
    """What reading left out or changed, counted over every file."""

    def line(self) -> str:
        text = f"{self.added} added, {self.present} already present"
        if self.spans:
            who = ", ".join(f"{name} {n}" for name, n in sorted(self.layers.items()))
            text += f"; {self.spans} spans imported ({who})"
        if self.report:
            text += "; " + "; ".join(f"{what}: {n}" for what, n in sorted(self.report.items()))
        return text


def total_bytes(paths: list[Path]) -> int:
    return sum(path.stat().st_size for path in corpus.expand(paths))


def import_paths(
    store: Store,
    paths: list[Path],
    annotator: str | None = None,
    progress: Callable[[int], None] | None = None,
    label_map: dict[str, str] | None = None,
) -> ImportSummary:
    """Import files and folders; raises CorpusError (nothing stored) on bad
    input. ``label_map`` names the label of each brat type that is not one."""
    files = corpus.expand(paths)
    labels = {label.name for label in store.labels()}
    for kind, label in (label_map or {}).items():
        if label not in labels:
            raise CorpusError(f"--map {kind}={label}: no label {label!r} (labels: {', '.join(sorted(labels))})")
    options = corpus.ReadOptions(annotator, frozenset(labels), tuple((label_map or {}).items()))
    summary = ImportSummary()

    units = (unit for path in files for unit in corpus.units(path))
    parallel = _can_fork() and sum(path.stat().st_size for path in files) >= PARALLEL_FROM_BYTES
    try:
        with store.transaction():
            for item in _prepared(units, store, options, parallel):
                for what, n in item.report.items():
                    summary.report[what] = summary.report.get(what, 0) + n
                document_id, added = store.add_document(item)
                if added:
                    summary.added += 1
                    summary.added_ids.append(document_id)
                else:
                    summary.present += 1
                for layer in item.layers:
                    try:
                        count = _add_layer(store, document_id, layer)
                    except StoreError as error:
                        raise CorpusError(f"{item.source}: {error}") from None
                    summary.spans += count
                    summary.layers[layer.annotator] = summary.layers.get(layer.annotator, 0) + count
                if progress is not None:
                    progress(item.nbytes)
    except OSError as error:
        raise CorpusError(f"{error.filename}: {error.strerror}") from None
    return summary


def _add_layer(store: Store, document_id: int, layer: Layer) -> int:
    """Store one line's layer of a document; returns how many spans were new.

    The adjudicated layer (annotator "gold") stays the gold layer: its spans
    keep origin "adjudicated" and who decided them. A status equal to the
    stored one is not written again, so importing a file twice changes nothing.
    """
    gold = layer.annotator == GOLD
    count, ids = store.add_layer_spans(
        document_id,
        layer.annotator,
        [(s.label, s.start, s.end, s.norm) for s in layer.spans],
        layer.links,
        origin="adjudicated" if gold else "imported",
        kind="gold" if gold else "human",
    )
    if gold:
        store.record_decided_by(
            (span_id, span.decided_by)
            for span_id, span in zip(ids, layer.spans)
            if span_id is not None and span.decided_by
        )
    if layer.status is not None:
        current = store.status(document_id, layer.annotator)
        if (current.status, current.note) != (layer.status, layer.note):
            store.import_status(document_id, layer.annotator, layer.status, layer.note)
    return count


PARALLEL_FROM_BYTES = 4_000_000
"""Below this much input, starting a second process costs more than it saves."""
BATCH_UNITS = 256
BATCH_BYTES = 8_000_000
BATCHES_IN_FLIGHT = 4
"""Batches handed to worker processes at once: bounds memory."""


def _can_fork() -> bool:
    # forked workers inherit the loaded tokenizer instead of importing spaCy again
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def _batches(units: Iterator[corpus.Unit]) -> Iterator[list[corpus.Unit]]:
    batch: list[corpus.Unit] = []
    size = 0
    for unit in units:
        batch.append(unit)
        size += len(unit.raw)
        if len(batch) >= BATCH_UNITS or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _parse(
    batch: list[corpus.Unit], options: corpus.ReadOptions, is_stored: Callable[[str], bool]
) -> tuple[list[DocumentInput], list[str]]:
    """Parse and check a batch of units: the documents, and for each the text
    to tokenize ("" when the text is already stored and needs no tokens)."""
    items: list[DocumentInput] = []
    labels = options.labels
    for unit in batch:
        item = corpus.parse(unit, options=options)
        if item is None:
            continue
        for layer in item.layers:
            for span in layer.spans:
                if span.label not in labels:
                    raise CorpusError(
                        f"{item.source}: unknown label {span.label!r} (labels: {', '.join(sorted(labels))};"
                        " add one with 'redline labels add')"
                    )
            if layer.status is not None and layer.status not in STATUSES:
                raise CorpusError(f"{item.source}: unknown status {layer.status!r}")
        item.digest = sha256(item.text)
        items.append(item)
    return items, ["" if is_stored(item.digest) else item.text for item in items]


def _with_tokens(items: list[DocumentInput], tokens: list[bytes]) -> list[DocumentInput]:
    for item, packed in zip(items, tokens):
        if packed:
            item.tokens = packed
    return items


def _prepared(
    units: Iterator[corpus.Unit], store: Store, options: corpus.ReadOptions, parallel: bool
) -> Iterator[DocumentInput]:
    """The documents in the units, in order, checked and tokenized.

    On a large import two worker processes tokenize while this one reads,
    checks and writes, so both cores work; errors still surface in file order.
    """
    from annotations import nlp

    def is_stored(digest: str) -> bool:
        return store.document_id_for_hash(digest) is not None

    if not parallel:
        for batch in _batches(units):
            items, texts = _parse(batch, options, is_stored)
            yield from _with_tokens(items, nlp.packed_tokens(texts))
        return
    nlp.blank()  # load the tokenizer once, before forking
    pending: deque[tuple[list[DocumentInput], Any]] = deque()
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for batch in _batches(units):
            items, texts = _parse(batch, options, is_stored)
            pending.append((items, pool.apply_async(nlp.packed_tokens, (texts,))))
            if len(pending) >= BATCHES_IN_FLIGHT:
                items, result = pending.popleft()
                yield from _with_tokens(items, result.get())
        while pending:
            items, result = pending.popleft()
            yield from _with_tokens(items, result.get())
