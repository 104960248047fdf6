"""Redline's terminal interface (Textual).

It holds no SQL and no NLP: it reads and writes through
``annotations.store.Store`` and never imports spaCy, so it starts fast.
``tui.app.run_app`` is the entry point ``redline`` and ``redline annotate`` use.
"""

import gc

_COLLECTOR_THRESHOLDS = gc.get_threshold()


def starting() -> None:
    """Collect garbage less often while the app starts: importing Textual
    and building the screen make hundreds of thousands of objects and next
    to no garbage, yet they set off about a hundred collections, some 20 ms
    of the time before the first frame. ``started`` (called after that
    frame) sets the collector back; until then it still runs, rarely."""
    gc.set_threshold(100_000, *_COLLECTOR_THRESHOLDS[1:])


def started() -> None:
    gc.set_threshold(*_COLLECTOR_THRESHOLDS)


starting()
