"""The article pane: the text, read-only, with spans drawn on it.

A ``TextArea`` subclass gives keyboard and mouse selection, soft wrap, wide
characters and drawing of only the visible lines; this adds offsets, token
snapping and span styles. It knows nothing about the store, so the
annotation and review screens can both use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.color import Color as RichColor
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.containers import Vertical
from textual.geometry import Region
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static, TextArea
from textual.widgets.text_area import Selection, WrappedDocument

from tui.inert import inert
from tui.text_index import LineIndex, TokenIndex, by_row

MarkKind = Literal["container", "inner", "suggestion"]


@dataclass(frozen=True, slots=True)
class Mark:
    """One range [start, end) of the article drawn in one style.

    ``layer`` orders drawing: higher layers are drawn over lower ones, and
    within a layer shorter marks over longer ones, so what is nested stays
    visible inside what encloses it.
    """

    start: int
    end: int
    style: Style
    layer: int = 0


def _drawing_order(mark: Mark) -> tuple[int, int, int]:
    """Lower layers first, then longer marks before the shorter ones they hold."""
    return mark.layer, mark.start - mark.end, mark.start


def mark_style(colour: str, kind: MarkKind, background: Color) -> Style:
    """The style of a span of a label drawn in ``colour``.

    - ``container`` (claims): a tint of the colour behind the text, underlined;
    - ``inner`` (figures, dates, sources...): the colour itself, bold;
    - ``suggestion``: the colour, dim and italic (for a container, only
      italic), so it reads as not yet decided.
    Each style sets every attribute it cares about, so a span drawn over a
    suggestion does not inherit its italics.
    """
    if kind == "container":
        tint = background.blend(Color(*RichColor.parse(colour).get_truecolor()), 0.28)
        return Style(bgcolor=tint.hex, underline=True, italic=False, dim=False)
    if kind == "inner":
        return Style(color=colour, bold=True, italic=False, dim=False)
    return Style(color=colour, dim=True, italic=True)


class _WrappedArticle(WrappedDocument):
    """Textual's wrapped document, with its height counted once per wrap.

    ``WrappedDocument.height`` sums over every line of the text and the text
    area asks for it for every row it draws: on a 1 MB article that is most
    of the cost of a page down. The article never changes after loading, so
    the height only changes when the text is wrapped again.
    """

    _height: int | None = None

    def wrap(self, width: int, tab_width: int | None = None) -> None:
        self._height = None
        super().wrap(width, tab_width)

    def wrap_range(self, *args: Any, **kwargs: Any) -> Any:
        self._height = None
        return super().wrap_range(*args, **kwargs)

    @property
    def height(self) -> int:
        if self._height is None:
            self._height = super().height
        return self._height


class ArticleView(TextArea):
    """A read-only article with marks (styled ranges) drawn on it.

    Use:

    - ``load(text, tokens)``: show ``text`` (a stored, canonical text) with
      its stored tokens ``[(start, end), ...]``; control characters are shown
      as visible stand-ins of the same length, so offsets are offsets into
      ``text``. Raises ``ValueError`` if the text has line separators other
      than ``\\n`` (the widget would change it).
    - ``set_marks(marks)``: replace what is drawn with ``Mark(start, end,
      style, layer)`` items; ``mark_style(colour, kind, background)`` makes
      the usual styles and ``tint_base`` is the background to blend with.
      ``update_marks({line: marks})`` replaces the marks of some lines only.
    - ``cursor_offset``, ``selection_range`` (sorted offsets, equal when
      nothing is selected), ``snapped_selection()`` (the range to tag: snapped
      to the tokens touched, or as is in character mode; None if empty).
    - ``select_range(start, end)``, ``move_to(offset)``: move and scroll there.
    - ``char_mode``: reactive; False snaps selections to tokens.
    - ``lines`` (a ``LineIndex``) and ``tokens`` (a ``TokenIndex``).

    It posts ``TextArea.SelectionChanged`` when the cursor or selection moves.
    Keys it owns: arrows, ``shift``+arrows, ``ctrl``+arrows, home/end and
    page keys (from ``TextArea``); ``w``/``b`` next/previous token, ``W``/``B``
    extend the selection by a token, ``escape`` clears the selection. It
    forwards ``ctrl+z``, ``ctrl+y`` and ``delete``/``backspace`` to the
    screen's ``undo``, ``redo`` and ``remove_span`` actions (a screen without
    them ignores them). A mouse drag selects (snapped to tokens on release in
    token mode); a double click selects the token under the pointer.
    """

    ALLOW_SELECT = False

    BINDINGS = [
        Binding("w", "token_right", "Next word", show=False),
        Binding("b", "token_left", "Previous word", show=False),
        Binding("W", "token_right(True)", "Extend selection by a word", show=False),
        Binding("B", "token_left(True)", "Shrink or extend selection back by a word", show=False),
        Binding("escape", "clear_selection", "Clear selection", show=False),
        # a read-only TextArea still owns these keys: send them to the screen
        Binding("ctrl+z", "screen.undo", "Undo", show=False),
        Binding("ctrl+y", "screen.redo", "Redo", show=False),
        Binding("delete,backspace,ctrl+d", "screen.remove_span", "Remove span", show=False),
        Binding("ctrl+x,ctrl+v,ctrl+k,ctrl+u,ctrl+w", "nothing", show=False),
    ]

    char_mode: reactive[bool] = reactive(False)
    """True: selections are taken character by character, not snapped to tokens."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(
            "",
            read_only=True,
            soft_wrap=True,
            show_line_numbers=False,
            highlight_cursor_line=False,
            tab_behavior="focus",
            id=id,
            classes=classes,
        )
        self.lines = LineIndex("")
        self.tokens = TokenIndex("", [])
        self._mark_rows: dict[int, list[Mark]] = {}
        self._row_versions: dict[int, int] = {}
        """For each line, the last set_marks that changed it (part of its cache key)."""
        self._marks_version = 0
        self.match_cursor_bracket = False
        # a few screens of rows: a bigger cache only gives the garbage collector more to walk
        self._strips: LRUCache[tuple, Strip] = LRUCache(512)
        self._theme_applied = None

    # -- content ------------------------------------------------------------

    def load(self, text: str, tokens: Sequence[tuple[int, int]]) -> None:
        shown = inert(text)
        self.load_text(shown)
        self.wrapped_document.__class__ = _WrappedArticle
        if self.document.text != shown:
            raise ValueError(
                "the article has line separators other than \\n; re-import it so its text is canonical"
            )
        self.lines = LineIndex(text)
        self.tokens = TokenIndex(text, tokens)
        self._mark_rows = {}
        self._row_versions = {}
        self.selection = Selection.cursor((0, 0))
        self.scroll_home(animate=False)
        self.notify_style_update()

    def set_marks(self, marks: Iterable[Mark]) -> None:
        """Draw these marks instead of the previous ones; only the lines whose
        marks changed are drawn again."""
        rows = by_row(self.lines, sorted(marks, key=_drawing_order))
        previous = self._mark_rows
        changed = [row for row in rows.keys() | previous.keys() if rows.get(row) != previous.get(row)]
        self._mark_rows = rows
        self._marks_changed(changed)

    def update_marks(self, rows: Mapping[int, Iterable[Mark]]) -> None:
        """Replace the marks of these lines only: ``rows`` maps a line to
        every mark that touches it (none: the line has no marks now)."""
        changed = []
        for row, marks in rows.items():
            ordered = sorted(marks, key=_drawing_order)
            if ordered != self._mark_rows.get(row, []):
                changed.append(row)
                if ordered:
                    self._mark_rows[row] = ordered
                else:
                    del self._mark_rows[row]
        self._marks_changed(changed)

    def _marks_changed(self, rows: list[int]) -> None:
        if rows:
            self._marks_version += 1
            for row in rows:
                self._row_versions[row] = self._marks_version
            self._refresh_rows(rows)

    def _refresh_rows(self, rows: list[int]) -> None:
        """Redraw only the screen lines of these text lines that are in view:
        a whole-pane redraw costs several milliseconds a change."""
        wrapped = self.wrapped_document
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        for row in rows:
            if row >= self.document.line_count:
                continue
            y = wrapped.location_to_offset((row, 0)).y
            count = len(wrapped.get_offsets(row)) + 1
            if y + count > top and y < top + height:
                self.refresh_lines(y, count)

    @property
    def tint_base(self) -> Color:
        """The colour behind the text, for blending container tints."""
        return self.background_colors[1]

    def notify_style_update(self) -> None:
        self._strips.clear()
        self._theme_applied: str | None = None
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        # TextArea re-reads its theme from CSS on every render; the CSS only
        # changes when Textual calls notify_style_update, so do it then
        if self._theme and self._theme_applied != self.theme:
            self._theme.apply_css(self)
            self._theme_applied = self.theme
        return ScrollView.render_lines(self, crop)

    def render_line(self, y: int) -> Strip:
        """A drawn row, cached by what can change it.

        ``TextArea`` keys its cache on the whole selection for every row when
        soft wrap is on, so each cursor move redraws the whole pane; here a
        row is redrawn only when the selection or cursor on its own line
        changes (or the marks, size, scroll or styles do).
        """
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        try:
            line_index = self.wrapped_document._offset_to_line_info[row][0]
        except IndexError:
            line_index = -1
        start, end = self.selection
        top, bottom = sorted((start, end))
        selected = start != end and top[0] <= line_index <= bottom[0]
        key = (
            self.size,
            # the width the text was last wrapped at (not yet the new width
            # while a resize is under way)
            self.wrapped_document._width,
            scroll_x,
            row,
            line_index,
            (top if top[0] == line_index else None, bottom if bottom[0] == line_index else None, selected),
            end if end[0] == line_index and self._draw_cursor else None,
            self._row_versions.get(line_index, 0),
            self.theme,
            self.has_focus,
        )
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_line(y)
            self._strips[key] = strip
        return strip

    def get_line(self, line_index: int) -> Text:
        line = Text(self.document.get_line(line_index), end="", no_wrap=True)
        row_start = self.lines.starts[line_index] if line_index < self.lines.line_count else 0
        for mark in self._mark_rows.get(line_index, ()):
            line.stylize(mark.style, max(mark.start - row_start, 0), mark.end - row_start)
        return line

    # -- offsets and selection ---------------------------------------------

    @property
    def cursor_offset(self) -> int:
        return self.lines.offset(self.selection.end)

    @property
    def selection_range(self) -> tuple[int, int]:
        start, end = self.lines.offset(self.selection.start), self.lines.offset(self.selection.end)
        return (start, end) if start <= end else (end, start)

    def snapped_selection(self) -> tuple[int, int] | None:
        """What a tag key would tag: the selection snapped to the tokens it
        touches (the token at the cursor when nothing is selected), or the
        selection as it is in character mode."""
        start, end = self.selection_range
        if self.char_mode:
            return (start, end) if end > start else None
        return self.tokens.covering(start, end)

    def select_range(self, start: int, end: int, *, center: bool = False) -> None:
        """Select [start, end) with the cursor at ``end``, and scroll to it."""
        selection = Selection(self.lines.location(start), self.lines.location(end))
        if selection != self.selection:
            self.selection = selection
        elif not center:
            # setting the same selection would redraw the whole pane; only
            # bring the cursor back into view, as setting it does
            self.scroll_cursor_visible()
        if center:
            self.scroll_cursor_visible(center=True)

    def move_to(self, offset: int, *, center: bool = False) -> None:
        self.select_range(offset, offset, center=center)

    def _extend_to(self, anchor: int, cursor: int) -> None:
        self.selection = Selection(self.lines.location(anchor), self.lines.location(cursor))

    # -- actions ------------------------------------------------------------

    def action_nothing(self) -> None:
        """Editing keys do nothing here: the text never changes."""

    def action_clear_selection(self) -> None:
        self.move_to(self.cursor_offset)

    def action_token_right(self, select: bool = False) -> None:
        cursor = self.cursor_offset
        anchor = self.lines.offset(self.selection.start)
        if not select:
            target = self.tokens.next_start(cursor)
            if target is not None:
                self.move_to(target)
            return
        if anchor == cursor:
            token = self.tokens.token_at(cursor)
            if token is not None and token[0] < cursor:
                anchor = token[0]
        target = self.tokens.end_after(cursor)
        if target is not None:
            self._extend_to(anchor, target)

    def action_token_left(self, select: bool = False) -> None:
        cursor = self.cursor_offset
        anchor = self.lines.offset(self.selection.start)
        if not select:
            target = self.tokens.previous_start(cursor)
            if target is not None:
                self.move_to(target)
            return
        if anchor == cursor:
            token = self.tokens.token_at(cursor)
            if token is not None and token[1] > cursor:
                anchor = token[1]
        if cursor > anchor:
            # shrink a forward selection by its last token
            end = self.tokens.end_before(cursor)
            target = end if end is not None and end > anchor else anchor
        else:
            target = self.tokens.previous_start(cursor)
        if target is not None:
            self._extend_to(anchor, target)

    # -- mouse --------------------------------------------------------------

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self.char_mode:
            return
        anchor, cursor = self.lines.offset(self.selection.start), self.lines.offset(self.selection.end)
        if anchor == cursor:
            return
        snapped = self.tokens.covering(min(anchor, cursor), max(anchor, cursor))
        if snapped is None:
            return
        start, end = snapped
        if anchor <= cursor:
            self._extend_to(start, end)
        else:
            self._extend_to(end, start)

    def on_click(self, event: events.Click) -> None:
        if event.chain != 2:
            return
        offset = self.lines.offset(self.get_target_document_location(event))
        token = self.tokens.token_at(offset)
        if token is not None:
            self._extend_to(*token)


def article_column() -> ComposeResult:
    """The article with its title, meta line and status line, as the
    annotation and review screens both show it (``yield from`` in compose)."""
    with Vertical(id="article-column"):
        yield Static(id="doc-title")
        yield Static(id="doc-meta")
        yield ArticleView(id="article")
        yield Static(id="status-line")
