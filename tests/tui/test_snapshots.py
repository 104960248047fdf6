"""Snapshots of the main screens (pytest-textual-snapshot).

Fixed terminal size, fixed data, no blinking cursor. After an intended
change of the screens, review and accept with ``pytest --snapshot-update``.
"""

from __future__ import annotations

from annotations.store import Store
from tests.tui.support import ANNOTATOR, BORDER, find
from tui.app import RedlineApp


def nested_spans(store: Store) -> None:
    """A claim holding a figure and a date, a linked source outside it, a
    second claim, and an open suggestion."""
    border = store.document_by_key("border").id
    claim = store.add_span(border, ANNOTATOR, "claim", *find(BORDER, "Valdoria has moved up to 2,500 troops to the border since 7 March 2025"))
    store.add_span(border, ANNOTATOR, "figure", *find(BORDER, "up to 2,500 troops"), norm={"value": 2500, "unit": "troops", "currency": None, "qualifier": "up to"})
    store.add_span(border, ANNOTATOR, "date", *find(BORDER, "7 March 2025"), norm={"value": "2025-03-07", "resolved": True, "reason": None})
    source = store.add_span(border, ANNOTATOR, "source", *find(BORDER, "the Kestrian Defence Ministry"))
    store.add_span(border, ANNOTATOR, "claim", *find(BORDER, "Kestria has about 6 million people"))
    assert claim is not None and source is not None
    store.add_link(claim.id, source.id, ANNOTATOR)
    start, end = find(BORDER, "about 6 million people")
    store.replace_suggestions(border, "rules", [("figure", start, end, 0.9, None)])


def test_main_screen_with_nested_spans(snap_compare, corpus_store):
    nested_spans(corpus_store)
    assert snap_compare(RedlineApp(corpus_store, ANNOTATOR), terminal_size=(110, 30))


def test_main_screen_at_80_by_24(snap_compare, corpus_store):
    nested_spans(corpus_store)
    assert snap_compare(RedlineApp(corpus_store, ANNOTATOR), terminal_size=(80, 24))


def test_help_screen(snap_compare, corpus_store):
    assert snap_compare(RedlineApp(corpus_store, ANNOTATOR), press=["question_mark"], terminal_size=(110, 60))


def test_document_list(snap_compare, corpus_store):
    corpus_store.set_status(corpus_store.document_by_key("border").id, ANNOTATOR, "done")
    corpus_store.set_status(corpus_store.document_by_key("markup").id, ANNOTATOR, "flagged", "odd characters")

    async def open_list(pilot) -> None:
        await pilot.press("g")
        await pilot.pause()
        pilot.app.screen.query_one("#filter").cursor_blink = False
        await pilot.pause()

    assert snap_compare(RedlineApp(corpus_store, ANNOTATOR), terminal_size=(110, 30), run_before=open_list)
