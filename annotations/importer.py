"""``redline import``: files in, documents, tokens and pre-annotations stored.

One import is one transaction: any bad line rolls the whole import back,
so the database is exactly as it was. Files are streamed through spaCy's
tokenizer in batches, so memory does not grow with the corpus.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from annotations import corpus
from annotations.corpus import CorpusError
from annotations.model import STATUSES, DocumentInput
from annotations.store import Store, StoreError, sha256


@dataclass
class ImportSummary:
    added: int = 0
    present: int = 0
    spans: int = 0
    layers: dict[str, int] = field(default_factory=dict)
    """Spans added per annotator."""
    added_ids: list[int] = field(default_factory=list)

    def line(self) -> str:
        text = f"{self.added} added, {self.present} already present"
        if self.spans:
            who = ", ".join(f"{name} {n}" for name, n in sorted(self.layers.items()))
            text += f"; {self.spans} spans imported ({who})"
        return text


def total_bytes(paths: list[Path]) -> int:
    return sum(path.stat().st_size for path in corpus.expand(paths))


def import_paths(
    store: Store,
    paths: list[Path],
    annotator: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import files and folders; raises CorpusError (nothing stored) on bad input."""
    from annotations import nlp

    files = corpus.expand(paths)
    labels = {label.name for label in store.labels()}
    summary = ImportSummary()

    def items() -> Iterator[tuple[str, DocumentInput]]:
        for path in files:
            for item in corpus.read(path, annotator):
                for layer in item.layers:
                    for span in layer.spans:
                        if span.label not in labels:
                            raise CorpusError(
                                f"{item.source}: unknown label {span.label!r} (labels: {', '.join(sorted(labels))};"
                                " add one with 'redline labels add')"
                            )
                    if layer.status is not None and layer.status not in STATUSES:
                        raise CorpusError(f"{item.source}: unknown status {layer.status!r}")
                # a text already stored needs no tokenizing
                present = store.document_id_for_hash(sha256(item.text)) is not None
                yield ("" if present else item.text), item

    try:
        with store.transaction():
            for doc, item in nlp.blank().pipe(items(), as_tuples=True, batch_size=nlp.BATCH_SIZE):
                if doc.text:
                    item.tokens = nlp.token_offsets(doc)
                document_id, added = store.add_document(item)
                if added:
                    summary.added += 1
                    summary.added_ids.append(document_id)
                else:
                    summary.present += 1
                for layer in item.layers:
                    try:
                        count, _ = store.add_layer_spans(
                            document_id,
                            layer.annotator,
                            [(s.label, s.start, s.end, s.norm) for s in layer.spans],
                            layer.links,
                        )
                        if layer.status is not None:
                            store.import_status(document_id, layer.annotator, layer.status, layer.note)
                    except StoreError as error:
                        raise CorpusError(f"{item.source}: {error}") from None
                    summary.spans += count
                    summary.layers[layer.annotator] = summary.layers.get(layer.annotator, 0) + count
                if progress is not None:
                    progress(item.nbytes)
    except OSError as error:
        raise CorpusError(f"{error.filename}: {error.strerror}") from None
    return summary
