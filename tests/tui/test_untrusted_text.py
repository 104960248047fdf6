"""Article text is data: markup, escape sequences and control characters are
shown literally and reach the terminal inert."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from tests.tui.support import ANNOTATOR, MARKUP, find, screen_text
from tui.inert import inert


async def test_markup_and_escape_sequences_are_shown_literally(open_app, corpus_store):
    async with open_app(size=(180, 30)) as (app, pilot, screen):
        await pilot.press("n", "n")
        assert screen.document.key == "markup"
        # one character on screen for each stored character: offsets hold
        assert len(screen.article.text) == len(MARKUP)
        assert screen.article.text.split("\n") == inert(MARKUP).split("\n")
        shown = screen_text(app)
        assert "Rich markup [bold red]x[/] and [link=http://example.com]links[/link] stay as typed." in shown
        assert "An escape ␛[31mred␛[0m, a bell␇, a backspace␈ and a C1 \ufffd stay inert." in shown
        # nothing that reaches the terminal from the article is a control character
        for y in range(screen.article.size.height):
            drawn = "".join(segment.text for segment in screen.article.render_line(y))
            assert not any(unicodedata.category(c) == "Cc" for c in drawn), repr(drawn)
        # tagging works on the true offsets, and the claim list shows the text literally
        screen.article.select_range(*find(MARKUP, "Rich markup [bold red]x[/]"))
        await pilot.press("1")
        screen.article.select_range(*find(MARKUP, "\x1b[31mred\x1b[0m"))
        await pilot.press("c")
        screen.article.select_range(*find(MARKUP, "\x1b[31mred\x1b[0m"))
        await pilot.press("2")
        doc_id = screen.document.id
        prompt = screen.claims.get_option_at_index(0).prompt.plain
        assert "1. Rich markup [bold red]x[/]" in prompt
        outside = screen.claims.get_option_at_index(2).prompt.plain
        assert "source «␛[31mred␛[0m»" in outside
    texts = [MARKUP[s.start : s.end] for s in corpus_store.spans(doc_id, ANNOTATOR)]
    assert texts == ["Rich markup [bold red]x[/]", "\x1b[31mred\x1b[0m"]


canonical_text = st.text(
    alphabet=st.characters(blacklist_characters="\r\v\f\x1c\x1d\x1e\x85\u2028\u2029", blacklist_categories=("Cs",)),
    max_size=200,
)


@given(canonical_text)
def test_inert_keeps_every_offset_and_line(text):
    shown = inert(text)
    assert len(shown) == len(text)
    assert [i for i, c in enumerate(shown) if c == "\n"] == [i for i, c in enumerate(text) if c == "\n"]
    assert not any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in shown)
    # everything that is not a control character is left alone
    assert all(a == b for a, b in zip(text, shown) if unicodedata.category(a) != "Cc" and a not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
