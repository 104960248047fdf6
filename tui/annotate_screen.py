"""The annotation screen: the article beside its claim list.

Every change goes through the store first and is drawn after the store
returns, so what the screen shows is always already committed. Only the
annotator's own layer is shown and edited here.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static, TextArea

from annotations.model import Action, Document, DocumentInfo, Span, Status, Suggestion
from annotations.ordering import CORPUS, ORDERS, ordered
from annotations.store import Store, StoreError
from tui.article import ArticleView, Mark, article_column, mark_style
from tui.claim_list import ClaimList
from tui.compositor import CroppingCompositor, fits_textual
from tui.describe import describe_norm, excerpt, span_line, status_text
from tui.keys import KEYS, PALETTE_EXTRA, bound_keys, screen_bindings
from tui.layer import CLAIM, ClaimGroup, Layer

if TYPE_CHECKING:
    from tui.dialogs import NormEdit

T = TypeVar("T")

THRESHOLD_STEPS = 10
"""The score threshold moves by tenths, from 0 (every suggestion) to 0.9."""

CLAIMS_WIDTH = (24, 38, 120)
"""The claim list's narrowest, usual and widest width in columns."""

NO_DOCUMENTS = (
    "There are no documents in this database yet.\n\n"
    "Import some, then start Redline again:\n\n"
    "    redline import PATH --db FILE\n\n"
    "(make run imports the sample corpus.)"
)


class AnnotateScreen(Screen[None]):
    """Read, select, tag; one annotator's layer of one document at a time."""

    BINDINGS = screen_bindings()
    AUTO_FOCUS = "#article"

    def __init__(self, store: Store, annotator: str, order: str | None = None) -> None:
        super().__init__()
        if fits_textual():
            # a key redraws a few rows: render only those (see tui.compositor)
            self._compositor = CroppingCompositor()
        self.store = store
        self.annotator = annotator
        self.labels = {label.name: label for label in store.labels()}
        self.documents: list[DocumentInfo] = []
        """In the chosen order (``annotations.ordering``)."""
        self._order_asked = order
        self.order = CORPUS
        self.threshold = 0
        """Suggestions scored under ``threshold / THRESHOLD_STEPS`` are hidden (those without a score never)."""
        self.hidden = 0
        """How many open suggestions of this document the threshold hides."""
        self.statuses: dict[int, Status] = {}
        self.index = 0
        self.document: Document | None = None
        self.annotations: Layer | None = None
        self._claim_numbers: dict[int, int] = {}
        self.label_keys: dict[str, str] = {}
        """Label name -> the key that tags with it (clashing keys left out)."""
        self._clashes: list[str] = []
        self._shown_texts: dict[str, tuple] = {}
        """What each ``Static`` updated through ``_show_text`` shows."""
        self._note: tuple[int, Text] | None = None
        """What undo or redo just did, shown on the status line while the
        cursor stays where it put it (the offset)."""
        self._bind_label_keys()

    # -- building -----------------------------------------------------------

    def _bind_label_keys(self) -> None:
        """Label keys come from the database: bind them first, so the footer
        starts with them."""
        taken = bound_keys()
        bindings: list[Binding] = []
        for label in self.labels.values():
            if not label.key:
                continue
            key = next(iter(Binding.make_bindings([Binding(label.key, "x")]))).key
            if key in taken:
                self._clashes.append(f"label {label.name!r}: key {label.key!r} is already taken")
                continue
            taken.add(key)
            self.label_keys[label.name] = label.key
            bindings.append(
                Binding(
                    key,
                    f"tag('{label.name}')",
                    label.name,
                    id=f"redline.tag.{label.name}",
                    key_display=label.key,
                    # a character no widget here takes: straight to the
                    # action (see tui.keys.PRIORITY); a named key (an arrow,
                    # a page key) is left to the focused widget first
                    priority=len(key) == 1,
                )
            )
        self._bindings = BindingsMap.merge([BindingsMap(bindings), self._bindings])

    def compose(self) -> ComposeResult:
        yield Header(icon="▌")
        with Horizontal(id="body"):
            yield from article_column()
            with Vertical(id="claims-column"):
                yield Static(id="claims-title")
                yield ClaimList(id="claims")
        yield Footer(compact=True)

    @property
    def article(self) -> ArticleView:
        return self.query_one("#article", ArticleView)

    @property
    def claims(self) -> ClaimList:
        return self.query_one("#claims", ClaimList)

    def on_mount(self) -> None:
        self.title = f"Redline · {self.annotator}"
        width = self._setting_int("claims_width", 0)
        self._apply_claims_layout(width or None, self._setting("claims_hidden") != "1")
        saved_order = self._setting("order")
        self.order = self._order_asked or (saved_order if saved_order in ORDERS else CORPUS)
        if self._order_asked:
            self._save_setting("order", self.order)
        self.threshold = min(self._setting_int("threshold", 0), THRESHOLD_STEPS - 1)
        self.documents = self._ordered(self.order)
        self.statuses = self.store.statuses(self.annotator)
        for clash in self._clashes:
            self.notify(f"{clash}; tag with it from the command palette (ctrl+p)", severity="warning", markup=False)
        # the tints of claims blend with the background: draw them again once
        # the new theme's styles are in place
        self.watch(self.app, "theme", lambda: self.call_after_refresh(self._draw), init=False)
        if not self.documents:
            self.article.load(NO_DOCUMENTS, [])
            self.query_one("#doc-title", Static).update(Text("No documents", style="bold"))
            self._update_header()
            return
        self.open_index(self._start_index())
        self.call_after_refresh(self._load_normaliser)

    def _ordered(self, order: str) -> list[DocumentInfo]:
        documents = self.store.documents()
        return ordered(documents, order, self.store.uncertainty() if order != CORPUS else {})

    def _load_normaliser(self) -> None:
        """Tagging a figure or a date normalises its value, and loading the
        normaliser takes some 15 ms: load it just after the first frame,
        while the annotator reads, rather than inside their first tag."""
        import annotations.normalise  # noqa: F401

    def _start_index(self) -> int:
        """Where the annotator left off; else the first document not finished."""
        last = self.store.last_document(self.annotator)
        ids = [doc.id for doc in self.documents]
        if last in ids:
            return ids.index(last)
        for i, doc in enumerate(self.documents):
            if self._status(doc.id) in ("todo", "in_progress"):
                return i
        return 0

    # -- settings of the layout ---------------------------------------------

    def _setting(self, name: str) -> str | None:
        return self.store.setting(f"tui.{name}:{self.annotator}")

    def _setting_int(self, name: str, default: int) -> int:
        value = self._setting(name)
        return int(value) if value and value.isdigit() else default

    def _save_setting(self, name: str, value: str) -> None:
        self.store.set_setting(f"tui.{name}:{self.annotator}", value)

    def _apply_claims_layout(self, width: int | None, visible: bool) -> None:
        """Show or hide the claim list; a width in columns once the annotator
        has chosen one, else the stylesheet's share of the screen."""
        column = self.query_one("#claims-column")
        if width is not None:
            column.styles.width = max(CLAIMS_WIDTH[0], min(width, CLAIMS_WIDTH[2]))
            column.styles.max_width = CLAIMS_WIDTH[2]
        column.display = visible

    # -- documents ----------------------------------------------------------

    def _status(self, document_id: int) -> str:
        status = self.statuses.get(document_id)
        return status.status if status else "todo"

    def open_index(self, index: int) -> None:
        self.index = index
        self._note = None
        info = self.documents[index]
        # what was set aside while the previous article was open may be
        # collected again (see _draw)
        gc.unfreeze()
        self.document = self.store.document(info.id)
        self.article.load(self.document.text, self.document.tokens)
        self.store.remember_document(self.annotator, info.id)
        self.query_one("#doc-title", Static).update(Text(excerpt(self.document.title or self.document.key, 300), style="bold"))
        self.refresh_layer()
        self._update_meta()
        self._update_header()
        self.claims.scroll_home(animate=False)

    def _update_header(self) -> None:
        done = sum(1 for status in self.statuses.values() if status.status == "done")
        if self.documents:
            self.sub_title = f"document {self.index + 1} of {len(self.documents)} · {done} done"
            if self.order != CORPUS:
                self.sub_title += f" · {self.order} first"
        else:
            self.sub_title = "no documents"

    def _update_meta(self) -> None:
        if self.document is None:
            return
        meta = self.document.meta
        status = self.statuses.get(self.document.id)
        line = status_text(status.status if status else "todo")
        if status and status.note:
            line.append(": ")
            line.append(excerpt(status.note, 60), style="italic")
        for value in (meta.get("outlet"), meta.get("published")):
            if value:
                line.append(" · ", style="dim")
                line.append(excerpt(str(value), 40), style="italic")
        line.append(" · ", style="dim")
        line.append(self.document.key, style="dim")
        line.no_wrap = True
        line.overflow = "ellipsis"
        self.query_one("#doc-meta", Static).update(line, layout=False)

    # -- drawing the layer --------------------------------------------------

    def refresh_layer(self, changed: Iterable[int] | None = None, note: Text | None = None) -> None:
        """Read this document's layer back from the store and draw it.

        ``changed``: the ids of the only spans an action added, removed or
        edited; those are read again and put in (or taken out of) the layer
        drawn, and only what they touch is drawn again: reading and drawing
        a long article's whole layer on every key costs too much. The open
        suggestions and the links are always read again (one query each).
        ``note``: what the status line tells while the cursor stays where it
        is (news of an undo); any other change makes the last news old.
        """
        if self.document is None:
            return
        self._note = None if note is None else (self.article.cursor_offset, note)
        doc_id = self.document.id
        suggestions = self._shown_suggestions(self.store.suggestions(doc_id, self.annotator))
        links = self.store.links(doc_id, self.annotator)
        layer = self.annotations
        if changed is None or layer is None or layer.lines is not self.article.lines:
            spans = self.store.spans(doc_id, self.annotator)
            self.annotations = Layer(self.article.lines, spans, suggestions, links)
            self._draw()
            return
        rows: set[int] = set()
        touched = _Touched()
        for span_id in changed:
            span = self.store.span(span_id)
            if span is not None and (span.annotator != self.annotator or span.document_id != doc_id):
                span = None
            old = layer.by_id.get(span_id)
            if old == span:
                continue
            if old is not None:
                touched.span(layer, old)
                layer.remove(span_id)
                rows.update(layer.rows_of(old))
            if span is not None:
                layer.add(span)
                touched.span(layer, span)
                rows.update(layer.rows_of(span))
        rows |= layer.set_suggestions(suggestions)
        for claim_id, target_id in layer.set_links(links):
            touched.claims.add(claim_id)
            touched.spans.add(target_id)
        self._draw(rows, touched)

    def _shown_suggestions(self, suggestions: list[Suggestion]) -> list[Suggestion]:
        """The suggestions the threshold leaves shown; counts the others in ``hidden``."""
        if not self.threshold:
            self.hidden = 0
            return suggestions
        floor = self.threshold / THRESHOLD_STEPS
        shown = [s for s in suggestions if s.score is None or s.score >= floor - 1e-9]
        self.hidden = len(suggestions) - len(shown)
        return shown

    def _draw(self, rows: Iterable[int] | None = None, touched: _Touched | None = None) -> None:
        """Draw the layer: the marks of every line, or only of ``rows`` (the
        lines a change touched), then the claim list (only what ``touched``
        names, when given) and the status line."""
        if self.annotations is None or self.document is None:
            return
        # A long article and the drawing caches are hundreds of thousands of
        # objects; left to the garbage collector, every full collection walks
        # them all and a key press now and then takes 50-100 ms. Set what
        # exists now aside (O(1)); the next article's unfreeze hands it back.
        gc.freeze()
        layer = self.annotations
        if rows is None:
            self.article.set_marks(self._marks(layer.suggestions, layer.spans))
        else:
            self.article.update_marks({row: self._marks(*layer.on_row(row)) for row in rows})
        claims = layer.claims()
        self._claim_numbers = {claim.id: n for n, claim in enumerate(claims, 1)}
        if self.query_one("#claims-column").display:

            def suggested() -> bool:
                return any(s.label == CLAIM for s in layer.suggestions)

            if touched is None or touched.claim_spans or not self.claims.show_some(
                touched.claim_groups(layer, self._claim_numbers), touched.outside(layer), layer.claim_groups, suggested
            ):
                groups, outside = layer.claim_groups()
                self.claims.show(groups, outside, self.document.text, self.labels, self.label_keys.get(CLAIM), suggested())
        title = Text("Claims ", style="bold")
        title.append(f"{len(claims)}", style="bold")
        open_count = len(layer.suggestions)
        if open_count:
            title.append(f" · {open_count} suggestion{'s' if open_count != 1 else ''} open", style="dim")
        if self.threshold:
            title.append(f" · {self.hidden} under {self.threshold / THRESHOLD_STEPS:.1f} hidden", style="dim")
        self._show_text("#claims-title", title)
        self._update_status_line()

    def _show_text(self, selector: str, text: Text) -> None:
        """Put ``text`` in a ``Static`` unless it shows that already: each
        update redraws the widget, and a frame costs more the further apart
        the things it redraws are."""
        shown = (text.plain, text.spans, text.style, text.no_wrap, text.overflow)
        if self._shown_texts.get(selector) != shown:
            self._shown_texts[selector] = shown
            self.query_one(selector, Static).update(text, layout=False)

    def _colour(self, label: str) -> str:
        found = self.labels.get(label)
        return found.colour if found else "white"

    def _marks(self, suggestions: Iterable[Suggestion], spans: Iterable[Span]) -> Iterable[Mark]:
        background = self.article.tint_base
        styles: dict[tuple[str, str], Style] = {}

        def style(label: str, kind: str) -> Style:
            if (label, kind) not in styles:
                if kind == "suggestion" and label == CLAIM:
                    styles[label, kind] = Style(italic=True)
                else:
                    styles[label, kind] = mark_style(self._colour(label), kind, background)  # type: ignore[arg-type]
            return styles[label, kind]

        for suggestion in suggestions:
            yield Mark(suggestion.start, suggestion.end, style(suggestion.label, "suggestion"), 0)
        for span in spans:
            container = span.label == CLAIM
            yield Mark(span.start, span.end, style(span.label, "container" if container else "inner"), 1 if container else 2)

    def _update_status_line(self) -> None:
        line = Text()
        article = self.article
        line.append(" CHAR " if article.char_mode else " WORD ", style="reverse bold")
        if self._note is not None:
            if self._note[0] == article.cursor_offset and article.selection.is_empty:
                line.append(" ")
                line.append_text(self._note[1])
            else:
                self._note = None  # the cursor moved on: the news is old
        if self.annotations is None or self.document is None:
            self._show_text("#status-line", line)
            return
        text = self.document.text
        start, end = article.selection_range
        if end > start:
            snapped = article.snapped_selection()
            line.append(" selected ", style="dim")
            if snapped is None:
                line.append("only spaces", style="italic")
            else:
                line.append("«" + excerpt(text[snapped[0] : snapped[1]], 40) + "»")
        cursor = article.cursor_offset
        for span in self.annotations.spans_at(cursor):
            line.append(" │ ", style="dim")
            line.append_text(span_line(span.label, self._colour(span.label), text[span.start : span.end], span.norm, limit=30))
        suggestions = self.annotations.suggestions_at(cursor)
        for suggestion in suggestions:
            line.append(" │ suggested ", style="dim italic")
            line.append_text(
                span_line(suggestion.label, self._colour(suggestion.label), text[suggestion.start : suggestion.end], suggestion.norm, limit=30)
            )
            line.append(" a/r", style="dim")
        if end == start and self._note is None and not suggestions and not self.annotations.spans_at(cursor):
            line.append("  select with shift+arrows, W or the mouse, then a label key tags it · ? every key", style="dim")
        line.no_wrap = True
        line.overflow = "ellipsis"
        self._show_text("#status-line", line)

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        self._update_status_line()

    # -- what the cursor is on ----------------------------------------------

    def _spans_here(self) -> list[Span]:
        """Spans under the cursor, or those the selection overlaps (the one it
        matches exactly, when there is one)."""
        assert self.annotations is not None
        start, end = self.article.selection_range
        if start == end:
            return self.annotations.spans_at(start)
        found = self.annotations.spans_over(start, end)
        snapped = self.article.snapped_selection()
        exact = [span for span in found if (span.start, span.end) == snapped]
        return exact or found

    def _suggestions_here(self) -> list[Suggestion]:
        assert self.annotations is not None
        start, end = self.article.selection_range
        if start == end:
            return self.annotations.suggestions_at(start)
        found = self.annotations.suggestions_over(start, end)
        snapped = self.article.snapped_selection()
        exact = [s for s in found if (s.start, s.end) == snapped]
        return exact or found

    def _describe(self, item: Span | Suggestion) -> Text:
        assert self.document is not None
        text = self.document.text[item.start : item.end]
        return span_line(item.label, self._colour(item.label), text, item.norm, limit=50)

    def _choose(self, title: str, items: Sequence[T], prompt: Callable[[T], Text], then: Callable[[T], None]) -> None:
        """Act on the only item, or ask which one."""
        if len(items) == 1:
            then(items[0])
            return

        def chosen(item: T | None) -> None:
            if item is not None:
                then(item)

        from tui.dialogs import ChoiceDialog  # the dialogs load when first used: a faster start

        self.app.push_screen(ChoiceDialog(title, [(prompt(item), item) for item in items]), chosen)

    def _ready(self) -> bool:
        if self.document is None or self.annotations is None:
            self.notify("No document is open.", severity="warning", markup=False)
            return False
        return True

    def _say(self, message: str | Text, severity: str = "information") -> None:
        self.notify(message.plain if isinstance(message, Text) else message, severity=severity, markup=False)  # type: ignore[arg-type]

    def _started(self) -> None:
        """The first tag in a document moves it from todo to in progress."""
        assert self.document is not None
        if self._status(self.document.id) == "todo":
            self.statuses[self.document.id] = self.store.set_status(self.document.id, self.annotator, "in_progress")
            self._update_meta()

    # -- tagging ------------------------------------------------------------

    def action_tag(self, label: str) -> None:
        if not self._ready():
            return
        assert self.document is not None and self.annotations is not None
        selected = self.article.snapped_selection()
        if selected is None:
            hint = "select some text" if self.article.char_mode else "select some text or put the cursor on a word"
            self._say(f"Nothing to tag: {hint}.", "warning")
            return
        start, end = selected
        if self.annotations.find(label, start, end) is not None:
            self._say(f"Already tagged {label}: nothing changed.")
            return
        norm = self._normalise(label, self.document.text[start:end])
        span = self.store.add_span(self.document.id, self.annotator, label, start, end, origin="manual", norm=norm)
        if span is None:
            self._say(f"Already tagged {label}: nothing changed.")
            return
        self._started()
        # the cursor goes to the start of the new span; the status line is
        # drawn once, with the layer
        self.article.move_to(start, quiet=True)
        self.refresh_layer([span.id])

    def _normalise(self, label: str, text: str) -> dict[str, Any] | None:
        from annotations.normalise import normalise_span

        assert self.document is not None
        published = self.document.meta.get("published")
        return normalise_span(label, text, str(published) if published else None)

    def action_remove_span(self) -> None:
        if not self._ready():
            return
        assert self.annotations is not None
        if self.claims.has_focus:
            # in the claim list, x removes the claim chosen there
            claim = self.annotations.by_id.get(self.claims.highlighted_claim or -1)
            if claim is not None:
                self._remove(claim)
            return
        spans = self._spans_here()
        if not spans:
            if self._suggestions_here():
                self._say("That is a suggestion, not a span: r rejects it.", "warning")
            else:
                self._say("No span under the cursor.", "warning")
            return
        self._choose("Remove which span?", spans, self._describe, self._remove)

    def _remove(self, span: Span) -> None:
        assert self.document is not None
        removed = self.store.remove_span(span.id, self.annotator)
        self.refresh_layer([span.id])
        if removed is not None:
            self._say(Text("removed ") + self._describe(removed))

    def action_undo(self) -> None:
        if not self._ready():
            return
        assert self.document is not None
        action = self.store.undo(self.document.id, self.annotator)
        if action is None:
            self._say("Nothing to undo in this document.")
            return
        self._show_action(action, "undid")

    def action_redo(self) -> None:
        if not self._ready():
            return
        assert self.document is not None
        action = self.store.redo(self.document.id, self.annotator)
        if action is None:
            self._say("Nothing to redo.")
            return
        self._show_action(action, "redid")

    def _show_action(self, action: Action, verb: str) -> None:
        """Draw what undoing or redoing ``action`` changed, put the cursor on
        it and tell what it was. The message goes on the status line rather
        than in a toast: undo is pressed many times in a row, and each toast
        is a new widget that makes the whole screen lay out again."""
        assert self.document is not None
        what = {
            "add_span": "tagging",
            "remove_span": "removing",
            "add_link": "linking",
            "remove_link": "unlinking",
            "set_norm": "editing the value of",
            "reject_suggestion": "rejecting",
        }.get(action.kind, action.kind)
        payload = action.payload
        if "span" in payload:
            span = payload["span"]
            text = self.document.text[span["start"] : span["end"]]
            message = f"{verb} {what} {span['label']} «{excerpt(text, 40)}»"
            self.article.move_to(span["start"], quiet=True)
        elif action.kind == "reject_suggestion":
            text = self.document.text[payload["start"] : payload["end"]]
            message = f"{verb} {what} {payload['label']} «{excerpt(text, 40)}»"
            self.article.move_to(payload["start"], quiet=True)
        else:
            message = f"{verb} {what}"
        self.refresh_layer(_spans_changed_by(action), note=Text(message, style="italic"))

    def action_toggle_char_mode(self) -> None:
        self.article.char_mode = not self.article.char_mode
        mode = "character" if self.article.char_mode else "word"
        self._say(f"Selection mode: {mode} (c switches).")
        self._update_status_line()

    # -- values -------------------------------------------------------------

    def action_edit_norm(self) -> None:
        if not self._ready():
            return
        from tui.dialogs import FIELDS

        spans = [span for span in self._spans_here() if span.label in FIELDS or span.norm]
        if not spans:
            self._say("Put the cursor on a figure or date span to edit its value.", "warning")
            return
        self._choose("Edit the value of which span?", spans, self._describe, self._edit_norm)

    def _edit_norm(self, span: Span) -> None:
        assert self.document is not None
        title = Text(f"Value of {span.label} ") + Text("«" + excerpt(self.document.text[span.start : span.end], 50) + "»")

        def save(result: NormEdit | None) -> None:
            if result is None:
                return
            updated = self.store.set_norm(span.id, self.annotator, result.norm)
            self.refresh_layer([span.id])
            if updated is not None:
                self._say(f"{span.label} value: {describe_norm(updated.norm) or 'none'}")

        from tui.dialogs import FIELDS, NormDialog

        self.app.push_screen(NormDialog(title.plain, FIELDS.get(span.label, ()), span.norm), save)

    # -- links --------------------------------------------------------------

    def action_link(self) -> None:
        if not self._ready():
            return
        assert self.annotations is not None
        if not self.query_one("#claims-column").display:
            self._say("Show the claim list (ctrl+b) and choose the claim to link to.", "warning")
            return
        claim_id = self.claims.highlighted_claim
        if claim_id is None or claim_id not in self.annotations.by_id:
            self._say("Choose a claim in the claim list first (tab, then ↑ ↓).", "warning")
            return
        targets = [span for span in self._spans_here() if span.label != CLAIM]
        if not targets:
            self._say("Put the cursor on a source, figure or date span to link it.", "warning")
            return
        self._choose("Link which span?", targets, self._describe, lambda target: self._toggle_link(claim_id, target))

    def _toggle_link(self, claim_id: int, target: Span) -> None:
        assert self.annotations is not None
        number = self._claim_numbers.get(claim_id, "?")
        try:
            if self.annotations.is_linked(claim_id, target.id):
                self.store.remove_link(claim_id, target.id, self.annotator)
                verb = "unlinked"
            else:
                self.store.add_link(claim_id, target.id, self.annotator)
                verb = "linked"
        except StoreError as error:
            self._say(str(error), "error")
            return
        self.refresh_layer([])  # only the links change
        self._say(Text(f"claim {number} {verb} ") + self._describe(target))

    def on_claim_list_chosen(self, event: ClaimList.Chosen) -> None:
        assert self.annotations is not None
        claim = self.annotations.by_id.get(event.claim_id)
        if claim is not None:
            self.article.select_range(claim.start, claim.end, center=True)
            self.article.focus()

    # -- suggestions --------------------------------------------------------

    def action_accept(self) -> None:
        self._choose_suggestion("Accept which suggestion?", self._accept)

    def _choose_suggestion(self, prompt: str, then: Callable[[Suggestion], None]) -> None:
        """Do ``then`` with the suggestion under the cursor (asking which, when several)."""
        if not self._ready():
            return
        found = self._suggestions_here()
        if not found:
            self._say("No suggestion under the cursor.", "warning")
            return
        self._choose(prompt, found, self._describe, then)

    def _accept(self, suggestion: Suggestion) -> None:
        assert self.document is not None
        accepted = self.store.accept_suggestion(suggestion, self.annotator)
        self._started()
        self.refresh_layer([] if accepted is None else [accepted.id])
        self._say(Text("accepted ") + self._describe(suggestion))

    def action_reject(self) -> None:
        self._choose_suggestion("Reject which suggestion?", self._reject)

    def _reject(self, suggestion: Suggestion) -> None:
        self.store.reject_suggestion(suggestion, self.annotator)
        self.refresh_layer([])  # only the suggestions change
        self._say(Text("rejected ") + self._describe(suggestion))

    def action_raise_threshold(self) -> None:
        self._set_threshold(self.threshold + 1)

    def action_lower_threshold(self) -> None:
        self._set_threshold(self.threshold - 1)

    def _set_threshold(self, value: int) -> None:
        value = max(0, min(value, THRESHOLD_STEPS - 1))
        if value == self.threshold:
            self._say("Every suggestion is shown (- lowers the threshold to 0)." if not value
                      else f"The threshold is at its highest, {value / THRESHOLD_STEPS:.1f}.")
            return
        self.threshold = value
        self._save_setting("threshold", str(value))
        self.refresh_layer([])  # only the suggestions change
        if value:
            self._say(f"Suggestions scored under {value / THRESHOLD_STEPS:.1f} hidden: {self.hidden} here (+ and - change it).")
        else:
            self._say("Every suggestion shown (+ hides those scored under a threshold).")

    def action_accept_all(self) -> None:
        if not self._ready():
            return
        assert self.annotations is not None
        counts: dict[str, int] = {}
        for suggestion in self.annotations.suggestions:
            counts[suggestion.label] = counts.get(suggestion.label, 0) + 1
        if not counts:
            self._say("No open suggestions in this document.")
            return
        ordered = [name for name in self.labels if name in counts] + [n for n in counts if n not in self.labels]

        def prompt(name: str) -> Text:
            line = Text(name, style=Style(color=self._colour(name), bold=True))
            line.append(f"  {counts[name]} open")
            return line

        self._choose("Accept every open suggestion of which label?", ordered, prompt, self._accept_all)

    def _accept_all(self, label: str) -> None:
        assert self.document is not None and self.annotations is not None
        chosen = [s for s in self.annotations.suggestions if s.label == label]
        with self.store.transaction():
            accepted = sum(self.store.accept_suggestion(s, self.annotator) is not None for s in chosen)
        self._started()
        self.refresh_layer()
        self._say(f"accepted {accepted} {label} suggestions (u undoes them one at a time)")

    # -- status and moving through the corpus -------------------------------

    def _set_status(self, status: str, note: str = "") -> None:
        assert self.document is not None
        self.statuses[self.document.id] = self.store.set_status(self.document.id, self.annotator, status, note)
        self._update_meta()
        self._update_header()
        word = status.replace("_", " ")
        if self.index + 1 < len(self.documents):
            self.open_index(self.index + 1)
            self._say(f"Marked {word}; here is the next document.")
        else:
            self._say(f"Marked {word}. That was the last document (g lists them all).")

    def action_mark_done(self) -> None:
        if self._ready():
            self._set_status("done")

    def action_skip(self) -> None:
        if self._ready():
            self._set_status("skipped")

    def action_flag(self) -> None:
        if not self._ready():
            return
        assert self.document is not None
        current = self.statuses.get(self.document.id)
        note = current.note if current and current.status == "flagged" else ""

        def flagged(result: str | None) -> None:
            if result is not None:
                self._set_status("flagged", result)

        from tui.dialogs import NoteDialog

        self.app.push_screen(NoteDialog("Flag this document: what is wrong with it?", "a note for the team", note), flagged)

    def action_next_document(self) -> None:
        if not self.documents:
            return
        if self.index + 1 >= len(self.documents):
            self._say("This is the last document.")
            return
        self.open_index(self.index + 1)

    def action_previous_document(self) -> None:
        if not self.documents:
            return
        if self.index == 0:
            self._say("This is the first document.")
            return
        self.open_index(self.index - 1)

    def action_go_to(self) -> None:
        if not self.documents:
            return
        current = self.document.id if self.document else None

        from tui.document_list import Chosen, DocumentList  # loaded when first used: a faster start

        def go(chosen: Chosen | None) -> None:
            if chosen is None:
                return
            if chosen.order != self.order:
                self.order = chosen.order
                self._save_setting("order", chosen.order)
                self.documents = self._ordered(chosen.order)
            ids = [doc.id for doc in self.documents]
            self.open_index(ids.index(chosen.document_id))

        self.app.push_screen(
            DocumentList(self.store.documents(), self.statuses, current, self.order, self.store.uncertainty()), go
        )

    # -- layout and the rest ------------------------------------------------

    def action_toggle_claims(self) -> None:
        column = self.query_one("#claims-column")
        column.display = not column.display
        self._save_setting("claims_hidden", "0" if column.display else "1")
        if column.display:
            self._draw()  # the list is not kept up to date while hidden
        elif self.claims.has_focus:
            self.article.focus()

    def _resize_claims(self, step: int) -> None:
        column = self.query_one("#claims-column")
        if not column.display:
            column.display = True
            self._draw()
        width = column.region.width or CLAIMS_WIDTH[1]
        limit = min(CLAIMS_WIDTH[2], max(CLAIMS_WIDTH[0], self.size.width - 30))
        new = int(max(CLAIMS_WIDTH[0], min(width + step, limit)))
        self._apply_claims_layout(new, True)
        self._save_setting("claims_width", str(new))
        self._save_setting("claims_hidden", "0")

    def action_claims_narrower(self) -> None:
        self._resize_claims(-4)

    def action_claims_wider(self) -> None:
        self._resize_claims(4)

    def action_help(self) -> None:
        from tui.help_screen import HelpScreen

        self.app.push_screen(HelpScreen(list(self.labels.values())))

    def action_review(self) -> None:
        from tui.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.store, self.annotator))

    def palette_commands(self) -> list[tuple[str, str, str]]:
        """(title, help, action) for the command palette."""
        commands = [
            (f"tag: {name}", f"Tag the selection (or the word at the cursor) as {name} (key {key})", f"tag('{name}')")
            for name, key in self.label_keys.items()
        ]
        commands += [
            (f"tag: {label.name}", f"Tag the selection as {label.name}", f"tag('{label.name}')")
            for label in self.labels.values()
            if label.name not in self.label_keys
        ]
        for key in KEYS:
            if key.action is not None:
                action = "app.quit" if key.action == "quit" else key.action
                title = key.command or f"{key.group.lower()}: {key.description}"
                commands.append((title, f"{key.description} (key {key.shown})", action))
        for action, title, help_text in PALETTE_EXTRA:
            commands.append((title, help_text, action))
        return commands


class _Touched:
    """What a change did to the claim list: whether claims came or went
    (then the list is matched against the whole layer), which claims may
    have other members now, and which spans may have come or gone outside
    every claim."""

    def __init__(self) -> None:
        self.claim_spans = False
        self.claims: set[int] = set()
        self.spans: set[int] = set()

    def span(self, layer: Layer, span: Span) -> None:
        """``span`` is about to go from ``layer`` or has just come."""
        if span.label == CLAIM:
            self.claim_spans = True
        else:
            self.claims |= layer.claims_holding(span)
            self.spans.add(span.id)

    def claim_groups(self, layer: Layer, numbers: dict[int, int]) -> list[tuple[int, ClaimGroup]]:
        return [(numbers[c], layer.group(layer.by_id[c])) for c in sorted(self.claims) if c in numbers]

    def outside(self, layer: Layer) -> list[tuple[int, Span | None]]:
        """(span id, the span if it belongs to no claim now, else None)."""
        found: list[tuple[int, Span | None]] = []
        for span_id in sorted(self.spans):
            span = layer.by_id.get(span_id)
            alone = span is not None and span.label != CLAIM and not layer.claims_holding(span)
            found.append((span_id, span if alone else None))
        return found


def _spans_changed_by(action: Action) -> list[int] | None:
    """The spans that undoing or redoing ``action`` can change (None: any)."""
    if action.kind in ("add_span", "remove_span", "set_norm") and action.span_id is not None:
        return [action.span_id]
    if action.kind in ("add_link", "remove_link", "reject_suggestion"):
        return []  # links and suggestions are read again anyway
    return None
