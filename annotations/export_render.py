"""Export lines made a batch at a time, on every core.

Making JSON lines costs several times what reading the database does (a
news article is some 600 Prodigy token objects), so a large export reads
in one process and makes lines in several: the main process reads each
batch in its read transaction (one consistent snapshot of the database),
hands it to a worker as plain rows, and makes lines itself while the
workers are busy. Lines come back as UTF-8 bytes and are written in corpus
order, so the output is the same byte for byte as a single process makes.
The documents themselves (most of a batch's bytes) are not sent: they never
change once imported, so a worker reads them through a connection of its
own. A worker puts its lines in memory shared with the main process (a slot of
an anonymous shared mapping, made before the fork), so they are not copied
through a pipe: the main process writes them from there.

Workers are forked (Linux) before any other thread starts, and never touch
the database connection.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path
from types import TracebackType
from typing import Any

from annotations.export_layers import Batch, Task
from annotations.store import Store

PARALLEL_LINES = 2_000
"""Exports of fewer lines are made in one process: starting workers costs
more than they would save."""
MAX_WORKERS = 3
"""One reader keeps about three line makers busy."""
SLOT_BYTES = 32 << 20
"""Room for one batch's lines in shared memory; a batch that makes more
(very long documents) comes back through the pipe instead."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """The lines of one batch bound for one output, ready to write."""

    data: bytes | memoryview
    lines: int
    spans: int
    documents: int


def render(line: Callable[[Task], bytes | str], batch: Batch, outputs: int) -> list[Chunk]:
    """The batch's lines, one chunk per output (``batch.targets`` says which
    output each layer goes to; all to the first without it)."""
    parts: list[list[bytes]] = [[] for _ in range(outputs)]
    spans = [0] * outputs
    documents: list[set[int]] = [set() for _ in range(outputs)]
    for i, task in enumerate(batch.tasks()):
        target = batch.targets[i] if batch.targets is not None else 0
        made = line(task)
        parts[target].append(made if isinstance(made, bytes) else made.encode("utf-8"))
        spans[target] += len(task.spans)
        documents[target].add(task.document.id)
    return [
        Chunk(b"\n".join(part) + b"\n" if part else b"", len(part), count, len(seen))
        for part, count, seen in zip(parts, spans, documents)
    ]


def keep_freed_memory() -> None:
    """Have the C allocator (glibc's) keep the memory an export frees.

    Each batch's lines take megabytes that are freed when it is written. By
    default glibc gives the top of its heap back to the system once 128 kB
    of it is free, so every batch fetches its memory anew, a page fault per
    4 kB: a fifth of an export's CPU time. Kept, the memory in use stays
    what one batch needs (the forked workers inherit the setting). The
    setting lasts as long as the process: a command's, here."""
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):  # no mallopt (not glibc): its own policy stands
        return
    mallopt(_M_TRIM_THRESHOLD, 256 << 20)
    mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # its largest: blocks up to 32 MB come from the heap


_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
"""mallopt's parameter numbers (malloc.h)."""


def worker_count(lines: int) -> int:
    """How many worker processes an export of ``lines`` lines should start."""
    if lines < PARALLEL_LINES or not sys.platform.startswith("linux"):
        return 0
    return max(0, min(MAX_WORKERS, len(os.sched_getaffinity(0)) - 1))


class Renderer:
    """Makes the chunks of a stream of batches, in order, in this process
    and ``workers`` others. Use it as a context manager: the workers are
    started on entry and stopped on exit, also on error or interrupt."""

    def __init__(self, store: Store, line: Callable[[Task], bytes | str], outputs: int, workers: int) -> None:
        self.store = store
        """Where the batches come from: documents not read yet are read here."""
        self.line = line
        self.outputs = outputs
        self.workers = workers
        self.queued = 4 * workers
        """Batches queued for the workers: four each, so that they do not run
        out while this process makes a batch's lines itself (with two, a
        worker stood idle a fifth of the time)."""
        self.pool: Pool | None = None
        self.shared: mmap.mmap | None = None

    def __enter__(self) -> Renderer:
        if self.workers:
            # every batch in flight or waiting to be written holds a slot
            self.shared = mmap.mmap(-1, (self.queued + 2) * SLOT_BYTES)
            sys.stdout.flush()
            sys.stderr.flush()
            context = multiprocessing.get_context("fork")
            try:
                self.pool = context.Pool(
                    self.workers, initializer=_start_worker, initargs=(self.shared, self.store.path)
                )
            except OSError:  # no processes to spare (a limit on them, or on memory): make lines here
                self.shared.close()
                self.shared = None
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.pool is not None:
            if kind is None:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()
            self.pool = None
        if self.shared is not None:
            with contextlib.suppress(BufferError):  # a view still lent out: closed when collected
                self.shared.close()
            self.shared = None

    def chunks(self, batches: Iterable[Batch]) -> Iterator[list[Chunk]]:
        """Each batch's chunks, in the order of the batches. A chunk's data
        may be a view of shared memory, good until the next one is asked for."""
        if self.pool is None or self.shared is None:
            for batch in batches:
                yield self._render_here(batch)
            return
        view = memoryview(self.shared)
        free = list(range(self.queued + 2))
        # (slot, result) for a worker's batch, (None, chunks) for one made here
        pending: deque[tuple[int | None, Any]] = deque()

        def take() -> list[Chunk]:
            slot, entry = pending.popleft()
            if slot is None:
                return entry
            free.append(slot)  # the consumer is done with it when it asks for the next
            made = entry.get()
            if made and isinstance(made[0], Chunk):
                return made  # too big for the slot: it came through the pipe
            return [Chunk(view[at : at + size], *counts) for at, size, *counts in made]

        try:
            for batch in batches:
                queued = sum(1 for slot, entry in pending if slot is not None and not entry.ready())
                if queued < self.queued and free:
                    slot = free.pop()
                    pending.append((slot, self.pool.apply_async(_render_shared, (self.line, batch, self.outputs, slot))))
                else:
                    pending.append((None, self._render_here(batch)))
                while pending and (len(pending) > self.queued + 1 or _ready(pending[0])):
                    yield from _lend(take())
            while pending:
                yield from _lend(take())
        finally:
            view.release()

    def _render_here(self, batch: Batch) -> list[Chunk]:
        batch.read_documents(self.store)
        return render(self.line, batch, self.outputs)


def _lend(chunks: list[Chunk]) -> Iterator[list[Chunk]]:
    """Hand out chunks; then let go of their views of shared memory."""
    try:
        yield chunks
    finally:
        for chunk in chunks:
            if isinstance(chunk.data, memoryview):
                chunk.data.release()


def _ready(entry: tuple[int | None, Any]) -> bool:
    slot, result = entry
    return slot is None or result.ready()


_shared: mmap.mmap | None = None
"""In a worker: the memory it shares with the main process."""
_store: Store | Exception | None = None
"""In a worker: its own connection, to read documents (never the main
process's); or why it could not be opened."""


def _start_worker(shared: mmap.mmap, database: Path) -> None:
    global _shared, _store
    _shared = shared
    try:
        _store = Store(database, create=False)
    except Exception as error:  # raised with the first batch: a pool would restart a failed worker for ever
        _store = error
    # ctrl+c reaches the whole process group: the main process stops the
    # workers itself, without a traceback from each
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _render_shared(
    line: Callable[[Task], bytes | str], batch: Batch, outputs: int, slot: int
) -> list[tuple[int, int, int, int, int]] | list[Chunk]:
    """Make the batch's chunks into shared memory slot ``slot``: where each
    is and its counts. A batch too big for a slot comes back whole."""
    assert _shared is not None and _store is not None
    if isinstance(_store, Exception):
        raise _store
    batch.read_documents(_store)
    chunks = render(line, batch, outputs)
    if sum(len(chunk.data) for chunk in chunks) > SLOT_BYTES:
        return chunks
    placed = []
    at = slot * SLOT_BYTES
    for chunk in chunks:
        _shared[at : at + len(chunk.data)] = chunk.data
        placed.append((at, len(chunk.data), chunk.lines, chunk.spans, chunk.documents))
        at += len(chunk.data)
    return placed
