"""The app as a real process: killed at any moment it loses nothing that was
on screen, and it never imports spaCy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from annotations.store import Store
from tests.tui.support import ANNOTATOR, BORDER, find

ROOT = Path(__file__).resolve().parents[2]

DRIVER = textwrap.dedent(
    """
    import asyncio, sys
    import annotations.cli  # everything the redline command loads
    from annotations.store import Store
    from tui.app import RedlineApp

    async def main(db, mode):
        store = Store(db)
        app = RedlineApp(store, {annotator!r})
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            if mode == "modules":
                print("spacy" in sys.modules, "textual" in sys.modules, flush=True)
                return
            screen = app.screen
            screen.article.select_range({start}, {end})
            await pilot.press("3")
            await pilot.pause()
            # the span is drawn: tell the parent, then wait to be killed
            print(len(screen.annotations.spans), flush=True)
            await asyncio.sleep(60)

    asyncio.run(main(sys.argv[1], sys.argv[2]))
    """
)


def driver(tmp_path: Path) -> Path:
    start, end = find(BORDER, "2,500 troops")
    script = tmp_path / "drive.py"
    script.write_text(DRIVER.format(annotator=ANNOTATOR, start=start, end=end), encoding="utf-8")
    return script


def test_a_span_on_screen_survives_sigkill(corpus_db: Path, tmp_path: Path):
    process = subprocess.Popen(
        [sys.executable, str(driver(tmp_path)), str(corpus_db), "tag"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "1"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL
    with Store(corpus_db) as store:
        border = store.document_by_key("border")
        spans = store.spans(border.id, ANNOTATOR)
        assert [(s.label, BORDER[s.start : s.end]) for s in spans] == [("figure", "2,500 troops")]
        assert store.status(border.id, ANNOTATOR).status == "in_progress"


def test_the_running_app_has_not_imported_spacy(corpus_db: Path, tmp_path: Path):
    result = subprocess.run(
        [sys.executable, str(driver(tmp_path)), str(corpus_db), "modules"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]
