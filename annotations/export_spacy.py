"""The spaCy export: ``DocBin`` files with every span in ``doc.spans["sc"]``.

Each ``Doc`` is built from the tokens stored at import (``Doc(vocab, words,
spaces)``), so its text is the document's text, character for character,
and a span on token boundaries keeps its exact offsets. A span that is not
on token boundaries (some tools' pre-annotations are not) is widened to the
tokens that contain it, as spaCy's ``alignment_mode="expand"`` does, and
reported: no span is ever dropped.

spaCy's ``DocBin`` is one blob built in memory, so a large export is written
in shards: up to ``SHARD_DOCS`` docs go in one ``.spacy`` file at PATH;
beyond that, PATH becomes a folder of ``.spacy`` files, which ``spacy
train`` (and ``spacy.Corpus``) read as one corpus. Memory stays bounded by
the shard size, not the corpus.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from annotations.export_layers import Task
from annotations.export_output import Alignment, AtomicFile, current_umask

if TYPE_CHECKING:
    from spacy.tokens import DocBin

SHARD_DOCS = 5_000
"""Docs per ``.spacy`` file. Building and writing one takes about 170 MB for
5,000 news articles of 600 tokens, on top of spaCy itself."""
SPANS_KEY = "sc"
"""The span group spaCy's span categorizer trains on by default."""


class DocBinWriter:
    """spaCy ``Doc``s to PATH: one ``.spacy`` file, or a folder of shards."""

    def __init__(self, path: Path, aligned: list[Alignment], shard_size: int = SHARD_DOCS) -> None:
        self.path = path
        self.aligned = aligned
        self.shard_size = shard_size
        self.lines = self.documents = self.spans = 0
        self.shards = 0
        self._folder: Path | None = None
        self._last_document: int | None = None
        self._bin, self._vocab = self._new_bin()

    @staticmethod
    def _new_bin() -> tuple[DocBin, object]:
        from spacy.tokens import DocBin
        from spacy.vocab import Vocab

        # only the words and spaces: spans are stored apart, and nothing else is set
        return DocBin(attrs=["ORTH"], store_user_data=True), Vocab()

    def write(self, task: Task) -> None:
        from spacy.tokens import Doc
        from spacy.tokens import Span as SpacySpan

        if len(self._bin) == self.shard_size:
            self._write_shard()
        text, tokens = task.document.text, task.tokens
        words = [text[start:end] for start, end in zip(tokens.starts, tokens.ends)]
        doc = Doc(self._vocab, words=words, spaces=tokens.spaces)
        layer = task.annotator or task.kind
        spans = []
        seen: set[tuple[int, int, str]] = set()
        located = tokens.locate_all([span.start for span in task.spans], [span.end for span in task.spans])
        for span, (first, last) in zip(task.spans, located):
            if (span.start, span.end, span.label) in seen:
                continue  # the same suggestion from two sources
            seen.add((span.start, span.end, span.label))
            new_start, new_end = tokens.starts[first], tokens.ends[last]
            if (new_start, new_end) != (span.start, span.end):
                self.aligned.append(
                    Alignment(task.document.key, layer, span.label, span.start, span.end, new_start, new_end)
                )
            spans.append(SpacySpan(doc, first, last + 1, label=span.label))
        doc.spans[SPANS_KEY] = spans
        doc.user_data["key"] = task.document.key
        doc.user_data["layer"] = layer
        self._bin.add(doc)
        self.lines += 1
        self.spans += len(spans)
        if task.document.id != self._last_document:
            self.documents += 1
            self._last_document = task.document.id

    def _write_shard(self) -> None:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent))
            self._folder.chmod(0o777 & ~current_umask())  # mkdtemp makes it private
        self.shards += 1
        shard = self._folder / f"{self.shards:04d}.spacy"
        self._bin.to_disk(shard)
        shard.chmod(0o666 & ~current_umask())
        self._bin, self._vocab = self._new_bin()

    def commit(self) -> None:
        if self._folder is None:
            file = AtomicFile(self.path, binary=True)
            try:
                file.handle.write(self._bin.to_bytes())
            except BaseException:
                file.discard()
                raise
            if self.path.is_dir():  # an earlier, sharded export of the same name
                shutil.rmtree(self.path)
            file.commit()
            return
        self._write_shard()
        if self.path.is_dir():
            shutil.rmtree(self.path)
        elif self.path.exists():
            self.path.unlink()
        os.replace(self._folder, self.path)

    def discard(self) -> None:
        if self._folder is not None:
            with contextlib.suppress(FileNotFoundError):
                shutil.rmtree(self._folder)
