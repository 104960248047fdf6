"""The article pane: the text, read-only, with spans drawn on it.

A ``TextArea`` subclass gives keyboard and mouse selection, soft wrap, wide
characters and drawing of only the visible lines; this adds offsets, token
snapping and span styles. It knows nothing about the store, so the
annotation and review screens can both use it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Self

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._segment_tools import line_pad
from textual._styles_cache import StylesCache
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.color import Color
from textual.containers import Vertical
from textual.css.styles import StylesBase
from textual.expand_tabs import expand_text_tabs_from_widths
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static, TextArea
from textual.widgets.text_area import Selection, WrappedDocument

from tui.inert import inert
from tui.text_index import LineIndex, TokenIndex, by_row

MarkKind = Literal["container", "inner", "suggestion"]

_PAST_END = 1 << 62
"""A column past the end of any line."""

ROWS_KEPT = 2048
"""Drawn rows of the article kept (each as drawn and as finished), some
70 screens: undoing back through a hundred tags, spread over a long
article, found a third of the rows it scrolled to gone from a cache of
512 (redrawn at 0.1-0.2 ms a line), and none from one of 2048. They cost
about 15 MB on a 200 kB article; what is kept when a frame draws is set
aside from the garbage collector (``AnnotateScreen._draw``)."""


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


def _clip(rows: range, to: range) -> range:
    return range(max(rows.start, to.start), min(rows.stop, to.stop))


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


class _KeyedStylesCache(StylesCache):
    """Textual's cache of a widget's finished lines (its content with
    padding, background and borders) keeps each line by its place in the
    widget, so after a scroll every line is finished again, at several
    milliseconds a pane. This one also keeps finished content lines by what
    they show (``line_key(y)``, or None for "do not keep"): a pane scrolled
    to rows drawn before is put together from them. The owner clears
    ``finished`` when its styles change."""

    def __init__(self, line_key: Callable[[int], Hashable | None], size: int = 512) -> None:
        super().__init__()
        self._line_key = line_key
        self.finished: LRUCache[tuple, Strip] = LRUCache(size)
        self.current: tuple[int, Hashable] | None = None
        """(row, key) of the content line being finished."""
        self._plain = False
        """While a widget without border, outline, tint, hatch or opacity
        renders: its content lines need only padding and background."""

    def render_widget(self, widget: Widget, crop: Region) -> list[Strip]:
        styles = widget.styles
        self._plain = (
            widget._border_title is None
            and widget._border_subtitle is None
            and not any(edge for edge, _ in styles.border)
            and not any(edge for edge, _ in styles.outline)
            and not styles.tint.a
            and (not styles.has_rule("hatch") or styles.hatch == "none")
            and widget.opacity == 1
            and styles.text_opacity == 1
        )
        try:
            return super().render_widget(widget, crop)
        finally:
            self._plain = False

    def render_line(
        self,
        styles: StylesBase,
        y: int,
        size: Size,
        content_size: Size,
        padding: Spacing,
        base_background: Color,
        background: Color,
        render_content_line: Callable[[int], Strip],
        border_title: Any,
        border_subtitle: Any,
        opacity: float,
        ansi_theme: Any,
        native_ansi: bool,
    ) -> Strip:
        content_y = y - styles.gutter.top
        line_key = None
        if border_title is None and border_subtitle is None and 0 <= content_y < content_size.height:
            line_key = self._line_key(content_y)
        if line_key is None:
            # a border or padding row, or one not to keep: as Textual draws it
            return super().render_line(
                styles, y, size, content_size, padding, base_background, background, render_content_line,
                border_title, border_subtitle, opacity, ansi_theme, native_ansi,
            )  # fmt: skip
        key = (line_key, size, content_size, padding, base_background, background, opacity, native_ansi)
        strip = self.finished.get(key)
        if strip is not None:
            return strip
        self.current = (content_y, line_key)  # the content line about to be drawn, for its owner
        if self._plain:
            # what Textual makes of a content line when there is only padding
            # and background around it, without its checks of every style
            inner = self.get_inner_outer(base_background, background)[0].rich_style
            line = render_content_line(content_y).adjust_cell_length(content_size.width, inner)
            strip = Strip(line_pad(line, padding.left, padding.right, inner), size.width)
        else:
            strip = super().render_line(
                styles, y, size, content_size, padding, base_background, background, render_content_line,
                border_title, border_subtitle, opacity, ansi_theme, native_ansi,
            )  # fmt: skip
        self.finished[key] = strip
        return strip


def steady_vertical_scrollbar(widget: Widget) -> ScrollBar:
    """``widget``'s vertical scrollbar, made as ``Widget`` makes it but a
    ``SteadyScrollBar``: for a widget's ``vertical_scrollbar`` property."""
    if widget._vertical_scrollbar is None:
        bar = SteadyScrollBar(vertical=True, name="vertical", thickness=widget.scrollbar_size_vertical)
        bar.display = False
        widget._vertical_scrollbar = bar
        widget.app._start_widget(widget, bar)
    return widget._vertical_scrollbar


class SteadyScrollBar(ScrollBar):
    """A scrollbar that is not drawn again when a change leaves it looking
    the same: a list's length or a pane's scroll position changes with most
    keys, the thumb far less often, and drawing the bar again costs half a
    millisecond and makes the whole frame cost more."""

    _drawn: tuple | None = None
    """The look of the lines drawn last."""
    _looks: tuple | None = None
    """(what the look was worked out from, the look)."""

    def __init__(self, vertical: bool = True, name: str | None = None, *, thickness: int = 1) -> None:
        super().__init__(vertical, name, thickness=thickness)
        self._styles_cache = _KeyedStylesCache(self._segment_at)

    def _segment_at(self, y: int) -> Hashable | None:
        """What row ``y`` of a vertical bar shows: one segment of its look."""
        if not self.vertical or self._drawn is None or len(self._drawn) != 2 or y >= len(self._drawn[1]):
            return None
        return self._drawn[1][y]

    def _look(self) -> tuple:
        """What the bar shows: its size and the segment of each row. Kept
        for as long as nothing it is drawn from changes."""
        parent = self.parent
        state = (
            self.size,
            self.window_virtual_size,
            self.window_size,
            self.position,
            self.grabbed,
            self.mouse_over,
            self.app.theme,
            parent.has_focus if isinstance(parent, Widget) else None,
        )
        if self._looks is not None and self._looks[0] == state:
            return self._looks[1]
        look = self._draw_look()
        self._looks = (state, look)
        return look

    def _draw_look(self) -> tuple:
        renderable = self.render()
        if not isinstance(renderable, ScrollBarRender) or not isinstance(renderable.style, Style):
            return (object(),)  # not a plain bar: always draw
        style = renderable.style
        bar = renderable.render_bar(
            size=self.size.height if self.vertical else self.size.width,
            virtual_size=renderable.virtual_size,
            window_size=renderable.window_size,
            position=renderable.position,
            thickness=self.size.width if self.vertical else self.size.height,
            vertical=self.vertical,
            back_color=style.bgcolor or RichColor.parse("#555555"),
            bar_color=style.color or RichColor.parse("bright_magenta"),
        )
        return self.size, tuple(bar.segments)

    def render_lines(self, crop: Region) -> list[Strip]:
        cache = self._styles_cache
        if self._drawn is None or self._dirty_regions or cache._dirty_lines or len(cache._cache) < self.size.height:
            self._drawn = self._look()  # what the lines about to be drawn show
        return super().render_lines(crop)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        if not regions and not layout and not recompose and self._drawn is not None and self._look() == self._drawn:
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def notify_style_update(self) -> None:
        self._drawn = self._looks = None
        self._styles_cache.finished.clear()
        super().notify_style_update()


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
    - ``select_range(start, end)``, ``move_to(offset)``: move and scroll
      there (``quiet=True``: without a ``SelectionChanged`` message).
    - ``char_mode``: reactive; False snaps selections to tokens.
    - ``lines`` (a ``LineIndex``) and ``tokens`` (a ``TokenIndex``).

    It posts ``TextArea.SelectionChanged`` when the cursor or selection moves
    (not when moved quietly), and redraws only the rows a move changes.
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

    selection: reactive[Selection] = reactive(Selection(), init=False, always_update=True, repaint=False)
    """As in ``TextArea``, but a change redraws only the rows it changes on
    screen (``_watch_selection``), not the whole pane."""

    char_mode: reactive[bool] = reactive(False)
    """True: selections are taken character by character, not snapped to tokens."""

    _quiet = False
    """True while a quiet ``select_range`` moves the selection."""

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
        self.match_cursor_bracket = False
        self._strips: LRUCache[tuple, Strip] = LRUCache(ROWS_KEPT)
        self._styles_cache = _KeyedStylesCache(self.line_key, ROWS_KEPT)
        self._drawing: tuple | None = None
        """While the pane draws: what ``_drawing_state`` read when it began."""
        self._loaded = 0
        """How many texts were loaded: part of every drawn row's key, so a row
        of one article is never taken for the same row of the next."""
        self._theme_applied = None

    # -- size ----------------------------------------------------------------

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        # wrap while the screen is laid out, not on the Resize event that
        # follows the first frame: the first frame then shows the article
        # wrapped, one frame (up to 17 ms) sooner
        if self.soft_wrap and self.wrapped_document._width != self.wrap_width:
            self._rewrap_and_refresh_virtual_size()
        return changed

    def _on_resize(self) -> None:
        if self.wrapped_document._width != self.wrap_width:  # else wrapped already
            super()._on_resize()
        # also when it was wrapped already: the layout may have rewrapped it
        # for the new width before this event came
        self._drop_needless_scrollbar()

    def _drop_needless_scrollbar(self) -> None:
        """Hide the vertical scrollbar if the text fits the pane without it.

        Textual keeps a scrollbar that narrowed the wrap as long as the text
        wrapped at that narrower width overflows: a short article loaded
        after a long one, or a pane widened a little, would keep a bar (and
        a narrower wrap) that a freshly opened pane, wrapping at the full
        width first, never shows.
        """
        if not self.show_vertical_scrollbar or self.wrapped_document.height > 2 * self.size.height:
            return  # only a short text can fit: long ones are not wrapped twice
        wider = self.wrap_width + self.styles.scrollbar_size_vertical
        if WrappedDocument(self.document, wider, self.indent_width).height <= self.scrollable_content_region.height:
            self.show_vertical_scrollbar = False
            self._rewrap_and_refresh_virtual_size()

    # -- content ------------------------------------------------------------

    def load(self, text: str, tokens: Sequence[tuple[int, int]]) -> None:
        shown = inert(text)
        self.load_text(shown)
        self.wrapped_document.__class__ = _WrappedArticle
        self._drop_needless_scrollbar()
        if self.document.text != shown:
            raise ValueError(
                "the article has line separators other than \\n; re-import it so its text is canonical"
            )
        self.lines = LineIndex(text)
        self.tokens = TokenIndex(text, tokens)
        self._mark_rows = {}
        self._loaded += 1
        self.selection = Selection.cursor((0, 0))
        self.scroll_home(animate=False)
        self.notify_style_update()
        # every row shows new text: Textual keeps each finished row by its
        # place in the pane and the screen redraws only what is refreshed,
        # so a row that no mark or selection touches in either article
        # would otherwise still show the last article's text there
        self.refresh()

    def set_marks(self, marks: Iterable[Mark]) -> None:
        """Draw these marks instead of the previous ones; only the lines whose
        marks changed are drawn again."""
        rows = by_row(self.lines, sorted(marks, key=_drawing_order))
        previous = self._mark_rows
        changed = [row for row in rows.keys() | previous.keys() if rows.get(row) != previous.get(row)]
        self._mark_rows = rows
        self._refresh_rows(changed)

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
        self._refresh_rows(changed)

    def _refresh_rows(self, rows: list[int]) -> None:
        """Redraw only the screen lines of these text lines that are in view:
        a whole-pane redraw costs several milliseconds a change."""
        wrapped = self.wrapped_document
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        for row in rows:
            if row >= self.document.line_count:
                continue
            screen_rows = wrapped._line_index_to_offsets[row]
            # only the rows in view: a region above or below the pane would
            # make the whole frame reach the widgets there
            shown = _clip(range(screen_rows[0], screen_rows[-1] + 1), range(top, top + height))
            if shown:
                self.refresh_lines(shown.start, len(shown))

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        return steady_vertical_scrollbar(self)

    @property
    def tint_base(self) -> Color:
        """The colour behind the text, for blending container tints."""
        return self.background_colors[1]

    def notify_style_update(self) -> None:
        self._strips.clear()
        self._styles_cache.finished.clear()
        self._theme_applied: str | None = None
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        # TextArea re-reads its theme from CSS on every render; the CSS only
        # changes when Textual calls notify_style_update, so do it then
        if self._theme and self._theme_applied != self.theme:
            self._theme.apply_css(self)
            self._theme_applied = self.theme
        # what every row's key shares, read once for the rows drawn now
        self._drawing = self._drawing_state()
        try:
            return ScrollView.render_lines(self, crop)
        finally:
            self._drawing = None
            self._styles_cache.current = None

    def render_line(self, y: int) -> Strip:
        """A drawn row, cached by what can change it.

        ``TextArea`` keys its cache on the whole selection for every row when
        soft wrap is on, so each cursor move redraws the whole pane; here a
        row is redrawn only when the selection or cursor on its own part of
        the text changes (or the marks, size, scroll or styles do).
        """
        current = self._styles_cache.current
        key = current[1] if current is not None and current[0] == y and self._drawing else self.line_key(y)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_line(y)
            self._strips[key] = strip
        return strip

    def _drawing_state(self) -> tuple:
        """(scroll offset, what every row's drawing depends on, selection,
        whether the cursor is drawn)."""
        # the width the text was last wrapped at (not yet the new width while
        # a resize is under way)
        frame = (self._loaded, self.size, self.wrapped_document._width, self.scroll_offset.x, self.theme, self.has_focus)
        return self.scroll_offset, frame, self.selection, self._draw_cursor

    def line_key(self, y: int) -> tuple:
        """Everything the drawing of row ``y`` of the pane depends on: the
        part of the text it shows, the marks and the selection on that part
        (not on the rest of its line), the cursor when it is there."""
        scroll, frame, selection, draw_cursor = self._drawing or self._drawing_state()
        row = scroll.y + y
        wrapped = self.wrapped_document
        try:
            line_index, section = wrapped._offset_to_line_info[row]
        except IndexError:
            return (*frame, row)
        offsets = wrapped.get_offsets(line_index)
        first = offsets[section - 1] if section else 0
        past = offsets[section] if section < len(offsets) else _PAST_END
        return (
            *frame,
            row,
            line_index,
            self._selection_in(selection, draw_cursor, line_index, first, past),
            self._marks_in(line_index, first, past),
        )

    def _render_line(self, y: int) -> Strip:
        """``TextArea`` draws one row at a time and divides the row's whole
        line into its wrapped parts for each: a long paragraph costs the
        square of its rows. Here every row of the line is drawn in one go,
        and kept."""
        scroll, _, selection, draw_cursor = self._drawing or self._drawing_state()
        wrapped = self.wrapped_document
        try:
            line_index, section = wrapped._offset_to_line_info[scroll.y + y]
        except IndexError:
            return super()._render_line(y)
        if (
            self.show_line_numbers
            or self.highlight_cursor_line
            or not self.soft_wrap
            or self._highlights
            or self.suggestion
            or self.match_cursor_bracket
        ):
            return super()._render_line(y)
        strips = self._draw_line(line_index, selection, draw_cursor)
        first_row = wrapped._line_index_to_offsets[line_index][0]
        for other, strip in enumerate(strips):
            if other != section:
                self._strips[self.line_key(first_row + other - scroll.y)] = strip
        return strips[section]

    def _draw_line(self, line_index: int, selection: Selection, draw_cursor: bool) -> list[Strip]:
        """Every row of a line, drawn as ``TextArea._render_line`` draws
        each (without line numbers, a highlighted cursor line, syntax
        highlighting, suggestions or bracket matching, which the article
        does not use)."""
        theme = self._theme
        base_style = theme.base_style if theme and theme.base_style is not None else self.rich_style
        line_style = theme.base_style if theme else None
        line = self.get_line(line_index)
        characters = len(line)
        line.tab_size = self.indent_width
        line.set_length(characters + 1)  # the room TextArea leaves for a cursor
        start, end = selection
        (top_row, top_column), (bottom_row, bottom_column) = (start, end) if start <= end else (end, start)
        selection_style = theme.selection_style if theme else None
        if start != end and top_row <= line_index <= bottom_row and selection_style:
            if characters == 0 and line_index != end[0]:
                # a selected empty line shows a bar
                line.plain = "▌"
                line.stylize(Style(color=selection_style.bgcolor))
            else:
                first = top_column if line_index == top_row else 0
                past = bottom_column if line_index == bottom_row else characters
                line.stylize(selection_style, first, past)
        cursor_style = theme.cursor_style if theme else None
        if end[0] == line_index and draw_cursor and cursor_style:
            line.stylize(cursor_style, end[1], end[1] + 1)
        wrapped = self.wrapped_document
        offsets = wrapped.get_offsets(line_index)
        if offsets:
            parts = []
            tab_widths = wrapped.get_tab_widths(line_index)
            tabs_before = 0
            for part in line.divide(offsets):
                part.end = ""
                tabs = part.plain.count("\t")
                parts.append(expand_text_tabs_from_widths(part, tab_widths[tabs_before : tabs_before + tabs]))
                tabs_before += tabs
        else:
            line.expand_tabs(self.indent_width)
            parts = [line]
        width = self.scrollable_content_region.size.width - self.gutter_width
        console = self.app.console
        strips = []
        for part in parts:
            # Strip(...).extend_cell_length(width, line_style).apply_style(base_style),
            # without the two strips in between
            segments = list(part.render(console))
            cells = part.cell_len
            if cells < width:
                segments.append(Segment(" " * (width - cells), line_style))
            strips.append(Strip(Segment.apply_style(segments, base_style), max(cells, width)))
        return strips

    def _selection_in(self, selection: Selection, draw_cursor: bool, line_index: int, first: int, past: int) -> tuple:
        """What the selection and the cursor change in columns [first, past)
        of a line: the selected columns, the cursor's column when it is
        drawn there. A selected empty line is drawn apart, unless the cursor
        is on it."""
        start, end = selection
        top, bottom = (start, end) if start <= end else (end, start)
        columns = None
        if start != end and top[0] <= line_index <= bottom[0]:
            low = max(top[1] if top[0] == line_index else 0, first)
            high = min(bottom[1] if bottom[0] == line_index else _PAST_END, past)
            empty = line_index < self.lines.line_count and self.lines.line_end(line_index) == self.lines.starts[line_index]
            if low < high or empty:
                columns = (low, high)
        cursor = None
        if end[0] == line_index and first <= end[1] < past:
            cursor = (end[1], draw_cursor)
        return columns, cursor

    def _marks_in(self, line_index: int, first: int, past: int) -> tuple[Mark, ...]:
        """The marks drawn on columns [first, past) of a line, in drawing order."""
        marks = self._mark_rows.get(line_index)
        if not marks:
            return ()
        base = self.lines.starts[line_index]
        low, high = base + first, base + past
        return tuple(mark for mark in marks if mark.start < high and mark.end > low)

    def _screen_row(self, location: tuple[int, int]) -> int:
        """The screen row (from the top of the text) showing ``location``."""
        line_index, column = location
        wrapped = self.wrapped_document
        return wrapped._line_index_to_offsets[line_index][bisect_right(wrapped.get_offsets(line_index), column)]

    def _selection_rows(self, selection: Selection) -> tuple[set[int], range]:
        """The screen rows that draw an end of ``selection`` or the cursor,
        and the rows the selection spans."""
        start, end = selection
        top, bottom = (start, end) if start <= end else (end, start)
        first, last = self._screen_row(top), self._screen_row(bottom)
        return {first, last, self._screen_row(end)}, (range(first, last + 1) if start != end else range(0))

    def _watch_selection(self, previous_selection: Selection, selection: Selection) -> None:
        super()._watch_selection(previous_selection, selection)
        if not self.is_mounted:
            return
        try:
            old_ends, old_span = self._selection_rows(previous_selection)
            new_ends, new_span = self._selection_rows(selection)
        except IndexError:  # the text was wrapped again or replaced: draw it all
            self.refresh()
            return
        top = self.scroll_offset.y
        shown = range(top, top + self.scrollable_content_region.height)
        rows = {row for row in old_ends | new_ends if row in shown}
        # rows inside both spans look the same before and after
        rows.update(set(_clip(old_span, shown)).symmetric_difference(_clip(new_span, shown)))
        run_start = previous = None
        for row in sorted(rows):
            if previous is not None and row != previous + 1:
                self.refresh_lines(run_start, previous + 1 - run_start)
                run_start = None
            if run_start is None:
                run_start = row
            previous = row
        if run_start is not None and previous is not None:
            self.refresh_lines(run_start, previous + 1 - run_start)

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

    def select_range(self, start: int, end: int, *, center: bool = False, quiet: bool = False) -> None:
        """Select [start, end) with the cursor at ``end``, and scroll to it.
        ``quiet``: post no ``SelectionChanged`` (the caller shows what it
        changed itself: the message goes through every widget up to the
        screen, a good part of a key's cost)."""
        selection = Selection(self.lines.location(start), self.lines.location(end))
        if selection != self.selection:
            self._quiet = quiet
            try:
                self.selection = selection
            finally:
                self._quiet = False
        elif not center:
            # setting the same selection would redraw the whole pane; only
            # bring the cursor back into view, as setting it does
            self.scroll_cursor_visible()
        if center:
            self.scroll_cursor_visible(center=True)

    def move_to(self, offset: int, *, center: bool = False, quiet: bool = False) -> None:
        self.select_range(offset, offset, center=center, quiet=quiet)

    def post_message(self, message: Message) -> bool:
        if self._quiet and isinstance(message, TextArea.SelectionChanged):
            return False
        return super().post_message(message)

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
