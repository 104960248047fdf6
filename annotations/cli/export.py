"""``redline export``: annotations out as Prodigy JSONL, spaCy DocBin or doccano JSONL."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from annotations.cli.app import DEFAULT_DB, DbOption, UserError, app, count_bar, err, open_store, out

ALIGNED_SHOWN = 50
"""Spans moved onto token boundaries listed one by one; beyond this, counted."""


def _names(values: list[str] | None) -> tuple[str, ...]:
    """Comma-separated and repeated options as one tuple, lower-cased."""
    return tuple(part.strip().lower() for value in values or () for part in value.split(",") if part.strip())


@app.command("export")
def export_command(
    output: Annotated[
        str, typer.Option("--output", "-o", help="The file to write; '-' writes JSONL to standard output.")
    ],
    fmt: Annotated[
        Optional[str],
        typer.Option(
            "--format",
            "-f",
            help="jsonl (Prodigy), spacy (DocBin), doccano or brat (a folder); default: spacy for a .spacy PATH, else jsonl.",
        ),
    ] = None,
    annotator: Annotated[
        Optional[list[str]], typer.Option(help="An annotator's layer (repeat for several: a line each).")
    ] = None,
    gold: Annotated[bool, typer.Option("--gold", help="The adjudicated (gold) layer.")] = False,
    suggestions: Annotated[
        bool, typer.Option("--suggestions", help="The machine suggestions, as pre-annotations.")
    ] = False,
    labels: Annotated[Optional[list[str]], typer.Option(help="Only these labels, e.g. claim,figure.")] = None,
    status: Annotated[
        Optional[list[str]], typer.Option(help="Only documents the annotator marked so, e.g. done (repeatable).")
    ] = None,
    include_empty: Annotated[
        bool,
        typer.Option("--include-empty", help="Also documents a layer has seen but left without spans (negatives)."),
    ] = False,
    include_skipped: Annotated[
        bool, typer.Option("--include-skipped", help="Also skipped documents, with answer 'reject'.")
    ] = False,
    backup: Annotated[
        bool,
        typer.Option("--backup", help="Every layer of every document (JSONL): 'redline import' rebuilds them."),
    ] = False,
    split: Annotated[
        Optional[float],
        typer.Option(help="Write PATH.train and PATH.dev files, this share of documents for training, e.g. 0.8."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Which documents --split puts where (same seed, same split).")] = 0,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Export annotations: Prodigy JSONL, a spaCy DocBin, doccano JSONL or brat standoff.

    By default every annotator's layer goes out (not the gold layer or the
    suggestions), each document with spans once per annotator.
    """
    from annotations.export import Selection, export

    path = None if output == "-" else Path(output)
    if fmt is None:
        fmt = "spacy" if path is not None and path.suffix == ".spacy" else "jsonl"
    fmt = fmt.lower()
    if backup and fmt != "jsonl":
        raise UserError("--backup writes JSONL, the format that keeps links, normalised values and statuses")
    selection = Selection(
        annotators=tuple(name.strip() for name in annotator or () if name.strip()),
        gold=gold,
        suggestions=suggestions,
        labels=_names(labels),
        statuses=_names(status),
        include_empty=include_empty,
        include_skipped=include_skipped,
        backup=backup,
    )
    with open_store(db, must_exist=True) as store:
        try:
            summary = export(
                store,
                selection,
                fmt,
                path,
                split=split,
                seed=seed,
                progress=lambda total: count_bar("exporting", total),
            )
        except BrokenPipeError:
            # the reader of standard output stopped early (| head): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
    report = err if path is None else out
    parts = []
    for writer in summary.writers:
        where = "standard output" if writer.path is None else str(writer.path)
        shards = getattr(writer, "shards", 0)
        if shards:
            where += f"/ ({shards} files; spaCy reads the folder as one corpus)"
        parts.append(
            f"{_count(writer.lines, 'line')} ({_count(writer.documents, 'document')},"
            f" {_count(writer.spans, 'span')}) to {where}"
        )
    if len(parts) == 1:
        report.print(f"exported {parts[0]}", markup=False)
    else:
        report.print(f"exported {_count(summary.lines, 'line')}: " + "; ".join(parts), markup=False)
    if summary.aligned:
        report.print(
            f"{_count(len(summary.aligned), 'span')} not on token boundaries widened to the tokens containing them"
            " (JSONL keeps exact offsets):",
            markup=False,
        )
        for alignment in summary.aligned[:ALIGNED_SHOWN]:
            report.print(f"  {alignment.line()}", markup=False)
        if len(summary.aligned) > ALIGNED_SHOWN:
            report.print(f"  ... and {len(summary.aligned) - ALIGNED_SHOWN} more", markup=False)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
