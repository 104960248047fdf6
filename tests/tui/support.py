"""Test data and helpers for the annotation screen's tests."""

from __future__ import annotations

import asyncio

from rich.cells import cell_len
from rich.segment import ControlType
from rich.style import Style
from textual._compositor import ChopsUpdate
from textual import events
from textual.geometry import Region, Size

from benchmarks.bench_tui import key_event, until_drawn

BORDER = (
    "Valdoria has moved up to 2,500 troops to the border since 7 March 2025, "
    "the Kestrian Defence Ministry said on Monday.\n\n"
    "Analysts at the Baltic Institute were less reassured. "
    "Kestria has about 6 million people, officials said.\n"
)
AID = "The alliance weighs an aid package worth €220 million, according to two diplomats.\n"
MARKUP = (
    "Rich markup [bold red]x[/] and [link=http://example.com]links[/link] stay as typed.\n"
    "An escape \x1b[31mred\x1b[0m, a bell\x07, a backspace\x08 and a C1 \x9b stay inert.\n"
)

DOCUMENTS = [
    ("border", "Troops gather at the border", {"outlet": "The Test Ledger", "published": "2025-03-10"}, BORDER),
    ("aid", "Alliance weighs aid", {"outlet": "Daily Test", "published": "2025-04-02"}, AID),
    ("markup", "Markup and escapes", {"outlet": "Odd Feeds"}, MARKUP),
]

ANNOTATOR = "tess"
SIZE = (100, 30)


def find(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """[start, end) of the nth occurrence of ``needle`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(needle, start + 1)
    return start, start + len(needle)


def screen_text(app) -> str:
    """The text on the app's screen right now (from its SVG screenshot)."""
    import html
    import re

    svg = app.export_screenshot()
    body = svg[svg.index("<g") :] if "<g" in svg else svg
    return html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")


Cell = tuple[str, Style | None]


def strip_cells(strip) -> list[Cell]:
    """The cells a drawn row fills: a wide character takes two."""
    cells: list[Cell] = []
    for segment in strip:
        style = segment.style
        if segment.text.isascii():
            cells += [(char, style) for char in segment.text]
            continue
        for char in segment.text:
            cells.append((char, style))
            if cell_len(char) == 2:
                cells.append(("", style))  # the right half of a wide character
    return cells


class Terminal:
    """The cells a terminal shows after the updates an app writes to it:
    each frame written over the last, wide characters taking two cells; a
    full frame (a new size) starts the grid again."""

    def __init__(self, app) -> None:
        self.cells: list[list[Cell]] = []
        self.frames = 0
        self.partial = 0
        """How many frames sent only the cells a change touched."""
        self.console = app.console
        shown = app._display

        def display(screen, update) -> None:
            shown(screen, update)
            if update is not None and screen is app.screen:
                self.write(update)

        app._display = display

    def write(self, update) -> None:
        self.frames += 1
        if isinstance(update, ChopsUpdate):
            self.partial += 1
        else:
            width, height = update.region.size
            self.cells = [[(" ", None)] * width for _ in range(height)]
        x = y = 0
        for segment in update.__rich_console__(self.console, self.console.options):
            if segment.control:
                for control in segment.control:
                    if control[0] == ControlType.CURSOR_MOVE_TO:
                        x, y = control[1], control[2]
                continue
            style = segment.style
            for n, text in enumerate(segment.text.split("\n")):
                if n:
                    x, y = 0, y + 1
                if not text:
                    continue
                row = self.cells[y]
                if text.isascii():  # one cell a character: the common case, done at once
                    row[x : x + len(text)] = [(char, style) for char in text]
                    x += len(text)
                    continue
                for char in text:
                    row[x] = (char, style)
                    if cell_len(char) == 2:
                        row[x + 1] = ("", style)
                    x += cell_len(char)

    def rows(self, region: Region) -> list[list[Cell]]:
        return [row[region.x : region.right] for row in self.cells[region.y : region.bottom]]

    @staticmethod
    def drawn_afresh(app) -> list[list[Cell]]:
        """Every cell of the screen drawn as a whole, not row by row."""
        return [strip_cells(strip) for strip in app.screen._compositor.render_strips()]


async def press_drawn(app, *keys: str) -> None:
    """Press ``keys`` as a terminal sends them, each waited for until the
    app is idle with its result drawn (no idle-time sleeps, unlike the
    pilot's ``press``: tests that press thousands of keys need this)."""
    for key in keys:
        app.post_message(key_event(key))
        await until_drawn(app)


async def resize_drawn(app, width: int, height: int) -> None:
    """Resize the (headless) terminal, and wait until it is drawn."""
    size = Size(width, height)
    app._driver._size = size
    app.post_message(events.Resize(size, size))
    await until_drawn(app)
    # the app passes a resize on to its screens after a short timer (it
    # debounces a terminal's bursts of them): wait for it
    while app._resize_event is not None:
        await asyncio.sleep(1 / 240)
    await until_drawn(app)
