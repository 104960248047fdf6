"""The typed records the store hands out and the command line and TUI share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

STATUSES = ("todo", "in_progress", "done", "skipped", "flagged")
ORIGINS = ("manual", "suggested", "imported", "adjudicated")
GOLD = "gold"
"""The name of the adjudicated layer's annotator row."""


@dataclass(frozen=True, slots=True)
class Label:
    id: int
    name: str
    key: str | None
    colour: str
    description: str
    position: int


@dataclass(frozen=True, slots=True)
class Annotator:
    id: int
    name: str
    kind: str = "human"


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document without its text and tokens: cheap to list by the thousand."""

    id: int
    key: str
    title: str
    meta: dict[str, Any]
    position: int
    length: int


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    key: str
    title: str
    text: str
    sha256: str
    meta: dict[str, Any]
    position: int
    tokens: list[tuple[int, int]] = field(repr=False)
    """Every spaCy token as (start, end), whitespace tokens included."""


@dataclass(frozen=True, slots=True)
class Span:
    id: int
    document_id: int
    annotator: str
    label: str
    start: int
    end: int
    origin: str = "manual"
    norm: dict[str, Any] | None = None
    decided_by: str | None = None
    created_at: str = ""
    updated_at: str = ""

    def overlaps(self, start: int, end: int) -> bool:
        return self.start < end and start < self.end

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end


@dataclass(frozen=True, slots=True)
class Link:
    id: int
    claim_id: int
    target_id: int


@dataclass(frozen=True, slots=True)
class Status:
    document_id: int
    annotator: str
    status: str = "todo"
    note: str = ""
    updated_at: str = ""


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: int
    document_id: int
    label: str
    start: int
    end: int
    source: str
    score: float | None = None
    norm: dict[str, Any] | None = None

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end


@dataclass(frozen=True, slots=True)
class Action:
    id: int
    annotator: str
    document_id: int | None
    kind: str
    span_id: int | None
    payload: dict[str, Any]
    ref_id: int | None
    created_at: str


@dataclass(frozen=True, slots=True)
class SpanInput:
    """A span on its way into the store (import, merge, adjudication)."""

    label: str
    start: int
    end: int
    norm: dict[str, Any] | None = None
    decided_by: str | None = None
    """In the adjudicated layer: the reviewer who decided."""


@dataclass(slots=True)
class Layer:
    """One annotator's pre-annotations of one document, on their way in."""

    annotator: str
    spans: list[SpanInput] = field(default_factory=list)
    # links as (claim index, target index) into spans
    links: list[tuple[int, int]] = field(default_factory=list)
    status: str | None = None
    note: str = ""


@dataclass(slots=True)
class DocumentInput:
    """A document read from a file, ready to be stored."""

    text: str
    key: str | None
    title: str
    meta: dict[str, Any]
    source: str
    """Where it came from, as FILE or FILE:LINE, for error messages."""
    layers: list[Layer] = field(default_factory=list)
    tokens: list[tuple[int, int]] | bytes | None = None
    """(start, end) pairs, or already packed as stored (``store.pack_tokens``)."""
    nbytes: int = 0
    """How many bytes of its file it took up, for progress bars."""
    digest: str = ""
    """SHA-256 of the text once computed (the store computes it when empty)."""
    report: dict[str, int] = field(default_factory=dict)
    """What reading left out or changed, counted (brat: types not mapped...)."""


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """A span categorizer ``redline train`` made: one row of the models table."""

    id: int
    name: str
    """The run's name: when it started, local time (``2025-06-15-140322``)."""
    path: str
    """The pipeline's folder (absolute), which ``spacy.load`` opens."""
    layers: list[str]
    train_documents: int
    dev_documents: int
    train_spans: int
    last_action_id: int
    """The action log's last entry when the annotations were read."""
    steps: int
    seconds: float
    scores: dict[str, Any]
    """``annotations.train`` writes it: dev scores of the model and the rules, and the model's labels."""
    created_at: str = ""
