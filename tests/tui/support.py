"""Test data and helpers for the annotation screen's tests."""

from __future__ import annotations

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
