"""What an export writes, read from the database: one ``Task`` per layer of a document.

A task is one annotator's version of one document (or the gold version,
the suggestions, or a bare text), with the document's tokens laid out as
spaCy and Prodigy need them. Tasks are read a batch of documents per query,
so an export never holds more than a batch in memory.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from annotations.model import Status
from annotations.speedups import compiled
from annotations.store import Store

BATCH_DOCUMENTS = 200
"""Documents read per query while streaming."""


@dataclass(frozen=True, slots=True)
class ExportDocument:
    """A document as an export needs it (its tokens are in the ``Task``)."""

    id: int
    key: str
    title: str
    text: str
    sha256: str
    meta: dict[str, Any]


class Tokens:
    """A document's tokens covering its text exactly, as spaCy's ``Doc``
    needs them: every character is in a token except a single space after
    one (``spaces[i]``). The tokens stored at import are used as they are;
    text they leave out (never, with spaCy's own tokens) becomes tokens of
    its own.

    Tokens in spaCy's layout (back to back or one space apart, as the store
    holds them) are kept as arrays, which is what an export line needs; the
    lists are made only when asked for. Tokens from the store stay packed
    until something asks for them: an export line's token objects are
    written from the packed form itself (``export_formats.tokens_json``)."""

    __slots__ = ("_packed", "_lists", "_arrays", "_layout", "json")

    def __init__(
        self,
        starts: list[int] | None = None,
        ends: list[int] | None = None,
        spaces: list[bool] | None = None,
        *,
        arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        packed: tuple[str, bytes] | None = None,
    ) -> None:
        lists = None if starts is None or ends is None or spaces is None else (starts, ends, spaces)
        assert [lists, arrays, packed].count(None) == 2, "lists, arrays or packed"
        self._packed = packed
        self._lists = lists
        self._arrays = arrays
        self._layout: bool | None = True if arrays is not None else False if lists is not None else None
        """Whether the tokens are in spaCy's layout; None while packed and not looked at."""
        self.json: bytes | None = None
        """Prodigy's token objects as UTF-8 JSON, made once per document and shared by its lines."""

    @classmethod
    def from_packed(cls, text: str, packed: bytes) -> Tokens:
        """From tokens as the store packs them (little-endian uint32 start,
        end, ...), unpacked when first needed."""
        return cls(packed=(text, packed))

    @property
    def packed(self) -> tuple[str, bytes] | None:
        """The text and its packed tokens, while not unpacked yet."""
        return self._packed

    def packed_in_layout(self) -> None:
        """Note that the packed tokens were found in spaCy's layout (by
        whoever wrote their JSON from them), so that finding a span's tokens
        needs no more than their offsets."""
        self._layout = True

    def _unpack(self) -> None:
        if self._packed is None:
            return
        text, packed = self._packed
        self._packed = None
        offsets = np.frombuffer(packed, dtype="<u4").astype(np.int64)
        starts, ends = offsets[0::2], offsets[1::2]
        if len(starts) and starts[0] == 0 and len(text) - 1 <= ends[-1] <= len(text) and (ends > starts).all():
            gaps = starts[1:] - ends[:-1]
            trailing = len(text) - int(ends[-1])
            if ((gaps == 0) | (gaps == 1)).all() and (trailing == 0 or text[-1] == " "):
                # spaCy's layout: tokens back to back or one space apart; check the spaces are spaces
                codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
                spaced = np.concatenate((gaps == 1, [trailing == 1]))
                if (codes[ends[spaced]] == 32).all():
                    self._arrays, self._layout = (starts, ends, spaced), True
                    return
        covered = Tokens.cover(text, zip(starts.tolist(), ends.tolist()))
        self._lists, self._layout = covered.lists, False

    @property
    def layout(self) -> bool:
        """Whether the tokens are in spaCy's layout (back to back or one
        space apart): then ``words_joined`` cuts the words out all at once."""
        self._unpack()
        return bool(self._layout)

    @classmethod
    def cover(cls, text: str, stored: Iterable[tuple[int, int]]) -> Tokens:
        """From (start, end) pairs in order, filling in whatever they leave out."""
        starts: list[int] = []
        ends: list[int] = []
        spaces: list[bool] = []
        position = 0
        for start, end in itertools.chain(stored, [(len(text), len(text))]):
            if start < position:
                continue  # overlaps the previous token: its text joins the next gap
            if start > position:
                if starts and ends[-1] == position and text[position] == " ":
                    spaces[-1] = True
                    position += 1
                if start > position:
                    starts.append(position)
                    ends.append(start)
                    spaces.append(False)
            if end > start:
                starts.append(start)
                ends.append(end)
                spaces.append(False)
            position = max(position, end)
        return cls(starts, ends, spaces)

    @property
    def lists(self) -> tuple[list[int], list[int], list[bool]]:
        """Starts, ends and spaces as lists."""
        self._unpack()
        if self._lists is None:
            self._lists = tuple(array.tolist() for array in self.arrays)  # type: ignore[assignment]
        assert self._lists is not None
        return self._lists

    @property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Starts, ends (int64) and spaces (bool) as arrays."""
        self._unpack()
        if self._arrays is None:
            starts, ends, spaces = self.lists
            self._arrays = (np.array(starts, dtype=np.int64), np.array(ends, dtype=np.int64), np.array(spaces, dtype=bool))
        return self._arrays

    @property
    def starts(self) -> list[int]:
        return self.lists[0]

    @property
    def ends(self) -> list[int]:
        return self.lists[1]

    @property
    def spaces(self) -> list[bool]:
        return self.lists[2]

    def __len__(self) -> int:
        self._unpack()
        return len(self._arrays[0]) if self._arrays is not None else len(self.lists[0])

    def words_joined(self, text: str, data: bytes, separator: int) -> bytes:
        """The tokens' words in UTF-8 (``data`` is the text encoded) with
        the byte ``separator`` between them. In spaCy's layout, made in a
        few array operations rather than a slice a word: the space after a
        word becomes the separator, which goes in between words that touch."""
        if not self.layout:
            return bytes([separator]).join([text[start:end].encode("utf-8") for start, end in zip(self.starts, self.ends)])
        _, ends, spaced = self.arrays
        joined = np.frombuffer(data, dtype=np.uint8).copy()
        if len(data) != len(text):
            # offsets count characters: a character's byte offset is its own
            # plus the continuation bytes before it, those of characters before it
            continued = np.flatnonzero((joined & 0xC0) == 0x80)
            owners = continued - np.arange(len(continued))  # one past the owning character
            ends = ends + np.searchsorted(owners, ends, side="right")
        between = ends[:-1]
        joined[between[spaced[:-1]]] = separator
        if spaced[-1]:
            joined = joined[:-1]  # the space after the last word
        touching = between[~spaced[:-1]]
        # a separator goes in before each word that touches the one before it
        out = np.full(len(joined) + len(touching), separator, dtype=np.uint8)
        kept = np.ones(len(out), dtype=bool)
        kept[touching + np.arange(len(touching))] = False
        out[kept] = joined
        return out.tobytes()

    def locate(self, start: int, end: int) -> tuple[int, int]:
        """The first and last token (inclusive, as Prodigy counts) of the
        tokens containing [start, end)."""
        return self.locate_all([start], [end])[0]

    def locate_all(self, starts: list[int], ends: list[int]) -> list[tuple[int, int]]:
        """``locate`` for many spans at once."""
        if not starts:
            return []
        if self._packed is not None and self._layout and compiled is not None:
            return compiled.token_bounds(self._packed[1], starts, ends)  # the stored tokens are the tokens
        token_starts, token_ends, _ = self.arrays
        first = np.searchsorted(token_ends, starts, side="right")
        last = np.searchsorted(token_starts, ends, side="left") - 1
        # a span that is only the space after token ``last`` gets that token
        return list(zip(np.minimum(first, last).tolist(), last.tolist()))


class ExportSpan(NamedTuple):
    """A span of an annotator's layer as an export writes it (a tuple: an
    export makes millions)."""

    id: int
    label: str
    start: int
    end: int
    norm: StoredJSON | None
    decided_by: str | None
    """In the adjudicated layer: the reviewer who decided."""


class ExportSuggestion(NamedTuple):
    """A machine suggestion as an export writes it."""

    label: str
    start: int
    end: int
    norm: StoredJSON | None
    source: str
    score: float | None


class StoredJSON:
    """A value as the database holds it, JSON text: an export line writes
    it out as it is (``export_formats.json_bytes``), without parsing it.
    (Not a tuple or dataclass, which JSON encoders write as arrays or objects.)"""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def value(self) -> Any:
        return json.loads(self.text)


def _norm(raw: str | None) -> StoredJSON | None:
    return None if raw is None else StoredJSON(raw)


@dataclass
class Task:
    """One output line: one layer of one document."""

    document: ExportDocument
    tokens: Tokens
    annotator: str | None
    """The layer's annotator (``gold`` for the adjudicated layer); None for
    the suggestions or a bare text."""
    kind: str
    """"annotator", "suggestions" or "text"."""
    spans: list[ExportSpan] | list[ExportSuggestion] = field(default_factory=list)
    links: list[tuple[int, int]] = field(default_factory=list)
    """(claim, target) as indexes into ``spans``."""
    status: Status | None = None
    updated_at: str | None = None

    @property
    def skipped(self) -> bool:
        return self.status is not None and self.status.status == "skipped"


def iter_tasks(
    store: Store,
    layers: Iterable[tuple[int, str, int | None]],
    *,
    label_ids: list[int] | None,
    other: str | None,
) -> Iterator[Task]:
    """The tasks for ``layers`` (document id, sha256, annotator id, as
    ``Store.export_layers`` yields them), reading a batch of documents at a
    time. ``other`` says what a layer without annotator is: "suggestions"
    or a bare text."""
    for batch in read_batches(store, layers, label_ids=label_ids, other=other):
        yield from batch.tasks()


@dataclass
class Batch:
    """The layers of a batch of documents as read from the database: plain
    data, so that the tasks (and their lines) can be made in another process."""

    layers: list[tuple[int, int | None]]
    """(document id, annotator id or None), in output order."""
    names: dict[int, str]
    other: str | None
    documents: list[tuple[int, str, str, str, str, dict[str, Any], bytes]] | None = None
    """``Store.document_rows``, the tokens still packed; None until read.
    Documents never change once imported, so a worker process reads them
    itself (``read_documents``) rather than have them sent."""
    spans: list[tuple[Any, ...]] = field(default_factory=list)
    """``Store.layer_span_rows``."""
    links: list[tuple[int, int]] = field(default_factory=list)
    """(claim span id, target span id)."""
    statuses: list[Status] = field(default_factory=list)
    changed: dict[tuple[int, str], str] = field(default_factory=dict)
    suggestions: list[tuple[Any, ...]] = field(default_factory=list)
    """``Store.suggestion_rows``."""
    targets: list[int] | None = None
    """Which output each layer goes to, when there are several (``--split``)."""

    def read_documents(self, store: Store) -> None:
        """Read the batch's documents, if not read yet."""
        if self.documents is None:
            self.documents = store.document_rows(sorted({document_id for document_id, _ in self.layers}))

    def tasks(self) -> Iterator[Task]:
        """The batch's tasks, in output order (its documents read)."""
        assert self.documents is not None, "read_documents first"
        spans: dict[tuple[int, str], list[ExportSpan]] = {}
        for row in self.spans:  # Store.layer_span_rows's columns
            span = ExportSpan(row[0], row[3], row[4], row[5], _norm(row[6]), row[7])
            spans.setdefault((row[1], row[2]), []).append(span)
        links: dict[int, list[int]] = {}
        for claim_id, target_id in self.links:
            links.setdefault(claim_id, []).append(target_id)
        statuses = {(s.document_id, s.annotator): s for s in self.statuses}
        suggested: dict[int, list[ExportSuggestion]] = {}
        for row in self.suggestions:  # Store._SUGGESTION_SELECT's columns
            suggestion = ExportSuggestion(row[2], row[3], row[4], _norm(row[7]), row[5], row[6])
            suggested.setdefault(row[1], []).append(suggestion)
        documents: dict[int, tuple[ExportDocument, Tokens]] = {}
        for document_id, key, title, text, digest, meta, packed in self.documents:
            documents[document_id] = (
                ExportDocument(document_id, key, title, text, digest, meta),
                Tokens.from_packed(text, packed),
            )
        for document_id, annotator_id in self.layers:
            document, tokens = documents[document_id]
            if annotator_id is None:
                kind = "suggestions" if self.other == "suggestions" else "text"
                yield Task(document, tokens, None, kind, suggested.get(document_id, []))
                continue
            name = self.names[annotator_id]
            layer = spans.get((document_id, name), [])
            index = {span.id: i for i, span in enumerate(layer)}
            pairs = [
                (i, index[target])
                for i, span in enumerate(layer)
                for target in links.get(span.id, ())
                if target in index
            ]
            yield Task(
                document,
                tokens,
                name,
                "annotator",
                layer,
                pairs,
                statuses.get((document_id, name), Status(document_id, name)),
                self.changed.get((document_id, name)),
            )


def read_batches(
    store: Store,
    layers: Iterable[tuple[int, str, int | None]],
    *,
    label_ids: list[int] | None,
    other: str | None,
    documents: bool = True,
) -> Iterator[Batch]:
    """``layers`` read from the database a batch of documents at a time
    (a document's layers always in one batch). Without ``documents``, the
    batches' documents are left for ``Batch.read_documents``."""
    names = {a.id: a.name for a in store.annotators(include_gold=True)}
    batch: list[tuple[int, int | None]] = []
    seen: set[int] = set()
    for document_id, _, annotator_id in layers:
        if document_id not in seen and len(seen) == BATCH_DOCUMENTS:
            yield _read(store, batch, names, label_ids, other, with_documents=documents)
            batch, seen = [], set()
        batch.append((document_id, annotator_id))
        seen.add(document_id)
    if batch:
        yield _read(store, batch, names, label_ids, other, with_documents=documents)


def _read(
    store: Store,
    layers: list[tuple[int, int | None]],
    names: dict[int, str],
    label_ids: list[int] | None,
    other: str | None,
    *,
    with_documents: bool,
) -> Batch:
    document_ids = sorted({document_id for document_id, _ in layers})
    annotator_ids = sorted({a for _, a in layers if a is not None})
    batch = Batch(layers, names, other)
    if with_documents:
        batch.read_documents(store)
    if annotator_ids:
        batch.spans = store.layer_span_rows(document_ids, annotator_ids, label_ids)
        batch.links = [(link.claim_id, link.target_id) for link in store.layer_links(document_ids, annotator_ids)]
        batch.statuses = store.layer_statuses(document_ids, annotator_ids)
        # with every label's spans read, their own times are in their rows
        batch.changed = changed = store.layer_changed_at(document_ids, annotator_ids, spans=label_ids is not None)
        if label_ids is None:
            for row in batch.spans:
                layer = (row[1], row[2])
                if layer not in changed or changed[layer] < row[8]:
                    changed[layer] = row[8]
    if other == "suggestions":
        batch.suggestions = store.suggestion_rows(document_ids, label_ids)
    return batch
