"""The ``?`` screen: every key, grouped, with the label keys of this database."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from annotations.model import Label as LabelRow
from tui.keys import GROUPS, KEYS


def help_table(labels: Sequence[LabelRow]) -> Table:
    table = Table(show_header=False, box=None, expand=True, padding=(0, 1))
    table.add_column("keys", style="bold", no_wrap=True, width=22)
    table.add_column("what", ratio=1)
    for group in GROUPS:
        table.add_row(Text(group, style="bold reverse"), Text(""))
        if group == "Tag":
            for label in labels:
                if label.key:
                    what = Text("Tag the selection (or the word at the cursor) as ")
                    what.append(label.name, style=Style(color=label.colour, bold=True))
                    table.add_row(Text(label.key), what)
        for key in KEYS:
            if key.group == group:
                table.add_row(Text(key.shown), Text(key.description))
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, labels: Sequence[LabelRow]) -> None:
        super().__init__()
        self._labels = list(labels)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide", id="help"):
            yield Label(Text("Keys  (escape closes; every action is also in ctrl+p)"), classes="dialog-title")
            yield Static(help_table(self._labels))

    def action_close(self) -> None:
        self.dismiss(None)
