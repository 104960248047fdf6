"""The review screen: compare the annotators of a document, settle each
disagreement into the adjudicated (gold) layer.

Documents annotated by two or more annotators come worst first. For the
current one the article shows every annotator's spans (or one layer at a
time with ``v``), and the list beside it holds its typed disagreements,
each with what every annotator said. One key settles the highlighted one;
every decision is written to the store (which records the reviewer and
logs it) before the screen shows it. Every two seconds the screen checks,
with one cheap query, whether another process changed the database, and
if so reloads what changed: an annotator's edits show up while the
reviewer works, and a disagreement they change comes back unresolved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Header, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from annotations import disagreements as dg
from annotations.disagreements import Disagreement, DocumentReview, Extent, Filters
from annotations.model import GOLD, Document
from annotations.store import Store, StoreError
from tui.article import ArticleView, Mark, article_column, mark_style
from tui.describe import excerpt
from tui.dialogs import ChoiceDialog
from tui.layer import CLAIM

POLL_SECONDS = 2.0
"""How often the screen checks for other processes' changes."""

EVERYONE = "everyone"


@dataclass(frozen=True, slots=True)
class ReviewKey:
    shown: str
    description: str
    action: str | None = None
    bind: str | None = None
    footer: str | None = None


REVIEW_KEYS: tuple[ReviewKey, ...] = (
    ReviewKey("j  k", "Next / previous disagreement", None),
    ReviewKey("1-9", "Take annotator N's version (numbers as in the line above the article)"),
    ReviewKey("t", "Take one annotator's version, chosen from a list", "take_chosen", "t", "take"),
    ReviewKey("u", "Union: the extents of every version, joined", "union", "u", "union"),
    ReviewKey("i", "Intersection: only what every version covers", "intersection", "i", "intersect"),
    ReviewKey("e", "Edit the extent by hand: adjust the selection, enter saves, escape cancels", "edit", "e", "edit"),
    ReviewKey("x", "Reject: none of it goes to gold", "reject", "x", "reject"),
    ReviewKey("a", "Accept every span (and link) all annotators agree on into gold", "accept_agreed", "a", "agreed"),
    ReviewKey("A", "Switch accepting agreed spans automatically on or off", "toggle_auto", "A"),
    ReviewKey("ctrl+z", "Undo your last decision in this document", "undo", "ctrl+z"),
    ReviewKey("n  p", "Next / previous document (worst disagreement first)", None),
    ReviewKey("g", "Go to a document of the review list", "go_to", "g"),
    ReviewKey("v", "Show everyone's spans, one annotator's, or gold's", "cycle_view", "v", "view"),
    ReviewKey("L", "Filter: cycle through the labels", "cycle_label", "L"),
    ReviewKey("O", "Filter: cycle through the annotators", "cycle_annotator", "O"),
    ReviewKey("U", "Filter: only documents with decisions left, or all", "toggle_unresolved", "U"),
    ReviewKey("r", "Reload now (it also happens by itself)", "reload", "r"),
    ReviewKey("escape", "Back to the annotation screen (or cancel an edit)"),
    ReviewKey("?", "Help: every key of this screen", "help", "question_mark", "help"),
    ReviewKey("q", "Quit (everything is already saved)", "app.quit", "q", "quit"),
)


def review_bindings() -> list[Binding]:
    bindings = [
        Binding(key.bind, key.action, key.footer or key.description, show=key.footer is not None, id=f"redline.review.{key.action}", tooltip=key.description)
        for key in REVIEW_KEYS
        if key.action and key.bind
    ]
    bindings += [
        Binding(str(n), f"take({n})", f"take {n}", show=False, id=f"redline.review.take{n}") for n in range(1, 10)
    ]
    bindings += [
        Binding("j", "move(1)", "Next disagreement", show=False, id="redline.review.next_item"),
        Binding("k", "move(-1)", "Previous disagreement", show=False, id="redline.review.previous_item"),
        Binding("n", "document(1)", "next", id="redline.review.next_document", tooltip="Next document"),
        Binding("p", "document(-1)", "prev", show=False, id="redline.review.previous_document"),
        Binding("enter", "confirm_edit", "Save the edited extent", show=False),
        # before the article, which clears its selection on escape
        Binding("escape", "escape", "Back", show=False, priority=True),
    ]
    return bindings


class ReviewScreen(Screen[None]):
    """Settle disagreements between annotators into the gold layer."""

    BINDINGS = review_bindings()
    AUTO_FOCUS = "#disagreements"
    DEFAULT_CSS = """
    ReviewScreen #disagreements {
        height: 1fr;
        border: none;
        padding: 0;
        scrollbar-size-vertical: 1;
    }
    ReviewScreen #disagreements:focus {
        border: none;
        background-tint: $foreground 4%;
    }
    ReviewScreen #disagreements > .option-list--option {
        padding: 0 1;
    }
    ReviewScreen #review-side {
        width: 42%;
        min-width: 30;
        max-width: 70;
        border-left: vkey $primary 40%;
    }
    """

    def __init__(self, store: Store, reviewer: str) -> None:
        super().__init__()
        self.store = store
        self.reviewer = reviewer
        self.labels = {label.name: label for label in store.labels()}
        self.filters = dg.load_filters(store, reviewer)
        self.reviews: dict[int, DocumentReview] = {}
        self.queue: list[int] = []
        self.document: Document | None = None
        self.items: list[Disagreement] = []
        self.view = EVERYONE
        self.editing: Disagreement | None = None
        self._shown_width = 0
        self._seen_version = -1
        self._seen_layers: tuple[int, ...] = ()
        self._seen_action = 0

    # -- building -----------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(icon="▌")
        with Horizontal(id="body"):
            yield from article_column()
            with Vertical(id="review-side"):
                yield Static(id="claims-title")
                yield OptionList(id="disagreements")
        yield Footer(compact=True)

    @property
    def article(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    @property
    def listing(self) -> OptionList:
        return self.query_one("#disagreements", OptionList)

    @property
    def review(self) -> DocumentReview | None:
        return None if self.document is None else self.reviews.get(self.document.id)

    def on_mount(self) -> None:
        self.title = f"Redline · review · {self.reviewer}"
        self._load_all()
        self.watch(self.app, "theme", lambda: self._draw_marks(), init=False)
        if self.queue:
            self.open_document(self.queue[0])
        else:
            self._show_empty()
        self.set_interval(POLL_SECONDS, self.poll)
        # the list's width is known once laid out: draw its lines to fit
        self.call_after_refresh(self.on_resize)

    def _show_empty(self) -> None:
        self.document = None
        if self.reviews:
            message = f"No document matches the filters ({self.filters.describe()}).\n\nL, O and U change them."
        else:
            message = (
                "Nothing to review yet: no document has been annotated by two or more annotators.\n\n"
                "A document counts once an annotator has tagged a span in it or marked it done (d)."
            )
        self.article.load(message, [])
        self.article.set_marks([])
        self.query_one("#doc-title", Static).update(Text("Review", style="bold"))
        self.query_one("#doc-meta", Static).update(Text(f"filters: {self.filters.describe()}", style="dim"))
        self.query_one("#claims-title", Static).update(Text("Disagreements", style="bold"))
        self.listing.clear_options()
        self.items = []
        self._update_header()
        self._update_status_line()

    # -- loading and refreshing ----------------------------------------------

    def _mark_seen(self) -> None:
        self._seen_version = self.store.data_version()
        self._seen_action = self.store.last_action_id()
        self._seen_layers = self.store.layers_fingerprint()

    def _load_all(self) -> None:
        self._mark_seen()
        self.reviews = dg.load(self.store)
        self._requeue()

    def _requeue(self) -> None:
        f = self.filters
        ordered = [r.document_id for r in dg.queue(self.reviews.values(), label=f.label, annotator=f.annotator, unresolved_only=f.unresolved)]
        current = self.document.id if self.document is not None else None
        if current is not None and current in self.reviews and current not in ordered:
            # the document being reviewed stays in the list until the reviewer moves on
            old = self.queue.index(current) if current in self.queue else 0
            ordered.insert(min(old, len(ordered)), current)
        self.queue = ordered

    def poll(self) -> None:
        """Reload whatever another process changed since the last look (cheap when nothing did)."""
        if self.store.data_version() != self._seen_version:
            self.reload()

    def reload(self, *, quiet: bool = False) -> None:
        since, layers = self._seen_action, self._seen_layers
        changed = self.store.documents_changed_since(since)
        self._mark_seen()
        if not changed and layers == self._seen_layers:
            return  # only settings changed (an annotator moved to another document)
        if changed:
            fresh = dg.load(self.store, changed)
            for document_id in changed:
                if document_id in fresh:
                    self.reviews[document_id] = fresh[document_id]
                else:
                    self.reviews.pop(document_id, None)
        else:
            self.reviews = dg.load(self.store)  # imports and merges log nothing per document
        self._requeue()
        if self.document is not None and self.document.id in changed and not quiet:
            who = sorted(
                {a.annotator for a in self.store.actions(document_id=self.document.id) if a.id > since and a.annotator != self.reviewer}
            )
            if who:
                self._say(f"{', '.join(who)} changed this document: the list is up to date.")
        if self.document is not None and self.document.id in self.reviews:
            self._auto_accept()
            self._show_review()
        elif self.queue:
            self.open_document(self.queue[0])
        else:
            self._show_empty()

    def _reload_current(self) -> None:
        """After our own write: read the current document back from the store."""
        assert self.document is not None
        fresh = dg.load(self.store, [self.document.id])
        if self.document.id in fresh:
            self.reviews[self.document.id] = fresh[self.document.id]
        else:
            self.reviews.pop(self.document.id, None)
        self._show_review()

    # -- the current document ------------------------------------------------

    def open_document(self, document_id: int) -> None:
        self.editing = None
        self.document = self.store.document(document_id)
        self.article.load(self.document.text, self.document.tokens)
        if self.view not in (EVERYONE, GOLD) and self.view not in self.reviews[document_id].annotators:
            self.view = EVERYONE
        self.query_one("#doc-title", Static).update(Text(excerpt(self.document.title or self.document.key, 300), style="bold"))
        self._auto_accept()
        self._show_review(first=True)

    def _auto_accept(self) -> None:
        review = self.review
        if review is not None and dg.auto_accept(self.store) and (review.agreed_pending or review.links_pending):
            dg.accept_agreed(self.store, review, self.reviewer)
            fresh = dg.load(self.store, [review.document_id])
            self.reviews.update(fresh)

    def _show_review(self, *, first: bool = False, keep: str | None = None) -> None:
        review = self.review
        if review is None or self.document is None:
            return
        kept = keep or (None if first else self._current_key())
        f = self.filters
        self.items = dg.visible(review, label=f.label, annotator=f.annotator)
        self._shown_width = self._list_width()
        options = [Option(self._prompt(n, d), id=str(n)) for n, d in enumerate(self.items)]
        if not options:
            options.append(Option(Text("No disagreements here" + (" under these filters" if review.disagreements else ""), style="dim italic"), id="none", disabled=True))
        self.listing.set_options(options)
        index = None
        if kept is not None:
            index = next((n for n, d in enumerate(self.items) if d.key == kept), None)
        if index is None:
            index = next((n for n, d in enumerate(self.items) if not d.resolved), 0 if self.items else None)
        if index is not None:
            self.listing.highlighted = index
        self._update_meta()
        self._update_list_title()
        self._update_header()
        self._draw_marks()
        self._focus_item(index)

    def _focus_item(self, index: int | None) -> None:
        if index is None or index >= len(self.items):
            self._update_status_line()
            return
        item = self.items[index]
        self.article.select_range(item.start, item.end, center=True)
        self._update_status_line()

    def _current(self) -> Disagreement | None:
        index = self.listing.highlighted
        if index is None or index >= len(self.items):
            return None
        return self.items[index]

    def _current_key(self) -> str | None:
        current = self._current()
        return None if current is None else current.key

    # -- drawing --------------------------------------------------------------

    def _colour(self, label: str) -> str:
        found = self.labels.get(label)
        return found.colour if found else "white"

    def _number(self, annotator: str) -> str:
        review = self.review
        if review is None or annotator not in review.annotators:
            return " "
        return str(review.annotators.index(annotator) + 1)

    def _quote(self, extent: Extent, room: int) -> Text:
        """``claim «The officers said … the weekend.»`` in ``room`` columns:
        both ends stay visible, since that is where boundaries differ."""
        assert self.document is not None
        limit = max(room - len(extent.label) - 3, 7)
        line = Text()
        line.append(extent.label, style=Style(color=self._colour(extent.label), bold=True))
        flat = excerpt(self.document.text[extent.start : extent.end], 10_000)
        if len(flat) > limit:
            half = max((limit - 1) // 2, 3)
            flat = flat[:half].rstrip() + "…" + flat[-half:].lstrip()
        line.append(" «" + flat + "»")
        return line

    def _prompt(self, n: int, item: Disagreement) -> Text:
        review = self.review
        assert review is not None and self.document is not None
        width = max(self._list_width() - 2, 24)  # less the option's padding
        head = Text()
        head.append("✓ " if item.resolved else "● ", style="green" if item.resolved else "bold yellow")
        head.append(f"{n + 1}. {item.kind}", style="bold")
        if item.claim is not None:
            head.append(" · ")
            head.append_text(self._quote(item.claim, width - len(head.plain)))
        else:
            head.append(" · " + ", ".join(item.labels), style="dim")
        lines = [head]
        name_width = max(len(name) for name in review.annotators)
        for name in review.annotators:
            if item.kind == "link" and name not in item.versions:
                continue
            line = Text(f"  {self._number(name)} {name:<{name_width}} ", style="dim")
            version = item.versions.get(name, ())
            if not version:
                line.append("(no links)" if item.kind == "link" else "—", style="italic")
            room = (width - len(line.plain) - (2 if item.kind == "link" else 0)) // max(len(version), 1) - (2 if len(version) > 1 else 0)
            for k, extent in enumerate(version):
                if k:
                    line.append("; ")
                if item.kind == "link":
                    line.append("→ ")
                line.append_text(self._quote(extent, room))
            line.truncate(width, overflow="ellipsis")
            lines.append(line)
        if item.resolved:
            gold = Text("    gold ", style="green")
            decided = self._gold_version(item)
            if decided:
                room = (width - len(gold.plain)) // len(decided) - (2 if len(decided) > 1 else 0)
                for k, extent in enumerate(decided):
                    if k:
                        gold.append("; ")
                    gold.append_text(self._quote(extent, room))
            else:
                gold.append("nothing (rejected)", style="italic")
            gold.truncate(width, overflow="ellipsis")
            lines.append(gold)
        return Text("\n").join(lines)

    def _list_width(self) -> int:
        width = self.listing.scrollable_content_region.width
        if width <= 0:  # not laid out yet: the stylesheet's share of the screen
            width = max(30, min(70, int(self.app.size.width * 0.42))) - 3
        return width

    def on_resize(self) -> None:
        if self.review is not None and self._list_width() != self._shown_width:
            self._show_review()

    def _gold_version(self, item: Disagreement) -> list[Extent]:
        review = self.review
        assert review is not None
        if item.kind == "link":
            return sorted(t for c, t in review.links.get(GOLD, set()) if c == item.claim)
        involved = [e for version in item.versions.values() for e in version]
        return sorted(
            Extent(s.start, s.end, s.label)
            for s in review.spans.get(GOLD, [])
            if any(s.label == e.label and s.start < e.end and e.start < s.end for e in involved)
        )

    def _marks(self) -> Iterable[Mark]:
        review = self.review
        if review is None:
            return []
        background = self.article.tint_base
        if self.view == EVERYONE:
            extents = {Extent(s.start, s.end, s.label) for name in review.annotators for s in review.spans.get(name, [])}
        else:
            extents = {Extent(s.start, s.end, s.label) for s in review.spans.get(self.view, [])}
        agreed = set(review.agreed)
        marks = []
        for extent in extents:
            container = extent.label == CLAIM
            style = mark_style(self._colour(extent.label), "container" if container else "inner", background)
            if self.view == EVERYONE and extent not in agreed:
                # disputed: italic, so agreement reads at a glance
                style = style + Style(italic=True, underline=True)
            marks.append(Mark(extent.start, extent.end, style, 1 if container else 2))
        return marks

    def _draw_marks(self) -> None:
        if self.review is not None:
            self.article.set_marks(self._marks())

    def _update_meta(self) -> None:
        review = self.review
        if review is None:
            return
        line = Text()
        for name in review.annotators:
            line.append(f"{self._number(name)} ", style="bold")
            line.append(name, style="reverse" if self.view == name else "")
            line.append("  ")
        line.append("gold", style="reverse" if self.view == GOLD else "")
        line.append(f" {len(review.spans.get(GOLD, []))}", style="dim")
        line.append(" · view ", style="dim")
        line.append(self.view)
        pending = len(review.agreed_pending) + len(review.links_pending)
        line.append(f" · {len(review.agreed)} agreed", style="dim")
        if pending:
            line.append(f", {pending} not gold (a)", style="yellow")
        if dg.auto_accept(self.store):
            line.append(" · auto-accept", style="dim")
        line.no_wrap = True
        line.overflow = "ellipsis"
        self.query_one("#doc-meta", Static).update(line)

    def _update_list_title(self) -> None:
        review = self.review
        assert review is not None
        title = Text("Disagreements ", style="bold")
        title.append(f"{len(review.unresolved)} of {len(review.disagreements)} left", style="bold")
        if self.filters != Filters():
            title.append(f" · {len(self.items)} shown · " + self.filters.describe(), style="dim")
        title.no_wrap = True
        title.overflow = "ellipsis"
        self.query_one("#claims-title", Static).update(title)

    def _update_header(self) -> None:
        left_docs = [r for r in self.reviews.values() if r.left]
        total = sum(r.left for r in left_docs)
        if self.document is None or self.document.id not in self.queue:
            where = "no document"
        else:
            where = f"document {self.queue.index(self.document.id) + 1} of {len(self.queue)}"
        here = self.review.left if self.review is not None else 0
        self.sub_title = f"{where} · {here} left here · {total} left in {len(left_docs)} documents"

    def _update_status_line(self) -> None:
        line = Text()
        review = self.review
        if self.editing is not None:
            line.append(" EDIT ", style="reverse bold")
            snapped = self.article.snapped_selection()
            if snapped and self.document is not None:
                line.append(" «" + excerpt(self.document.text[snapped[0] : snapped[1]], 40) + "»")
            line.append("  shift+arrows, W/B or the mouse adjust · enter saves · escape cancels", style="dim")
        elif review is not None and self.document is not None:
            cursor = self.article.cursor_offset
            for name in (*review.annotators, GOLD):
                here = [s for s in review.spans.get(name, []) if s.start <= cursor < s.end]
                line.append(f" {name}: " if name == GOLD else f" {self._number(name)} {name}: ", style="dim")
                if not here:
                    line.append("—", style="dim")
                for span in here:
                    line.append(span.label + " ", style=Style(color=self._colour(span.label), bold=True))
                line.append("│", style="dim")
        line.no_wrap = True
        line.overflow = "ellipsis"
        self.query_one("#status-line", Static).update(line, layout=False)

    # -- events ----------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list is self.listing and self.editing is None:
            self._focus_item(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option_list is self.listing:
            event.stop()
            self._focus_item(event.option_index)

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        self._update_status_line()

    def on_screen_resume(self) -> None:
        # back from a dialog or the annotation screen: catch up at once
        if self.is_mounted:
            self.poll()

    # -- helpers ------------------------------------------------------------------

    def _say(self, message: str | Text, severity: str = "information") -> None:
        self.notify(message.plain if isinstance(message, Text) else message, severity=severity, markup=False)  # type: ignore[arg-type]

    def _fresh_current(self) -> Disagreement | None:
        """The highlighted disagreement as the database has it now, or None
        (and a word to the reviewer) when an annotator changed it meanwhile."""
        if self.document is None:
            self._say("No document to review.", "warning")
            return None
        current = self._current()
        if current is None:
            self._say("No disagreement chosen.", "warning")
            return None
        fresh = dg.load(self.store, [self.document.id])
        self.reviews.update(fresh)
        review = fresh.get(self.document.id)
        found = review.find(current.key) if review is not None else None
        if found is None:
            self._show_review()
            self._say("That disagreement changed meanwhile: here is the list as it is now.", "warning")
        return found

    def _decide(self, how: str, **options: object) -> None:
        item = self._fresh_current()
        if item is None:
            return
        review = self.review
        assert review is not None
        try:
            dg.resolve(self.store, review, item, self.reviewer, how, **options)  # type: ignore[arg-type]
        except StoreError as error:
            self._say(str(error), "error")
            return
        self.editing = None
        self._after_decision(item)
        what = f"take {options['annotator']}" if how == "take" else how
        self._say(f"{item.kind} settled: {what}")

    def _after_decision(self, item: Disagreement) -> None:
        """Read back, then highlight the next disagreement still open."""
        assert self.document is not None
        order = [d.key for d in self.items]
        after = order[order.index(item.key) + 1 :] + order[: order.index(item.key)] if item.key in order else order
        fresh = dg.load(self.store, [self.document.id])
        if self.document.id in fresh:
            self.reviews[self.document.id] = fresh[self.document.id]
        review = self.review
        next_key = None
        if review is not None:
            open_keys = {d.key for d in review.unresolved}
            next_key = next((key for key in after if key in open_keys), None)
        self._show_review(keep=next_key or item.key)
        if review is not None and not review.left:
            self._say("Every decision here is taken: n for the next document.")

    # -- resolutions --------------------------------------------------------------

    def action_take(self, n: int) -> None:
        review = self.review
        if review is None:
            return
        if not 1 <= n <= len(review.annotators):
            self._say(f"There is no annotator {n} here (1-{len(review.annotators)}).", "warning")
            return
        self._decide("take", annotator=review.annotators[n - 1])

    def action_take_chosen(self) -> None:
        review = self.review
        current = self._current()
        if review is None or current is None:
            self._say("No disagreement chosen.", "warning")
            return
        choices: list[tuple[Text, str]] = []
        for name in review.annotators:
            prompt = Text(f"{self._number(name)} {name}  ", style="bold")
            version = dg.proposal(review, current, "take", annotator=name)
            if not version:
                prompt.append("nothing", style="italic")
            for k, extent in enumerate(version):
                if k:
                    prompt.append("; ")
                prompt.append_text(self._quote(extent, 50))
            choices.append((prompt, name))

        def chosen(name: str | None) -> None:
            if name is not None:
                self._decide("take", annotator=name)

        self.app.push_screen(ChoiceDialog("Take whose version?", choices), chosen)

    def action_union(self) -> None:
        self._decide("union")

    def action_intersection(self) -> None:
        self._decide("intersection")

    def action_reject(self) -> None:
        self._decide("reject")

    def action_edit(self) -> None:
        current = self._current()
        if current is None:
            self._say("No disagreement chosen.", "warning")
            return
        if current.kind == "link":
            self._say("A link disagreement has no extent to edit: take a version, u, i or x.", "warning")
            return
        self.editing = current
        self.article.select_range(current.start, current.end, center=True)
        self.article.focus()
        self._update_status_line()

    def action_confirm_edit(self) -> None:
        if self.editing is None:
            return
        extent = self.article.snapped_selection()
        if extent is None:
            self._say("Select the extent first (shift+arrows, W/B or the mouse).", "warning")
            return
        labels = self.editing.labels
        if len(labels) == 1:
            self._decide("edit", extent=extent, label=labels[0])
            return

        def chosen(label: str | None) -> None:
            if label is not None:
                self._decide("edit", extent=extent, label=label)

        prompts = [(Text(name, style=Style(color=self._colour(name), bold=True)), name) for name in labels]
        self.app.push_screen(ChoiceDialog("Which label does the edited span get?", prompts), chosen)

    def action_escape(self) -> None:
        if self.editing is not None:
            self.editing = None
            self._focus_item(self.listing.highlighted)
            self.listing.focus()
            self._say("Edit cancelled: nothing changed.")
            return
        if len(self.app.screen_stack) > 1:
            self.dismiss(None)

    def action_accept_agreed(self) -> None:
        review = self.review
        if review is None:
            return
        spans, links = len(review.agreed_pending), len(review.links_pending)
        if dg.accept_agreed(self.store, review, self.reviewer) is None:
            self._say("Every agreed span here is already gold.")
            return
        self._reload_current()
        done = f"{spans} agreed span{'s' if spans != 1 else ''}"
        if links:
            done += f" and {links} link{'s' if links != 1 else ''}"
        self._say(f"{done} accepted into gold")

    def action_toggle_auto(self) -> None:
        on = not dg.auto_accept(self.store)
        dg.set_auto_accept(self.store, on)
        if on:
            self._auto_accept()
            self._show_review()
        else:
            self._update_meta()
        self._say("Agreed spans now go to gold by themselves." if on else "Agreed spans wait for a (auto-accept off).")

    def action_undo(self) -> None:
        if self.document is None:
            return
        action = self.store.undo_gold(self.document.id, self.reviewer)
        if action is None:
            self._say("None of your decisions in this document is left to undo.")
            return
        self._reload_current()
        self._say(f"undid {action.payload.get('resolution', 'a decision').replace('_', ' ')}")

    def action_redo(self) -> None:
        self._say("Decisions cannot be redone: take the decision again.")

    def action_remove_span(self) -> None:
        self._say("Spans are not removed here: x rejects a disagreement.", "warning")

    # -- moving -----------------------------------------------------------------

    def action_move(self, step: int) -> None:
        if not self.items:
            return
        index = self.listing.highlighted
        index = 0 if index is None else max(0, min(len(self.items) - 1, index + step))
        self.listing.highlighted = index

    def action_document(self, step: int) -> None:
        if not self.queue:
            return
        if self.document is None or self.document.id not in self.queue:
            self.open_document(self.queue[0])
            return
        index = self.queue.index(self.document.id) + step
        if not 0 <= index < len(self.queue):
            self._say("This is the last document." if step > 0 else "This is the first document.")
            return
        self.open_document(self.queue[index])
        self._requeue()
        self._update_header()

    def action_go_to(self) -> None:
        if not self.queue:
            return
        choices = []
        infos = {info.id: info for info in self.store.documents()}
        for n, document_id in enumerate(self.queue, 1):
            review = self.reviews[document_id]
            prompt = Text(f"{n:>3}. ", style="dim")
            prompt.append(f"{review.left:>3} left ", style="yellow" if review.left else "green")
            prompt.append(f"{review.severity:>4.0%} ", style="dim")
            info = infos[document_id]
            prompt.append(excerpt(info.title or info.key, 60))
            choices.append((prompt, document_id))

        def chosen(document_id: int | None) -> None:
            if document_id is not None:
                self.open_document(document_id)
                self._update_header()

        self.app.push_screen(ChoiceDialog("Go to which document? (left to decide, share in disagreement)", choices), chosen)

    def action_cycle_view(self) -> None:
        review = self.review
        if review is None:
            return
        views = [EVERYONE, *review.annotators, GOLD]
        self.view = views[(views.index(self.view) + 1) % len(views)] if self.view in views else EVERYONE
        self._draw_marks()
        self._update_meta()

    def _set_filters(self, filters: Filters) -> None:
        self.filters = filters
        dg.save_filters(self.store, self.reviewer, filters)
        self._requeue()
        if self.document is not None and self.document.id in self.queue:
            self._show_review()
        elif self.queue:
            self.open_document(self.queue[0])
        else:
            self._show_empty()
        self._say(f"filters: {filters.describe()}")

    def _cycle(self, options: list[str | None], current: str | None) -> str | None:
        return options[(options.index(current) + 1) % len(options)] if current in options else options[0]

    def action_cycle_label(self) -> None:
        label = self._cycle([None, *self.labels], self.filters.label)
        self._set_filters(Filters(label, self.filters.annotator, self.filters.unresolved))

    def action_cycle_annotator(self) -> None:
        names = sorted({name for review in self.reviews.values() for name in review.annotators})
        annotator = self._cycle([None, *names], self.filters.annotator)
        self._set_filters(Filters(self.filters.label, annotator, self.filters.unresolved))

    def action_toggle_unresolved(self) -> None:
        self._set_filters(Filters(self.filters.label, self.filters.annotator, not self.filters.unresolved))

    def action_reload(self) -> None:
        self.reload(quiet=True)
        self._say("Reloaded.")

    def action_help(self) -> None:
        self.app.push_screen(ReviewHelp())

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette."""
        commands = [
            (f"review: {key.description.split(':')[0].lower()}", key.description, key.action)
            for key in REVIEW_KEYS
            if key.action and key.action != "app.quit"
        ]
        review = self.review
        if review is not None:
            commands += [
                (f"review: take {name}'s version", f"Take {name}'s version of the highlighted disagreement", f"take({n})")
                for n, name in enumerate(review.annotators, 1)
            ]
        return commands


def help_table() -> Table:
    table = Table(show_header=False, box=None, expand=True, padding=(0, 1))
    table.add_column("keys", style="bold", no_wrap=True, width=10)
    table.add_column("what", ratio=1)
    for key in REVIEW_KEYS:
        table.add_row(Text(key.shown), Text(key.description))
    return table


class ReviewHelp(ModalScreen[None]):
    """Every key of the review screen."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="help"):
            yield Label(Text("Review keys  (escape closes; every action is also in ctrl+p)"), classes="dialog-title")
            yield Static(help_table())
            yield Label(
                Text(
                    "Kinds: missing (some annotators have it, some not) · boundary (same label, different extent)"
                    " · label (same text, different labels) · link (a claim linked differently).",
                    style="dim",
                )
            )

    def action_close(self) -> None:
        self.dismiss(None)


__all__ = ["ReviewScreen", "ReviewHelp", "REVIEW_KEYS"]
