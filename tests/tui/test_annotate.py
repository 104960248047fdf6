"""The annotation screen through the pilot: real keys and clicks, then what
the database holds."""

from __future__ import annotations

from annotations.store import Store
from tests.tui.support import ANNOTATOR, BORDER, find, screen_text
from tui.annotate_screen import AnnotateScreen
from tui.claim_list import ClaimList
from tui.dialogs import ChoiceDialog, NormDialog, NoteDialog
from tui.document_list import DocumentList
from tui.help_screen import HelpScreen


def layer(store: Store, document_id: int) -> list[tuple[str, str, str]]:
    """(label, text, origin) of every span of the test annotator's layer."""
    text = store.document(document_id).text
    return [(s.label, text[s.start : s.end], s.origin) for s in store.spans(document_id, ANNOTATOR)]


def select(screen: AnnotateScreen, needle: str, nth: int = 0) -> None:
    assert screen.document is not None
    screen.article.select_range(*find(screen.document.text, needle, nth))


def put_cursor(screen: AnnotateScreen, needle: str) -> None:
    assert screen.document is not None
    screen.article.move_to(find(screen.document.text, needle)[0])


# -- selecting and tagging ----------------------------------------------------


async def test_select_by_word_with_keys_and_tag(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        await pilot.press("W", "W", "W", "1")
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == [("claim", "Valdoria has moved", "manual")]
    # the first tag moves the document from todo to in progress
    assert corpus_store.status(doc_id, ANNOTATOR).status == "in_progress"


async def test_shift_arrows_snap_to_whole_tokens(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        put_cursor(screen, "2,500")
        await pilot.press("shift+right", "shift+right")  # "2," of "2,500"
        await pilot.press("3")
        doc_id = screen.document.id
    spans = corpus_store.spans(doc_id, ANNOTATOR)
    assert layer(corpus_store, doc_id) == [("figure", "2,500", "manual")]
    # a figure tagged by hand carries its normalised value
    assert spans[0].norm is not None and spans[0].norm["value"] == 2500


async def test_word_at_cursor_is_tagged_when_nothing_is_selected(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        put_cursor(screen, "Monday")
        await pilot.press("right", "right", "4")
        doc_id = screen.document.id
    spans = corpus_store.spans(doc_id, ANNOTATOR)
    assert layer(corpus_store, doc_id) == [("date", "Monday", "manual")]
    assert spans[0].norm is not None


async def test_character_mode_tags_exactly_the_selection(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        await pilot.press("c")
        assert "CHAR" in str(screen.query_one("#status-line").render())
        put_cursor(screen, "Valdoria")
        await pilot.press("shift+right", "shift+right", "shift+right", "shift+right", "2")
        await pilot.press("c")
        assert "WORD" in str(screen.query_one("#status-line").render())
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == [("source", "Vald", "manual")]


async def test_mouse_drag_selects_and_snaps_to_tokens(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        # text starts one column in (the pane's padding); drag from inside
        # "Valdoria" to inside "moved": the selection snaps to whole words
        await pilot.mouse_down("#article", offset=(3, 0))
        await pilot.mouse_up("#article", offset=(16, 0))
        assert BORDER[slice(*screen.article.selection_range)] == "Valdoria has moved"
        await pilot.press("1")
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == [("claim", "Valdoria has moved", "manual")]


async def test_double_click_selects_the_word(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        start = BORDER.index("troops")
        await pilot.click("#article", offset=(start + 1 + 2, 0), times=2)
        assert BORDER[slice(*screen.article.selection_range)] == "troops"
        await pilot.press("3")
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == [("figure", "troops", "manual")]


async def test_same_key_twice_changes_nothing(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "2,500 troops")
        await pilot.press("3")
        select(screen, "2,500 troops")
        await pilot.press("3")
        doc_id = screen.document.id
        assert any("Already tagged figure" in message for message in app.said)
    assert layer(corpus_store, doc_id) == [("figure", "2,500 troops", "manual")]
    assert [a.kind for a in corpus_store.actions(ANNOTATOR, doc_id)].count("add_span") == 1


async def test_nested_and_overlapping_spans_and_the_claim_list(open_app, corpus_store):
    async with open_app(size=(140, 30)) as (app, pilot, screen):
        select(screen, "Valdoria has moved up to 2,500 troops to the border since 7 March 2025")
        await pilot.press("1")
        select(screen, "up to 2,500 troops")
        await pilot.press("3")
        select(screen, "7 March 2025")
        await pilot.press("4")
        select(screen, "2,500 troops to the border")  # overlaps the figure
        await pilot.press("2")
        doc_id = screen.document.id
        claims = screen.query_one(ClaimList)
        prompt = claims.get_option_at_index(0).prompt
        shown = prompt.plain if hasattr(prompt, "plain") else str(prompt)
        assert "1. Valdoria has moved" in shown
        assert "· figure «up to 2,500 troops»\n    = up to 2,500 troops" in shown
        assert "· date «7 March 2025»\n    = 2025-03-07" in shown
        assert "· source «2,500 troops to the border»" in shown
    assert sorted(layer(corpus_store, doc_id)) == sorted(
        [
            ("claim", "Valdoria has moved up to 2,500 troops to the border since 7 March 2025", "manual"),
            ("figure", "up to 2,500 troops", "manual"),
            ("date", "7 March 2025", "manual"),
            ("source", "2,500 troops to the border", "manual"),
        ]
    )


async def test_status_line_describes_spans_under_the_cursor(open_app):
    async with open_app() as (app, pilot, screen):
        select(screen, "about 6 million people")
        await pilot.press("3")
        put_cursor(screen, "6 million")
        await pilot.pause()
        line = str(screen.query_one("#status-line").render())
        assert "figure «about 6 million people» = about 6,000,000 people" in line


async def test_status_line_shows_the_start_of_a_selection_of_the_whole_article(open_app):
    async with open_app() as (app, pilot, screen):
        screen.article.select_range(0, len(BORDER))
        await pilot.pause()
        line = str(screen.query_one("#status-line").render())
        assert "selected «Valdoria has moved up to 2,500 troops t…»" in line


async def test_the_garbage_collector_is_set_back_once_the_screen_is_drawn(open_app):
    import gc

    import tui

    tui.starting()  # as when the app's modules are first imported
    assert gc.get_threshold() != tui._COLLECTOR_THRESHOLDS
    async with open_app() as (app, pilot, screen):
        await pilot.pause()
        assert gc.get_threshold() == tui._COLLECTOR_THRESHOLDS


async def test_label_added_later_tags_without_code_changes(open_app, corpus_store):
    corpus_store.add_label("quote", key="5", colour="#56b6c2")
    async with open_app() as (app, pilot, screen):
        select(screen, "less reassured")
        await pilot.press("5")
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == [("quote", "less reassured", "manual")]


async def test_a_label_key_that_clashes_is_reported_not_bound(open_app, corpus_store):
    corpus_store.add_label("note", key="n")
    async with open_app() as (app, pilot, screen):
        assert any("key 'n' is already taken" in message for message in app.said)
        await pilot.press("n")  # still "next document"
        assert screen.document.key == "aid"


# -- removing, undo, redo -----------------------------------------------------


async def test_x_removes_the_span_under_the_cursor(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "2,500 troops")
        await pilot.press("3")
        put_cursor(screen, "troops")
        await pilot.press("x")
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == []


async def test_delete_key_removes_too(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "Monday")
        await pilot.press("4")
        put_cursor(screen, "Monday")
        await pilot.press("delete")
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == []


async def test_x_asks_which_span_when_several_overlap(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "Valdoria has moved up to 2,500 troops")
        await pilot.press("1")
        select(screen, "2,500 troops")
        await pilot.press("3")
        put_cursor(screen, "2,500")
        await pilot.press("x")
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("escape")  # cancel: nothing removed
        assert len(layer(corpus_store, screen.document.id)) == 2
        await pilot.press("x")
        await pilot.press("down", "enter")  # the second choice: the figure
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == [("claim", "Valdoria has moved up to 2,500 troops", "manual")]


async def test_x_in_the_claim_list_removes_that_claim(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "Valdoria has moved up to 2,500 troops")
        await pilot.press("1")
        select(screen, "2,500 troops")
        await pilot.press("3")
        await pilot.press("tab", "x")
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == [("figure", "2,500 troops", "manual")]


async def test_undo_and_redo_with_keys(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "2,500 troops")
        await pilot.press("3")
        select(screen, "Monday")
        await pilot.press("4")
        doc_id = screen.document.id
        await pilot.press("u")
        assert layer(corpus_store, doc_id) == [("figure", "2,500 troops", "manual")]
        await pilot.press("ctrl+z")
        assert layer(corpus_store, doc_id) == []
        await pilot.press("ctrl+y")
        assert layer(corpus_store, doc_id) == [("figure", "2,500 troops", "manual")]
        await pilot.press("u", "u")
        assert any("Nothing to undo" in message for message in app.said)


async def test_label_and_undo_keys_work_from_the_claim_list_and_not_in_a_dialog(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        doc_id = screen.document.id
        select(screen, "2,500 troops")
        await pilot.press("tab")
        assert screen.claims.has_focus
        await pilot.press("3")
        assert layer(corpus_store, doc_id) == [("figure", "2,500 troops", "manual")]
        await pilot.press("u")
        assert layer(corpus_store, doc_id) == []
        # in a dialog the same keys are typed, not acted on
        await pilot.press("ctrl+y", "f")
        assert isinstance(app.screen, NoteDialog)
        await pilot.press("u", "1", "3", "enter")
    assert layer(corpus_store, doc_id) == [("figure", "2,500 troops", "manual")]
    status = corpus_store.status(doc_id, ANNOTATOR)
    assert (status.status, status.note) == ("flagged", "u13")


async def test_undo_tells_what_it_undid_on_the_status_line(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "Monday")
        await pilot.press("4")
        await pilot.press("u")
        assert "undid tagging date «Monday»" in status_line(screen)
        await pilot.press("ctrl+y")
        assert "redid tagging date «Monday»" in status_line(screen)
        # the news goes once the cursor moves on, or something else changes
        await pilot.press("right")
        assert "redid" not in status_line(screen)
        await pilot.press("left", "u")
        assert "undid tagging date «Monday»" in status_line(screen)
        await pilot.press("3")
        assert "undid" not in status_line(screen)


def status_line(screen: AnnotateScreen) -> str:
    return str(screen.query_one("#status-line").render())


async def test_article_after_many_changes_looks_as_drawn_afresh(open_app, corpus_store):
    # each change redraws only the lines it touched: the result must be what
    # drawing the whole layer from scratch gives
    async with open_app() as (app, pilot, screen):
        select(screen, "2,500 troops")
        await pilot.press("3")
        select(screen, "Valdoria has moved up to 2,500 troops")
        await pilot.press("1")
        select(screen, "Monday")
        await pilot.press("4")
        await pilot.press("u", "u", "ctrl+y")
        await pilot.pause()
        drawn = app.export_screenshot()
        assert [label for label, _, _ in layer(corpus_store, screen.document.id)] == ["claim", "figure"]
        screen.article.set_marks([])
        screen._draw()
        await pilot.pause()
        assert app.export_screenshot() == drawn


async def test_undo_survives_a_restart(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "Monday")
        await pilot.press("4")
        put_cursor(screen, "Monday")
        await pilot.press("x")
        doc_id = screen.document.id
    assert layer(corpus_store, doc_id) == []
    async with open_app() as (app, pilot, screen):
        assert screen.document.id == doc_id
        await pilot.press("u")  # brings back the removed span
        assert layer(corpus_store, doc_id) == [("date", "Monday", "manual")]
        await pilot.press("u")
        assert layer(corpus_store, doc_id) == []
        await pilot.press("ctrl+y")
    assert layer(corpus_store, doc_id) == [("date", "Monday", "manual")]


# -- the claim list and links -------------------------------------------------


async def test_link_a_source_outside_the_claim_and_unlink_it(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "Kestria has about 6 million people")
        await pilot.press("1")
        select(screen, "officials")
        await pilot.press("2")
        select(screen, "Baltic Institute")
        await pilot.press("2")
        doc_id = screen.document.id
        claim = next(s for s in corpus_store.spans(doc_id, ANNOTATOR) if s.label == "claim")
        source = next(s for s in corpus_store.spans(doc_id, ANNOTATOR) if BORDER[s.start : s.end] == "Baltic Institute")
        await pilot.press("tab")  # to the claim list; the claim is highlighted
        assert screen.claims.has_focus and screen.claims.highlighted_claim == claim.id
        await pilot.press("tab")  # back to the article
        put_cursor(screen, "Baltic")
        await pilot.press("l")
        assert [(link.claim_id, link.target_id) for link in corpus_store.links(doc_id, ANNOTATOR)] == [
            (claim.id, source.id)
        ]
        prompt = screen.claims.get_option_at_index(0).prompt
        assert "↳ source «Baltic Institute»" in prompt.plain
        await pilot.press("l")  # again: unlinked
    assert corpus_store.links(doc_id, ANNOTATOR) == []


async def test_link_needs_a_span_under_the_cursor(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "Kestria has about 6 million people")
        await pilot.press("1")
        put_cursor(screen, "Analysts")
        await pilot.press("l")
        assert any("Put the cursor on a source" in message for message in app.said)
        assert corpus_store.links(screen.document.id, ANNOTATOR) == []


async def test_choosing_a_claim_selects_it_in_the_article(open_app):
    async with open_app() as (app, pilot, screen):
        select(screen, "Valdoria has moved up to 2,500 troops")
        await pilot.press("1")
        select(screen, "Analysts at the Baltic Institute were less reassured.")
        await pilot.press("1")
        put_cursor(screen, "Kestria has")
        await pilot.press("tab", "down", "enter")
        assert screen.article.has_focus
        assert screen.article.selection_range == find(BORDER, "Analysts at the Baltic Institute were less reassured.")


async def test_claim_list_hides_and_resizes(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        column = screen.query_one("#claims-column")
        before = column.region.width
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert column.region.width == before + 4
        await pilot.press("left_square_bracket", "left_square_bracket")
        await pilot.pause()
        assert column.region.width == before - 4
        await pilot.press("ctrl+b")
        assert not column.display
    async with open_app() as (app, pilot, screen):
        # the layout is remembered for this annotator
        column = screen.query_one("#claims-column")
        assert not column.display
        select(screen, "Kestria has about 6 million people")
        await pilot.press("1")  # tagged while the list is hidden
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert column.display and column.region.width == before - 4
        assert screen.claims.get_option_at_index(0).prompt.plain.startswith("1. Kestria has about 6 million people")


# -- suggestions --------------------------------------------------------------


def suggest(store: Store, doc_id: int, text: str, items: list[tuple[str, str]]) -> None:
    rows = []
    for label, needle in items:
        start, end = find(text, needle)
        rows.append((label, start, end, 0.9, {"value": needle} if label == "date" else None))
    store.replace_suggestions(doc_id, "rules", rows)


async def test_accept_and_reject_suggestions(open_app, corpus_store):
    border = corpus_store.document_by_key("border").id
    suggest(corpus_store, border, BORDER, [("figure", "2,500 troops"), ("date", "Monday"), ("source", "Analysts")])
    async with open_app() as (app, pilot, screen):
        put_cursor(screen, "Monday")
        await pilot.press("a")
        put_cursor(screen, "Analysts")
        await pilot.press("r")
        put_cursor(screen, "Analysts")
        await pilot.press("a")  # rejected: no longer there to accept
        assert any("No suggestion under the cursor" in message for message in app.said)
    assert layer(corpus_store, border) == [("date", "Monday", "suggested")]
    assert corpus_store.spans(border, ANNOTATOR)[0].norm == {"value": "Monday"}
    assert [(s.label, BORDER[s.start : s.end]) for s in corpus_store.suggestions(border, ANNOTATOR)] == [
        ("figure", "2,500 troops")
    ]
    # another annotator still sees all three
    assert len(corpus_store.suggestions(border, "someone else")) == 3


async def test_accept_all_of_one_label(open_app, corpus_store):
    border = corpus_store.document_by_key("border").id
    suggest(
        corpus_store,
        border,
        BORDER,
        [("figure", "2,500 troops"), ("figure", "6 million people"), ("date", "Monday")],
    )
    async with open_app() as (app, pilot, screen):
        await pilot.press("A")
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # the first label offered: figure
    assert sorted(layer(corpus_store, border)) == [
        ("figure", "2,500 troops", "suggested"),
        ("figure", "6 million people", "suggested"),
    ]
    assert corpus_store.status(border, ANNOTATOR).status == "in_progress"


# -- normalised values --------------------------------------------------------


async def test_edit_the_value_of_a_figure(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        select(screen, "2,500 troops")
        await pilot.press("3")
        put_cursor(screen, "troops")
        await pilot.press("e")
        assert isinstance(app.screen, NormDialog)
        field = app.screen.query_one("#field-value")
        field.value = ""
        await pilot.press("2", "6", "0", "0", "enter")
        doc_id = screen.document.id
    span = corpus_store.spans(doc_id, ANNOTATOR)[0]
    assert span.norm is not None and span.norm["value"] == 2600 and span.norm["unit"] == "troops"
    assert [a.kind for a in corpus_store.actions(ANNOTATOR, doc_id)][-1] == "set_norm"


# -- moving through the corpus ------------------------------------------------


async def test_next_and_previous_and_reopening_where_left_off(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        assert screen.document.key == "border"
        assert screen.sub_title == "document 1 of 3 · 0 done"
        await pilot.press("n", "n", "n")
        assert screen.document.key == "markup"
        assert any("last document" in message for message in app.said)
        await pilot.press("p")
        assert screen.document.key == "aid"
        assert screen.sub_title == "document 2 of 3 · 0 done"
    async with open_app() as (app, pilot, screen):
        assert screen.document.key == "aid"


async def test_go_to_filters_by_text_and_status(open_app, corpus_store):
    corpus_store.set_status(corpus_store.document_by_key("markup").id, ANNOTATOR, "flagged", "odd")
    async with open_app() as (app, pilot, screen):
        await pilot.press("g")
        assert isinstance(app.screen, DocumentList)
        await pilot.press(*"all", "enter")
        assert screen.document.key == "aid"
        await pilot.press("g")
        dialog = app.screen
        dialog.query_one("#status-filter").value = "flagged"
        await pilot.pause()
        table = dialog.query_one("#documents")
        assert table.row_count == 1
        await pilot.press("down", "enter")
        assert screen.document.key == "markup"


async def test_done_skip_and_flag(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        await pilot.press("d")
        assert screen.document.key == "aid"
        assert screen.sub_title == "document 2 of 3 · 1 done"
        await pilot.press("s")
        await pilot.press("f")
        assert isinstance(app.screen, NoteDialog)
        await pilot.press(*"odd", "enter")
        assert "flagged: odd" in str(screen.query_one("#doc-meta").render())
    statuses = {key: corpus_store.status(corpus_store.document_by_key(key).id, ANNOTATOR) for key in ("border", "aid", "markup")}
    assert statuses["border"].status == "done"
    assert statuses["aid"].status == "skipped"
    assert (statuses["markup"].status, statuses["markup"].note) == ("flagged", "odd")


async def test_flag_cancelled_changes_nothing(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        await pilot.press("f", "x", "escape")
        doc_id = screen.document.id
    assert corpus_store.status(doc_id, ANNOTATOR).status == "todo"


async def test_only_this_annotators_layer_is_shown(open_app, corpus_store):
    border = corpus_store.document_by_key("border").id
    start, end = find(BORDER, "Monday")
    corpus_store.add_span(border, "someone else", "date", start, end)
    async with open_app() as (app, pilot, screen):
        assert screen.annotations is not None and screen.annotations.spans == []
        put_cursor(screen, "Monday")
        await pilot.press("x")
    assert len(corpus_store.spans(border, "someone else")) == 1


# -- help, palette, review, quit ----------------------------------------------


async def test_help_lists_every_key(open_app):
    from tui.keys import KEYS

    async with open_app(size=(120, 70)) as (app, pilot, screen):
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = screen_text(app)
        for key in KEYS:
            assert key.description.split()[0] in shown
        for label in ("claim", "source", "figure", "date"):
            assert label in shown
        await pilot.press("escape")
        assert app.screen is screen


async def test_command_palette_runs_actions(open_app, corpus_store):
    async with open_app() as (app, pilot, screen):
        titles = [title for title, _, _ in screen.palette_commands()]
        for name in ("tag: claim", "tag: date"):
            assert name in titles
        await pilot.press("ctrl+p")
        await pilot.press(*"done")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
    assert corpus_store.status(corpus_store.document_by_key("border").id, ANNOTATOR).status == "done"


async def test_q_quits(open_app):
    async with open_app() as (app, pilot, screen):
        await pilot.press("q")
        await pilot.pause()
        assert app._exit


async def test_works_at_80_by_24(open_app):
    async with open_app(size=(80, 24)) as (app, pilot, screen):
        for selector in ("#doc-title", "#doc-meta", "#article", "#status-line", "#claims"):
            widget = screen.query_one(selector)
            assert widget.region.width > 0 and widget.region.height > 0, selector
        assert screen.query_one("#article").region.width >= 44
        shown = screen_text(app)
        assert "help" in shown and "claim" in shown


async def test_an_empty_database_says_what_to_do(tmp_path):
    from tui.app import RedlineApp

    with Store(tmp_path / "empty.db") as store:
        app = RedlineApp(store, ANNOTATOR)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("n", "1", "x", "g")
            assert "redline import PATH" in app.screen.article.text
            assert isinstance(app.screen, AnnotateScreen)


async def test_R_opens_the_review_screen(open_app):
    from tui.review import ReviewScreen

    async with open_app() as (app, pilot, screen):
        await pilot.press("R")
        assert isinstance(app.screen, ReviewScreen)


async def test_review_mode_starts_on_the_review_screen(corpus_store):
    from tui.app import RedlineApp
    from tui.review import ReviewScreen

    app = RedlineApp(corpus_store, ANNOTATOR, mode="review")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ReviewScreen)


async def test_a_busy_database_is_a_message_not_a_crash(open_app, corpus_store, monkeypatch):
    from annotations import store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
    corpus_store.conn.execute("PRAGMA busy_timeout = 10")
    async with open_app() as (app, pilot, screen):
        doc_id = screen.document.id
        with Store(corpus_store.path) as importer:  # another process holds the write lock
            importer.conn.execute("BEGIN IMMEDIATE")
            await pilot.press("W", "1")
            await pilot.pause()
            importer.conn.execute("ROLLBACK")
        assert app.is_running
        assert any("stayed busy" in message for message in app.said)
        assert layer(corpus_store, doc_id) == []
        await pilot.press("1")  # once the lock is free, the same key works
        await pilot.pause()
    assert layer(corpus_store, doc_id) == [("claim", "Valdoria", "manual")]
