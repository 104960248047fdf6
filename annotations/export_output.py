"""Where an export's lines go: files that appear whole or not at all, or standard output."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from annotations.export_render import Chunk


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


WRITEBACK_BYTES = 32 << 20
"""How much an ``AtomicFile`` writes before it starts writing it back to disk."""


class AtomicFile:
    """A file written under a temporary name beside ``path``, then renamed
    onto it by ``commit`` (after an fsync) or removed by ``discard``: the
    path holds the old file or the whole new one, never half of one."""

    def __init__(self, path: Path, *, binary: bool = False) -> None:
        self.path = path
        descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        self.temporary = Path(name)
        os.chmod(descriptor, 0o666 & ~current_umask())  # mkstemp makes it private
        if binary:
            self.handle: IO[Any] = os.fdopen(descriptor, "wb")
        else:
            self.handle = os.fdopen(descriptor, "w", encoding="utf-8", newline="\n")

        self._unflushed = 0

    def write(self, data: bytes | memoryview) -> None:
        """Write, and every few MB hand what is written to the disk: an
        export writes hundreds of MB, and left to pile up in memory they
        slow every later write and make the final fsync wait for them all."""
        self.handle.write(data)
        self._unflushed += len(data)
        if self._unflushed >= WRITEBACK_BYTES and hasattr(os, "posix_fadvise"):
            self.handle.flush()
            # starts the writeback without waiting for it (Linux), and lets
            # the page cache drop what is already on disk
            os.posix_fadvise(self.handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
            self._unflushed = 0

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        self.handle.close()
        with contextlib.suppress(FileNotFoundError):
            self.temporary.unlink()


class Writer(Protocol):
    """One output: a file, a folder of shards, or standard output."""

    path: Path | None
    lines: int
    documents: int
    spans: int

    def commit(self) -> None:
        """Put the finished output in place."""

    def discard(self) -> None:
        """Leave nothing behind."""


class JsonLinesWriter:
    """JSON lines, a chunk at a time, to a file or standard output."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.file = None if path is None else AtomicFile(path, binary=True)
        self.handle: IO[bytes] | None
        if self.file is not None:
            self.handle = self.file.handle
        elif hasattr(sys.stdout, "buffer"):
            # JSONL is UTF-8 whatever the terminal's locale says
            sys.stdout.flush()
            self.handle = sys.stdout.buffer
        else:  # standard output replaced by a text stream
            self.handle = None
        self.lines = self.spans = self.documents = 0

    def write_chunk(self, chunk: Chunk) -> None:
        if self.file is not None:
            self.file.write(chunk.data)
        elif self.handle is not None:
            self.handle.write(chunk.data)
        else:
            sys.stdout.write(chunk.data.decode("utf-8"))
        self.lines += chunk.lines
        self.spans += chunk.spans
        self.documents += chunk.documents  # a document's layers are all in one chunk

    def commit(self) -> None:
        if self.file is not None:
            self.file.commit()
        else:
            self._flush_stdout()

    def discard(self) -> None:
        if self.file is not None:
            self.file.discard()
        else:
            with contextlib.suppress(BrokenPipeError):
                self._flush_stdout()

    def _flush_stdout(self) -> None:
        if self.handle is not None:
            self.handle.flush()
        else:
            sys.stdout.flush()


@dataclass(frozen=True)
class Alignment:
    """A span the spaCy export widened to the tokens containing it."""

    key: str
    layer: str
    label: str
    start: int
    end: int
    new_start: int
    new_end: int

    def line(self) -> str:
        moved = f"[{self.start}, {self.end}) -> [{self.new_start}, {self.new_end})"
        return f"{self.key} ({self.layer}) {self.label} {moved}"
