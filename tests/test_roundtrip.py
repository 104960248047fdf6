"""Round trip: ``redline import`` of Redline's own JSONL rebuilds the database's
documents, annotators, spans, links, normalised values and statuses exactly."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations import nlp
from annotations.export import Selection, export
from annotations.export_formats import META_FIELDS
from annotations.importer import import_paths
from annotations.model import GOLD, STATUSES, DocumentInput
from annotations.store import Store
from tests.helpers import dump, run_cli

LABELS = ("claim", "source", "figure", "date")


def state(store: Store) -> dict[str, Any]:
    """Everything a round trip must keep, keyed by names rather than row ids."""
    documents = list(store.iter_documents())
    annotators = {a.name: a.kind for a in store.annotators(include_gold=True)}
    layers: dict[tuple[str, str], dict[str, Any]] = {}
    for doc in documents:
        spans = store.spans(doc.id)
        by_id = {span.id: span for span in spans}
        for span in spans:
            layer = layers.setdefault((doc.key, span.annotator), {"spans": [], "links": []})
            layer["spans"].append((span.label, span.start, span.end, span.norm, span.decided_by))
        for link in store.links(doc.id):
            claim, target = by_id[link.claim_id], by_id[link.target_id]
            layers[(doc.key, claim.annotator)]["links"].append(
                ((claim.label, claim.start, claim.end), (target.label, target.start, target.end))
            )
        for name in annotators:
            status = store.status(doc.id, name)
            if (status.status, status.note) != ("todo", ""):
                layers.setdefault((doc.key, name), {"spans": [], "links": []})["status"] = (status.status, status.note)
    for layer in layers.values():
        layer["spans"].sort(key=repr)
        layer["links"].sort()
    return {
        "documents": [(d.key, d.title, d.text, d.meta, d.tokens) for d in documents],
        "annotators": annotators,
        "layers": layers,
    }


def backup(store: Store, path: Path) -> list[dict[str, Any]]:
    export(store, Selection(backup=True), "jsonl", path)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def without_change_times(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for line in lines:
        line["meta"].pop("updated_at", None)
    return lines


def test_sample_corpus_round_trips_with_links_gold_and_statuses(sample_db, tmp_path, capsys):
    with Store(sample_db) as store:
        doc = store.document_by_key("01-border-buildup")
        claim = next(s for s in store.spans(doc.id, "alice") if s.label == "claim")
        figure = next(s for s in store.spans(doc.id, "alice") if s.label == "figure" and claim.overlaps(s.start, s.end))
        store.add_link(claim.id, figure.id, "alice")
        store.set_norm(figure.id, "alice", {"value": 2500, "unit": "troops", "qualifier": "up to"})
        store.set_status(doc.id, "alice", "done", "one figure unclear")
        store.set_status(store.document_by_key("02-alliance-weighs-aid").id, "bob", "skipped")
        store.write_gold(doc.id, "carol", add=[("figure", figure.start, figure.end, figure.norm)], resolution="alice")
        before = state(store)
    out = tmp_path / "backup.jsonl"
    result = run_cli(capsys, "export", "--db", sample_db, "--backup", "-o", out)
    assert result.code == 0, result.err
    again = tmp_path / "again.db"
    assert run_cli(capsys, "import", out, "--db", again).code == 0
    with Store(again) as store:
        assert state(store) == before
        assert store.annotators(include_gold=True) and store.find_annotator(GOLD).kind == "gold"
        (gold,) = store.spans(store.document_by_key("01-border-buildup").id, GOLD)
        assert (gold.origin, gold.decided_by) == ("adjudicated", "carol")
        assert without_change_times(backup(store, tmp_path / "second.jsonl")) == without_change_times(
            [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        )


def test_importing_an_export_into_its_own_database_changes_nothing(sample_db, tmp_path):
    with Store(sample_db) as store:
        store.set_status(store.document_by_key("03-force-larger-than-admitted").id, "bob", "flagged", "odd date")
        backup(store, tmp_path / "backup.jsonl")
    before = dump(sample_db)
    with Store(sample_db) as store:
        summary = import_paths(store, [tmp_path / "backup.jsonl"])
    assert (summary.added, summary.spans) == (0, 0)
    assert dump(sample_db) == before


# -- the property: any corpus, any annotations ---------------------------------------------

# import rewrites line breaks (see annotations.textnorm): generate text already canonical
CANONICAL = st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
TEXTS = st.text(CANONICAL, min_size=1, max_size=60).filter(lambda t: t.strip() != "" and not t.startswith("\ufeff"))
NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Z")), min_size=1, max_size=8).filter(
    lambda name: name != GOLD
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=5,
)
META = st.dictionaries(
    st.text(min_size=1, max_size=6).filter(lambda k: k not in META_FIELDS and k != "published"), JSON_VALUES, max_size=3
)
NORMS = st.none() | st.fixed_dictionaries({"value": st.integers(0, 10**6), "unit": st.text(max_size=6)})


@dataclass
class LayerInput:
    spans: list[tuple[str, int, int, dict[str, Any] | None]]
    links: list[tuple[int, int]]
    status: tuple[str, str] | None
    decided_by: list[str | None] = field(default_factory=list)


@st.composite
def corpora(draw: st.DrawFn) -> list[dict[str, Any]]:
    texts = draw(st.lists(TEXTS, min_size=1, max_size=4, unique=True))
    keys = draw(st.lists(st.text(min_size=1, max_size=8), min_size=len(texts), max_size=len(texts), unique=True))
    humans = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    layer_names = humans + ([GOLD] if draw(st.booleans()) else [])
    documents = []
    for text, key in zip(texts, keys):
        meta = draw(META)
        if draw(st.booleans()):
            meta["published"] = draw(st.dates()).isoformat()
        layers: dict[str, LayerInput] = {}
        for name in layer_names:
            spans = draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(LABELS),
                        st.integers(0, len(text) - 1).flatmap(
                            lambda s, n=len(text): st.tuples(st.just(s), st.integers(s + 1, n))
                        ),
                        NORMS,
                    ).map(lambda t: (t[0], t[1][0], t[1][1], t[2] if t[0] in ("figure", "date") else None)),
                    max_size=6,
                    unique_by=lambda s: s[:3],
                )
            )
            claims = [i for i, s in enumerate(spans) if s[0] == "claim"]
            others = [i for i, s in enumerate(spans) if s[0] != "claim"]
            links = [(c, o) for c in claims for o in others if draw(st.booleans())]
            status = draw(st.none() | st.tuples(st.sampled_from(STATUSES), st.text(max_size=8)))
            if not spans and status in (None, ("todo", "")):
                continue  # a layer with nothing in it is no layer
            decided = [draw(st.sampled_from(humans)) for _ in spans] if name == GOLD else []
            layers[name] = LayerInput(spans, links, status, decided)
        title = draw(st.text(min_size=1, max_size=12))
        documents.append({"text": text, "key": key, "title": title, "meta": meta, "layers": layers})
    return documents


def build(store: Store, documents: list[dict[str, Any]]) -> None:
    for item, tokens in zip(documents, nlp.tokenize(d["text"] for d in documents)):
        document_id, added = store.add_document(
            DocumentInput(item["text"], item["key"], item["title"], item["meta"], "test", tokens=tokens)
        )
        assert added
        for name, layer in item["layers"].items():
            gold = name == GOLD
            _, ids = store.add_layer_spans(
                document_id,
                name,
                layer.spans,
                layer.links,
                origin="adjudicated" if gold else "manual",
                kind="gold" if gold else "human",
            )
            if gold:
                store.record_decided_by(zip(ids, layer.decided_by))
            if layer.status is not None:
                store.import_status(document_id, name, *layer.status)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(documents=corpora())
def test_any_corpus_round_trips_through_jsonl(tmp_path_factory, documents):
    folder = tmp_path_factory.mktemp("roundtrip")
    with Store(folder / "source.db") as source:
        build(source, documents)
        expected = state(source)
        first = backup(source, folder / "backup.jsonl")
    with Store(folder / "copy.db") as copy:
        import_paths(copy, [folder / "backup.jsonl"])
        assert state(copy) == expected
        # and the copy exports the same lines (only the times of change differ)
        assert without_change_times(backup(copy, folder / "again.jsonl")) == without_change_times(first)
