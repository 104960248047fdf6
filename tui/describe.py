"""Short plain-text descriptions of spans and normalised values.

Everything here returns ``rich.text.Text`` built from plain strings (never
markup) with article text passed through ``inert``: article text is data.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text

from tui.inert import inert

ELLIPSIS = "…"


def excerpt(text: str, limit: int = 60) -> str:
    """One line of article text, inert, shortened in the middle of nothing:
    newlines become spaces and the end is cut with an ellipsis.

    Reads only as much of ``text`` as the excerpt shows: the status line
    describes a selection on every key that extends it, and a selection
    can be the whole article."""
    # flattening a start of the text gives a start of the flattened text:
    # once that is longer than the excerpt, the rest cannot change it
    read = 4 * limit + 16
    while True:
        flat = " ".join(inert(text[:read]).split())
        if len(flat) > limit or read >= len(text):
            break
        read *= 4
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + ELLIPSIS


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.6g}" if abs(value) >= 1000 else f"{value:g}"


def describe_norm(norm: dict[str, Any] | None) -> str:
    """A normalised value as a reader would say it; "" when there is none.

    Figures (``value``, ``unit``, ``currency``, ``qualifier``) read as
    "up to 2,500 troops" or "USD 240,000,000"; dates (``value``,
    ``resolved``, ``reason``) as their ISO value, or the expression and why
    it is unresolved. Anything else is listed as key=value.
    """
    if not norm:
        return ""
    if {"unit", "currency", "qualifier"} & norm.keys():
        parts = [
            str(norm.get("qualifier") or ""),
            str(norm.get("currency") or ""),
            _number(norm["value"]) if norm.get("value") is not None else "?",
            str(norm.get("unit") or ""),
        ]
        return inert(" ".join(part for part in parts if part))
    if {"resolved", "reason"} & norm.keys():
        value = "" if norm.get("value") is None else str(norm["value"])
        resolved = norm.get("resolved")
        if isinstance(resolved, str) and resolved:
            return inert(resolved)
        if resolved is False or norm.get("reason"):
            reason = norm.get("reason") or "unresolved"
            return inert(f"{value} (unresolved: {reason})" if value else f"unresolved: {reason}")
        return inert(value)
    return inert(", ".join(f"{key}={value}" for key, value in norm.items()))


def span_line(label: str, colour: str, text: str, norm: dict[str, Any] | None, *, limit: int = 40) -> Text:
    """``figure «2,500 troops» = up to 2,500 troops``."""
    line = Text()
    line.append(label, style=Style(color=colour, bold=True))
    line.append(" «")
    line.append(excerpt(text, limit))
    line.append("»")
    value = describe_norm(norm)
    if value:
        line.append(" = ", style="dim")
        line.append(value, style="italic")
    return line


STATUS_STYLES = {
    "todo": "dim",
    "in_progress": "yellow",
    "done": "green",
    "skipped": "bright_black",
    "flagged": "bold red",
}


def status_text(status: str) -> Text:
    """A status as a short coloured word: ``in progress``, ``done``..."""
    return Text(status.replace("_", " "), style=STATUS_STYLES.get(status, ""))
