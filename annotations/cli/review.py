"""``redline agreement``, ``redline merge`` and ``redline review``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from annotations.cli.app import (
    DEFAULT_DB,
    DbOption,
    UserError,
    app,
    count_bar,
    default_annotator,
    err,
    on_terminal,
    open_store,
    out,
)

def _names(values: list[str] | None) -> list[str] | None:
    """Comma-separated and repeated options, as one list; None when not given."""
    if not values:
        return None
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return names or None


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@contextmanager
def _progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """A (done, total) callback on a progress bar; silent when piped."""
    if not on_terminal():
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(description, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


# -- agreement ----------------------------------------------------------------------


@app.command()
def agreement(
    db: DbOption = DEFAULT_DB,
    annotators: Annotated[
        Optional[list[str]],
        typer.Option("--annotators", "-a", metavar="A,B,C", help="Annotators to compare, comma-separated (default: all who annotated)."),
    ] = None,
    labels: Annotated[
        Optional[list[str]], typer.Option("--labels", "-l", metavar="L,M", help="Labels to measure, comma-separated (default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    top: Annotated[int, typer.Option("--top", min=0, metavar="N", help="How many documents to list by disagreement.")] = 10,
) -> None:
    """Inter-annotator agreement per label and overall: span F1 (exact and
    relaxed), Cohen's kappa per pair, Krippendorff's alpha across all."""
    from annotations import agreement as metrics

    with open_store(db, must_exist=True) as store, _progress("measuring agreement") as progress:
        result = metrics.compute(store, _names(annotators), _names(labels), progress=progress)
    if as_json:
        out.print(json.dumps(result.to_json(), indent=2, ensure_ascii=False), markup=False)
        return
    out.print(render_agreement(result, top))


def render_agreement(result, top: int = 10) -> Group:  # noqa: ANN001  (annotations.agreement.Agreement)
    """The agreement report as rich renderables that fit 80 columns."""
    who = ", ".join(result.annotators) or "none"
    head = Text(
        f"{len(result.annotators)} annotator{'s' if len(result.annotators) != 1 else ''} ({who}); "
        f"{result.documents} document{'s' if result.documents != 1 else ''} annotated by two or more"
    )
    parts: list = [head]
    if len(result.annotators) < 2 or not result.documents:
        parts.append(Text("nothing to compare: agreement needs two annotators on the same document", style="dim"))
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("label", no_wrap=True)
    table.add_column("pair", overflow="fold")
    table.add_column("docs", justify="right", no_wrap=True)
    table.add_column("spans a/b", justify="right", no_wrap=True)
    table.add_column("F1 exact", justify="right", no_wrap=True)
    table.add_column("F1 relaxed", justify="right", no_wrap=True)
    table.add_column("kappa", justify="right", no_wrap=True)
    sections = [*result.labels.items(), ("overall", result.overall)]
    for index, (name, figures) in enumerate(sections):
        for i, pair in enumerate(figures.pairs):
            table.add_row(
                name if i == 0 else "",
                f"{pair.a} / {pair.b}",
                str(pair.documents),
                f"{pair.spans_a}/{pair.spans_b}",
                number(pair.f1_exact),
                number(pair.f1_relaxed),
                number(pair.kappa),
                end_section=len(figures.pairs) > 1 and i == len(figures.pairs) - 1 and index < len(sections) - 1,
            )
    if any(figures.pairs for _, figures in sections):
        parts += [Text("\nspan F1 and Cohen's kappa, per pair", style="bold"), table]
    alpha = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    alpha.add_column("label", no_wrap=True)
    alpha.add_column("alpha", justify="right", no_wrap=True)
    for name, figures in sections:
        alpha.add_row(name, number(figures.alpha))
    parts += [Text("\nKrippendorff's alpha, all annotators", style="bold"), alpha]
    if top and result.ranking:
        shown = min(top, len(result.ranking))
        parts.append(Text(f"\ndocuments by disagreement ({shown} of {len(result.ranking)})", style="bold"))
        parts.append(Text("differ: share of spans with no identical span on the other side", style="dim"))
        worst = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        worst.add_column("#", justify="right", no_wrap=True)
        worst.add_column("document", overflow="ellipsis", no_wrap=True, max_width=34)
        worst.add_column("annotators", overflow="ellipsis", no_wrap=True, max_width=20)
        worst.add_column("spans", justify="right", no_wrap=True)
        worst.add_column("differ", justify="right", no_wrap=True)
        for rank, doc in enumerate(result.ranking[:top], 1):
            worst.add_row(
                str(rank),
                Text(doc.key),
                Text(", ".join(doc.annotators)),
                str(doc.spans),
                f"{doc.rate:.0%}",
            )
        parts.append(worst)
    return Group(*parts)


# -- merge --------------------------------------------------------------------------


@app.command()
def merge(
    others: Annotated[list[Path], typer.Argument(help="Redline databases made elsewhere.", show_default=False, metavar="OTHER.db")],
    db: DbOption = DEFAULT_DB,
    rename_conflicts: Annotated[
        bool,
        typer.Option(
            "--rename-conflicts",
            help="When an annotator has different work on a document in both, keep the incoming layer as NAME@OTHER.",
        ),
    ] = False,
) -> None:
    """Bring in documents (matched by text) and annotators' layers from other
    databases: all or nothing; merging twice changes nothing."""
    from annotations.merge import merge as merge_databases

    with open_store(db) as store, count_bar("merging documents", None) as advance:
        summary = merge_databases(store, others, rename_conflicts=rename_conflicts, progress=advance)
    for line in summary.lines():
        out.print(line, markup=False)


# -- review -------------------------------------------------------------------------


@app.command()
def review(
    db: DbOption = DEFAULT_DB,
    reviewer: Annotated[
        Optional[str],
        typer.Option(
            "--reviewer",
            envvar="REDLINE_REVIEWER",
            help="Who decides (default: REDLINE_REVIEWER, else REDLINE_ANNOTATOR, else your login name).",
            show_default=False,
        ),
    ] = None,
    label: Annotated[Optional[str], typer.Option("--label", help="Only disagreements on this label.")] = None,
    annotator: Annotated[
        Optional[str], typer.Option("--annotator", help="Only documents and disagreements of this annotator.")
    ] = None,
    unresolved: Annotated[
        Optional[bool],
        typer.Option("--unresolved/--all", help="Only documents with decisions left, or all of them.", show_default=False),
    ] = None,
    accept_agreed: Annotated[
        bool,
        typer.Option(
            "--accept-agreed",
            help="Put every span all annotators agree on into the gold layer, in every document, and exit.",
        ),
    ] = False,
    auto_accept: Annotated[
        Optional[bool],
        typer.Option(
            "--auto-accept/--no-auto-accept",
            help="Set whether the review screen puts agreed spans into gold by itself, and exit.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Review disagreements and build the adjudicated (gold) layer that
    `redline export --gold` writes. Opens the review screen."""
    from annotations import disagreements

    name = (reviewer or default_annotator()).strip()
    if not db.exists():
        raise UserError(f"{db}: no such database; import articles first: redline import PATH --db {db}")
    with open_store(db, must_exist=True) as store:
        store.annotator(name)  # an empty or reserved name fails here, as one line
        if label is not None:
            store.label(label)
        if annotator is not None:
            store.find_annotator(annotator)
        if auto_accept is not None:
            disagreements.set_auto_accept(store, auto_accept)
            state = "on: the review screen puts" if auto_accept else "off: press a on the review screen to put"
            out.print(f"auto-accept {state} agreed spans into gold", markup=False)
            return
        if label is not None or annotator is not None or unresolved is not None:
            saved = disagreements.load_filters(store, name)
            disagreements.save_filters(
                store,
                name,
                disagreements.Filters(
                    label if label is not None else saved.label,
                    annotator if annotator is not None else saved.annotator,
                    unresolved if unresolved is not None else saved.unresolved,
                ),
            )
        if accept_agreed:
            reviews = disagreements.load(store)
            spans = documents = 0
            for item in reviews.values():
                pending = len(item.agreed_pending)
                if disagreements.accept_agreed(store, item, name) is not None:
                    spans += pending
                    documents += 1
            out.print(f"accepted {spans} agreed spans into gold in {documents} documents", markup=False)
            return
    from annotations.cli.annotate import open_screen

    open_screen(db, name, mode="review")
