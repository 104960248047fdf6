"""The ``g`` dialog: every document with its status, searchable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Select

from annotations.model import STATUSES, DocumentInfo, Status
from annotations.ordering import CORPUS, UNCERTAIN, ordered
from tui.describe import excerpt, status_text

ANY_STATUS = "any"
ORDER_NAMES = ((CORPUS, "corpus order"), (UNCERTAIN, "uncertain first"))


@dataclass(frozen=True)
class Chosen:
    document_id: int
    order: str
    """The order chosen in the dialog, which ``n`` and ``p`` then follow."""


class DocumentList(ModalScreen[Chosen | None]):
    """Pick a document; dismisses with its id and the order chosen. Type to
    filter by title, key, outlet or date; the selects filter by this
    annotator's status and order the list (corpus order, or the documents
    where the model is least sure first)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "focus_table", "To the list", show=False),
    ]

    def __init__(
        self,
        documents: Sequence[DocumentInfo],
        statuses: Mapping[int, Status],
        current: int | None,
        order: str = CORPUS,
        uncertainty: Mapping[int, float] | None = None,
    ) -> None:
        """``documents`` in corpus order (the numbers shown are their places in it)."""
        super().__init__()
        self._documents = list(documents)
        self._statuses = statuses
        self._current = current
        self._order = order
        self._uncertainty = dict(uncertainty or {})
        self._numbers = {doc.id: n for n, doc in enumerate(self._documents, 1)}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(Text("Go to a document"), classes="dialog-title")
            with Horizontal(id="filters"):
                yield Input(placeholder="filter: title, key, outlet, date", id="filter")
                yield Select(
                    [("any status", ANY_STATUS)] + [(s.replace("_", " "), s) for s in STATUSES],
                    value=ANY_STATUS,
                    allow_blank=False,
                    id="status-filter",
                )
                yield Select(
                    [(name, value) for value, name in ORDER_NAMES], value=self._order, allow_blank=False, id="order"
                )
            yield DataTable(id="documents", cursor_type="row", zebra_stripes=True)
            yield Label(Text("type to filter · ↓ to the list · enter to open · escape to cancel", style="dim"))

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "status", "title", "outlet", "published", "unsure")
        self._fill()

    def status_of(self, document_id: int) -> str:
        status = self._statuses.get(document_id)
        return status.status if status else "todo"

    def _matches(self, doc: DocumentInfo, words: list[str], status: str) -> bool:
        if status != ANY_STATUS and self.status_of(doc.id) != status:
            return False
        haystack = " ".join(
            [doc.title, doc.key, str(doc.meta.get("outlet", "")), str(doc.meta.get("published", ""))]
        ).casefold()
        return all(word in haystack for word in words)

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        words = self.query_one("#filter", Input).value.casefold().split()
        status = self.query_one("#status-filter", Select).value
        self._order = str(self.query_one("#order", Select).value)
        table.clear()
        for doc in ordered(self._documents, self._order, self._uncertainty):
            if not self._matches(doc, words, str(status)):
                continue
            table.add_row(
                Text(str(self._numbers[doc.id]), style="dim"),
                status_text(self.status_of(doc.id)),
                Text(excerpt(doc.title or doc.key, 40)),
                Text(excerpt(str(doc.meta.get("outlet", "")), 18)),
                Text(excerpt(str(doc.meta.get("published", "")), 12)),
                Text(f"{self._uncertainty[doc.id]:.2f}" if doc.id in self._uncertainty else "", style="dim"),
                key=str(doc.id),
            )
        if self._current is not None and str(self._current) in table.rows:
            table.move_cursor(row=table.get_row_index(str(self._current)))

    @on(Input.Changed, "#filter")
    @on(Select.Changed, "#status-filter")
    @on(Select.Changed, "#order")
    def _refilter(self) -> None:
        self._fill()

    @on(Input.Submitted, "#filter")
    def _open_first(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self._open_row(table.cursor_row)

    @on(DataTable.RowSelected)
    def _open_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open_row(event.cursor_row)

    def _open_row(self, index: int) -> None:
        table = self.query_one(DataTable)
        row_key = table.coordinate_to_cell_key((index, 0)).row_key
        assert row_key.value is not None
        self.dismiss(Chosen(int(row_key.value), self._order))

    def action_focus_table(self) -> None:
        self.query_one(DataTable).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
