"""The store: schema versions, connection settings, spans, links, status, undo and the log."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotations.model import DocumentInput
from annotations.store import Store, StoreError, schema_version
from tests.helpers import run_cli

DATA = Path(__file__).parent / "data"
TEXT = "The ministry said 400 troops left on Monday, citing satellite images."


def add_doc(store: Store, text: str = TEXT, key: str = "d") -> int:
    tokens = []
    position = 0
    for word in text.split(" "):
        tokens.append((position, position + len(word)))
        position += len(word) + 1
    doc_id, added = store.add_document(DocumentInput(text=text, key=key, title=key, meta={}, source="test", tokens=tokens))
    assert added
    return doc_id


def test_new_database_has_current_version_wal_foreign_keys_and_labels(store, db_path):
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    assert [(l.name, l.key) for l in store.labels()] == [("claim", "1"), ("source", "2"), ("figure", "3"), ("date", "4")]


def test_older_database_is_migrated_keeping_its_data(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript((DATA / "schema_v1.sql").read_text())
    conn.execute(
        "INSERT INTO documents (key, title, text, length, sha256, meta, tokens, position)"
        " VALUES ('k', 't', 'Ten ships.', 10, 'abc', '{}', x'00000000030000000400000009000000090000000a000000', 1)"
    )
    conn.execute("INSERT INTO annotators (name) VALUES ('alice')")
    conn.execute("INSERT INTO spans (document_id, annotator_id, label_id, start_char, end_char) VALUES (1, 1, 3, 0, 9)")
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        assert store.document(1).tokens == [(0, 3), (4, 9), (9, 10)]
        (span,) = store.spans(1, "alice")
        assert (span.label, span.start, span.end, span.decided_by) == ("figure", 0, 9, None)
        store.set_setting("suggest.model", "rules")  # a table version 1 did not have
        assert store.setting("suggest.model") == "rules"


def test_newer_database_is_refused_with_a_clear_message(tmp_path, capsys):
    path = tmp_path / "new.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema_version() + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this Redline understands"):
        Store(path)
    result = run_cli(capsys, "stats", "--db", path)
    assert result.code == 1
    assert result.err.startswith(f"error: {path}: database schema version {schema_version() + 1} is newer")


def test_a_file_that_is_not_a_database_is_refused(tmp_path, capsys):
    path = tmp_path / "notes.db"
    path.write_text("just some notes, not sqlite\n" * 100)
    result = run_cli(capsys, "stats", "--db", path)
    assert result.code == 1
    assert "not a Redline database" in result.err
    assert path.read_text().startswith("just some notes")


def test_spans_nest_overlap_and_are_unique_per_layer(store):
    doc = add_doc(store)
    claim = store.add_span(doc, "alice", "claim", 0, len(TEXT))
    figure = store.add_span(doc, "alice", "figure", 18, 28, norm={"value": 400})
    date = store.add_span(doc, "alice", "date", 37, 43)
    assert claim and figure and date
    assert store.add_span(doc, "alice", "figure", 18, 28) is None  # the same span twice: nothing
    assert store.add_span(doc, "bob", "figure", 18, 28) is not None  # another layer
    assert [(s.label, s.start) for s in store.spans(doc, "alice")] == [("claim", 0), ("figure", 18), ("date", 37)]
    assert store.spans(doc, "alice")[1].norm == {"value": 400}


@pytest.mark.parametrize("start,end", [(-1, 3), (5, 5), (7, 3), (0, len(TEXT) + 1)])
def test_spans_outside_the_text_are_refused(store, start, end):
    doc = add_doc(store)
    with pytest.raises((StoreError, sqlite3.IntegrityError)):
        store.add_span(doc, "alice", "claim", start, end)
    assert store.spans(doc) == []


def test_unknown_label_and_reserved_annotator_are_errors(store):
    doc = add_doc(store)
    with pytest.raises(StoreError, match=r"unknown label 'person' \(labels: claim, source, figure, date\)"):
        store.add_span(doc, "alice", "person", 0, 3)
    with pytest.raises(StoreError, match="reserved for the adjudicated layer"):
        store.add_span(doc, "gold", "claim", 0, 3)


def test_undo_and_redo_walk_back_through_the_log_and_survive_reopening(db_path):
    with Store(db_path) as store:
        doc = add_doc(store)
        claim = store.add_span(doc, "alice", "claim", 0, len(TEXT))
        source = store.add_span(doc, "alice", "source", 0, 12)
        store.add_link(claim.id, source.id, "alice")
        store.remove_span(source.id, "alice")  # removing the source drops its link
        assert store.links(doc, "alice") == []
    with Store(db_path) as store:  # a restart
        assert store.undo(doc, "alice").kind == "remove_span"
        assert [s.label for s in store.spans(doc, "alice")] == ["claim", "source"]
        assert [(l.claim_id, l.target_id) for l in store.links(doc, "alice")] == [(claim.id, source.id)]
        assert store.undo(doc, "alice").kind == "add_link"
        assert store.links(doc, "alice") == []
        assert store.undo(doc, "alice").kind == "add_span"
        assert store.undo(doc, "alice").kind == "add_span"
        assert store.spans(doc, "alice") == []
        assert store.undo(doc, "alice") is None
    with Store(db_path) as store:
        assert store.redo(doc, "alice").kind == "add_span"
        assert store.redo(doc, "alice").kind == "add_span"
        assert [s.id for s in store.spans(doc, "alice")] == [claim.id, source.id]
        # a new action clears what could be redone
        store.add_span(doc, "alice", "date", 37, 43)
        assert store.redo(doc, "alice") is None
        kinds = [a.kind for a in store.actions("alice", doc)]
        assert kinds == [
            "add_span", "add_span", "add_link", "remove_span",
            "undo", "undo", "undo", "undo", "redo", "redo", "add_span",
        ]


def test_undo_is_per_annotator(store):
    doc = add_doc(store)
    store.add_span(doc, "alice", "claim", 0, 10)
    store.add_span(doc, "bob", "claim", 0, 12)
    store.undo(doc, "alice")
    assert [s.annotator for s in store.spans(doc)] == ["bob"]


def test_the_action_log_is_append_only(store):
    doc = add_doc(store)
    store.add_span(doc, "alice", "claim", 0, 10)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("UPDATE actions SET kind = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.conn.execute("DELETE FROM actions")
    (action,) = store.actions("alice")
    assert action.payload["span"]["label"] == "claim"


def test_links_join_a_claim_to_other_labels_of_the_same_layer(store):
    doc = add_doc(store)
    claim = store.add_span(doc, "alice", "claim", 0, len(TEXT))
    figure = store.add_span(doc, "alice", "figure", 18, 28)
    other = store.add_span(doc, "bob", "figure", 18, 28)
    assert store.add_link(claim.id, figure.id, "alice") is not None
    assert store.add_link(claim.id, figure.id, "alice") is None
    with pytest.raises(StoreError, match="starts at a claim"):
        store.add_link(figure.id, claim.id, "alice")
    with pytest.raises(StoreError, match="one layer"):
        store.add_link(claim.id, other.id, "alice")


def test_status_and_note_per_annotator(store):
    doc = add_doc(store)
    assert store.status(doc, "alice").status == "todo"
    store.set_status(doc, "alice", "flagged", "figure contradicts article 3")
    assert store.status(doc, "alice").note == "figure contradicts article 3"
    assert store.status(doc, "bob").status == "todo"
    with pytest.raises(StoreError, match="unknown status 'finished'"):
        store.set_status(doc, "alice", "finished")


def test_suggestions_hide_accepted_and_rejected_ones_per_annotator(store):
    doc = add_doc(store)
    store.replace_suggestions(doc, "rules", [("figure", 18, 28, None, {"value": 400}), ("date", 37, 43, 0.9, None)])
    figure, date = store.suggestions(doc, "alice")
    span = store.accept_suggestion(figure, "alice")
    assert (span.origin, span.norm) == ("suggested", {"value": 400})
    store.reject_suggestion(date, "alice")
    assert store.suggestions(doc, "alice") == []
    assert len(store.suggestions(doc, "bob")) == 2
    # recomputed suggestions do not bring a rejection back
    store.replace_suggestions(doc, "rules", [("figure", 18, 28, None, None), ("date", 37, 43, None, None)])
    assert store.suggestions(doc, "alice") == []
    assert store.undo(doc, "alice").kind == "reject_suggestion"
    assert [s.label for s in store.suggestions(doc, "alice")] == ["date"]


def test_labels_add_is_picked_up_and_validated(tmp_path, capsys):
    db = tmp_path / "r.db"
    assert run_cli(capsys, "labels", "add", "quote", "--key", "5", "--colour", "#ff8800", "--db", db).code == 0
    listed = run_cli(capsys, "labels", "--db", db)
    assert "quote" in listed.out and "#ff8800" in listed.out
    duplicate = run_cli(capsys, "labels", "add", "speaker", "--key", "5", "--db", db)
    assert duplicate.code == 1
    assert duplicate.err.strip() == "error: key '5' is already used by label 'quote'"
    bad_colour = run_cli(capsys, "labels", "add", "speaker", "--key", "6", "--colour", "blurple", "--db", db)
    assert bad_colour.code == 1 and "is not a colour" in bad_colour.err
    with Store(db) as store:
        assert [l.name for l in store.labels()][-1] == "quote"


def test_stats_json_on_the_sample_corpus(sample_db, capsys):
    result = run_cli(capsys, "stats", "--json", "--db", sample_db)
    assert result.code == 0
    figures = json.loads(result.out)
    assert figures["documents"] == 10
    assert figures["tokens"] > 4000
    assert set(figures["spans"]) == {"alice", "bob"}
    assert sum(figures["spans"]["alice"].values()) == 133
    assert figures["spans"]["bob"]["figure"] == 37
    assert figures["labels"] == ["claim", "source", "figure", "date"]


def test_stats_on_a_missing_database_is_an_error(tmp_path, capsys):
    result = run_cli(capsys, "stats", "--db", tmp_path / "nope.db")
    assert result.code == 1
    assert result.err.strip() == f"error: {tmp_path / 'nope.db'}: no such database"
    assert not (tmp_path / "nope.db").exists()


def test_a_rolled_back_annotator_is_not_reused_for_someone_else(store):
    doc = add_doc(store)
    with pytest.raises(RuntimeError):
        with store.transaction():
            store.annotator("carol")
            raise RuntimeError("the import failed")
    store.annotator("dave")
    store.add_span(doc, "carol", "claim", 0, 10)
    assert [s.annotator for s in store.spans(doc)] == ["carol"]
    assert {a.name for a in store.annotators()} == {"carol", "dave"}


def test_a_database_kept_busy_by_another_writer_is_a_one_line_error(db_path, monkeypatch):
    from annotations import store as store_module

    with Store(db_path) as first, Store(db_path) as second:
        doc = add_doc(first)
        second.conn.execute("PRAGMA busy_timeout = 10")
        monkeypatch.setattr(store_module, "BUSY_TIMEOUT_MS", 200)
        first.conn.execute("BEGIN IMMEDIATE")  # a long import holds the write lock
        try:
            with pytest.raises(StoreError, match="stayed busy .* nothing was changed, try again"):
                second.add_span(doc, "alice", "claim", 0, 10)
        finally:
            first.conn.execute("ROLLBACK")
        assert second.add_span(doc, "alice", "claim", 0, 10) is not None
