"""A compositor that draws only what a partial update shows.

Textual's compositor answers a partial update (some rows of some widgets
changed) by asking every widget whose *clip* (its container's region)
touches the changed area for all of its lines, then cutting every line of
every one of them at each widget edge on that row, and only then keeping
the pieces inside the changed area. On the annotation screen nearly every
widget's container touches everything: a key that changed a few rows of
the article had the screen, the header, the footer, both columns, the
title, the meta line and the status line hand over all their lines, and
had the lines of the screen and of the columns (hidden behind the article)
cut up too: a third to a half of what a frame cost.

``CroppingCompositor`` asks a widget only for the changed rows, and only
when it shows a piece of the changed area that no widget in front of it
has given (widgets come front to back, and the first piece wins); once
every piece is given, the widgets behind are not asked at all. The cells
it sends are the cells Textual's compositor sends: the pieces it leaves
out are ones the update never writes (``tests/tui/test_incremental.py``
writes every update to a terminal grid and compares it with the whole
screen drawn afresh). Full updates and screenshots go Textual's way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip


def fits_textual() -> bool:
    """Whether Textual's compositor is still the one this builds on (a
    partial update through ``_render_chops(crop, is_rendered_line)``, over
    ``cuts`` and ``visible_widgets``); if not, use Textual's own."""
    code = Compositor._render_chops.__code__
    return code.co_varnames[: code.co_argcount] == ("self", "crop", "is_rendered_line") and all(
        hasattr(Compositor, name) for name in ("cuts", "visible_widgets", "render_partial_update")
    )


class CroppingCompositor(Compositor):
    """``Compositor`` whose partial updates render only what they send."""

    def _render_chops(
        self, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[Mapping[int, Strip]]:
        if crop == self.size.region:
            return super()._render_chops(crop, is_rendered_line)
        left, right = crop.x, crop.right
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(line_cuts[:-1]) for line_cuts in cuts]
        # the pieces (by where they start) each row of the update still
        # needs: widgets come front to back, and the first piece wins
        needed: dict[int, set[int]] = {}
        for y in range(crop.y, crop.bottom):
            if is_rendered_line(y):
                line_cuts = cuts[y]
                needed[y] = {start for start, end in zip(line_cuts, line_cuts[1:]) if start < right and end > left}
        for widget, (region, clip) in self.visible_widgets.items():
            if not needed:
                break  # every piece given: the widgets behind are hidden
            shown = region.intersection(clip)
            if not shown.overlaps(crop):
                continue
            first_cut, last_cut = shown.column_span
            rows = {}
            for y in range(max(shown.y, crop.y), min(shown.bottom, crop.bottom)):
                wanted = needed.get(y)
                if wanted:
                    edges = [cut for cut in cuts[y] if first_cut <= cut <= last_cut]
                    if not wanted.isdisjoint(edges[:-1]):
                        rows[y] = edges
            if not rows:
                continue
            top, bottom = min(rows), max(rows) + 1
            # whole rows of the widget: its lines are cut at the screen's
            # cuts, counted from its left edge
            strips = widget.render_lines(Region(shown.x - region.x, top - region.y, shown.width, bottom - top))
            for y, strip in zip(range(top, bottom), strips):
                edges = rows.get(y)
                if edges is None:
                    continue
                line, wanted = chops[y], needed[y]
                for start, piece in zip(edges, strip.divide([cut - shown.x for cut in edges[1:]])):
                    if line.get(start, True) is None:
                        line[start] = piece
                        wanted.discard(start)
                if not wanted:
                    del needed[y]
        return chops  # type: ignore[return-value]
