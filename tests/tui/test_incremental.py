"""The annotation screen redraws only what a key changed: the layer, the
claim list and the article are kept up to date one change at a time. Each
test here drives a sequence of changes and checks that the result is what
drawing everything afresh shows (and what the database holds)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.style import Style
from textual.app import App, ComposeResult
from textual.widgets import TextArea

from annotations.model import DocumentInput, Link, Span
from annotations.nlp import tokenize
from annotations.store import Store
from tests.tui.support import ANNOTATOR, Terminal, find
from tui.annotate_screen import AnnotateScreen
from tui.article import ArticleView, Mark
from tui.claim_list import ClaimList
from tui.compositor import CroppingCompositor
from tui.dialogs import ChoiceDialog, NormDialog
from tui.layer import CLAIM, Layer
from tui.text_index import LineIndex

PORT = (
    "The port of Varna handled 4,200 containers in March 2025, the harbour office said on Tuesday.\n\n"
    "Dock workers said the queue reached 31 ships. Shipping agents disputed the count.\n\n"
    "The ministry of transport expects 12 new cranes by June 2026, according to a tender notice.\n\n"
    "Local traders reported prices up 8 percent since January.\n\n"
    "Officials at the customs agency said clearance now takes 3 days.\n\n"
    "Analysts at Balkan Freight counted 950 trucks waiting on Friday.\n\n"
    "The mayor promised a second terminal by 2028, and residents asked for quieter nights.\n"
)


@pytest.fixture
def port_store(tmp_path: Path):
    """A database holding one article with room for several claims."""
    with Store(tmp_path / "port.db") as store:
        tokens = next(tokenize([PORT]))
        store.add_document(DocumentInput(PORT, "port", "Port of Varna", {"outlet": "Test Wire"}, "port.txt", tokens=tokens))
        yield store


def select(screen: AnnotateScreen, needle: str) -> None:
    screen.article.select_range(*find(PORT, needle))


def list_lines(claims: ClaimList) -> list[str]:
    """The text of every line of the claim list, in view or not; each line
    must also carry its own option's index, which a click or the mouse
    pointer finds it by."""
    style = claims.get_visual_style("option-list--option")
    lines = []
    for index, line in claims._lines:
        strip = claims._get_option_render(claims.get_option_at_index(index), style)[line]
        assert {segment.style.meta.get("option") for segment in strip if segment.style} == {index}
        lines.append(strip.text)
    return lines


def shown(screen: AnnotateScreen) -> tuple:
    """What the screen shows of the layer: the claim list's options and
    lines, the title over it, and the marks drawn on the article."""
    claims = screen.claims
    return (
        [(option.id, str(option.prompt)) for option in claims.options],
        list_lines(claims),
        str(screen.query_one("#claims-title").render()),
        {row: list(marks) for row, marks in screen.article._mark_rows.items()},
    )


def on_screen(app) -> list[list[tuple[str, Style | None]]]:
    """Each row of the screen as (text, style) pieces, as last drawn."""
    return [[(segment.text, segment.style) for segment in strip] for strip in app.screen._compositor.render_strips()]


async def drawn_afresh(app, pilot, screen: AnnotateScreen) -> list:
    """The screen after forgetting every drawing and drawing it all again."""
    article, claims = screen.article, screen.claims
    article._strips.clear()
    article._styles_cache.finished.clear()
    article.refresh()
    claims._option_render_cache.clear()
    claims._line_cache.clear()
    claims.refresh()
    for bar in (article.vertical_scrollbar, claims.vertical_scrollbar):
        bar._drawn = None
        bar._styles_cache.finished.clear()
        bar.refresh()
    await pilot.pause()
    return on_screen(app)


async def test_claim_list_and_marks_after_many_changes_match_a_fresh_screen(port_store):
    from tui.app import RedlineApp

    app = RedlineApp(port_store, ANNOTATOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        for needle, key in [
            ("The ministry of transport expects 12 new cranes by June 2026", "1"),
            ("12 new cranes", "3"),
            ("June 2026", "4"),
            ("31 ships", "3"),  # outside every claim
            ("950 trucks", "3"),
            ("Officials at the customs agency", "2"),
            ("8 percent", "3"),
            # a claim around a figure that was outside: it moves into the claim
            ("Analysts at Balkan Freight counted 950 trucks waiting on Friday", "1"),
            ("Friday", "4"),
        ]:
            select(screen, needle)
            await pilot.press(key)
        # link the source outside to the first claim
        await pilot.press("tab")
        await pilot.press("tab")
        screen.article.move_to(find(PORT, "Officials")[0])
        await pilot.press("l")
        # a member linked as well: its line changes, the list's length not
        screen.article.move_to(find(PORT, "June")[0])
        await pilot.press("l")
        await pilot.pause()
        before = on_screen(app)
        assert await drawn_afresh(app, pilot, screen) == before
        assert "↳ date «June 2026»" in str(screen.claims.get_option_at_index(0).prompt)
        await pilot.press("l")  # and unlinked
        select(screen, "12 new cranes")
        await pilot.press("x")  # the figure only: the selection matches it exactly
        await pilot.press("u", "u", "ctrl+y")
        # a claim before every other: the others move down the list
        select(screen, "The port of Varna handled 4,200 containers in March 2025")
        await pilot.press("1")
        select(screen, "4,200 containers")
        await pilot.press("3")
        await pilot.press("u", "u", "ctrl+y")
        select(screen, "8 percent")
        await pilot.press("x")
        await pilot.press("u")
        # new values: the same number of lines in the list, for a claim's
        # member and for a span outside the claims
        for needle, value in [("12 new cranes", "14"), ("31 ships", "33")]:
            screen.article.move_to(find(PORT, needle)[0] + 1)
            await pilot.press("e")
            if isinstance(app.screen, ChoiceDialog):  # the claim is under the cursor too
                await pilot.press("down", "enter")
            assert isinstance(app.screen, NormDialog)
            app.screen.query_one("#field-value").value = value
            await pilot.press("enter")
        await pilot.pause()
        doc_id = screen.document.id
        continued = shown(screen)
        # a click finds the claim it lands on, also one that moved down
        claims = screen.claims
        index = claims.get_option_index(str(next(s.id for s in port_store.spans(doc_id, ANNOTATOR) if PORT[s.start : s.end].startswith("Analysts"))))
        await pilot.click(ClaimList, offset=(4, claims._index_to_line[index] - int(claims.scroll_y)))
        await pilot.pause()
        assert screen.article.selection_range == find(PORT, "Analysts at Balkan Freight counted 950 trucks waiting on Friday")
        before = on_screen(app)
        assert await drawn_afresh(app, pilot, screen) == before

    labels = sorted((s.label, PORT[s.start : s.end]) for s in port_store.spans(doc_id, ANNOTATOR))
    assert labels == sorted(
        [
            ("claim", "The port of Varna handled 4,200 containers in March 2025"),
            ("claim", "The ministry of transport expects 12 new cranes by June 2026"),
            ("claim", "Analysts at Balkan Freight counted 950 trucks waiting on Friday"),
            ("figure", "12 new cranes"),
            ("date", "June 2026"),
            ("figure", "31 ships"),
            ("figure", "950 trucks"),
            ("figure", "8 percent"),
            ("source", "Officials at the customs agency"),
            ("date", "Friday"),
        ]
    )
    assert len(port_store.links(doc_id, ANNOTATOR)) == 1

    fresh = RedlineApp(port_store, ANNOTATOR)
    async with fresh.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert shown(fresh.screen) == continued
        prompt = str(fresh.screen.claims.get_option_at_index(1).prompt)
        assert "2. The ministry of transport" in prompt and "↳ source «Officials at the customs" in prompt


async def test_a_scrolled_claim_list_draws_changes_above_in_and_below_the_view(port_store):
    from tui.app import RedlineApp

    doc_id = port_store.documents()[0].id
    # enough lines for the list to scroll in a short terminal
    for label, needles in [
        ("figure", ["31 ships", "8 percent", "3 days", "950 trucks", "4,200 containers", "12 new cranes"]),
        ("date", ["March 2025", "January", "2028"]),
        ("source", ["Shipping agents", "Local traders", "The mayor"]),
    ]:
        for needle in needles:
            port_store.add_span(doc_id, ANNOTATOR, label, *find(PORT, needle))
    port_store.add_span(doc_id, ANNOTATOR, "claim", *find(PORT, "Local traders reported prices up 8 percent since January"))
    app = RedlineApp(port_store, ANNOTATOR)
    async with app.run_test(size=(110, 14)) as pilot:
        await pilot.pause()
        screen = app.screen
        claims = screen.claims
        assert claims.max_scroll_y > 0
        for needle, key, scroll in [
            ("The ministry of transport expects 12 new cranes by June 2026", "1", "end"),  # above the view
            ("June 2026", "4", "end"),
            ("Dock workers", "2", "home"),  # below the view
            ("Friday", "4", "end"),  # in view
            ("Tuesday", "4", "end"),
        ]:
            claims.scroll_end(animate=False, immediate=True) if scroll == "end" else claims.scroll_home(animate=False, immediate=True)
            await pilot.pause()
            select(screen, needle)
            await pilot.press(key)
            await pilot.pause()
            before = on_screen(app)
            assert await drawn_afresh(app, pilot, screen) == before, needle
            for undo in ("u", "ctrl+y"):
                await pilot.press(undo)
                await pilot.pause()
                before = on_screen(app)
                assert await drawn_afresh(app, pilot, screen) == before, (needle, undo)
        continued = shown(screen)
    fresh = RedlineApp(port_store, ANNOTATOR)
    async with fresh.run_test(size=(110, 14)) as pilot:
        await pilot.pause()
        assert shown(fresh.screen) == continued


async def test_article_after_moves_and_selections_looks_as_drawn_afresh(port_store):
    from tui.app import RedlineApp

    app = RedlineApp(port_store, ANNOTATOR)
    async with app.run_test(size=(60, 20)) as pilot:  # narrow: paragraphs wrap over several rows
        await pilot.pause()
        screen = app.screen
        select(screen, "Dock workers said the queue reached 31 ships")
        await pilot.press("1")
        screen.article.move_to(0)
        for keys in [
            ("right", "right", "down"),
            ("shift+right", "shift+down", "shift+down"),
            ("shift+up", "shift+left", "W", "W"),
            ("escape", "down", "down", "down"),
            ("shift+down", "shift+down", "shift+down", "shift+down"),
            ("B", "shift+up", "shift+up", "shift+up"),
            ("end", "shift+home"),
            ("pagedown", "shift+up", "up"),
            # a claim chosen in the list: selected over several rows at once
            ("tab", "enter"),
            ("escape",),
            ("tab", "enter", "right"),
        ]:
            await pilot.press(*keys)
            await pilot.pause()
            before = on_screen(app)
            assert await drawn_afresh(app, pilot, screen) == before, keys
        # a mouse drag over rows, and back up
        await pilot.mouse_down(ArticleView, offset=(3, 2))
        await pilot.hover(ArticleView, offset=(20, 9))
        await pilot.hover(ArticleView, offset=(10, 4))
        await pilot.mouse_up(ArticleView, offset=(10, 4))
        await pilot.pause()
        before = on_screen(app)
        assert await drawn_afresh(app, pilot, screen) == before


async def test_a_list_without_claims_follows_each_change_as_a_fresh_screen_shows_it(port_store):
    from tui.app import RedlineApp

    doc_id = port_store.documents()[0].id
    claim = find(PORT, "Local traders reported prices up 8 percent since January")
    port_store.replace_suggestions(doc_id, "test", [("claim", *claim, 0.9, None)])
    app = RedlineApp(port_store, ANNOTATOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        hint = "Or put the cursor on a suggested claim"
        assert hint in str(screen.claims.get_option_at_index(0).prompt)
        # spans outside every claim come and go under the hint
        for needle, key in [("31 ships", "3"), ("950 trucks", "3"), ("Officials at the customs agency", "2")]:
            select(screen, needle)
            await pilot.press(key)
            await pilot.pause()
            before = on_screen(app)
            assert await drawn_afresh(app, pilot, screen) == before, needle
        select(screen, "31 ships")
        await pilot.press("x")
        await pilot.press("u", "ctrl+y", "u")
        await pilot.pause()
        before = on_screen(app)
        assert await drawn_afresh(app, pilot, screen) == before
        assert screen.claims.highlighted is None  # the hint is not a claim to choose
        # the last suggested claim rejected: the hint no longer offers it
        screen.article.move_to(claim[0] + 1)
        await pilot.press("r")
        await pilot.pause()
        assert hint not in str(screen.claims.get_option_at_index(0).prompt)
        before = on_screen(app)
        assert await drawn_afresh(app, pilot, screen) == before
        continued = shown(screen)

    assert sorted((s.label, PORT[s.start : s.end]) for s in port_store.spans(doc_id, ANNOTATOR)) == [
        ("figure", "31 ships"),
        ("figure", "950 trucks"),
        ("source", "Officials at the customs agency"),
    ]
    fresh = RedlineApp(port_store, ANNOTATOR)
    async with fresh.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert shown(fresh.screen) == continued


async def test_partial_updates_leave_the_terminal_showing_what_a_full_redraw_shows(tmp_path: Path):
    """Each frame after the first sends only the cells a change touched,
    rendered only from the widgets over them (``tui.compositor``): the
    terminal they are written to shows, after every key, what drawing the
    whole screen shows."""
    from tui.app import RedlineApp

    text = "\n\n".join(PORT.replace("4,200", f"{4200 + n}") for n in range(12))
    with Store(tmp_path / "long.db") as store:
        store.add_document(DocumentInput(text, "long", "A long article", {}, "long.txt", tokens=next(tokenize([text]))))
        app = RedlineApp(store, ANNOTATOR)
        terminal = Terminal(app)  # from the first frame on
        async with app.run_test(size=(100, 24), notifications=True) as pilot:
            screen = app.screen
            assert isinstance(screen._compositor, CroppingCompositor)
            screen.article.cursor_blink = False
            await pilot.pause()
            far = [m.start() for m in re.finditer("Dock workers", text)]
            steps: list[tuple[str, ...]] = [
                ("right", "down", "down", "left"),
                ("shift+right", "shift+down", "W", "W"),
                ("3",),  # the selection tagged
                ("escape", "pagedown", "pagedown"),
            ]
            for keys in steps:
                await pilot.press(*keys)
                await pilot.pause()
                assert terminal.cells == terminal.drawn_afresh(app), keys
            # a word tagged twice: the second time a notification comes
            # over the article and the list
            screen.article.move_to(far[1])
            for _ in range(2):
                await pilot.press("3")
                await pilot.pause()
                assert terminal.cells == terminal.drawn_afresh(app)
            assert "Already tagged figure" in "".join(char for row in terminal.cells for char, _ in row)
            # tags far apart, then undone: each undo scrolls the article back
            for start in far[2:8]:
                screen.article.move_to(start)
                await pilot.press("3")
            for undo in range(4):
                await pilot.press("u")
                await pilot.pause()
                assert terminal.cells == terminal.drawn_afresh(app), undo
            for keys in [("ctrl+b",), ("ctrl+b",), ("tab", "down", "down"), ("enter",), ("?",), ("escape",)]:
                await pilot.press(*keys)
                await pilot.pause()
                await pilot.pause()
                assert terminal.cells == terminal.drawn_afresh(app), keys
            assert terminal.partial > 20
        tagged = [text[s.start : s.end] for s in store.spans(store.documents()[0].id, ANNOTATOR)]
    assert len(tagged) == 4 and tagged.count("Dock") == 3


async def test_rows_drawn_together_match_rows_drawn_one_at_a_time():
    text = (
        "Tabs\tand\twide 漢字 characters, a bell \x07 and an escape \x1b[31m shown inert, "
        "in a paragraph long enough to wrap over several rows of a narrow pane.\n"
        "\n"
        "\tIndented, then more words so that this line wraps too: 電車 and ☕ and émigré.\n"
        "A short last line"
    )

    class Pane(App[None]):
        def compose(self) -> ComposeResult:
            yield ArticleView(id="article")

    app = Pane()
    async with app.run_test(size=(34, 30)) as pilot:
        article = app.query_one(ArticleView)
        article.load(text, [])
        marks = [
            Mark(5, 30, Style(bgcolor="#443322", underline=True), 1),
            Mark(12, 17, Style(color="green", bold=True), 2),
            Mark(text.index("Indented"), text.index("Indented") + 40, Style(color="magenta", italic=True), 2),
        ]
        article.set_marks(marks)
        wrapped = article.wrapped_document
        # selections from the middle of the first paragraph, over the empty
        # line, to the middle of the third line, either way round; a word;
        # the cursor alone
        for start, end in [
            (text.index("escape"), text.index("this line")),
            (text.index("this line"), text.index("escape")),
            (text.index("escape"), text.index("escape") + len("escape")),
            (text.index("émigré"), text.index("émigré")),
        ]:
            article.select_range(start, end)
            await pilot.pause()
            drawn_together = 0
            for y in range(min(wrapped.height, article.size.height)):
                article._strips.clear()
                ours = article._render_line(y)
                drawn_together += len(article._strips)  # the other rows of its line, kept
                assert list(ours) == list(TextArea._render_line(article, y)), (start, end, y)
            assert drawn_together >= 10


async def test_a_new_theme_draws_what_a_fresh_start_in_it_draws(port_store):
    from tui.app import RedlineApp

    doc_id = port_store.documents()[0].id
    port_store.add_span(doc_id, ANNOTATOR, "claim", *find(PORT, "Dock workers said the queue reached 31 ships"))
    port_store.add_span(doc_id, ANNOTATOR, "figure", *find(PORT, "31 ships"))

    async def drawn(theme: str, switch_to: str | None = None) -> list:
        app = RedlineApp(port_store, ANNOTATOR)
        app.theme = theme
        async with app.run_test(size=(90, 16)) as pilot:
            await pilot.pause()
            if switch_to:
                app.theme = switch_to
                await pilot.pause()
                await pilot.pause()
            return [[(s.text, s.style) for s in strip] for strip in app.screen._compositor.render_strips()]

    assert await drawn("textual-dark", "textual-light") == await drawn("textual-light")


# -- the layer ------------------------------------------------------------------

LAYER_TEXT = "\n".join(" ".join(f"w{row}{col}" for col in range(8)) for row in range(6))
LINES = LineIndex(LAYER_TEXT)
LABELS = [CLAIM, "figure", "date", "source"]


def layer_view(layer: Layer) -> tuple:
    groups, outside = layer.claim_groups()
    return (
        layer.spans,
        [(group.claim, group.members) for group in groups],
        outside,
        {row: layer.on_row(row) for row in range(LINES.line_count)},
        [layer.spans_at(offset) for offset in range(0, len(LAYER_TEXT), 7)],
        sorted(layer.links),
    )


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False))
def test_a_layer_changed_span_by_span_equals_one_built_at_once(rng: random.Random):
    spans: dict[int, Span] = {}
    links: set[tuple[int, int]] = set()
    layer = Layer(LINES)
    next_id = 1
    for _ in range(40):
        action = rng.random()
        if action < 0.5 or not spans:
            start = rng.randrange(len(LAYER_TEXT) - 1)
            end = min(len(LAYER_TEXT), start + rng.randrange(1, 60))
            label = rng.choice(LABELS)
            if any((s.label, s.start, s.end) == (label, start, end) for s in spans.values()):
                continue
            span = Span(next_id, 1, ANNOTATOR, label, start, end)
            next_id += 1
            spans[span.id] = span
            layer.add(span)
        elif action < 0.7:
            gone = spans.pop(rng.choice(sorted(spans)))
            links = {pair for pair in links if gone.id not in pair}  # as the database cascades
            layer.remove(gone.id)
        elif action < 0.8:
            # a new value: the span is taken out and put back
            old = spans[rng.choice(sorted(spans))]
            new = Span(old.id, 1, ANNOTATOR, old.label, old.start, old.end, norm={"value": rng.randrange(100)})
            spans[old.id] = new
            layer.remove(old.id)
            layer.add(new)
        else:
            claims = [s.id for s in spans.values() if s.label == CLAIM]
            others = [s.id for s in spans.values() if s.label != CLAIM]
            if claims and others:
                links ^= {(rng.choice(claims), rng.choice(others))}
        layer.set_links([Link(n, claim, target) for n, (claim, target) in enumerate(sorted(links))])
        layer.claim_groups()  # groups are kept between changes: ask for them now and then
        fresh = Layer(LINES, list(spans.values()), [], [Link(n, c, t) for n, (c, t) in enumerate(sorted(links))])
        assert layer_view(layer) == layer_view(fresh)
