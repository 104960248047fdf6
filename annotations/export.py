"""``redline export``: annotations out as training data other tools read.

Each output line (or spaCy ``Doc``) is one *layer* of one document: an
annotator's version of it, the adjudicated (gold) version, the machine
suggestions, or, in a backup, the bare text of a document nobody touched.

Formats:

- ``jsonl``: Prodigy's span format (``text``, ``meta``, ``tokens``,
  ``spans``, ``relations``, ``answer``, hashes, annotator), which
  ``redline import`` reads back exactly;
- ``doccano``: doccano's sequence-labelling JSONL (``label``:
  ``[[start, end, label], ...]``);
- ``spacy``: a ``DocBin`` with the spans in ``doc.spans["sc"]``
  (``annotations.export_spacy``).

The database is read in one read transaction, a batch of documents per
query, so memory does not grow with the corpus. Files are written under a
temporary name in the same folder and renamed at the end: a failed or
interrupted export leaves nothing at the path asked for.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ContextManager

from annotations.export_formats import doccano_line, prodigy_line
from annotations.export_layers import Batch, read_batches
from annotations.export_output import Alignment, JsonLinesWriter, Writer
from annotations.export_render import PARALLEL_LINES, Renderer, keep_freed_memory, worker_count
from annotations.model import GOLD, STATUSES
from annotations.store import Store, StoreError

FORMATS = ("jsonl", "spacy", "doccano", "brat")
FOLDER_FORMATS = ("brat",)
"""Formats that write a folder, a document at a time, in this process."""


# -- what goes out -------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What an export writes, as the user asked for it."""

    annotators: tuple[str, ...] = ()
    gold: bool = False
    suggestions: bool = False
    labels: tuple[str, ...] = ()
    """Only these labels; all when empty."""
    statuses: tuple[str, ...] = ()
    """Only layers with one of these statuses; any when empty."""
    include_empty: bool = False
    include_skipped: bool = False
    backup: bool = False
    """Everything ``redline import`` needs to rebuild the annotations."""


@dataclass
class Plan:
    """A selection checked against the database: ids, ready to query."""

    annotator_ids: list[int]
    label_ids: list[int] | None
    statuses: list[str] | None
    empty: bool
    skipped: bool
    other: str | None
    """"suggestions", "texts" (backup) or None: what the None layer is."""
    description: str


def plan(store: Store, selection: Selection) -> Plan:
    """Check names against the database; a one-line StoreError names what exists."""
    if selection.backup:
        asked = [
            flag
            for flag, given in (
                ("--annotator", selection.annotators),
                ("--gold", selection.gold),
                ("--suggestions", selection.suggestions),
                ("--labels", selection.labels),
                ("--status", selection.statuses),
                ("--include-empty", selection.include_empty),
                ("--include-skipped", selection.include_skipped),
            )
            if given
        ]
        if asked:
            raise StoreError(f"--backup writes every layer of every document; leave out {', '.join(asked)}")
        return Plan(
            [a.id for a in store.annotators(include_gold=True)], None, None, True, True, "texts", "every layer"
        )
    for status in selection.statuses:
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r} (statuses: {', '.join(STATUSES)})")
    label_ids = [store.label(name).id for name in selection.labels] if selection.labels else None
    names: list[str] = []
    for name in selection.annotators:
        annotator = store.find_annotator(name)
        if annotator.name not in names:
            names.append(annotator.name)
    if selection.gold and GOLD not in names:
        if GOLD not in {a.name for a in store.annotators(include_gold=True)}:
            layers = ", ".join(a.name for a in store.annotators()) or "none"
            raise StoreError(f"there is no gold (adjudicated) layer yet (annotators: {layers})")
        names.append(GOLD)
    if not names and not selection.suggestions:
        names = [a.name for a in store.annotators()]
        if not names:
            raise StoreError(
                f"nothing to export: no annotator has annotated anything yet ({_corpus_summary(store)})"
            )
    if selection.statuses and not names:
        raise StoreError("--status filters annotators' layers, and suggestions have no status")
    ids = [store.find_annotator(name).id for name in names]
    parts = [f"{'the gold layer' if n == GOLD else n}" for n in names]
    if selection.suggestions:
        parts.append("the suggestions")
    return Plan(
        ids,
        label_ids,
        list(selection.statuses) or None,
        selection.include_empty,
        selection.include_skipped,
        "suggestions" if selection.suggestions else None,
        " and ".join(", ".join(parts).rsplit(", ", 1)),
    )


def _corpus_summary(store: Store) -> str:
    """What the database holds, for "nothing to export" messages."""
    figures = store.stats()
    parts = [f"{figures['documents']} documents"]
    for annotator in sorted(set(figures["spans"]) | set(figures["statuses"])):
        spans = figures["spans"].get(annotator, {})
        text = f"{annotator}: {sum(spans.values())} spans"
        marked = [f"{s} {n}" for s, n in figures["statuses"].get(annotator, {}).items() if s != "todo" and n]
        if marked:
            text += f" ({', '.join(marked)})"
        parts.append(text)
    parts.append(f"{sum(figures['suggestions'].values())} suggestions")
    return "; ".join(parts)


def _nothing_message(store: Store, selection: Selection, how: Plan) -> str:
    if store.count_documents() == 0:
        return "nothing to export: the database has no documents (add some with 'redline import')"
    labelled = f" labelled {', '.join(selection.labels)}" if selection.labels else ""
    if not how.annotator_ids:
        return f"nothing to export: there are no suggestions{labelled} ({_corpus_summary(store)})"
    marked = f" in documents marked {' or '.join(selection.statuses)}" if selection.statuses else ""
    return f"nothing to export: no spans{labelled} from {how.description}{marked} ({_corpus_summary(store)})"


# -- the export -------------------------------------------------------------------


@dataclass
class Summary:
    """What an export wrote."""

    writers: list[Writer]
    aligned: list[Alignment] = field(default_factory=list)

    @property
    def lines(self) -> int:
        return sum(w.lines for w in self.writers)

    @property
    def spans(self) -> int:
        return sum(w.spans for w in self.writers)


def split_paths(path: Path) -> tuple[Path, Path]:
    """Where ``--split`` writes: ``corpus.jsonl`` -> ``corpus.train.jsonl``, ``corpus.dev.jsonl``."""
    return (
        path.with_name(f"{path.stem}.train{path.suffix}"),
        path.with_name(f"{path.stem}.dev{path.suffix}"),
    )


def choose_train(documents: dict[int, str], ratio: float, seed: int) -> set[int]:
    """The documents (id -> sha256) that go to the training file.

    Documents are ranked by a hash of the seed and their text, so the same
    seed splits the same documents the same way in any database, on any
    machine; ``round(ratio * n)`` go to train, at least one to each side.
    """
    if len(documents) < 2:
        raise StoreError(f"--split needs at least 2 documents; the selection has {len(documents)}")
    ranked = sorted(documents, key=lambda d: hashlib.sha256(f"{seed}:{documents[d]}".encode()).digest())
    count = min(max(round(ratio * len(documents)), 1), len(documents) - 1)
    return set(ranked[:count])


def export(
    store: Store,
    selection: Selection,
    fmt: str,
    path: Path | None,
    *,
    split: float | None = None,
    seed: int = 0,
    progress: Callable[[int], ContextManager[Callable[[int], None]]] | None = None,
    shard_size: int | None = None,
    workers: int | None = None,
) -> Summary:
    """Write the selection as ``fmt`` to ``path`` (None: standard output).

    With ``split``, writes the two files of ``split_paths(path)`` instead,
    dividing documents (never a document's layers) between them. ``progress``
    is given the number of lines and returns a context whose callback
    advances by lines written. Raises StoreError, with nothing written, for
    an unknown name or an empty selection. JSON lines are made in
    ``workers`` more processes (by default as many as suit the export's
    size and the machine's cores).
    """
    if fmt not in FORMATS:
        raise StoreError(f"unknown format {fmt!r} (formats: {', '.join(FORMATS)})")
    if split is not None and not 0 < split < 1:
        raise StoreError(f"--split {split}: give the share of documents for training, between 0 and 1")
    if path is None and fmt == "spacy":
        raise StoreError("spaCy's DocBin is binary: write it to a file with -o")
    if path is None and fmt in FOLDER_FORMATS:
        raise StoreError(f"{fmt} writes a folder: give -o DIR")
    if split is not None and fmt in FOLDER_FORMATS:
        raise StoreError(f"--split writes training files (jsonl, spacy, doccano), not {fmt} folders")
    if path is None and split is not None:
        raise StoreError("--split writes two files: give -o PATH")
    if path is not None:
        _check_destination(path, split, fmt)
    how = plan(store, selection)
    with store.reading():
        total, documents = _count(store, how, keep_hashes=split is not None)
        if total == 0:
            raise StoreError(_nothing_message(store, selection, how))
        train = None if split is None else choose_train(documents, split, seed)
        del documents
        if split is None:
            targets: list[Path | None] = [path]
        else:
            assert path is not None
            targets = list(split_paths(path))
        summary = Summary([])
        serial = fmt == "spacy" or fmt in FOLDER_FORMATS
        if serial:
            workers = 0
        elif workers is None:
            workers = worker_count(total)
        if total >= PARALLEL_LINES:
            keep_freed_memory()
        # with workers, the process making a batch's lines reads its documents
        batches = read_batches(
            store, _layers(store, how), label_ids=how.label_ids, other=how.other, documents=not workers
        )
        if train is not None:
            batches = _route(batches, train)
        try:
            for target in targets:
                summary.writers.append(_writer(store, fmt, target, summary, shard_size))
            bar = progress(total) if progress is not None else contextlib.nullcontext(lambda n: None)
            if serial:
                with bar as advance:
                    for batch in batches:
                        for i, task in enumerate(batch.tasks()):
                            summary.writers[batch.targets[i] if batch.targets else 0].write(task)
                            advance(1)
            else:
                line = prodigy_line if fmt == "jsonl" else doccano_line
                # the workers start before the progress bar's thread does
                with Renderer(store, line, len(targets), workers) as renderer:
                    with bar as advance:
                        for chunks in renderer.chunks(batches):
                            for writer, chunk in zip(summary.writers, chunks):
                                writer.write_chunk(chunk)
                                advance(chunk.lines)
            for writer in summary.writers:
                writer.commit()
        except BaseException:
            for writer in summary.writers:
                writer.discard()
            raise
    return summary


def _route(batches: Iterator[Batch], train: set[int]) -> Iterator[Batch]:
    """Send each layer to the training file (0) or the dev file (1)."""
    for batch in batches:
        batch.targets = [0 if document_id in train else 1 for document_id, _ in batch.layers]
        yield batch


def _layers(store: Store, how: Plan, *, digests: bool = False) -> Iterator[tuple[int, str | None, int | None]]:
    return store.export_layers(
        how.annotator_ids,
        label_ids=how.label_ids,
        statuses=how.statuses,
        empty=how.empty,
        skipped=how.skipped,
        other=how.other,
        digests=digests,
    )


def _count(store: Store, how: Plan, *, keep_hashes: bool) -> tuple[int, dict[int, str]]:
    """How many lines the export writes; and, for a split, its documents."""
    total = 0
    documents: dict[int, str] = {}
    for document_id, digest, _ in _layers(store, how, digests=keep_hashes):
        total += 1
        if digest is not None:
            documents[document_id] = digest
    return total, documents


def _check_destination(path: Path, split: float | None, fmt: str) -> None:
    if fmt in FOLDER_FORMATS:
        return  # the folder's writer checks it
    targets = list(split_paths(path)) if split is not None else [path]
    for target in targets:
        if not target.parent.is_dir():
            raise StoreError(f"{target}: no such folder {target.parent}")
        if target.is_dir() and not (fmt == "spacy" and _is_shard_folder(target)):
            raise StoreError(f"{target}: is a folder; give a file name")


def _is_shard_folder(path: Path) -> bool:
    """A folder an earlier spaCy export wrote (only .spacy files): safe to replace."""
    return path.is_dir() and all(child.suffix == ".spacy" and child.is_file() for child in path.iterdir())


def _writer(store: Store, fmt: str, path: Path | None, summary: Summary, shard_size: int | None) -> Writer:
    if fmt in ("jsonl", "doccano"):
        return JsonLinesWriter(path)
    if fmt == "brat":
        from annotations.brat import BratError, BratWriter

        assert path is not None
        try:
            return BratWriter(path, store.labels())
        except BratError as error:
            raise StoreError(str(error)) from None
    from annotations.export_spacy import SHARD_DOCS, DocBinWriter

    assert path is not None
    return DocBinWriter(path, summary.aligned, shard_size or SHARD_DOCS)
