"""``redline merge``: documents by text, layers, idempotence, conflicts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotations import disagreements as dg
from annotations.model import GOLD, DocumentInput
from annotations.store import Store
from tests.helpers import dump, run_cli

NEW_TEXT = "A new article from the laptop: 12 ships left on Friday."


def words(text: str) -> list[tuple[int, int]]:
    import re

    return [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]


@pytest.fixture
def laptop(sample_db: Path, tmp_path: Path) -> Path:
    """Another machine's database: the sample corpus plus carol's work, a new
    article, a new label, and a reviewer's gold decisions."""
    path = tmp_path / "laptop.db"
    shutil.copy(sample_db, path)
    with Store(path) as store:
        store.add_label("quote", "5", "#ff8800", "Reported speech.")
        first = store.document_by_key("01-border-buildup")
        claim = store.add_span(first.id, "carol", "claim", 0, 40)
        figure = store.add_span(first.id, "carol", "figure", 10, 20, norm={"value": 3, "unit": "x"})
        store.add_span(first.id, "carol", "quote", 41, 60)
        store.add_link(claim.id, figure.id, "carol")
        store.set_status(first.id, "carol", "done")
        new, _ = store.add_document(DocumentInput(NEW_TEXT, "laptop-1", "Ships", {"outlet": "X"}, "x", tokens=words(NEW_TEXT)))
        store.add_span(new, "carol", "figure", NEW_TEXT.index("12"), NEW_TEXT.index(" left"))
        review = dg.load(store)[first.id]
        dg.accept_agreed(store, review, "rita")
        dg.resolve(store, review, review.disagreements[0], "rita", "take", annotator="alice")
    return path


def layer(store: Store, key: str, annotator: str) -> list[tuple]:
    doc = store.document_by_key(key)
    return [(s.label, s.start, s.end, s.norm, s.decided_by) for s in store.spans(doc.id, annotator)]


def test_merge_brings_documents_layers_links_statuses_labels_and_gold(sample_db: Path, laptop: Path, capsys) -> None:
    before = dump(laptop)
    shown = run_cli(capsys, "merge", laptop, "--db", sample_db)
    assert shown.code == 0, shown.err
    assert "1 document added" in shown.out and "labels added: quote" in shown.out
    assert dump(laptop) == before  # the other database is only read
    with Store(sample_db) as here, Store(laptop) as there:
        assert here.label("quote").key == "5"
        for key, who in [("01-border-buildup", "carol"), ("laptop-1", "carol"), ("01-border-buildup", GOLD)]:
            assert layer(here, key, who) == layer(there, key, who)
        first = here.document_by_key("01-border-buildup").id
        assert here.status(first, "carol").status == "done"
        assert len(here.links(first, "carol")) == 1
        assert here.gold().kind == "gold"
        new = here.document_by_key("laptop-1")
        assert (new.text, new.tokens, new.meta) == (NEW_TEXT, words(NEW_TEXT), {"outlet": "X"})
        # the disagreements rita settled there stay settled here
        assert [d.resolved for d in dg.load(here)[first].disagreements] == [
            d.resolved for d in dg.load(there)[first].disagreements
        ]


def test_merging_twice_changes_nothing(sample_db: Path, laptop: Path, capsys) -> None:
    assert run_cli(capsys, "merge", laptop, "--db", sample_db).code == 0
    once = dump(sample_db)
    shown = run_cli(capsys, "merge", laptop, "--db", sample_db)
    assert shown.code == 0
    assert "0 layers added" in shown.out and "0 spans added" in shown.out
    assert dump(sample_db) == once


def test_different_work_of_one_annotator_stops_the_merge(sample_db: Path, laptop: Path, capsys) -> None:
    with Store(laptop) as there:
        doc = there.document_by_key("03-force-larger-than-admitted").id
        there.add_span(doc, "alice", "claim", 0, 30)
    with Store(sample_db) as here:
        doc = here.document_by_key("03-force-larger-than-admitted").id
        here.add_span(doc, "alice", "date", 5, 9)
    before = dump(sample_db)
    shown = run_cli(capsys, "merge", laptop, "--db", sample_db)
    assert shown.code == 1
    lines = shown.err.strip().splitlines()
    assert lines[0].startswith("error: 1 layer holds different work in") and "nothing was merged" in lines[0]
    assert "laptop.db: alice on 03-force-larger-than-admitted:" in lines[1]
    assert "1 only here, 1 only there" in lines[1]
    assert "--rename-conflicts" in lines[-1]
    assert dump(sample_db) == before  # not even carol's layer or the new article


def test_rename_conflicts_keeps_both_and_stays_idempotent(sample_db: Path, laptop: Path, capsys) -> None:
    with Store(laptop) as there:
        doc = there.document_by_key("03-force-larger-than-admitted").id
        there.add_span(doc, "alice", "claim", 0, 30)
    with Store(sample_db) as here:
        doc = here.document_by_key("03-force-larger-than-admitted").id
        here.add_span(doc, "alice", "date", 5, 9)
        ours = layer(here, "03-force-larger-than-admitted", "alice")
    shown = run_cli(capsys, "merge", laptop, "--db", sample_db, "--rename-conflicts")
    assert shown.code == 0, shown.err
    assert "the incoming one as alice@laptop" in shown.out
    with Store(sample_db) as here, Store(laptop) as there:
        assert layer(here, "03-force-larger-than-admitted", "alice") == ours
        assert layer(here, "03-force-larger-than-admitted", "alice@laptop") == layer(
            there, "03-force-larger-than-admitted", "alice"
        )
    once = dump(sample_db)
    assert run_cli(capsys, "merge", laptop, "--db", sample_db, "--rename-conflicts").code == 0
    assert dump(sample_db) == once


def test_merge_errors_are_one_line(sample_db: Path, tmp_path: Path, capsys) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all, just text" * 100)
    shown = run_cli(capsys, "merge", junk, "--db", sample_db)
    assert shown.code == 1 and shown.err.startswith(f"error: {junk}: not a Redline database")
    shown = run_cli(capsys, "merge", tmp_path / "nowhere.db", "--db", sample_db)
    assert shown.code == 1 and shown.err.strip() == f"error: {tmp_path / 'nowhere.db'}: no such database"
    shown = run_cli(capsys, "merge", sample_db, "--db", sample_db)
    assert shown.code == 1 and "is the database being merged into" in shown.err
