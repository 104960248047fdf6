"""``python -m tui.screenshot FILE.svg``: the README's picture of the annotation screen.

Imports the sample corpus into a temporary database as ``make run`` does,
opens the first article as the sample annotator ``alice`` (whose layer has
claims with figures, dates and sources inside them, beside the suggestions
still open to her), puts the cursor on a figure so the status line
describes it, and saves Textual's own SVG screenshot.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_corpus"
SIZE = (124, 34)
ANNOTATOR = "alice"
CURSOR_ON = "2,500"


async def _shoot(db: Path, target: Path) -> None:
    from annotations.store import Store
    from tui.app import RedlineApp

    with Store(db) as store:
        app = RedlineApp(store, ANNOTATOR)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            text = screen.document.text
            screen.article.move_to(text.index(CURSOR_ON))
            await pilot.pause()
            target.parent.mkdir(parents=True, exist_ok=True)
            app.save_screenshot(filename=target.name, path=str(target.parent))


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].endswith(".svg"):
        print("usage: python -m tui.screenshot FILE.svg", file=sys.stderr)
        return 2
    target = Path(argv[0]).resolve()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "sample.db"
        # imported exactly as `make run` does (suggestions included), in a
        # process of its own: this one stays free of spaCy like the app
        subprocess.run(
            [sys.executable, "-c", "from annotations.cli import main; main()", "import", "--db", str(db), str(SAMPLE)],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        asyncio.run(_shoot(db, target))
    print(f"wrote {target.relative_to(Path.cwd()) if target.is_relative_to(Path.cwd()) else target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
