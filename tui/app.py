"""The Redline app: the annotation screen, or the review screen.

``run_app(db_path, annotator, mode)`` is what ``redline`` and ``redline
annotate`` call. Nothing here imports spaCy: tokens and suggestions were
stored at import, so the app opens in well under a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from textual.actions import ActionParseResult
from textual.app import App
from textual.dom import DOMNode

import tui
from annotations.store import Store, StoreError
from tui.annotate_screen import AnnotateScreen
from tui.commands import ScreenCommands

Mode = Literal["annotate", "review"]


class RedlineApp(App[None]):
    """One annotator (or reviewer) on one database.

    ``mode="annotate"`` opens the annotation screen where the annotator
    left off; ``mode="review"`` opens ``tui.review.ReviewScreen`` with the
    annotator as the reviewer.
    """

    CSS_PATH = "redline.tcss"
    TITLE = "Redline"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    ENABLE_COMMAND_PALETTE = True

    def __init__(self, store: Store, annotator: str, mode: Mode = "annotate", order: str | None = None) -> None:
        super().__init__()
        if mode not in ("annotate", "review"):
            raise ValueError(f"unknown mode {mode!r}")
        self.store = store
        self.annotator = annotator
        self.mode = mode
        self.order = order
        """The annotation screen's document order (``annotations.ordering``); None: as last time."""

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Run an action; a store error (the database stayed busy, say) is a
        message on screen, not a crash: the store wrote nothing."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except StoreError as error:
            self.notify(str(error), severity="error", timeout=10)
            return True

    def get_default_screen(self) -> AnnotateScreen:
        # the annotation screen is the first screen, not pushed over
        # Textual's blank one: a single screen to compose, lay out and draw
        # before the first frame, which makes the start about 50 ms faster
        return AnnotateScreen(self.store, self.annotator, self.order)

    def on_mount(self) -> None:
        self.call_after_refresh(tui.started)
        if self.mode == "review":
            from tui.review import ReviewScreen

            self.push_screen(ReviewScreen(self.store, self.annotator))


def run_app(db_path: str | Path, annotator: str, mode: Mode = "annotate", order: str | None = None) -> None:
    """Open the database and run the app until the user quits."""
    with Store(db_path) as store:
        store.annotator(annotator)  # a reserved or empty name fails here, as one line
        RedlineApp(store, annotator, mode, order).run()
