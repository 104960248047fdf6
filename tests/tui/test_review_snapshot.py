"""A snapshot of the review screen (pytest-textual-snapshot).

After an intended change of the screen, review and accept with
``pytest tests/tui/test_review_snapshot.py --snapshot-update``.
"""

from __future__ import annotations

from annotations.store import Store
from tests.tui.test_review import REVIEWER, two_annotators
from tui.app import RedlineApp


def test_review_screen_with_every_kind_of_disagreement(snap_compare, corpus_store: Store) -> None:
    two_annotators(corpus_store)

    async def settle_one(pilot) -> None:
        await pilot.press("2")  # bob's figure goes to gold; the list shows it settled
        await pilot.pause()

    app = RedlineApp(corpus_store, REVIEWER, mode="review")
    assert snap_compare(app, terminal_size=(120, 30), run_before=settle_one)
