"""Typed disagreements of a document, resolutions into the gold layer, and
``redline review``'s non-interactive options."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotations import disagreements as dg
from annotations.disagreements import Extent
from annotations.model import GOLD, DocumentInput
from annotations.store import Store, StoreError
from tests.helpers import run_cli

TEXT = "The minister said 40 people left on Monday. Prices rose 5% in May, officials said."


def words(text: str) -> list[tuple[int, int]]:
    import re

    return [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]


def at(needle: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(needle, start + 1)
    return start, start + len(needle)


@pytest.fixture
def doc(store: Store) -> int:
    document_id, _ = store.add_document(DocumentInput(TEXT, "t", "t", {}, "t", tokens=words(TEXT)))
    return document_id


def review(store: Store, doc: int) -> dg.DocumentReview:
    return dg.load(store)[doc]


def gold(store: Store, doc: int) -> list[tuple[str, str]]:
    return sorted((s.label, TEXT[s.start : s.end]) for s in store.spans(doc, GOLD))


def tag(store: Store, doc: int, name: str, label: str, needle: str, nth: int = 0):
    return store.add_span(doc, name, label, *at(needle, nth))


# -- kinds -----------------------------------------------------------------------


def test_each_kind_and_nested_spans_of_other_labels_do_not_conflict(store: Store, doc: int) -> None:
    claim = "The minister said 40 people left on Monday."
    for name in ("alice", "bob"):
        tag(store, doc, name, "claim", claim)  # agreed
    tag(store, doc, "alice", "figure", "40 people")  # boundary
    tag(store, doc, "bob", "figure", "40")
    tag(store, doc, "alice", "date", "Monday")  # missing
    tag(store, doc, "alice", "figure", "5%")  # label
    tag(store, doc, "bob", "date", "5%")
    found = review(store, doc)
    assert [(d.kind, d.labels) for d in found.disagreements] == [
        ("boundary", ("figure",)),
        ("missing", ("date",)),
        ("label", ("date", "figure")),
    ]
    # the figure and date inside the claim do not make the claim disputed
    assert found.agreed == [Extent(*at(claim), "claim")]
    boundary = found.disagreements[0]
    assert boundary.versions == {"alice": (Extent(*at("40 people"), "figure"),), "bob": (Extent(*at("40"), "figure"),)}
    assert found.disagreements[1].versions["bob"] == ()
    assert found.left == 4 and found.severity == 3 / 4


def test_overlap_chains_form_one_boundary_disagreement(store: Store, doc: int) -> None:
    tag(store, doc, "alice", "claim", "The minister said 40 people left on Monday.")
    tag(store, doc, "bob", "claim", "The minister said")
    tag(store, doc, "bob", "claim", "40 people left on Monday.")
    (item,) = review(store, doc).disagreements
    assert item.kind == "boundary" and len(item.versions["bob"]) == 2
    # intersection keeps what both cover, split where bob split it; union joins it all
    assert dg.proposal(review(store, doc), item, "intersection") == [
        Extent(*at("The minister said"), "claim"),
        Extent(*at("40 people left on Monday."), "claim"),
    ]
    assert dg.proposal(review(store, doc), item, "union") == [
        Extent(*at("The minister said 40 people left on Monday."), "claim")
    ]


def test_link_disagreement_between_annotators_who_marked_the_claim(store: Store, doc: int) -> None:
    claim = "Prices rose 5% in May, officials said."
    for name in ("alice", "bob", "carol"):
        tag(store, doc, name, "claim", claim)
        tag(store, doc, name, "source", "officials")
        tag(store, doc, name, "date", "May")
    layers = {name: store.spans(doc, name) for name in ("alice", "bob")}
    pick = {name: {TEXT[s.start : s.end]: s.id for s in spans} for name, spans in layers.items()}
    store.add_link(pick["alice"][claim], pick["alice"]["officials"], "alice")
    store.add_link(pick["bob"][claim], pick["bob"]["officials"], "bob")
    store.add_link(pick["bob"][claim], pick["bob"]["May"], "bob")
    (item,) = review(store, doc).disagreements
    assert item.kind == "link" and item.claim == Extent(*at(claim), "claim")
    assert item.versions["carol"] == ()
    assert sorted(dg.proposal(review(store, doc), item, "union")) == sorted(
        [Extent(*at("officials"), "source"), Extent(*at("May"), "date")]
    )
    assert dg.proposal(review(store, doc), item, "intersection") == []
    assert item.involves("carol") and item.involves("bob")


def test_a_document_with_one_annotator_is_not_reviewed(store: Store, doc: int) -> None:
    tag(store, doc, "alice", "claim", "Prices rose 5% in May")
    assert dg.load(store) == {}
    store.set_status(doc, "bob", "done")  # bob read it and found nothing
    (item,) = review(store, doc).disagreements
    assert item.kind == "missing" and item.versions == {"alice": (Extent(*at("Prices rose 5% in May"), "claim"),), "bob": ()}


# -- resolutions and the gold layer ------------------------------------------------------


def test_resolution_records_the_reviewer_and_logs_the_decision(store: Store, doc: int) -> None:
    tag(store, doc, "alice", "figure", "40 people")
    tag(store, doc, "bob", "figure", "40")
    (item,) = review(store, doc).disagreements
    dg.resolve(store, review(store, doc), item, "rita", "take", annotator="alice")
    (span,) = store.spans(doc, GOLD)
    assert (span.label, span.start, span.end, span.origin, span.decided_by) == ("figure", *at("40 people"), "adjudicated", "rita")
    assert store.gold().kind == "gold" and GOLD not in {a.name for a in store.annotators()}
    (action,) = store.actions("rita")
    assert action.kind == "adjudicate" and action.document_id == doc and action.created_at
    assert action.payload["resolution"] == "take:alice" and action.payload["key"] == item.key
    assert review(store, doc).disagreements[0].resolved
    # deciding again replaces the decision in gold
    dg.resolve(store, review(store, doc), item, "rita", "take", annotator="bob")
    assert gold(store, doc) == [("figure", "40")]


def test_changing_a_resolved_disagreement_opens_it_again(store: Store, doc: int) -> None:
    tag(store, doc, "alice", "figure", "40 people")
    span = tag(store, doc, "bob", "figure", "40")
    (item,) = review(store, doc).disagreements
    dg.resolve(store, review(store, doc), item, "rita", "reject")
    assert review(store, doc).disagreements[0].resolved and gold(store, doc) == []
    store.remove_span(span.id, "bob")
    tag(store, doc, "bob", "figure", "40 people left")
    assert not review(store, doc).disagreements[0].resolved


def test_undo_restores_what_a_decision_removed(store: Store, doc: int) -> None:
    tag(store, doc, "alice", "figure", "40 people")
    tag(store, doc, "bob", "figure", "40")
    (item,) = review(store, doc).disagreements
    dg.resolve(store, review(store, doc), item, "rita", "take", annotator="alice")
    (first,) = store.spans(doc, GOLD)
    dg.resolve(store, review(store, doc), item, "rita", "take", annotator="bob")
    store.undo_gold(doc, "rita")
    (restored,) = store.spans(doc, GOLD)
    assert (restored.id, restored.start, restored.end, restored.decided_by, restored.created_at) == (
        first.id,
        first.start,
        first.end,
        "rita",
        first.created_at,
    )
    store.undo_gold(doc, "rita")
    assert gold(store, doc) == [] and not review(store, doc).disagreements[0].resolved
    assert store.undo_gold(doc, "rita") is None


def test_edit_needs_a_label_when_the_disagreement_has_several(store: Store, doc: int) -> None:
    tag(store, doc, "alice", "figure", "5%")
    tag(store, doc, "bob", "date", "5%")
    (item,) = review(store, doc).disagreements
    with pytest.raises(StoreError, match="choose the label"):
        dg.resolve(store, review(store, doc), item, "rita", "edit", extent=at("rose 5%"))
    dg.resolve(store, review(store, doc), item, "rita", "edit", extent=at("rose 5%"), label="figure")
    assert gold(store, doc) == [("figure", "rose 5%")]
    with pytest.raises(StoreError, match="is not an annotator of this document"):
        dg.resolve(store, review(store, doc), item, "rita", "take", annotator="zed")


def test_gold_spans_keep_the_annotators_norm_or_get_one_computed(store: Store, doc: int) -> None:
    tag(store, doc, "alice", "figure", "40 people")
    store.add_span(doc, "bob", "figure", *at("40"), norm={"value": 40, "unit": None, "currency": None, "qualifier": None})
    (item,) = review(store, doc).disagreements
    dg.resolve(store, review(store, doc), item, "rita", "take", annotator="bob")
    assert store.spans(doc, GOLD)[0].norm == {"value": 40, "unit": None, "currency": None, "qualifier": None}
    dg.resolve(store, review(store, doc), item, "rita", "edit", extent=at("40 people left"))
    (edited,) = store.spans(doc, GOLD)
    assert edited.norm is not None and edited.norm["value"] == 40


def test_accept_agreed_brings_agreed_spans_and_undisputed_links(store: Store, doc: int) -> None:
    claim = "Prices rose 5% in May, officials said."
    for name in ("alice", "bob"):
        c = tag(store, doc, name, "claim", claim)
        s = tag(store, doc, name, "source", "officials")
        store.add_link(c.id, s.id, name)
    tag(store, doc, "alice", "date", "Monday")
    action = dg.accept_agreed(store, review(store, doc), "rita")
    assert action is not None
    assert gold(store, doc) == [("claim", claim), ("source", "officials")]
    (link,) = store.links(doc, GOLD)
    assert {link.claim_id, link.target_id} == {s.id for s in store.spans(doc, GOLD)}
    assert dg.accept_agreed(store, review(store, doc), "rita") is None
    assert review(store, doc).left == 1  # the missing date


# -- redline review, without a screen ------------------------------------------------------


def test_review_accept_agreed_and_auto_accept_from_the_command_line(sample_db: Path, capsys) -> None:
    shown = run_cli(capsys, "review", "--db", sample_db, "--reviewer", "rita", "--accept-agreed")
    assert shown.code == 0
    with Store(sample_db) as store:
        reviews = dg.load(store)
        agreed = sum(len(r.agreed) for r in reviews.values())
        assert shown.out.strip() == f"accepted {agreed} agreed spans into gold in {len(reviews)} documents"
        assert all(not r.agreed_pending for r in reviews.values())
        assert {s.decided_by for s in store.all_spans() if s.annotator == GOLD} == {"rita"}
    shown = run_cli(capsys, "review", "--db", sample_db, "--auto-accept")
    assert shown.code == 0 and "auto-accept on" in shown.out
    with Store(sample_db) as store:
        assert dg.auto_accept(store)


def test_review_refuses_bad_names_in_one_line(sample_db: Path, capsys) -> None:
    shown = run_cli(capsys, "review", "--db", sample_db, "--reviewer", "gold", "--accept-agreed")
    assert shown.code == 1 and shown.err.startswith("error: annotator name 'gold' is reserved")
    shown = run_cli(capsys, "review", "--db", sample_db, "--label", "quote", "--accept-agreed")
    assert shown.code == 1 and shown.err.startswith("error: unknown label 'quote'")
    shown = run_cli(capsys, "review", "--db", sample_db.parent / "missing.db")
    assert shown.code == 1 and "no such database" in shown.err


def test_review_filters_are_saved_for_the_screen(sample_db: Path, capsys) -> None:
    shown = run_cli(
        capsys, "review", "--db", sample_db, "--reviewer", "rita", "--label", "claim", "--unresolved", "--accept-agreed"
    )
    assert shown.code == 0
    with Store(sample_db) as store:
        assert dg.load_filters(store, "rita") == dg.Filters("claim", None, True)
        assert dg.load_filters(store, "someone-else") == dg.Filters()
