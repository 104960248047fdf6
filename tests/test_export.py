"""``redline export``: each format field by field, the selection options, and every error."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import export as export_module
from annotations import export_layers
from annotations.export import Selection, export
from annotations.export_formats import dumps, tokens_json
from annotations.export_layers import Tokens
from annotations.importer import import_paths
from annotations.store import Store, StoreError, pack_tokens
from tests.helpers import run_cli

TEXT = "The ministry said 2,500 troops left on 7 March."
#       0   4        13   18    24     31   36 39 41   46


def write_jsonl(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    """One document: alice's nested claim, source, figure and date, two links,
    status done; bob's single figure that is not on token boundaries; a
    second document alice marked done without spans; a third she skipped;
    a fourth nobody opened."""
    db = tmp_path / "small.db"
    source = write_jsonl(
        tmp_path / "in.jsonl",
        {
            "id": "troops",
            "text": TEXT,
            "meta": {"title": "Troops leave", "outlet": "Wire", "published": "2025-03-08"},
            "_annotator_id": "alice",
            "spans": [
                {"start": 0, "end": 47, "label": "claim"},
                {"start": 0, "end": 12, "label": "source"},
                {"start": 18, "end": 30, "label": "figure", "norm": {"value": 2500, "unit": "troops"}},
                {"start": 39, "end": 46, "label": "date", "norm": {"date": "2025-03-07"}},
            ],
            "relations": [
                {"head_span": {"start": 0, "end": 47, "label": "claim"}, "child_span": {"start": 0, "end": 12, "label": "source"}},
                {"head_span": {"start": 0, "end": 47, "label": "claim"}, "child_span": {"start": 18, "end": 30, "label": "figure"}},
            ],
        },
        {"id": "troops", "text": TEXT, "_annotator_id": "bob", "spans": [{"start": 19, "end": 22, "label": "figure"}]},
        {"id": "quiet", "text": "Nothing checkable here."},
        {"id": "skipped", "text": "A skipped article about 12 ships."},
        {"id": "unseen", "text": "An article nobody opened."},
    )
    with Store(db) as store:
        import_paths(store, [source])
        troops = store.document_by_key("troops").id
        store.set_status(troops, "alice", "done", "checked twice")
        store.set_status(store.document_by_key("quiet").id, "alice", "done")
        store.set_status(store.document_by_key("skipped").id, "alice", "skipped", "not news")
    return db


def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# -- JSONL (Prodigy) -------------------------------------------------------------------


def test_jsonl_line_field_by_field(small_db, tmp_path):
    out = tmp_path / "out.jsonl"
    with Store(small_db) as store:
        summary = export(store, Selection(annotators=("alice",)), "jsonl", out)
        # the status, set last, was this layer's last change (its log entry is the latest time)
        last_change = store.actions("alice", store.document_by_key("troops").id)[-1].created_at
    assert summary.lines == 1
    (line,) = read_lines(out)
    assert line["text"] == TEXT
    assert line["meta"] == {
        "key": "troops",
        "title": "Troops leave",
        "outlet": "Wire",
        "published": "2025-03-08",
        "annotator": "alice",
        "status": "done",
        "note": "checked twice",
        "updated_at": last_change,
    }
    words = ["The", "ministry", "said", "2,500", "troops", "left", "on", "7", "March", "."]
    starts = [0, 4, 13, 18, 24, 31, 36, 39, 41, 46]
    assert line["tokens"] == [
        {"text": w, "start": s, "end": s + len(w), "id": i, "ws": w not in ("March", ".")}
        for i, (w, s) in enumerate(zip(words, starts))
    ]
    assert line["spans"] == [
        {"start": 0, "end": 47, "text": TEXT, "label": "claim", "token_start": 0, "token_end": 9},
        {"start": 0, "end": 12, "text": "The ministry", "label": "source", "token_start": 0, "token_end": 1},
        {
            "start": 18,
            "end": 30,
            "text": "2,500 troops",
            "label": "figure",
            "token_start": 3,
            "token_end": 4,
            "norm": {"value": 2500, "unit": "troops"},
        },
        {
            "start": 39,
            "end": 46,
            "text": "7 March",
            "label": "date",
            "token_start": 7,
            "token_end": 8,
            "norm": {"date": "2025-03-07"},
        },
    ]
    claim = {"start": 0, "end": 47, "token_start": 0, "token_end": 9, "label": "claim"}
    assert line["relations"] == [
        {
            "head": 9,
            "child": 1,
            "head_span": claim,
            "child_span": {"start": 0, "end": 12, "token_start": 0, "token_end": 1, "label": "source"},
            "label": "source",
        },
        {
            "head": 9,
            "child": 4,
            "head_span": claim,
            "child_span": {"start": 18, "end": 30, "token_start": 3, "token_end": 4, "label": "figure"},
            "label": "figure",
        },
    ]
    assert line["answer"] == "accept"
    assert line["_annotator_id"] == line["_session_id"] == "alice"
    digest = hashlib.sha256(TEXT.encode("utf-8")).digest()
    assert line["_input_hash"] == int.from_bytes(digest[:4], "big", signed=True)
    assert -(2**31) <= line["_task_hash"] < 2**31


def test_spans_off_token_boundaries_keep_exact_offsets_in_jsonl(small_db, tmp_path):
    out = tmp_path / "bob.jsonl"
    with Store(small_db) as store:
        export(store, Selection(annotators=("bob",)), "jsonl", out)
    (line,) = read_lines(out)
    # "2,500" is token 3: the span [19, 22) ",50" lies inside it
    assert line["spans"] == [
        {"start": 19, "end": 22, "text": ",50", "label": "figure", "token_start": 3, "token_end": 3}
    ]
    assert line["meta"]["status"] == "todo"
    assert line["relations"] == []


def test_hashes_are_stable_and_the_task_hash_tells_layers_apart(small_db, tmp_path):
    with Store(small_db) as store:
        export(store, Selection(), "jsonl", tmp_path / "a.jsonl")
        export(store, Selection(), "jsonl", tmp_path / "b.jsonl")
    first, second = read_lines(tmp_path / "a.jsonl"), read_lines(tmp_path / "b.jsonl")
    assert [(r["_input_hash"], r["_task_hash"]) for r in first] == [(r["_input_hash"], r["_task_hash"]) for r in second]
    alice, bob = (r for r in first if r["meta"]["key"] == "troops")
    assert alice["_input_hash"] == bob["_input_hash"]
    assert alice["_task_hash"] != bob["_task_hash"]
    # the values every version so far has written: a task keeps its hash across releases
    assert (alice["_input_hash"], alice["_task_hash"], bob["_task_hash"]) == (-1122502048, -1126326220, 1645465387)


def test_default_is_every_annotator_one_line_each_in_corpus_order(small_db, tmp_path):
    out = tmp_path / "all.jsonl"
    with Store(small_db) as store:
        export(store, Selection(), "jsonl", out)
    assert [(r["meta"]["key"], r["meta"]["annotator"]) for r in read_lines(out)] == [
        ("troops", "alice"),
        ("troops", "bob"),
    ]


def test_labels_filter_spans_and_relations(small_db, tmp_path):
    out = tmp_path / "claims.jsonl"
    with Store(small_db) as store:
        export(store, Selection(annotators=("alice",), labels=("claim", "figure")), "jsonl", out)
    (line,) = read_lines(out)
    assert [s["label"] for s in line["spans"]] == ["claim", "figure"]
    # the link to the source is left out with the source
    assert [(r["head_span"]["label"], r["child_span"]["label"]) for r in line["relations"]] == [("claim", "figure")]


def test_include_empty_adds_seen_documents_only(small_db, tmp_path):
    out = tmp_path / "empty.jsonl"
    with Store(small_db) as store:
        export(store, Selection(annotators=("alice",), include_empty=True), "jsonl", out)
    lines = read_lines(out)
    # "quiet" was marked done with no spans: a negative; "unseen" was never
    # opened and "skipped" was skipped, so neither goes out
    assert [(r["meta"]["key"], len(r["spans"]), r["answer"]) for r in lines] == [
        ("troops", 4, "accept"),
        ("quiet", 0, "accept"),
    ]


def test_include_skipped_writes_reject(small_db, tmp_path):
    out = tmp_path / "skipped.jsonl"
    with Store(small_db) as store:
        export(store, Selection(annotators=("alice",), include_empty=True, include_skipped=True), "jsonl", out)
    lines = {r["meta"]["key"]: r for r in read_lines(out)}
    assert set(lines) == {"troops", "quiet", "skipped"}
    assert lines["skipped"]["answer"] == "reject"
    assert lines["skipped"]["meta"]["status"] == "skipped"
    assert lines["skipped"]["meta"]["note"] == "not news"


def test_status_filter(small_db, tmp_path):
    out = tmp_path / "done.jsonl"
    with Store(small_db) as store:
        export(store, Selection(statuses=("done",), include_empty=True), "jsonl", out)
    assert [(r["meta"]["key"], r["meta"]["annotator"]) for r in read_lines(out)] == [
        ("troops", "alice"),
        ("quiet", "alice"),
    ]


def test_suggestions_go_out_as_pre_annotations(small_db, tmp_path):
    out = tmp_path / "suggested.jsonl"
    with Store(small_db) as store:
        troops = store.document_by_key("troops").id
        store.replace_suggestions(troops, "rules", [("figure", 18, 30, 0.9, {"value": 2500}), ("date", 39, 46, None, None)])
        store.replace_suggestions(troops, "model", [("figure", 18, 30, 0.7, None)])
        export(store, Selection(suggestions=True), "jsonl", out)
        export(store, Selection(suggestions=True), "doccano", tmp_path / "suggested.doccano.jsonl")
    (line,) = read_lines(out)
    assert line["meta"] == {"key": "troops", "title": "Troops leave", "outlet": "Wire", "published": "2025-03-08"}
    assert [(s["label"], s["start"], s["end"], s["source"], s.get("score"), s.get("norm")) for s in line["spans"]] == [
        ("figure", 18, 30, "model", 0.7, None),
        ("figure", 18, 30, "rules", 0.9, {"value": 2500}),
        ("date", 39, 46, "rules", None, None),
    ]
    # input for an annotation tool: nobody has answered it yet
    for field in ("answer", "_annotator_id", "_session_id", "relations"):
        assert field not in line
    (doccano,) = read_lines(tmp_path / "suggested.doccano.jsonl")
    assert doccano["label"] == [[18, 30, "figure"], [39, 46, "date"]]


def test_gold_layer_names_who_decided(small_db, tmp_path):
    out = tmp_path / "gold.jsonl"
    with Store(small_db) as store:
        troops = store.document_by_key("troops").id
        store.write_gold(troops, "carol", add=[("figure", 18, 30, {"value": 2500})], resolution="accepted alice")
        export(store, Selection(gold=True), "jsonl", out)
    (line,) = read_lines(out)
    assert line["meta"]["annotator"] == line["_annotator_id"] == "gold"
    assert line["spans"][0]["decided_by"] == "carol"
    assert line["spans"][0]["norm"] == {"value": 2500}


# -- doccano ------------------------------------------------------------------------------


def test_doccano_line_field_by_field(small_db, tmp_path):
    out = tmp_path / "doccano.jsonl"
    with Store(small_db) as store:
        export(store, Selection(annotators=("alice",)), "doccano", out)
    (line,) = read_lines(out)
    assert line == {
        "id": "troops",
        "text": TEXT,
        "label": [[0, 47, "claim"], [0, 12, "source"], [18, 30, "figure"], [39, 46, "date"]],
        "annotator": "alice",
        "meta": {
            "title": "Troops leave",
            "outlet": "Wire",
            "published": "2025-03-08",
            "status": "done",
            "note": "checked twice",
            "updated_at": line["meta"]["updated_at"],
        },
    }


def test_doccano_export_imports_back(small_db, tmp_path):
    out = tmp_path / "doccano.jsonl"
    with Store(small_db) as store:
        export(store, Selection(), "doccano", out)
    with Store(tmp_path / "again.db") as again:
        import_paths(again, [out])
        doc = again.document_by_key("troops")
        assert doc.title == "Troops leave"
        assert [(s.label, s.start, s.end) for s in again.spans(doc.id, "alice")] == [
            ("claim", 0, 47),
            ("source", 0, 12),
            ("figure", 18, 30),
            ("date", 39, 46),
        ]
        assert [(s.label, s.start, s.end) for s in again.spans(doc.id, "bob")] == [("figure", 19, 22)]
        assert again.status(doc.id, "alice").status == "done"


def test_doccano_relations_by_entity_id_import_as_links(tmp_path, store):
    source = write_jsonl(
        tmp_path / "doccano.jsonl",
        {
            "text": TEXT,
            "annotator": "dana",
            "entities": [
                {"id": 7, "start_offset": 18, "end_offset": 30, "label": "figure"},
                {"id": 8, "start_offset": 0, "end_offset": 47, "label": "claim"},
            ],
            "relations": [{"id": 1, "from_id": 7, "to_id": 8, "type": "of"}],
        },
    )
    import_paths(store, [source])
    doc_id = store.documents()[0].id
    (link,) = store.links(doc_id, "dana")
    # a link always runs from the claim
    assert (store.span(link.claim_id).label, store.span(link.target_id).label) == ("claim", "figure")


# -- spaCy ----------------------------------------------------------------------------


def load_docbin(path: Path):
    import spacy
    from spacy.tokens import DocBin

    return list(DocBin().from_disk(path).get_docs(spacy.blank("en").vocab))


def test_spacy_docbin_loads_back_with_exact_spans(small_db, tmp_path):
    out = tmp_path / "out.spacy"
    with Store(small_db) as store:
        summary = export(store, Selection(), "spacy", out)
    alice, bob = load_docbin(out)
    assert alice.text == bob.text == TEXT
    assert [t.text for t in alice] == ["The", "ministry", "said", "2,500", "troops", "left", "on", "7", "March", "."]
    assert [(s.start_char, s.end_char, s.label_) for s in alice.spans["sc"]] == [
        (0, 47, "claim"),
        (0, 12, "source"),
        (18, 30, "figure"),
        (39, 46, "date"),
    ]
    assert alice.user_data["key"] == "troops" and alice.user_data["layer"] == "alice"
    # bob's ",50" is widened to the token "2,500" containing it, and reported
    assert [(s.start_char, s.end_char, s.label_) for s in bob.spans["sc"]] == [(18, 23, "figure")]
    assert [a.line() for a in summary.aligned] == ["troops (bob) figure [19, 22) -> [18, 23)"]


def test_a_layers_last_change_counts_its_spans_own_times(small_db, tmp_path):
    import sqlite3

    # a span changed after everything the log holds (as an import or a merge can leave it)
    with sqlite3.connect(small_db) as conn:
        conn.execute(
            "UPDATE spans SET updated_at = '2030-01-02T03:04:05.000Z'"
            " WHERE label_id = (SELECT id FROM labels WHERE name = 'date')"
            " AND annotator_id = (SELECT id FROM annotators WHERE name = 'alice')"
        )
    conn.close()
    out = tmp_path / "out.jsonl"
    for labels in ((), ("date",), ("claim",)):
        with Store(small_db) as store:
            export(store, Selection(annotators=("alice",), labels=labels), "jsonl", out)
        (line,) = read_lines(out)
        # the layer's last change, whichever of its labels go out
        assert line["meta"]["updated_at"] == "2030-01-02T03:04:05.000Z", labels


def test_spacy_alignment_matches_spacys_expand_mode():
    import spacy

    text = "  Ships: 12, then  3 more.\n\nEnd "
    doc = spacy.blank("en")(text)
    tokens = Tokens.cover(text, [(t.idx, t.idx + len(t)) for t in doc])
    assert [text[s:e] for s, e in zip(tokens.starts, tokens.ends)] == [t.text for t in doc]
    assert tokens.spaces == [bool(t.whitespace_) for t in doc]
    for start in range(len(text)):
        for end in range(start + 1, len(text) + 1):
            expected = doc.char_span(start, end, alignment_mode="expand")
            first, last = tokens.locate(start, end)
            if expected is not None and len(expected):
                assert (first, last) == (expected.start, expected.end - 1), (start, end)
            else:  # spaCy finds nothing for a lone space after a token: Redline keeps that token
                assert text[start:end].strip() == ""
                assert first == last and tokens.ends[last] <= start


ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80).filter(str.strip) | st.sampled_from(
    ['He said "2,500" \\ ok', "tab\there\x00nul\x1f", 'typed \\u0000 and "\\n" literally\n\n"quoted"', "a DEL\x7f, the separator", "\x7f", "  lead and trail  ", "a\u2028b\x85c", "👩‍👩‍👧 🇺🇳 e\u0301"]
)


@settings(max_examples=150, deadline=None)
@given(text=ANY_TEXT)
def test_token_layout_and_token_json_for_any_text(text):
    from annotations.nlp import blank

    stored = [(t.idx, t.idx + len(t)) for t in blank()(text)]
    tokens = Tokens.from_packed(text, pack_tokens(stored))
    general = Tokens.cover(text, stored)
    assert (tokens.starts, tokens.ends, tokens.spaces) == (general.starts, general.ends, general.spaces)
    # the tokens and their single spaces rebuild the text, as spaCy's Doc does
    assert "".join(text[s:e] + (" " if w else "") for s, e, w in zip(tokens.starts, tokens.ends, tokens.spaces)) == text
    line = tokens_json(text, tokens).decode("utf-8")
    assert not any(c in line for c in "\x85\u2028\u2029\n")
    objects = [
        {"text": text[s:e], "start": s, "end": e, "id": i, "ws": w}
        for i, (s, e, w) in enumerate(zip(tokens.starts, tokens.ends, tokens.spaces))
    ]
    assert json.loads(line) == objects
    assert line == dumps(objects)  # the same bytes as the JSON encoder writes
    assert tokens_json(text, general).decode("utf-8") == line  # without spaCy's layout to lean on


def test_token_json_of_a_long_document():
    text = "word " * 20_000 + "end"  # offsets past the table of small numbers
    stored = [(i, i + 4) for i in range(0, 100_000, 5)] + [(100_000, 100_003)]
    tokens = Tokens.cover(text, stored)
    objects = json.loads(tokens_json(text, tokens))
    assert tokens_json(text, Tokens.from_packed(text, pack_tokens(stored))) == tokens_json(text, tokens)
    assert len(objects) == 20_001
    assert objects[-2] == {"text": "word", "start": 99_995, "end": 99_999, "id": 19_999, "ws": True}
    assert objects[-1] == {"text": "end", "start": 100_000, "end": 100_003, "id": 20_000, "ws": False}


def test_token_json_of_a_long_document_in_spacys_layout_with_wide_characters():
    from annotations.nlp import blank

    text = "Prices rose 5\u202f% in “Zürich” — 😀 said. " * 2_000  # past the tables, with 2-, 3- and 4-byte characters
    stored = [(t.idx, t.idx + len(t)) for t in blank()(text)]
    tokens = Tokens.from_packed(text, pack_tokens(stored))
    assert tokens.layout and stored[-1][1] > 65_536
    objects = [
        {"text": text[s:e], "start": s, "end": e, "id": i, "ws": w}
        for i, (s, e, w) in enumerate(zip(tokens.starts, tokens.ends, tokens.spaces))
    ]
    assert tokens_json(text, tokens).decode("utf-8") == dumps(objects)


def test_tokens_that_miss_text_are_filled_in():
    text = "ab  cd\n"
    tokens = Tokens.cover(text, [(0, 2), (4, 6)])  # the extra space and the newline are in no token
    assert [text[s:e] for s, e in zip(tokens.starts, tokens.ends)] == ["ab", " ", "cd", "\n"]
    assert tokens.spaces == [True, False, False, False]


def test_large_spacy_export_is_a_folder_spacy_reads_as_one_corpus(sample_db, tmp_path):
    import spacy
    from spacy.training import Corpus

    out = tmp_path / "big.spacy"
    with Store(sample_db) as store:
        summary = export(store, Selection(), "spacy", out, shard_size=4)
    (writer,) = summary.writers
    assert out.is_dir() and writer.shards == 2
    assert sorted(p.name for p in out.iterdir()) == ["0001.spacy", "0002.spacy"]
    examples = list(Corpus(out)(spacy.blank("en")))
    assert len(examples) == summary.lines == 6
    assert sum(len(e.reference.spans["sc"]) for e in examples) == summary.spans == 259


# -- split -----------------------------------------------------------------------------


def test_split_divides_documents_reproducibly(sample_db, tmp_path):
    out = tmp_path / "corpus.jsonl"
    with Store(sample_db) as store:
        export(store, Selection(), "jsonl", out, split=0.7, seed=4)
        train = read_lines(tmp_path / "corpus.train.jsonl")
        dev = read_lines(tmp_path / "corpus.dev.jsonl")
        export(store, Selection(), "jsonl", out, split=0.7, seed=4)
        assert read_lines(tmp_path / "corpus.train.jsonl") == train
        others = set()
        for seed in range(6):
            export(store, Selection(), "jsonl", out, split=0.7, seed=seed)
            others.add(frozenset(r["meta"]["key"] for r in read_lines(tmp_path / "corpus.dev.jsonl")))
    assert not out.exists()
    train_keys = {r["meta"]["key"] for r in train}
    dev_keys = {r["meta"]["key"] for r in dev}
    # 3 annotated documents: round(0.7 * 3) = 2 to train, 1 to dev, both layers of each together
    assert len(train_keys) == 2 and len(dev_keys) == 1 and not train_keys & dev_keys
    assert len(train) == 4 and len(dev) == 2
    assert len(others) > 1  # another seed, another split


# -- safety ------------------------------------------------------------------------------


def test_a_failed_export_leaves_the_old_file_and_no_temporary(small_db, tmp_path, monkeypatch):
    out = tmp_path / "out.jsonl"
    out.write_text("previous export\n")
    calls = []

    def failing(task):
        calls.append(task)
        if len(calls) == 2:
            raise OSError("disk full")
        return "{}"

    monkeypatch.setattr(export_module, "prodigy_line", failing)
    with Store(small_db) as store, pytest.raises(OSError, match="disk full"):
        export(store, Selection(), "jsonl", out)
    assert out.read_text() == "previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("small.db")) == ["in.jsonl", "out.jsonl"]


def test_a_failed_split_writes_neither_file(small_db, tmp_path, monkeypatch):
    def failing(task):
        raise KeyboardInterrupt

    monkeypatch.setattr(export_module, "prodigy_line", failing)
    with Store(small_db) as store, pytest.raises(KeyboardInterrupt):
        export(store, Selection(annotators=("alice",), include_empty=True), "jsonl", tmp_path / "c.jsonl", split=0.5)
    assert not list(tmp_path.glob("*c.*"))


# -- the command line -----------------------------------------------------------------------


def test_cli_writes_jsonl_to_standard_output(small_db, capsys):
    result = run_cli(capsys, "export", "--db", small_db, "-o", "-", "--annotator", "bob")
    assert result.code == 0
    (line,) = [json.loads(x) for x in result.out.splitlines()]
    assert line["meta"]["annotator"] == "bob"
    assert "exported 1 line (1 document, 1 span) to standard output" in result.err


def test_cli_spacy_reports_aligned_spans(small_db, tmp_path, capsys):
    out = tmp_path / "train.spacy"
    result = run_cli(capsys, "export", "--db", small_db, "-o", out)
    assert result.code == 0
    assert result.out.splitlines() == [
        f"exported 2 lines (1 document, 5 spans) to {out}",
        "1 span not on token boundaries widened to the tokens containing them (JSONL keeps exact offsets):",
        "  troops (bob) figure [19, 22) -> [18, 23)",
    ]
    assert len(load_docbin(out)) == 2


def test_cli_split_names_both_files(sample_db, tmp_path, capsys):
    result = run_cli(capsys, "export", "--db", sample_db, "-o", tmp_path / "c.jsonl", "--split", "0.7", "--seed", "1")
    assert result.code == 0, result.err
    train, dev = re.escape(str(tmp_path / "c.train.jsonl")), re.escape(str(tmp_path / "c.dev.jsonl"))
    pattern = rf"exported 6 lines: 4 lines \(2 documents, \d+ spans\) to {train}; 2 lines \(1 document, \d+ spans\) to {dev}"
    assert re.fullmatch(pattern, result.out.strip()), result.out


ERRORS = {
    "unknown annotator": (["--annotator", "carol"], "error: unknown annotator 'carol' (annotators: alice, bob)"),
    "unknown label": (["--labels", "claim,person"], "error: unknown label 'person' (labels: claim, source, figure, date)"),
    "unknown status": (["--status", "finished"], "error: unknown status 'finished' (statuses: todo, in_progress, done, skipped, flagged)"),
    "unknown format": (["--format", "csv"], "error: unknown format 'csv' (formats: jsonl, spacy, doccano, brat)"),
    "no gold layer": (["--gold"], "error: there is no gold (adjudicated) layer yet (annotators: alice, bob)"),
    "empty selection": (
        ["--annotator", "bob", "--labels", "date"],
        "error: nothing to export: no spans labelled date from bob (4 documents; alice: 4 spans (done 2, skipped 1);"
        " bob: 1 spans; 0 suggestions)",
    ),
    "empty status selection": (
        ["--status", "flagged"],
        "error: nothing to export: no spans from alice and bob in documents marked flagged",
    ),
    "no suggestions": (["--suggestions"], "error: nothing to export: there are no suggestions (4 documents;"),
    "bad split": (["--split", "1.5"], "error: --split 1.5: give the share of documents for training, between 0 and 1"),
    "split of one document": (["--annotator", "bob", "--split", "0.8"], "error: --split needs at least 2 documents; the selection has 1"),
    "spacy to stdout": (["--format", "spacy", "-o", "-"], "error: spaCy's DocBin is binary: write it to a file with -o"),
    "backup with filters": (["--backup", "--labels", "claim"], "error: --backup writes every layer of every document; leave out --labels"),
    "backup as spacy": (["--backup", "--format", "spacy"], "error: --backup writes JSONL"),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors_are_one_line_and_write_nothing(case, small_db, tmp_path, capsys):
    args, message = ERRORS[case]
    out = tmp_path / "out" / "x.jsonl"
    out.parent.mkdir()
    if "-o" not in args:
        args = [*args, "-o", out]
    result = run_cli(capsys, "export", "--db", small_db, *args)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith(message), lines[0]
    assert "Traceback" not in result.err
    assert list(out.parent.iterdir()) == []


def test_missing_folder_and_missing_database_are_errors(small_db, tmp_path, capsys):
    result = run_cli(capsys, "export", "--db", small_db, "-o", tmp_path / "nowhere" / "x.jsonl")
    assert result.code == 1
    assert result.err.strip() == f"error: {tmp_path / 'nowhere' / 'x.jsonl'}: no such folder {tmp_path / 'nowhere'}"
    result = run_cli(capsys, "export", "--db", tmp_path / "none.db", "-o", tmp_path / "x.jsonl")
    assert result.code == 1
    assert result.err.strip() == f"error: {tmp_path / 'none.db'}: no such database"
    assert not (tmp_path / "none.db").exists()


# -- lines made on several cores ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "doccano"])
def test_lines_made_in_worker_processes_are_the_same_bytes(sample_db, tmp_path, monkeypatch, capsysbinary, fmt):
    monkeypatch.setattr(export_layers, "BATCH_DOCUMENTS", 2)  # several batches to share out
    selection = Selection(annotators=("alice", "bob"), suggestions=True, include_empty=True)
    with Store(sample_db) as store:
        alone = export(store, selection, fmt, tmp_path / "alone.jsonl", workers=0)
        shared = export(store, selection, fmt, tmp_path / "shared.jsonl", workers=2)
        export(store, selection, fmt, None, workers=2)
        assert capsysbinary.readouterr().out == (tmp_path / "alone.jsonl").read_bytes()
        split = export(store, selection, fmt, tmp_path / "split.jsonl", workers=2, split=0.5, seed=3)
        split_alone = export(store, selection, fmt, tmp_path / "alone-split.jsonl", workers=0, split=0.5, seed=3)
    assert alone.lines == 16  # ten documents' suggestions, and alice's and bob's three each
    assert (tmp_path / "shared.jsonl").read_bytes() == (tmp_path / "alone.jsonl").read_bytes()
    assert [(w.lines, w.spans, w.documents) for w in shared.writers] == [(16, alone.spans, 10)]
    for part in ("train", "dev"):
        assert (tmp_path / f"split.{part}.jsonl").read_bytes() == (tmp_path / f"alone-split.{part}.jsonl").read_bytes()
    assert [(w.lines, w.documents) for w in split.writers] == [(w.lines, w.documents) for w in split_alone.writers]
    assert sum(w.documents for w in split.writers) == 10


def test_worker_processes_make_lines_and_their_errors_stop_the_export(sample_db, tmp_path, monkeypatch):
    monkeypatch.setattr(export_layers, "BATCH_DOCUMENTS", 1)
    main = os.getpid()
    makers = tmp_path / "makers"
    real = Tokens.from_packed.__func__

    def recorded(cls, text, packed):
        with makers.open("a") as handle:
            handle.write(f"{os.getpid()}\n")
        return real(cls, text, packed)

    monkeypatch.setattr(Tokens, "from_packed", classmethod(recorded))
    out = tmp_path / "out.jsonl"
    with Store(sample_db) as store:
        export(store, Selection(suggestions=True, include_empty=True), "jsonl", out, workers=1)
    assert len(read_lines(out)) == 10
    assert set(makers.read_text().split()) - {str(main)}  # a worker made lines

    def failing(cls, text, packed):
        if os.getpid() != main:
            raise OSError("no space left on device")
        return real(cls, text, packed)

    monkeypatch.setattr(Tokens, "from_packed", classmethod(failing))
    out.write_text("previous export\n")
    with Store(sample_db) as store, pytest.raises(OSError, match="no space left"):
        export(store, Selection(suggestions=True, include_empty=True), "jsonl", out, workers=1)
    assert out.read_text() == "previous export\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_a_worker_that_cannot_open_the_database_stops_the_export(sample_db, tmp_path, monkeypatch):
    monkeypatch.setattr(export_layers, "BATCH_DOCUMENTS", 1)
    main = os.getpid()
    real = Store.__init__

    def opening(self, *args, **kwargs):
        if os.getpid() != main:
            raise StoreError("database disk image is malformed")
        real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "__init__", opening)
    out = tmp_path / "out.jsonl"
    with Store(sample_db) as store, pytest.raises(StoreError, match="malformed"):
        export(store, Selection(suggestions=True, include_empty=True), "jsonl", out, workers=1)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_only_large_exports_start_workers():
    from annotations.export_render import PARALLEL_LINES, worker_count

    assert worker_count(PARALLEL_LINES - 1) == 0
    assert worker_count(PARALLEL_LINES) == min(3, len(os.sched_getaffinity(0)) - 1)
