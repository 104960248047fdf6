"""The claim list: each claim in reading order with what belongs to it."""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Self

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.message import Message
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from annotations.model import Label, Span
from tui.article import steady_vertical_scrollbar
from tui.describe import describe_norm, excerpt, span_line
from tui.layer import CLAIM, ClaimGroup, reading_order as _reading

_OUTSIDE = "outside"


class _Drawn(list):
    """An option's drawn lines, with the index they were drawn at: a click
    finds its option by the index stored in the drawing."""

    def __init__(self, strips: Iterable[Strip], index: int) -> None:
        super().__init__(strips)
        self.index = index


class ClaimList(OptionList):
    """Claims as options; the highlighted one is "the claim chosen in the list".

    Under each claim, one line per span that belongs to it: ``·`` a span
    inside the claim, ``↳`` a span linked to it; a normalised value follows
    on its own line after ``=``.

    Posts ``ClaimList.Chosen`` when a claim is picked (enter or click).
    """

    ALLOW_SELECT = False
    _shown: tuple | None = None
    """(a function giving the groups and the spans outside, text, labels,
    tag key, suggested): what ``show`` was last given, to show it again at
    another width."""
    _shown_width = 34
    _generation: tuple[int, int] | None = None
    """(the text, the width) the options were laid out for."""
    _shown_keys: list[tuple[str, tuple]] = []
    """(id, content) of each option shown, in order."""
    _outside_order: list[tuple] = []
    """The reading order (``_reading``) of each span shown outside the claims."""
    _resizing_content = False
    """True while the options' total height is being counted (see refresh)."""
    _redraw_later = False
    """True while ``show`` changes the options: it redraws what changed itself."""

    class Chosen(Message):
        def __init__(self, claim_id: int) -> None:
            super().__init__()
            self.claim_id = claim_id

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._span_keys: dict[int, tuple[Span, tuple]] = {}
        """Span id -> (the span, its key): a key is made once per span."""
        self._group_keys: dict[int, tuple[ClaimGroup, tuple]] = {}
        """Claim id -> (its group, the group's key), likewise."""

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        return steady_vertical_scrollbar(self)

    def show(
        self,
        groups: list[ClaimGroup],
        outside: list[Span],
        text: str,
        labels: Mapping[str, Label],
        tag_key: str | None,
        suggested: bool = False,
    ) -> None:
        """Show these claims, keeping the highlighted claim and the scroll
        position. The options whose content did not change are kept (with
        their drawings) and only the lines that moved or changed are drawn
        again."""
        self._shown = (lambda: (groups, outside), text, labels, tag_key, suggested)
        if not self._laid_out_for(text):
            # laid out for another text or width: make every option again
            self._generation, self._shown_width = (id(text), self._width()), self._width()
            self._span_keys.clear()
            self._group_keys.clear()
            self._shown_keys = []
        wanted = self._entries(groups, outside, text, labels, tag_key, suggested)
        if not self._shown_keys or len(self._shown_keys) != len(self.options):
            self._show_all(wanted, bool(groups))
        else:
            self._show_changes(wanted, bool(groups))
        self._outside_order = [_reading(span) for span in outside]

    def show_some(
        self,
        claims: Iterable[tuple[int, ClaimGroup]],
        spans: Iterable[tuple[int, Span | None]],
        everything: Callable[[], tuple[list[ClaimGroup], list[Span]]],
        suggested: Callable[[], bool] = lambda: False,
    ) -> bool:
        """What ``show`` does, when only these claims changed their members,
        (number, group), and only these spans came, went or changed outside
        the claims, (span id, the span when it is outside every claim now,
        else None); the claims themselves (and so their numbers) are those
        shown. Costs what the change costs, not what the list holds.
        ``everything()`` gives what ``show`` takes (the groups and the spans
        outside them), should the list be laid out again at another width;
        ``suggested()`` whether a claim is suggested (the hint shown while
        there are no claims says so). False, changing nothing, when it
        cannot: then call ``show``."""
        if self._shown is None or not self._shown_keys or len(self._shown_keys) != len(self.options):
            return False
        _, text, labels, tag_key, shown_suggested = self._shown
        if not self._laid_out_for(text):
            return False
        has_claims = "empty" not in self._id_to_option
        if not has_claims and suggested() != shown_suggested:
            return False  # the hint changes: show makes it again
        claims = list(claims)
        if any(str(group.claim.id) not in self._id_to_option for _, group in claims):
            return False  # a claim not shown: only show knows where it goes
        colour = labels[CLAIM].colour if CLAIM in labels else "white"
        kept, was_highlighted, scroll_y = self.highlighted_claim, self.highlighted, self.scroll_y
        changes: list[tuple[int, int, int]] = []
        for number, group in claims:
            option_id = str(group.claim.id)
            index = self._option_to_index[self._id_to_option[option_id]]
            key = (number, self._group_key(group))
            if key != self._shown_keys[index][1]:
                option = self._claim_option(number, group, text, colour, labels)
                changes.append(self._replace(index, option_id, key, option))
        for span_id, span in spans:
            changes.extend(self._place_outside(span_id, span, text, labels))
        self._shown = (everything, text, labels, tag_key, shown_suggested)
        self._after_changes(changes, kept, was_highlighted, scroll_y, has_claims)
        return True

    def _laid_out_for(self, text: str) -> bool:
        """Whether the options shown were made for this text at this width."""
        return (id(text), self._width()) == self._generation

    def _entries(
        self,
        groups: list[ClaimGroup],
        outside: list[Span],
        text: str,
        labels: Mapping[str, Label],
        tag_key: str | None,
        suggested: bool,
    ) -> list[tuple[str, tuple, Callable[[], Option]]]:
        """(id, content, make the option) of every option, in order."""
        colour = labels[CLAIM].colour if CLAIM in labels else "white"
        entries: list[tuple[str, tuple, Callable[[], Option]]] = []
        for number, group in enumerate(groups, 1):
            entries.append(
                (
                    str(group.claim.id),
                    (number, self._group_key(group)),
                    partial(self._claim_option, number, group, text, colour, labels),
                )
            )
        if not groups:
            hint = f"No claims yet: select a sentence and press {tag_key}." if tag_key else "No claims yet."
            if suggested:
                hint += " Or put the cursor on a suggested claim (in italics) and press a."
            entries.append(("empty", (hint,), partial(Option, Text(hint, style="dim italic"), id="empty", disabled=True)))
        if outside:
            entries.append((_OUTSIDE, (), self._heading))
            for span in outside:
                entries.append((f"{_OUTSIDE}-{span.id}", self._span_key(span), partial(self._outside, span, text, labels)))
        return entries

    def _span_key(self, span: Span) -> tuple:
        """Everything about a span that its line in the list shows."""
        known = self._span_keys.get(span.id)
        if known is not None and known[0] is span:
            return known[1]
        norm = None if span.norm is None else json.dumps(span.norm, sort_keys=True)
        key = (span.id, span.label, span.start, span.end, norm)
        self._span_keys[span.id] = (span, key)
        return key

    def _group_key(self, group: ClaimGroup) -> tuple:
        known = self._group_keys.get(group.claim.id)
        if known is not None and known[0] is group:
            return known[1]
        key = (
            self._span_key(group.claim),
            tuple((self._span_key(m.span), m.inside, m.linked) for m in group.members),
        )
        self._group_keys[group.claim.id] = (group, key)
        return key

    def _show_all(self, wanted: list[tuple[str, tuple, Callable[[], Option]]], has_claims: bool) -> None:
        kept, scroll_y = self.highlighted_claim, self.scroll_y
        self._redraw_later = True
        try:
            self.set_options([make() for _, _, make in wanted])
            self._shown_keys = [(option_id, key) for option_id, key, _ in wanted]
            if kept is not None:
                self.highlight_claim(kept)
            if self.highlighted is None and has_claims:
                self.highlighted = 0
            self.scroll_to(y=scroll_y, animate=False, immediate=True)
        finally:
            self._redraw_later = False
        self.refresh()

    def _show_changes(self, wanted: list[tuple[str, tuple, Callable[[], Option]]], has_claims: bool) -> None:
        """Change the options shown into ``wanted``: the options whose id and
        content stay are kept (with their drawings); the others are made."""
        old_keys = self._shown_keys
        old_options = self._options
        count, new_count = len(old_keys), len(wanted)
        # the options that keep their place at the start and at the end
        limit = min(count, new_count)
        head = 0
        while head < limit and old_keys[head][0] == wanted[head][0]:
            head += 1
        tail = 0
        while tail < limit - head and old_keys[count - 1 - tail][0] == wanted[new_count - 1 - tail][0]:
            tail += 1
        moved = {old_keys[i]: old_options[i] for i in range(head, count - tail)}
        options: list[Option] = []
        for index, (option_id, key, make) in enumerate(wanted):
            if index < head:
                old = index
            elif index >= new_count - tail:
                old = index - new_count + count
            else:
                found = moved.get((option_id, key))
                options.append(found if found is not None else make())
                continue
            options.append(old_options[old] if old_keys[old][1] == key else make())
        # one splice: from the first option that is not the same object to the last
        first = 0
        while first < limit and options[first] is old_options[first]:
            first += 1
        last = 0
        while last < limit - first and options[new_count - 1 - last] is old_options[count - 1 - last]:
            last += 1
        if first == count == new_count:
            self._shown_keys = [(option_id, key) for option_id, key, _ in wanted]
            return  # nothing changed
        kept, was_highlighted, scroll_y = self.highlighted_claim, self.highlighted, self.scroll_y
        self._redraw_later = True
        try:
            change = self._splice(first, count - last, options[first : new_count - last])
        finally:
            self._redraw_later = False
        self._shown_keys = [(option_id, key) for option_id, key, _ in wanted]
        self._after_changes([change], kept, was_highlighted, scroll_y, has_claims)

    def _replace(self, index: int, option_id: str, key: tuple, option: Option) -> tuple[int, int, int]:
        self._shown_keys[index] = (option_id, key)
        return self._splice(index, index + 1, [option])

    def _place_outside(self, span_id: int, span: Span | None, text: str, labels: Mapping[str, Label]) -> list[tuple[int, int, int]]:
        """Add, change or take away the option of one span outside the
        claims (and the heading over them, when the first comes or the last
        goes)."""
        option_id = f"{_OUTSIDE}-{span_id}"
        option = self._id_to_option.get(option_id)
        heading = self._id_to_option.get(_OUTSIDE)
        changes: list[tuple[int, int, int]] = []
        if option is not None:
            index = self._option_to_index[option]
            if span is not None:
                key = self._span_key(span)
                if key != self._shown_keys[index][1]:
                    changes.append(self._replace(index, option_id, key, self._outside(span, text, labels)))
                return changes
            del self._shown_keys[index]
            del self._outside_order[index - self._option_to_index[heading] - 1]  # type: ignore[index]
            changes.append(self._splice(index, index + 1, []))
            if not self._outside_order and heading is not None:
                index = self._option_to_index[heading]
                del self._shown_keys[index]
                changes.append(self._splice(index, index + 1, []))
            return changes
        if span is None:
            return changes
        if heading is None:
            index = len(self._options)
            self._shown_keys.append((_OUTSIDE, ()))
            self._outside_order = []
            changes.append(self._splice(index, index, [self._heading()]))
            heading = self._id_to_option[_OUTSIDE]
        place = bisect_left(self._outside_order, _reading(span))
        index = self._option_to_index[heading] + 1 + place
        self._outside_order.insert(place, _reading(span))
        self._shown_keys.insert(index, (option_id, self._span_key(span)))
        changes.append(self._splice(index, index, [self._outside(span, text, labels)]))
        return changes

    def _splice(self, start: int, stop: int, new: list[Option]) -> tuple[int, int, int]:
        """Put ``new`` in place of the options [start, stop), keeping the
        drawings and line counts of every option kept; only new options are
        measured. Returns (the first line changed, the lines it replaced,
        the lines put there)."""
        options = self._options
        removed = options[start:stop]
        shift = len(new) - len(removed)
        cache = self._line_cache
        complete = len(cache.heights) == len(options) and bool(self.scrollable_content_region)
        if complete:
            line_start = cache.index_to_line[start] if start < len(options) else len(cache.lines)
            line_stop = cache.index_to_line[stop] if stop < len(options) else len(cache.lines)
            known = {option: cache.heights[i] for i, option in enumerate(removed, start)}
            tail_heights = [cache.heights[i] for i in range(stop, len(options))]
        for option in set(removed).difference(new):
            del self._option_to_index[option]
            if option._id is not None and self._id_to_option.get(option._id) is option:
                del self._id_to_option[option._id]
        options[start:stop] = new
        for index, option in enumerate(new, start):
            self._option_to_index[option] = index
            if option._id is not None:
                self._id_to_option[option._id] = option
        if shift:
            for index in range(start + len(new), len(options)):
                self._option_to_index[options[index]] = index
        if not complete:
            cache.clear()  # not measured yet: _update_lines measures them all
            return 0, 0, 1
        # as OptionList._update_lines measures an option
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        padding = self.get_component_styles("option-list--option").padding
        lines: list[tuple[int, int]] = []
        for index, option in enumerate(new, start):
            height = known.get(option)
            if height is None:
                height = self._get_visual(option).get_height(self.styles, width - padding.width) + option._divider
            cache.heights[index] = height
            cache.index_to_line[index] = line_start + len(lines)
            lines.extend([(index, line) for line in range(height)])
        line_shift = len(lines) - (line_stop - line_start)
        if shift:
            # the options after: the same lines, under new indexes
            tail = [(index + shift, line) for index, line in cache.lines[line_stop:]]
            cache.lines[line_start:] = lines + tail
            for index in range(len(options), len(options) - shift):
                cache.heights.pop(index, None)
                cache.index_to_line.pop(index, None)
            y = line_start + len(lines)
            for index, height in enumerate(tail_heights, start + len(new)):
                cache.heights[index] = height
                cache.index_to_line[index] = y
                y += height
        else:
            cache.lines[line_start:line_stop] = lines
            if line_shift:
                for index in range(stop, len(options)):
                    cache.index_to_line[index] += line_shift
        return line_start, line_stop - line_start, len(lines)

    def _after_changes(
        self,
        changes: list[tuple[int, int, int]],
        kept: int | None,
        was_highlighted: int | None,
        scroll_y: float,
        has_claims: bool,
    ) -> None:
        """Keep the claim highlighted where it went (or the first one, when
        it went), the scroll position where it was, and draw again only
        the lines that changed or moved."""
        highlighted: int | None = None
        if kept is not None and str(kept) in self._id_to_option:
            highlighted = self._option_to_index[self._id_to_option[str(kept)]]
        elif has_claims:
            highlighted = 0
        if highlighted != was_highlighted:
            # no scrolling to it, as setting it would
            self.set_reactive(OptionList.highlighted, highlighted)
        self._redraw_later = True
        try:
            self._update_lines()
        finally:
            self._redraw_later = False
        if self.scroll_y != scroll_y:
            self.refresh()
            return
        moved_from = min((start for start, old, new in changes if old != new), default=None)
        if moved_from is not None:
            self._redraw_lines_from(moved_from)
        for start, old, new in changes:
            if old == new and (moved_from is None or start < moved_from):
                self._redraw_lines(start, new)
        if highlighted != was_highlighted:
            for index in (was_highlighted, highlighted):
                if index is not None and index in self._line_cache.index_to_line:
                    self._redraw_lines(self._line_cache.index_to_line[index], self._line_cache.heights[index])

    def _redraw_lines(self, y: int, count: int) -> None:
        """Redraw the lines [y, y + count) of the list that are in view."""
        top, view = self.scroll_offset.y, self.scrollable_content_region.height
        if count and y + count > top and y < top + view:
            self.refresh_lines(y, count)

    def _redraw_lines_from(self, y: int) -> None:
        """Redraw every line in view from line ``y`` on."""
        top, view = self.scroll_offset.y, self.scrollable_content_region.height
        if y < top:
            self.refresh()
        elif y < top + view:
            self.refresh_lines(y, top + view - y)

    def _get_option_render(self, option: Option, style: Style) -> list[Strip]:
        # Textual bakes the option's index into its drawing; an option kept
        # while others came or went before it is drawn again at its new index
        # by restamping the drawing rather than laying it out again
        index = self._option_to_index[option]
        key = (option, style, self.get_component_styles("option-list--option").padding)
        drawn = self._option_render_cache.get(key)
        if isinstance(drawn, _Drawn) and drawn.index == index:
            return drawn
        if drawn is None:
            drawn = _Drawn(super()._get_option_render(option, style), index)
        else:
            # over the old index (Strip.apply_meta would keep the old one)
            stamp = Style.from_meta({"option": index})
            drawn = _Drawn([Strip(Segment.apply_style(strip, post_style=stamp), strip.cell_length) for strip in drawn], index)
        self._option_render_cache[key] = drawn
        return drawn

    def _heading(self) -> Option:
        return Option(Text("Not in a claim", style="bold dim"), id=_OUTSIDE, disabled=True)

    def _update_lines(self) -> None:
        self._resizing_content = True
        try:
            super()._update_lines()
        finally:
            self._resizing_content = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        # A new total height of the options asks for a layout of the whole
        # screen (about 10 ms), though the list's own size is set by the
        # stylesheet: it only needs one when its scrollbar appears or goes.
        if layout and self._resizing_content and not self._scrollbar_changes_with(self.virtual_size):
            layout = False
        if self._redraw_later and not layout and not recompose:
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _scrollbar_changes_with(self, content: Size) -> bool:
        if self.styles.auto_dimensions or self.styles.overflow_y != "auto" or not self.container_size:
            return True
        return (content.height > self._container_size.height) != self.show_vertical_scrollbar

    def _claim_option(
        self, number: int, group: ClaimGroup, text: str, colour: str, labels: Mapping[str, Label]
    ) -> Option:
        return Option(self._claim_prompt(number, group, text, colour, labels), id=str(group.claim.id))

    def _outside(self, span: Span, text: str, labels: Mapping[str, Label]) -> Option:
        return Option(self._member(Text("  "), span, text, labels), id=f"{_OUTSIDE}-{span.id}", disabled=True)

    def _width(self) -> int:
        # the options' padding, and a column for the scrollbar that appears
        # once the list is longer than the screen
        return max(self.scrollable_content_region.width - 2 - (0 if self.show_vertical_scrollbar else 1), 10)

    def _member(self, lead: Text, span: Span, text: str, labels: Mapping[str, Label]) -> Text:
        """One line per member, cut to the list's width rather than wrapped."""
        colour = labels[span.label].colour if span.label in labels else "white"
        width = max(self._shown_width, 10)
        line = lead + span_line(span.label, colour, text[span.start : span.end], None, limit=width)
        line.truncate(width, overflow="ellipsis")
        value = describe_norm(span.norm)
        if value:
            second = Text(" " * len(lead) + "= ", style="dim")
            second.append(value, style="italic")
            second.truncate(width, overflow="ellipsis")
            line.append("\n")
            line.append_text(second)
        return line

    def on_resize(self) -> None:
        if self._shown is not None and self._width() != self._shown_width:
            everything, *rest = self._shown
            self.show(*everything(), *rest)

    def _claim_prompt(
        self, number: int, group: ClaimGroup, text: str, colour: str, labels: Mapping[str, Label]
    ) -> Text:
        claim = group.claim
        prompt = Text()
        prompt.append(f"{number}. ", style=Style(color=colour, bold=True))
        prompt.append(excerpt(text[claim.start : claim.end], 2 * self._shown_width - 6))
        for member in group.members:
            prompt.append("\n")
            # ↳ a span linked to the claim; · a span inside it
            lead = Text("  ↳ " if member.linked else "  · ", style="bold" if member.linked else "dim")
            prompt.append_text(self._member(lead, member.span, text, labels))
        return prompt

    @property
    def highlighted_claim(self) -> int | None:
        if self.highlighted is None or self.option_count == 0:
            return None
        option = self.get_option_at_index(self.highlighted)
        return int(option.id) if option.id and option.id.isdigit() else None

    def highlight_claim(self, claim_id: int) -> None:
        try:
            self.highlighted = self.get_option_index(str(claim_id))
        except OptionDoesNotExist:  # the claim is gone (removed or undone)
            return

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id and event.option.id.isdigit():
            self.post_message(self.Chosen(int(event.option.id)))

