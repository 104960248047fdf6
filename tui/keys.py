"""Every key of the annotation screen, in one table.

The screen's bindings, the footer, the ``?`` help screen, the command
palette and the README's key table are all made from ``KEYS``, so they
cannot disagree. Label keys (1-4 by default) come from the database and are
added by the screen at start.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

GROUPS = ("Move", "Select", "Tag", "Claims", "Suggestions", "Document", "Corpus", "App")


@dataclass(frozen=True, slots=True)
class Key:
    group: str
    shown: str
    """The keys as the help screen writes them."""
    description: str
    action: str | None = None
    """The screen action; None when a widget owns the key (moves, selection)."""
    bind: str | None = None
    """Textual key names, comma-separated, when the screen binds them."""
    footer: str | None = None
    """Short footer text; None keeps it out of the footer."""
    command: str | None = None
    """The command palette's name for the action ("group: what")."""


KEYS: tuple[Key, ...] = (
    Key("Move", "← → ↑ ↓", "Move the cursor by character or line"),
    Key("Move", "w  b  ctrl+→  ctrl+←", "Next / previous word"),
    Key("Move", "home  end", "Start / end of the line"),
    Key("Move", "pgup  pgdn", "Page up / down"),
    Key("Select", "shift+arrows", "Extend the selection by character or line"),
    Key("Select", "W  B", "Extend the selection by a word forward / back"),
    Key("Select", "mouse drag", "Select; on release the selection snaps to whole words"),
    Key("Select", "double click", "Select the word under the pointer"),
    Key("Select", "c", "Switch between word and character selection", "toggle_char_mode", "c", None, "select: word / character mode"),
    Key("Select", "escape", "Clear the selection"),
    Key("Tag", "x  delete", "Remove the span under the cursor (asks which when several; in the claim list: that claim)", "remove_span", "x", "remove", "tag: remove span"),
    Key("Tag", "e", "Edit the normalised value of the span under the cursor", "edit_norm", "e", None, "tag: edit normalised value"),
    Key("Tag", "u  ctrl+z", "Undo your last change to this document", "undo", "u,ctrl+z", "undo", "tag: undo"),
    Key("Tag", "ctrl+y", "Redo", "redo", "ctrl+y", None, "tag: redo"),
    Key("Claims", "l", "Link the claim chosen in the list to the span under the cursor (again: unlink)", "link", "l", None, "claims: link / unlink span"),
    Key("Claims", "enter", "In the claim list: select that claim in the article"),
    Key("Claims", "·  ↳", "In the claim list: a span inside the claim / a span linked to it"),
    Key("Claims", "tab", "Switch between the article and the claim list"),
    Key("Claims", "ctrl+b", "Show or hide the claim list", "toggle_claims", "ctrl+b", None, "claims: show / hide list"),
    Key("Claims", "[  ]", "Narrow / widen the claim list", None),
    Key("Suggestions", "a", "Accept the suggestion under the cursor", "accept", "a", "accept", "suggestions: accept"),
    Key("Suggestions", "r", "Reject the suggestion under the cursor", "reject", "r", None, "suggestions: reject"),
    Key("Suggestions", "A", "Accept every remaining suggestion of one label", "accept_all", "A", None, "suggestions: accept all of one label"),
    Key("Suggestions", "+  -", "Hide suggestions scored under a higher / lower threshold (0 shows them all)", None),
    Key("Document", "d", "Mark the document done and go to the next", "mark_done", "d", "done", "document: done"),
    Key("Document", "s", "Skip the document and go to the next", "skip", "s", None, "document: skip"),
    Key("Document", "f", "Flag the document with a note and go to the next", "flag", "f", None, "document: flag with a note"),
    Key("Corpus", "n  p", "Next / previous document", None),
    Key("Corpus", "g", "Go to a document (search, filter by status, order: corpus or uncertain first)", "go_to", "g", "go to", "corpus: go to document"),
    Key("App", "R", "Review: compare annotators and adjudicate", "review", "R", None, "app: review screen"),
    Key("App", "?", "Help: every key, grouped", "help", "question_mark", "help", "app: help (every key)"),
    Key("App", "ctrl+p", "Command palette: every action by name"),
    Key("App", "q", "Quit (everything is already saved)", "quit", "q", "quit", "app: quit"),
)

# Keys written as pairs in the table above, bound one by one.
PAIRS: tuple[tuple[str, str, str, str | None], ...] = (
    ("left_square_bracket", "claims_narrower", "Narrow the claim list", None),
    ("right_square_bracket", "claims_wider", "Widen the claim list", None),
    ("plus", "raise_threshold", "Hide suggestions under a higher score", None),
    ("minus", "lower_threshold", "Hide suggestions under a lower score", None),
    ("n", "next_document", "Next document", "next"),
    ("p", "previous_document", "Previous document", None),
)

PALETTE_EXTRA: tuple[tuple[str, str, str], ...] = (
    ("claims_narrower", "claims: narrower list", "key ["),
    ("claims_wider", "claims: wider list", "key ]"),
    ("raise_threshold", "suggestions: raise the score threshold", "key +"),
    ("lower_threshold", "suggestions: lower the score threshold", "key -"),
    ("next_document", "corpus: next document", "key n"),
    ("previous_document", "corpus: previous document", "key p"),
)
"""Actions bound through ``PAIRS`` that the palette lists by name."""


PRIORITY = ("undo", "redo")
"""Screen actions whose character keys (``u``; not ``ctrl+z``, which the
article pane also binds) are bound with priority, as the label keys are:
the app runs the action as soon as the key arrives, rather than after
offering it to the focused widget and to each of its containers in turn,
none of which uses it (about 0.4 ms of every tag and undo)."""


def screen_bindings() -> list[Binding]:
    """The annotation screen's bindings (label keys are added at start)."""
    bindings: list[Binding] = []
    for key in KEYS:
        if key.action is None or key.bind is None:
            continue
        action = "app.quit" if key.action == "quit" else key.action
        names = key.bind.split(",")
        fast = [name for name in names if key.action in PRIORITY and len(name) == 1]
        rest = [name for name in names if name not in fast]
        for keys, priority in ((fast, True), (rest, False)):
            if not keys:
                continue
            first = keys[0] == names[0]  # the footer shows an action once, by its first key
            bindings.append(
                Binding(
                    ",".join(keys),
                    action,
                    key.footer or key.description,
                    show=key.footer is not None and first,
                    priority=priority,
                    id=f"redline.{key.action}" if first else f"redline.{key.action}.{keys[0]}",
                    tooltip=key.description,
                )
            )
    for bind, action, description, footer in PAIRS:
        bindings.append(
            Binding(bind, action, footer or description, show=footer is not None, id=f"redline.{action}", tooltip=description)
        )
    # the footer lists bindings in this order (after the label keys); at 80
    # columns the first ones are the ones that fit
    order = {name: i for i, name in enumerate(FOOTER)}
    return sorted(bindings, key=lambda b: order.get(b.action, len(order)))


FOOTER = ("help", "remove_span", "undo", "accept", "mark_done", "next_document", "previous_document", "go_to", "link", "app.quit")


def bound_keys() -> set[str]:
    """Every key name the screen binds, for spotting label keys that clash."""
    names = {name.strip() for binding in screen_bindings() for name in binding.key.split(",")}
    # keys the article pane owns
    return names | {"w", "b", "W", "B", "escape", "tab", "enter", "ctrl+p", "ctrl+c", "ctrl+q"}
