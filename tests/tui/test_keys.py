"""The key table is the single source for bindings, help, palette and README."""

from __future__ import annotations

from pathlib import Path

from tui.keys import KEYS, screen_bindings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_key_table_lists_every_key():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("<!-- section: keys -->") : text.index("<!-- end: keys -->")]
    for key in KEYS:
        assert key.description in section, key.description


async def test_every_bound_action_is_in_the_command_palette(open_app):
    async with open_app() as (app, pilot, screen):
        actions = {action for _, _, action in screen.palette_commands()}
        for binding in screen_bindings():
            assert binding.action in actions, binding.action
        for label in ("claim", "source", "figure", "date"):
            assert f"tag('{label}')" in actions
