"""The review screen through the pilot: real keys, then what the gold layer holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotations import disagreements
from annotations.model import GOLD
from annotations.store import Store
from tests.tui.support import AID, BORDER, find, screen_text
from tui.app import RedlineApp
from tui.dialogs import ChoiceDialog
from tui.review import ReviewHelp, ReviewScreen

REVIEWER = "rita"
SIZE = (130, 34)

C1 = "Valdoria has moved up to 2,500 troops to the border since 7 March 2025"
C2 = "Kestria has about 6 million people"


def two_annotators(store: Store) -> int:
    """alice and bob on the border article: one disagreement of each kind,
    and four spans they agree on.

    1. boundary: figure "up to 2,500 troops" (alice) / "2,500 troops" (bob)
    2. missing: source "the Kestrian Defence Ministry" (alice only)
    3. label: "Analysts at the Baltic Institute", source (alice) / claim (bob)
    4. link: both have the claim C2 and the source "officials"; only alice links them
    """
    doc = store.document_by_key("border").id
    both = [("claim", C1), ("date", "7 March 2025"), ("claim", C2), ("source", "officials")]
    for name in ("alice", "bob"):
        for label, needle in both:
            store.add_span(doc, name, label, *find(BORDER, needle))
    store.add_span(doc, "alice", "figure", *find(BORDER, "up to 2,500 troops"))
    store.add_span(doc, "bob", "figure", *find(BORDER, "2,500 troops"))
    store.add_span(doc, "alice", "source", *find(BORDER, "the Kestrian Defence Ministry"))
    store.add_span(doc, "alice", "source", *find(BORDER, "Analysts at the Baltic Institute"))
    store.add_span(doc, "bob", "claim", *find(BORDER, "Analysts at the Baltic Institute"))
    claim = store.spans(doc, "alice")
    c2 = next(s for s in claim if s.label == "claim" and BORDER[s.start : s.end] == C2)
    officials = next(s for s in claim if BORDER[s.start : s.end] == "officials")
    store.add_link(c2.id, officials.id, "alice")
    return doc


def gold(store: Store, doc: int) -> list[tuple[str, str]]:
    return sorted((s.label, BORDER[s.start : s.end]) for s in store.spans(doc, GOLD))


def gold_links(store: Store, doc: int) -> list[tuple[str, str]]:
    spans = {s.id: BORDER[s.start : s.end] for s in store.spans(doc, GOLD)}
    return sorted((spans[link.claim_id], spans[link.target_id]) for link in store.links(doc, GOLD))


@pytest.fixture
def review_app(corpus_store: Store):
    """``async with review_app() as (app, pilot, screen, doc)``: the review screen
    on the border article, as the reviewer rita."""
    from contextlib import asynccontextmanager

    doc = two_annotators(corpus_store)

    @asynccontextmanager
    async def opened(store: Store = corpus_store):
        app = RedlineApp(store, REVIEWER, mode="review")
        app.said = []  # type: ignore[attr-defined]
        shown = app.notify

        def notify(message: str, **options: object) -> None:
            app.said.append(message)  # type: ignore[attr-defined]
            shown(message, **options)  # type: ignore[arg-type]

        app.notify = notify  # type: ignore[method-assign]
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, ReviewScreen)
            yield app, pilot, app.screen, doc

    return opened


async def goto(pilot, screen: ReviewScreen, kind: str) -> None:
    """Move the highlight to the first disagreement of ``kind`` with j/k."""
    target = next(n for n, d in enumerate(screen.items) if d.kind == kind)
    while screen.listing.highlighted != target:
        await pilot.press("j" if screen.listing.highlighted < target else "k")
    await pilot.pause()


def decision(store: Store) -> dict:
    (action,) = [a for a in store.actions(REVIEWER) if a.kind == "adjudicate"][-1:]
    return action.payload


# -- what the screen shows ---------------------------------------------------


async def test_lists_each_kind_with_who_said_what(review_app) -> None:
    async with review_app() as (app, pilot, screen, doc):
        assert [d.kind for d in screen.items] == ["boundary", "missing", "label", "link"]
        shown = screen_text(app)
        assert "1 alice" in shown and "2 bob" in shown
        assert "figure «up to 2,500 troops»" in shown and "figure «2,500 troops»" in shown
        assert "source «Analysts at the Baltic Institute»" in shown and "claim «Analysts at the Baltic Institute»" in shown
        assert "→ source «officials»" in shown and "(no links)" in shown
        assert "document 1 of 1 · 5 left here" in app.screen.sub_title
        # the highlighted disagreement is selected in the article
        assert screen.article.selection_range == (BORDER.index("up to 2,500"), BORDER.index(" to the border"))


async def test_view_key_shows_one_layer_at_a_time(review_app) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("v")
        assert screen.view == "alice"
        assert len(list(screen._marks())) == 7
        await pilot.press("v", "v")
        assert screen.view == GOLD and list(screen._marks()) == []
        await pilot.press("v")
        assert screen.view == "everyone"


# -- one test per resolution ------------------------------------------------------


async def test_digit_takes_that_annotators_version(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("2")
        assert gold(corpus_store, doc) == [("figure", "2,500 troops")]
        (span,) = corpus_store.spans(doc, GOLD)
        assert (span.decided_by, span.origin) == (REVIEWER, "adjudicated")
        assert decision(corpus_store)["resolution"] == "take:bob"
        assert screen.items[0].resolved
        # the highlight moved on to the next open disagreement
        assert screen._current().kind == "missing"


async def test_chooser_takes_the_chosen_version(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("t")
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # the first choice: alice
        await pilot.pause()
        assert gold(corpus_store, doc) == [("figure", "up to 2,500 troops")]


async def test_union_and_intersection_of_a_boundary(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("i")
        assert gold(corpus_store, doc) == [("figure", "2,500 troops")]
        await pilot.press("k", "u")  # deciding again replaces the decision
        assert gold(corpus_store, doc) == [("figure", "up to 2,500 troops")]
        assert decision(corpus_store)["resolution"] == "union"


async def test_edit_the_extent_by_hand(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("e")
        assert screen.editing is not None and screen.article.has_focus
        await pilot.press("B")  # shrink the selection by its last word
        await pilot.press("enter")
        assert gold(corpus_store, doc) == [("figure", "up to 2,500")]
        assert decision(corpus_store)["resolution"] == "edit"
        assert screen.editing is None


async def test_escape_cancels_an_edit_and_writes_nothing(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("e", "B", "escape")
        assert screen.editing is None and isinstance(app.screen, ReviewScreen)
        assert gold(corpus_store, doc) == []
        assert "Edit cancelled: nothing changed." in app.said


async def test_reject_and_take_a_missing_span(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await goto(pilot, screen, "missing")
        await pilot.press("x")
        assert gold(corpus_store, doc) == []
        assert next(d for d in screen.items if d.kind == "missing").resolved
        await goto(pilot, screen, "missing")
        await pilot.press("1")
        assert gold(corpus_store, doc) == [("source", "the Kestrian Defence Ministry")]


async def test_label_disagreement_take_and_union(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await goto(pilot, screen, "label")
        await pilot.press("2")
        assert gold(corpus_store, doc) == [("claim", "Analysts at the Baltic Institute")]
        await goto(pilot, screen, "label")
        await pilot.press("u")  # both labels on the same text
        assert gold(corpus_store, doc) == [
            ("claim", "Analysts at the Baltic Institute"),
            ("source", "Analysts at the Baltic Institute"),
        ]


async def test_link_disagreement_take_and_reject(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await goto(pilot, screen, "link")
        await pilot.press("1")
        assert gold(corpus_store, doc) == [("claim", C2), ("source", "officials")]
        assert gold_links(corpus_store, doc) == [(C2, "officials")]
        await goto(pilot, screen, "link")
        await pilot.press("x")
        assert gold_links(corpus_store, doc) == []
        await goto(pilot, screen, "link")
        await pilot.press("e")
        assert gold_links(corpus_store, doc) == [] and screen.editing is None
        assert "A link disagreement has no extent to edit: take a version, u, i or x." in app.said


async def test_accept_every_agreed_span_with_one_key(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("a")
        assert gold(corpus_store, doc) == sorted([("claim", C1), ("claim", C2), ("date", "7 March 2025"), ("source", "officials")])
        assert decision(corpus_store)["resolution"] == "accept_agreed"
        await pilot.press("a")
        assert "Every agreed span here is already gold." in app.said
        # settle everything: nothing is left, and the header says so
        for key in ("1", "1", "1", "1"):
            await pilot.press(key)
        assert screen.review.left == 0
        assert "0 left here · 0 left in 0 documents" in app.screen.sub_title
        assert "Every decision here is taken: n for the next document." in app.said


async def test_auto_accept_puts_agreed_spans_in_gold_on_opening_and_as_they_come(
    review_app, corpus_db: Path, corpus_store
) -> None:
    disagreements.set_auto_accept(corpus_store, True)
    async with review_app() as (app, pilot, screen, doc):
        assert len(gold(corpus_store, doc)) == 4
        with Store(corpus_db) as other:  # both annotators tag Monday meanwhile
            for name in ("alice", "bob"):
                other.add_span(doc, name, "date", *find(BORDER, "Monday"))
        screen.poll()
        assert ("date", "Monday") in gold(corpus_store, doc)
        await pilot.press("A")
        assert not disagreements.auto_accept(corpus_store)


async def test_undo_reverses_the_last_decision(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("1", "ctrl+z")
        assert gold(corpus_store, doc) == []
        assert not screen.items[0].resolved
        assert [a.kind for a in corpus_store.actions(REVIEWER)][-2:] == ["adjudicate", "adjudicate_undo"]


# -- concurrent work -----------------------------------------------------------------


async def test_an_annotators_change_shows_up_and_nothing_is_lost(review_app, corpus_db: Path, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("1")  # alice's figure goes to gold
        with Store(corpus_db) as bob:  # bob, in another connection, meanwhile
            bob.add_span(doc, "bob", "source", *find(BORDER, "the Kestrian Defence Ministry"))
            old = next(s for s in bob.spans(doc, "bob") if BORDER[s.start : s.end] == "2,500 troops")
            bob.remove_span(old.id, "bob")
            bob.add_span(doc, "bob", "figure", *find(BORDER, "2,500"))
        screen.poll()  # what the two-second timer runs
        await pilot.pause()
        kinds = [(d.kind, d.resolved) for d in screen.items]
        # the missing source is now agreed; the boundary bob changed is open again
        assert kinds == [("boundary", False), ("label", False), ("link", False)]
        assert "bob changed this document: the list is up to date." in app.said
        # nothing either of them did is lost
        assert gold(corpus_store, doc) == [("figure", "up to 2,500 troops")]
        assert ("figure", "2,500") in [(s.label, BORDER[s.start : s.end]) for s in corpus_store.spans(doc, "bob")]
        await pilot.press("2")
        assert gold(corpus_store, doc) == [("figure", "2,500")]


async def test_deciding_on_a_disagreement_that_changed_meanwhile_warns(review_app, corpus_db: Path, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        with Store(corpus_db) as bob:
            bob.add_span(doc, "bob", "figure", *find(BORDER, "up to 2,500 troops"))
        await pilot.press("1")  # before the timer noticed
        assert gold(corpus_store, doc) == []
        assert "That disagreement changed meanwhile: here is the list as it is now." in app.said


async def test_r_reloads_at_once(review_app, corpus_db: Path) -> None:
    async with review_app() as (app, pilot, screen, doc):
        with Store(corpus_db) as alice:
            alice.add_span(doc, "alice", "figure", *find(BORDER, "6 million"))
        await pilot.press("r")
        assert [d.kind for d in screen.items] == ["boundary", "missing", "label", "link", "missing"]


# -- filters, documents, keys -----------------------------------------------------------


async def test_filters_narrow_the_list_and_are_remembered(review_app, corpus_store) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("L")  # label: claim
        assert screen.filters.label == "claim"
        assert [d.kind for d in screen.items] == ["label", "link"]
        await pilot.press("L")  # source
        assert [d.kind for d in screen.items] == ["missing", "label", "link"]  # the link's target is a source
        await pilot.press("O")  # annotator: alice (in every one of these)
        assert screen.filters.annotator == "alice"
        await pilot.press("U")
        assert screen.filters.unresolved
    saved = disagreements.load_filters(corpus_store, REVIEWER)
    assert saved == disagreements.Filters("source", "alice", True)


async def test_documents_come_worst_first_and_n_moves_on(review_app, corpus_store) -> None:
    aid = corpus_store.document_by_key("aid").id
    corpus_store.add_span(aid, "alice", "figure", *find(AID, "€220 million"))
    corpus_store.add_span(aid, "bob", "figure", *find(AID, "€220 million"))
    corpus_store.add_span(aid, "bob", "source", *find(AID, "two diplomats"))
    corpus_store.add_span(aid, "alice", "claim", *find(AID, "The alliance weighs an aid package"))
    async with review_app() as (app, pilot, screen, doc):
        # aid: 2 of 3 clusters disputed; border: 4 of 8
        assert screen.queue == [aid, doc]
        assert screen.document.id == aid
        first = screen.document.id
        await pilot.press("n")
        assert screen.document.id != first
        assert "document 2 of 2" in app.screen.sub_title
        await pilot.press("n")
        assert "This is the last document." in app.said
        await pilot.press("p")
        assert screen.document.id == first


async def test_help_lists_the_review_keys(review_app) -> None:
    async with review_app() as (app, pilot, screen, doc):
        await pilot.press("question_mark")
        assert isinstance(app.screen, ReviewHelp)
        assert "Intersection: only what every version covers" in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, ReviewScreen)


async def test_R_on_the_annotation_screen_opens_review_and_escape_returns(corpus_store) -> None:
    doc = two_annotators(corpus_store)
    app = RedlineApp(corpus_store, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("1")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ReviewScreen)
    assert [s.decided_by for s in corpus_store.spans(doc, GOLD)] == ["alice"]


async def test_nothing_to_review_says_why(corpus_store) -> None:
    app = RedlineApp(corpus_store, REVIEWER, mode="review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "Nothing to review yet" in screen_text(app)
        await pilot.press("1", "u", "a", "n")
        assert corpus_store.actions(REVIEWER) == []
