"""Suggestions: run the rules and/or a spaCy pipeline over documents and
store what they find, with normalised values, apart from annotations.

- The rules (``annotations.suggest_rules``) need no download; their
  suggestions are stored with the source ``"rules"``.
- Any spaCy pipeline (an installed package name or a folder) can run
  instead of the rules or beside them; its suggestions are stored with the
  pipeline's name or absolute path as their source. Its entities are mapped
  (MONEY, CARDINAL, QUANTITY, PERCENT to figure; DATE, TIME to date; PERSON,
  ORG, NORP to source when a reporting verb or "according to" attributes
  something to them), and the spans of a span categorizer (any
  ``doc.spans`` group whose labels are Redline labels) are used as they are,
  with their scores.

What to run is a :class:`SuggestConfig`, read from the database's settings
(``suggest.model``, ``suggest.with_rules``, ``suggest.patterns``) unless the
command line says otherwise. spaCy is imported only when suggestions are
computed.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotations.normalise import normalise_span

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

    from annotations.store import Store

PATTERNS_PATH = Path(__file__).with_name("data") / "patterns.jsonl"
"""The rules' built-in patterns file (SpanRuler JSONL), which a user can copy and extend."""
RULES = "rules"
"""The source name of the built-in rules' suggestions (and the model setting that selects them)."""
SETTING_MODEL = "suggest.model"
SETTING_WITH_RULES = "suggest.with_rules"
SETTING_PATTERNS = "suggest.patterns"

BATCH_SIZE = 64
LARGE_CORPUS = 400
"""From this many documents, suggestions are computed in two processes."""
COMMIT_EVERY = 256
"""Documents per write transaction, so annotators working meanwhile wait only briefly."""

ENTITY_LABELS = {
    "MONEY": "figure",
    "CARDINAL": "figure",
    "QUANTITY": "figure",
    "PERCENT": "figure",
    "DATE": "date",
    "TIME": "date",
}
SOURCE_ENTITIES = frozenset({"PERSON", "ORG", "NORP"})

Item = tuple[str, int, int, "float | None", "dict[str, Any] | None"]
"""A suggestion on its way to the store: (label, start, end, score, norm)."""
_NORMED = frozenset({"figure", "date"})


class SuggestError(Exception):
    """A problem with the suggestion setup (model, patterns), as one line."""


class SuggestInterrupted(KeyboardInterrupt):
    """Ctrl-C during suggestions: those of ``stored`` documents were committed."""

    def __init__(self, stored: int) -> None:
        super().__init__(stored)
        self.stored = stored


@dataclass(frozen=True)
class SuggestConfig:
    """What computes suggestions: the rules, a spaCy pipeline, or both."""

    model: str | None = None
    """A spaCy pipeline's package name or folder; None for the rules alone."""
    with_rules: bool = False
    """Run the rules beside the model."""
    patterns: str | None = None
    """The rules' patterns file; None for the built-in one."""
    model_labels: frozenset[str] | None = None
    """With the rules, the labels the model suggests; the rules suggest the
    others (``redline train`` picks them: those the model did better on).
    None: each suggests every label, and a span both find is kept once."""
    replaces: tuple[str, ...] = ()
    """Other sources whose suggestions this run removes from the documents it
    covers (earlier models trained on the same database)."""

    @property
    def rules(self) -> bool:
        return self.model is None or self.with_rules

    @property
    def model_source(self) -> str | None:
        """The source name the model's suggestions are stored under."""
        if self.model is None:
            return None
        path = Path(self.model).expanduser()
        return str(path.resolve()) if path.exists() else self.model

    @property
    def sources(self) -> list[str]:
        sources = [RULES] if self.rules else []
        if self.model_source is not None:
            sources.append(self.model_source)
        return sources

    def describe(self) -> str:
        parts = []
        if self.model is not None:
            parts.append(f"spaCy pipeline {self.model_source}")
        if self.rules:
            parts.append(f"rules ({self.patterns or PATTERNS_PATH})")
        return " and ".join(parts)

    def check(self) -> None:
        """Fail early, without loading anything, if the model or the patterns cannot be found."""
        if self.patterns is not None and not Path(self.patterns).expanduser().is_file():
            raise SuggestError(f"{self.patterns}: no such patterns file")
        if self.model is None or Path(self.model).expanduser().exists():
            return
        from spacy.util import is_package

        if not is_package(self.model):
            raise SuggestError(
                f"spaCy pipeline {self.model!r} is neither a folder nor an installed package"
                " (install it with pip, or give the path of a trained pipeline)"
            )


def saved_config(store: Store) -> SuggestConfig:
    """The database's suggestion settings (the rules when none are saved)."""
    model = store.setting(SETTING_MODEL)
    model = None if model in (None, "", RULES) else model
    with_rules = store.setting(SETTING_WITH_RULES) == "true"
    return SuggestConfig(
        model=model,
        with_rules=with_rules,
        patterns=store.setting(SETTING_PATTERNS) or None,
        model_labels=trained_labels(model) if model is not None and with_rules else None,
    )


def trained_labels(model: str) -> frozenset[str] | None:
    """The labels a model ``redline train`` made suggests beside the rules (None for any other pipeline)."""
    from annotations.trained import model_labels

    return model_labels(model)


def save_config(store: Store, config: SuggestConfig) -> None:
    """Make ``config`` the database's default for ``redline suggest`` and ``redline import``."""
    with store.transaction():
        model = config.model
        if model is not None and Path(model).expanduser().exists():
            model = str(Path(model).expanduser().resolve())
        store.set_setting(SETTING_MODEL, model or RULES)
        store.set_setting(SETTING_WITH_RULES, "true" if config.with_rules and config.model else None)
        patterns = config.patterns
        store.set_setting(SETTING_PATTERNS, str(Path(patterns).expanduser().resolve()) if patterns else None)


# -- computing suggestions ------------------------------------------------------


class Suggester:
    """Loads the pipelines of a config once and turns texts into suggestions."""

    def __init__(self, config: SuggestConfig) -> None:
        self.config = config
        self._rules: Language | None = None
        self._model: Language | None = None
        self._cues: _Cues | None = None

    @property
    def rules(self) -> Language:
        if self._rules is None:
            from annotations.suggest_rules import PatternError, build_pipeline

            try:
                self._rules = build_pipeline(self.config.patterns)
            except PatternError as error:
                raise SuggestError(str(error)) from None
        return self._rules

    @property
    def model(self) -> Language:
        if self._model is None:
            import spacy

            assert self.config.model is not None
            path = Path(self.config.model).expanduser()
            try:
                self._model = spacy.load(path if path.exists() else self.config.model)
            except Exception as error:  # a broken folder fails in many ways (msgpack, config, registry)
                first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise SuggestError(f"cannot load spaCy pipeline {self.config.model!r}: {first}") from None
        return self._model

    def load(self) -> None:
        """Load everything now (so that errors come before any work)."""
        if self.config.rules:
            _ = self.rules
        if self.config.model is not None:
            _ = self.model

    def suggest(
        self, items: Iterable[tuple[Any, str, str | None]]
    ) -> Iterator[tuple[Any, dict[str, list[Item]]]]:
        """For each (key, text, published): (key, {source: suggestions})."""
        batch: list[tuple[Any, str, str | None]] = []
        for item in items:
            batch.append(item)
            if len(batch) >= BATCH_SIZE:
                yield from self._batch(batch)
                batch = []
        if batch:
            yield from self._batch(batch)

    def _batch(self, batch: list[tuple[Any, str, str | None]]) -> Iterator[tuple[Any, dict[str, list[Item]]]]:
        with _collector_paused():
            results = self._compute(batch)
        for (key, _, _), result in zip(batch, results):
            yield key, result

    def _compute(self, batch: list[tuple[Any, str, str | None]]) -> list[dict[str, list[Item]]]:
        texts = [text for _, text, _ in batch]
        results: list[dict[str, list[Item]]] = [{} for _ in batch]
        if self.config.rules:
            from annotations.suggest_rules import COMPONENT

            rules = self.rules.get_pipe(COMPONENT)
            # stage by stage over the batch (all the tokenizing, then all the
            # rules, then all the norms): each stage's code and tables stay in
            # the CPU's caches, which makes the whole about a fifth faster
            docs = list(self.rules.tokenizer.pipe(texts))
            found = [rules.char_spans(doc) for doc in docs]
            for result, spans, (_, text, published) in zip(results, found, batch):
                result[RULES] = [
                    (label, start, end, None, normalise_span(label, text[start:end], published) if label in _NORMED
                     else None)
                    for label, start, end in spans
                ]
        if self.config.model is not None:
            source = self.config.model_source
            assert source is not None
            for result, doc, (_, text, published) in zip(results, self.model.pipe(texts), batch):
                result[source] = self._from_model(doc, text, published)
            if self.config.rules:
                for result in results:
                    _divide(result, source, self.config.model_labels)
        return results

    def _from_model(self, doc: Doc, text: str, published: str | None) -> list[Item]:
        """A trained pipeline's suggestions: its span groups as they are, its entities mapped."""
        found: list[Item] = []
        for key, group in doc.spans.items():
            scores = group.attrs.get("scores") if hasattr(group, "attrs") else None
            for n, span in enumerate(group):
                score = None
                if scores is not None and n < len(scores):
                    score = round(float(scores[n]), 4)
                found.append(_item(span.label_, span.start_char, span.end_char, score, text, published))
        if doc.has_annotation("ENT_IOB"):
            cues = self._cue_words()
            for ent in doc.ents:
                label = ENTITY_LABELS.get(ent.label_)
                if label is None and ent.label_ in SOURCE_ENTITIES and cues.attributed(ent):
                    label = "source"
                if label is None and ent.label_.islower():
                    label = ent.label_  # an entity recognizer trained on Redline's own labels
                if label is not None:
                    found.append(_item(label, ent.start_char, ent.end_char, None, text, published))
        return found

    def _cue_words(self) -> _Cues:
        if self._cues is None:
            self._cues = _Cues.from_patterns(self.config.patterns)
        return self._cues


def _divide(result: dict[str, list[Item]], source: str, model_labels: frozenset[str] | None) -> None:
    """Rules and model side by side: each keeps the labels it is given (all,
    when ``model_labels`` is None), and a span both found is kept once, as
    the rules' (with their normalised value)."""
    if model_labels is not None:
        result[RULES] = [item for item in result[RULES] if item[0] not in model_labels]
        result[source] = [item for item in result[source] if item[0] in model_labels]
    found = {(label, start, end) for label, start, end, *_ in result[RULES]}
    result[source] = [item for item in result[source] if (item[0], item[1], item[2]) not in found]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector during a batch: the rules
    allocate many small short-lived objects and make no reference cycles, so
    collections there only cost time (a tenth of the suggestions' run)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _item(label: str, start: int, end: int, score: float | None, text: str, published: str | None) -> Item:
    return label, start, end, score, normalise_span(label, text[start:end], published)


@dataclass
class _Cues:
    """Reporting words, read from the patterns file: is an entity in attribution position?"""

    before: frozenset[str]
    """Verbs whose source comes before them: "X said"."""
    after: frozenset[str]
    """Words whose source follows: "according to X", "citing X"."""

    @classmethod
    def from_patterns(cls, path: str | None) -> _Cues:
        from annotations.suggest_rules import literal_expansions, read_patterns

        words: dict[str, set[str]] = {"SOURCE_BEFORE": set(), "SOURCE_AFTER": set()}
        for pattern in read_patterns(path):
            if pattern.label not in words:
                continue
            if isinstance(pattern.pattern, str):
                words[pattern.label].add(pattern.pattern.lower().split()[-1])
                continue
            expanded = literal_expansions(pattern.pattern)
            if expanded is not None:
                words[pattern.label].update(sequence[-1].lower() for sequence in expanded[1])
        return cls(frozenset(words["SOURCE_BEFORE"]), frozenset(words["SOURCE_AFTER"]))

    def attributed(self, ent: Any) -> bool:
        doc = ent.doc
        # "X said", "X has said", "X's spokesman said"
        k = ent.end
        while k < len(doc) and k < ent.end + 4:
            word = doc[k].lower_
            if word in self.before:
                return True
            if word not in ("has", "have", "had", "also", "'s", "spokesman", "spokeswoman", "spokesperson"):
                break
            k += 1
        # "according to X", "citing X", '"…," said X'
        if ent.start > 0:
            previous = doc[ent.start - 1].lower_
            if previous in self.after or (previous in self.before and ent.start > 1 and doc[ent.start - 2].is_punct):
                return True
        return False


# -- over a corpus ----------------------------------------------------------------


@dataclass
class SuggestSummary:
    documents: int = 0
    stored: int = 0
    """Documents whose suggestions are committed."""
    labels: Counter[str] = field(default_factory=Counter)
    sources: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.labels.values())

    def line(self, label_order: list[str] | None = None) -> str:
        if not self.documents:
            return "no documents to suggest for"
        order = label_order or sorted(self.labels)
        parts = ", ".join(f"{label} {self.labels[label]}" for label in order if self.labels.get(label))
        noun = "document" if self.documents == 1 else "documents"
        text = f"suggested {self.total} spans in {self.documents} {noun}"
        return f"{text} ({parts})" if parts else text


def suggest_documents(
    store: Store,
    document_ids: Iterable[int] | None,
    config: SuggestConfig,
    progress: Callable[[int], None] | None = None,
    processes: int | None = None,
    run: SuggestRun | None = None,
) -> SuggestSummary:
    """Compute and store the suggestions of ``config`` for documents (all by
    default), replacing those its sources made before.

    ``run`` is a started :class:`SuggestRun` (start it before a progress
    bar); without one, this starts its own, in ``processes`` processes.
    """
    infos = store.documents()
    ids = [d.id for d in infos] if document_ids is None else list(document_ids)
    summary = SuggestSummary(sources=config.sources)
    if not ids:
        return summary
    if run is None:
        with SuggestRun(config, processes or default_processes(len(ids))) as started:
            return suggest_documents(store, ids, config, progress, run=started)
    published = {d.id: _published(d.meta) for d in infos}

    def items() -> Iterator[tuple[int, str, str | None]]:
        for document in store.iter_documents(ids):
            yield document.id, document.text, published.get(document.id)

    labels = {label.name for label in store.labels()}
    pending: list[tuple[int, dict[str, list[Item]]]] = []

    def flush() -> None:
        with store.transaction():
            for document_id, by_source in pending:
                for source in config.sources:
                    store.replace_suggestions(document_id, source, by_source.get(source, []))
                for source in config.replaces:
                    if source not in config.sources:
                        store.replace_suggestions(document_id, source, [])
        summary.stored += len(pending)
        pending.clear()

    try:
        for document_id, by_source in run.results(items()):
            pending.append((document_id, by_source))
            summary.documents += 1
            for found in by_source.values():
                summary.labels.update(label for label, *_ in found if label in labels)
            if len(pending) >= COMMIT_EVERY:
                flush()
            if progress is not None:
                progress(1)
        if pending:
            flush()
    except KeyboardInterrupt:
        raise SuggestInterrupted(summary.stored) from None
    return summary


def default_processes(documents: int) -> int:
    """Two processes on a large corpus when there are two cores, else one."""
    return 2 if documents >= LARGE_CORPUS and (os.cpu_count() or 1) >= 2 else 1


class SuggestRun:
    """A loaded suggester, here or in worker processes: ``with SuggestRun(config, 2) as run``.

    Workers send back only the suggestions (small tuples), never spaCy Docs,
    so that a second core adds throughput rather than serialisation work. On
    Linux they are forked from this process once the pipelines are loaded,
    so they start at once; start the run before any progress bar (a thread)
    is running.
    """

    def __init__(self, config: SuggestConfig, processes: int = 1) -> None:
        self.config = config
        self.processes = max(1, processes)
        self.suggester: Suggester | None = None
        self._pool: Any = None

    def __enter__(self) -> SuggestRun:
        global _worker
        self.config.check()
        if self.processes > 1 and sys.platform.startswith("linux"):
            self.suggester = _worker = Suggester(self.config)
            self.suggester.load()
            self._pool = multiprocessing.get_context("fork").Pool(self.processes)
        elif self.processes > 1:
            self._pool = multiprocessing.get_context("spawn").Pool(
                self.processes, initializer=_start_worker, initargs=(self.config,)
            )
        else:
            self.suggester = Suggester(self.config)
            self.suggester.load()
        return self

    def results(
        self, items: Iterable[tuple[Any, str, str | None]]
    ) -> Iterator[tuple[Any, dict[str, list[Item]]]]:
        """Suggestions for each (key, text, published), in order."""
        if self._pool is None:
            assert self.suggester is not None
            yield from self.suggester.suggest(items)
            return
        # chunks are read here (the items may come from this thread's database
        # connection) and a few at a time are in flight, so memory stays flat
        in_flight: deque[Any] = deque()
        for chunk in _chunks(items, BATCH_SIZE):
            in_flight.append(self._pool.apply_async(_work, (chunk,)))
            if len(in_flight) > 2 * self.processes:
                yield from in_flight.popleft().get()
        while in_flight:
            yield from in_flight.popleft().get()

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            if exc[0] is None:
                self._pool.close()
            else:
                self._pool.terminate()
            self._pool.join()
            self._pool = None


def suggest_many(
    items: Iterable[tuple[Any, str, str | None]], config: SuggestConfig, processes: int = 1
) -> Iterator[tuple[Any, dict[str, list[Item]]]]:
    """Suggestions for each (key, text, published), in order, in one or more processes."""
    with SuggestRun(config, processes) as run:
        yield from run.results(items)


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_worker: Suggester | None = None
"""A worker process's suggester (forked with it, or loaded by ``_start_worker``)."""
_worker_error: SuggestError | None = None


def _start_worker(config: SuggestConfig) -> None:
    global _worker, _worker_error
    try:
        _worker = Suggester(config)
        _worker.load()
    except SuggestError as error:
        # raised from _work, so that it reaches the parent (an initializer that raises is restarted forever)
        _worker_error = error


def _work(chunk: list[tuple[Any, str, str | None]]) -> list[tuple[Any, dict[str, list[Item]]]]:
    if _worker_error is not None:
        raise _worker_error
    assert _worker is not None
    return list(_worker.suggest(chunk))


def _published(meta: dict[str, Any]) -> str | None:
    value = meta.get("published")
    return str(value) if value else None
