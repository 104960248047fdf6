"""Small modal dialogs: a note, a choice from a list, a normalised value.

Each is a ``ModalScreen`` that dismisses with its result, or with None
when the user presses escape.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option

T = TypeVar("T")


class NoteDialog(ModalScreen[str | None]):
    """Ask for one line of text (a flag's note)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = "") -> None:
        super().__init__()
        self._title = title
        self._placeholder = placeholder
        self._value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self._title), classes="dialog-title")
            yield Input(self._value, placeholder=self._placeholder, id="note")
            yield Label(Text("enter to save · escape to cancel", style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(ModalScreen[T | None], Generic[T]):
    """Pick one of several items; each is shown as a ``Text`` prompt."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, choices: Sequence[tuple[Text, T]]) -> None:
        super().__init__()
        self._title = title
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self._title), classes="dialog-title")
            yield OptionList(*(Option(prompt, id=str(i)) for i, (prompt, _) in enumerate(self._choices)), id="choices")
            yield Label(Text("enter to choose · escape to cancel", style="dim"))

    def on_mount(self) -> None:
        self.query_one("#choices", OptionList).highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        assert event.option.id is not None
        self.dismiss(self._choices[int(event.option.id)][1])

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True, slots=True)
class NormEdit:
    """The result of the norm dialog: the new value (None clears it)."""

    norm: dict[str, Any] | None


FIELDS = {
    "figure": ("value", "unit", "currency", "qualifier"),
    "date": ("value", "resolved", "reason"),
}
"""The fields of each label's normalised value, in the order they are edited."""


def parse_field(raw: str) -> Any:
    """A field as typed: JSON when it parses (numbers, true, null), else text;
    empty is null."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    return value if not isinstance(value, (dict, list)) else raw


def show_field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class NormDialog(ModalScreen[NormEdit | None]):
    """Edit the fields of a span's normalised value."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, title: str, fields: Sequence[str], norm: dict[str, Any] | None) -> None:
        super().__init__()
        self._title = title
        norm = norm or {}
        self._fields = list(dict.fromkeys([*fields, *norm.keys()]))
        self._norm = norm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text(self._title), classes="dialog-title")
            for name in self._fields:
                with Horizontal(classes="field"):
                    yield Label(Text(name), classes="field-name")
                    yield Input(show_field(self._norm.get(name)), id=f"field-{name}")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button("Clear value", id="clear")
                yield Button("Cancel", id="cancel")
            yield Label(Text("enter or ctrl+s to save · numbers, true/false, text; empty is null", style="dim"))

    def collect(self) -> dict[str, Any]:
        return {name: parse_field(self.query_one(f"#field-{name}", Input).value) for name in self._fields}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        elif event.button.id == "clear":
            self.dismiss(NormEdit(None))
        else:
            self.dismiss(None)

    def action_save(self) -> None:
        values = self.collect()
        self.dismiss(NormEdit(values if any(v is not None for v in values.values()) else None))

    def action_cancel(self) -> None:
        self.dismiss(None)
