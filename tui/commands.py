"""The command palette (``ctrl+p``): every action of the current screen by name.

A screen lists its commands with ``palette_commands()`` as (title, help,
action) triples; this provider searches them and runs the chosen action on
that screen.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreenCommands(Provider):
    def _commands(self) -> list[tuple[str, str, str]]:
        lister = getattr(self.screen, "palette_commands", None)
        return list(lister()) if lister is not None else []

    async def discover(self) -> Hits:
        for title, help_text, action in self._commands():
            yield DiscoveryHit(title, partial(self.screen.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.screen.run_action, action), help=help_text)
