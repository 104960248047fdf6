"""brat standoff both ways: ``redline export --format brat -o DIR`` and
``redline import DIR`` of brat folders (a .ann beside each .txt)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotations.store import Store
from tests.helpers import dump, run_cli
from tests.test_roundtrip import state


def write(path: Path, text: str, *, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def layer_of(store: Store, key: str, annotator: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(label, text) of each span of a layer, and (claim text, target text) of each link."""
    doc = store.document_by_key(key)
    spans = [s for s in store.spans(doc.id) if s.annotator == annotator]
    by_id = {s.id: s for s in spans}
    links = [
        (doc.text[by_id[l.claim_id].start : by_id[l.claim_id].end], doc.text[by_id[l.target_id].start : by_id[l.target_id].end])
        for l in store.links(doc.id)
        if l.claim_id in by_id
    ]
    return sorted((s.label, doc.text[s.start : s.end]) for s in spans), links


# -- export and back ------------------------------------------------------------


def test_the_sample_corpus_goes_out_as_brat_and_comes_back_exactly(capsys, sample_db, tmp_path):
    with Store(sample_db) as store:
        doc = store.document_by_key("02-alliance-weighs-aid")
        store.set_status(doc.id, "alice", "done", "checked twice")
        store.set_status(doc.id, "carol", "skipped", "not about the aid")  # a layer with no spans
        gold_line = {
            "text": doc.text,
            "_annotator_id": "gold",
            "spans": [{"start": 0, "end": 9, "label": "source", "decided_by": "ines"}],
        }
    source = write(tmp_path / "gold.jsonl", json.dumps(gold_line) + "\n")
    assert run_cli(capsys, "import", "--db", sample_db, "--no-suggest", source).code == 0

    out = tmp_path / "brat"
    result = run_cli(capsys, "export", "--db", sample_db, "--format", "brat", "--gold", "--annotator", "alice",
                     "--annotator", "bob", "--annotator", "carol", "--include-empty", "--include-skipped", "-o", out)
    assert result.code == 0, result.err
    assert {p.name for p in out.iterdir()} == {"alice", "bob", "carol", "gold", "annotation.conf", "visual.conf"}
    conf = (out / "annotation.conf").read_text()
    assert "[entities]\nclaim\nsource\nfigure\ndate\n" in conf and "link\tArg1:claim, Arg2:source|figure|date" in conf
    assert "claim\tbgColor:#" in (out / "visual.conf").read_text()
    with Store(sample_db) as store:
        text = store.document_by_key("01-border-buildup").text
    # the text goes out unchanged, and every T line quotes the text at its offsets
    assert (out / "alice" / "01-border-buildup.txt").read_text(encoding="utf-8") == text
    for line in (out / "alice" / "01-border-buildup.ann").read_text(encoding="utf-8").splitlines():
        if line.startswith("T"):
            _, middle, quoted = line.split("\t")
            _, start, end = middle.split()
            assert " ".join(text[int(start) : int(end)].split("\n")) == quoted

    fresh = tmp_path / "fresh.db"
    result = run_cli(capsys, "import", "--db", fresh, "--no-suggest", out)
    assert result.code == 0, result.err
    with Store(sample_db) as before, Store(fresh) as after:
        expected, found = state(before), state(after)
        # brat holds what the layers annotated: the documents nobody did stay behind
        annotated = {key for key, _ in expected["layers"]}
        assert [d for d in expected["documents"] if d[0] in annotated] == found["documents"]
        assert expected["layers"] == found["layers"]
        assert expected["annotators"] == found["annotators"]


def test_export_refuses_standard_output_and_a_folder_of_other_files(capsys, sample_db, tmp_path):
    assert "give -o DIR" in run_cli(capsys, "export", "--db", sample_db, "--format", "brat", "-o", "-").err
    other = tmp_path / "notes"
    write(other / "todo.txt", "mine\n")
    result = run_cli(capsys, "export", "--db", sample_db, "--format", "brat", "-o", other)
    assert result.code == 1 and "not a brat export" in result.err
    assert [p.name for p in other.iterdir()] == ["todo.txt"]
    # an earlier brat export of the same name is replaced
    first = tmp_path / "brat"
    assert run_cli(capsys, "export", "--db", sample_db, "--format", "brat", "-o", first).code == 0
    assert run_cli(capsys, "export", "--db", sample_db, "--format", "brat", "--annotator", "bob", "-o", first).code == 0
    assert sorted(p.name for p in first.iterdir()) == ["annotation.conf", "bob", "visual.conf"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


# -- brat corpora made elsewhere --------------------------------------------------

TEXT = (
    "Officials said on Tuesday that 1,200 people were evacuated.\n"
    "The mayor, Ana Ruiz, said the river would crest by Friday.\n"
)
ANN = (
    "T1\tStatement 0 59\tOfficials said on Tuesday that 1,200 people were evacuated.\n"
    "T2\tSpeaker 0 9\tOfficials\n"
    "T3\tCue 10 14\tsaid\n"
    "T4\tNumber 31 43\t1,200 people\n"
    "T5\tSpeaker 60 69;71 79\tThe mayor Ana Ruiz\n"
    "T6\tdate 111 117\tFriday\n"
    "R1\tAttribution Arg1:T2 Arg2:T1\n"
    "R2\tCueOf Arg1:T3 Arg2:T1\n"
    "R3\tSame Arg1:T2 Arg2:T5\n"
    "E1\tSay:T3 Agent:T2\n"
    "A1\tNegated E1\n"
    "#1\tAnnotatorNotes T2\tunnamed officials\n"
    '#2\tAnnotatorNotes T4\t{"value": 1200, "unit": "people"}\n'
)


def test_a_brat_corpus_with_a_label_map_imports_what_maps_and_reports_the_rest(capsys, db_path, tmp_path):
    folder = tmp_path / "flood"
    write(folder / "a.txt", TEXT)
    write(folder / "a.ann", ANN)
    result = run_cli(capsys, "import", "--db", db_path, "--no-suggest", folder,
                     "--map", "Statement=claim", "--map", "speaker=source", "--map", "Number=figure")
    assert result.code == 0, result.err
    assert "6 spans imported (flood 6)" in result.out
    assert "discontinuous spans split into one span per fragment: 1" in result.out
    assert "spans of type 'Cue' skipped (not a label; --map Cue=LABEL): 1" in result.out
    assert "events skipped: 1" in result.out and "attributes skipped: 1" in result.out
    assert "relations skipped (an end is not a kept span): 1" in result.out  # to the cue
    assert "relations skipped (not between a claim and a span of another label): 1" in result.out
    assert "notes skipped (not normalised values of a kept span): 1" in result.out
    with Store(db_path) as store:
        spans, links = layer_of(store, "a", "flood")
        assert spans == [
            ("claim", "Officials said on Tuesday that 1,200 people were evacuated."),
            ("date", "Friday"),
            ("figure", "1,200 people"),
            ("source", "Ana Ruiz"),
            ("source", "Officials"),
            ("source", "The mayor"),
        ]
        # Arg1 was the source: a link starts at the claim
        assert links == [("Officials said on Tuesday that 1,200 people were evacuated.", "Officials")]
        doc = store.document_by_key("a")
        figure = next(s for s in store.spans(doc.id) if s.label == "figure")
        assert figure.norm == {"value": 1200, "unit": "people"}
        assert doc.title == "Officials said on Tuesday that 1,200 people were evacuated."


def test_crlf_text_and_a_byte_order_mark_keep_the_spans_on_their_words(capsys, db_path, tmp_path):
    folder = tmp_path / "windows"
    txt = write(folder / "b.txt", TEXT, newline="\r\n")
    txt.write_bytes("\ufeff".encode() + txt.read_bytes())
    # offsets count the mark and the "\r" of each line ending, as brat counts them in the file
    write(folder / "b.ann", "T1\tdate 113 119\tFriday\nT2\tsource 62 71\tThe mayor\n")
    assert run_cli(capsys, "import", "--db", db_path, "--no-suggest", folder).code == 0
    with Store(db_path) as store:
        assert layer_of(store, "b", "windows")[0] == [("date", "Friday"), ("source", "The mayor")]


@pytest.mark.parametrize(
    "ann, message",
    [
        ("T1\tSpeaker 0 9\tOfficals\n", 'a.ann:1: T1 [0, 9) says "Officals" but a.txt has "Officials" there'),
        ("T1\tsource 0 9\tOfficials\nT2\tsource 0 x9\tOfficials\n", "a.ann:2: malformed T line"),
        ("T1\tsource 0 900\tOfficials\n", "a.ann:1: T1 [0, 900) is empty or outside a.txt"),
        ("T1\tsource 0 9\tOfficials\nR1\tRel Arg1:T1 Arg2:T7\n", "a.ann:2: the relation refers to T7"),
        ("X1\tsource 0 9\tOfficials\n", "a.ann:1: not a brat annotation line"),
    ],
)
def test_bad_brat_input_is_a_one_line_error_and_stores_nothing(capsys, db_path, tmp_path, ann, message):
    folder = tmp_path / "bad"
    write(folder / "a.txt", TEXT)
    write(folder / "a.ann", ann)
    write(tmp_path / "good" / "c.txt", "A good article that comes first.\n")
    with Store(db_path):
        pass
    before = dump(db_path)
    result = run_cli(capsys, "import", "--db", db_path, "--no-suggest", tmp_path / "good", folder, "--map", "Speaker=source")
    assert result.code == 1
    assert message in result.err and len(result.err.strip().splitlines()) == 1, result.err
    assert dump(db_path) == before


def test_an_ann_without_its_text_and_a_map_to_no_label_are_refused(capsys, db_path, tmp_path):
    write(tmp_path / "lonely" / "a.ann", "T1\tsource 0 9\tOfficials\n")
    result = run_cli(capsys, "import", "--db", db_path, tmp_path / "lonely")
    assert result.code == 1 and "a.ann: no a.txt beside it" in result.err
    write(tmp_path / "ok" / "a.txt", TEXT)
    write(tmp_path / "ok" / "a.ann", "T1\tSpeaker 0 9\tOfficials\n")
    result = run_cli(capsys, "import", "--db", db_path, tmp_path / "ok", "--map", "Speaker=speaker")
    assert result.code == 1 and "--map Speaker=speaker: no label 'speaker'" in result.err
    result = run_cli(capsys, "import", "--db", db_path, tmp_path / "ok", "--map", "Speaker")
    assert result.code == 1 and "give TYPE=LABEL" in result.err
