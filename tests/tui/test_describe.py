"""Short descriptions of article text for the status line and the lists."""

from __future__ import annotations

from tui.describe import excerpt


def test_an_excerpt_is_one_inert_line_cut_with_an_ellipsis():
    assert excerpt("Valdoria has\nmoved  up\tto 2,500 troops", 60) == "Valdoria has moved up to 2,500 troops"
    assert excerpt("Valdoria has moved up to 2,500 troops", 16) == "Valdoria has mo…"
    assert excerpt("an escape \x1b[31m here", 60) == "an escape \u241b[31m here"


def test_an_excerpt_of_a_long_text_is_the_excerpt_of_its_whole_text():
    # the excerpt reads only the start of a long text: runs of whitespace
    # longer than what it reads first must not cut it short
    words = " ".join(f"w{n}" for n in range(20_000))
    for text in [words, " " * 5_000 + words, "a" + "\n" * 300 + "b" + " " * 10_000 + words, "x " * 20]:
        flat = " ".join(text.split())
        for limit in (1, 5, 40, 60):
            expected = flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
            assert excerpt(text, limit) == expected, (text[:20], limit)
