"""The claim list: each claim in reading order with what belongs to it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import partial
from typing import Self

from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.message import Message
from textual.visual import VisualType
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from annotations.model import Label, Span
from tui.describe import describe_norm, excerpt, span_line
from tui.layer import CLAIM, ClaimGroup

_OUTSIDE = "outside"


class ClaimList(OptionList):
    """Claims as options; the highlighted one is "the claim chosen in the list".

    Under each claim, one line per span that belongs to it: ``·`` a span
    inside the claim, ``↳`` a span linked to it; a normalised value follows
    on its own line after ``=``.

    Posts ``ClaimList.Chosen`` when a claim is picked (enter or click).
    """

    ALLOW_SELECT = False
    _shown: tuple | None = None
    _shown_width = 34
    _generation: tuple[int, int] | None = None
    """(the text, the width) the options were laid out for."""
    _keys: list[tuple] = []
    """The content of each option shown, in order."""
    _resizing_content = False
    """True while the options' total height is being counted (see refresh)."""
    _redraw_later = False
    """True while ``show`` replaces the options: it redraws what changed itself."""

    class Chosen(Message):
        def __init__(self, claim_id: int) -> None:
            super().__init__()
            self.claim_id = claim_id

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
        position. Only the options whose content changed are made again, so
        a change costs one claim's layout, not the whole list's."""
        self._shown = (groups, outside, text, labels, tag_key, suggested)
        width = self._width()
        if (id(text), width) != self._generation:
            self._generation, self._shown_width = (id(text), width), width
            self._keys = []  # laid out for another text or width: make every option again
        colour = labels[CLAIM].colour if CLAIM in labels else "white"
        entries: list[tuple[tuple, str, Callable[[], Option]]] = []
        for number, group in enumerate(groups, 1):
            key = (number, _span_key(group.claim), tuple((_span_key(m.span), m.inside, m.linked) for m in group.members))
            entries.append(
                (key, str(group.claim.id), partial(self._claim_option, number, group, text, colour, labels))
            )
        if not groups:
            hint = f"No claims yet: select a sentence and press {tag_key}." if tag_key else "No claims yet."
            if suggested:
                hint += " Or put the cursor on a suggested claim (in italics) and press a."
            entries.append((("empty", hint), "empty", partial(Option, Text(hint, style="dim italic"), id="empty", disabled=True)))
        if outside:
            # one option per span: a new one is laid out on its own
            heading = partial(Option, Text("Not in a claim", style="bold dim"), id=_OUTSIDE, disabled=True)
            entries.append(((_OUTSIDE,), _OUTSIDE, heading))
            for span in outside:
                entries.append(
                    ((_OUTSIDE, _span_key(span)), f"{_OUTSIDE}-{span.id}", partial(self._outside, span, text, labels))
                )
        keys = [key for key, _, _ in entries]
        current = self.options
        if len(self._keys) == len(current) and [i for _, i, _ in entries] == [o.id for o in current]:
            # the same options in the same order: change the ones that changed
            for index, (key, _, make) in enumerate(entries):
                if key != self._keys[index]:
                    self.replace_option_prompt_at_index(index, make().prompt)
            self._keys = keys
            return
        kept, scroll_y, was_highlighted = self.highlighted_claim, self.scroll_y, self.highlighted
        shown = dict(zip(self._keys, current))
        options = [shown.get(key) or make() for key, _, make in entries]
        first_changed = next(
            (i for i, (old, new) in enumerate(zip(current, options)) if old is not new),
            min(len(current), len(options)),
        )
        drawn = self._drawn_options(options)
        # set_options, the highlight and the scroll position each redraw the
        # whole list; redraw only from the first option that changed
        self._redraw_later = True
        try:
            self.set_options(options)
            self._restore_drawn(drawn)
            self._keys = keys
            if kept is not None:
                self.highlight_claim(kept)
            if self.highlighted is None and groups:
                self.highlighted = 0
            self.scroll_to(y=scroll_y, animate=False, immediate=True)
        finally:
            self._redraw_later = False
        if self.scroll_y != scroll_y:
            self.refresh()
            return
        if self.highlighted != was_highlighted:
            first_changed = min(first_changed, was_highlighted or 0, self.highlighted or 0)
        self._redraw_from(first_changed)

    def _redraw_from(self, index: int) -> None:
        """Redraw the lines of the options from ``index`` on that are in view."""
        lines = self._index_to_line
        y = lines.get(index, len(self._lines))
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if y < top:
            self.refresh()
        elif y < top + height:
            self.refresh_lines(y, top + height - y)

    def _drawn_options(self, options: list[Option]) -> list[tuple[tuple, list, int]]:
        """The drawings of the options that stay, with their old index:
        ``set_options`` forgets every drawing, and drawing the visible
        options again costs more than the rest of a change."""
        staying = set(options)
        cache = self._option_render_cache
        return [
            (key, strips, self._option_to_index[key[0]])
            for key in list(cache.keys())
            if key[0] in staying and (strips := cache.get(key)) is not None
        ]

    def _restore_drawn(self, drawn: list[tuple[tuple, list, int]]) -> None:
        for key, strips, old_index in drawn:
            index = self._option_to_index.get(key[0])
            if index is None:
                continue
            if index != old_index:
                # a click finds its option by the index stored in the drawing
                strips = [strip.apply_meta({"option": index}) for strip in strips]
            self._option_render_cache[key] = strips

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

    def _replace_option_prompt(self, index: int, prompt: VisualType) -> None:
        # OptionList forgets every option's drawing when one prompt changes;
        # forget only that option's, the others have not changed
        option = self.get_option_at_index(index)
        option._set_prompt(prompt)
        for key in [key for key in self._option_render_cache.keys() if key[0] is option]:
            self._option_render_cache.discard(key)
        self._line_cache.clear()
        self.refresh()

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
        if getattr(self, "_shown", None) is not None and self._width() != self._shown_width:
            self.show(*self._shown)

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


def _span_key(span: Span) -> tuple:
    """Everything about a span that its line in the list shows."""
    norm = None if span.norm is None else json.dumps(span.norm, sort_keys=True)
    return span.id, span.label, span.start, span.end, norm
