"""``redline import``: every format, duplicates, canonical text, all-or-nothing errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotations.corpus import CorpusError
from annotations.importer import import_paths
from annotations.store import Store
from tests.helpers import dump, run_cli


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def jsonl(path: Path, *records: dict) -> Path:
    return write(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


ARTICLE = "Troops gather\n\nAbout 3,200 soldiers arrived on Friday, officials said.\n"


def test_txt_file_whole_text_first_line_title_and_tokens(tmp_path, store):
    path = write(tmp_path / "a" / "troops.txt", ARTICLE)
    summary = import_paths(store, [path])
    assert (summary.added, summary.present) == (1, 0)
    doc = store.document_by_key("troops")
    assert doc.text == ARTICLE
    assert doc.title == "Troops gather"
    words = [doc.text[s:e] for s, e in doc.tokens]
    assert words[:2] == ["Troops", "gather"]
    assert "3,200" in words and "Friday" in words
    # whitespace tokens are kept, so the tokens rebuild the text exactly
    assert all(s < e for s, e in doc.tokens)
    assert [s for s, _ in doc.tokens] == sorted(s for s, _ in doc.tokens)


def test_markdown_front_matter_becomes_meta_and_is_not_text(tmp_path, store):
    path = write(
        tmp_path / "story.md",
        "---\ntitle: Border build-up\noutlet: The Ledger\npublished: 2025-03-14\nurl: https://x.example/a\n---\n\n"
        + ARTICLE,
    )
    import_paths(store, [path])
    doc = store.document_by_key("story")
    assert doc.text == ARTICLE
    assert doc.title == "Border build-up"
    assert doc.meta["outlet"] == "The Ledger"
    assert doc.meta["published"] == "2025-03-14"
    assert doc.meta["url"] == "https://x.example/a"


def test_markdown_without_front_matter_keeps_every_line(tmp_path, store):
    import_paths(store, [write(tmp_path / "plain.md", "# Heading\n\nBody.\n")])
    doc = store.document_by_key("plain")
    assert doc.text == "# Heading\n\nBody.\n"
    assert doc.title == "Heading"


def test_folders_are_recursive_in_sorted_order(tmp_path, store):
    write(tmp_path / "c" / "b.txt", "Second article.\n")
    write(tmp_path / "c" / "a" / "z.md", "First article.\n")
    write(tmp_path / "c" / "a.txt", "Zeroth article.\n")
    write(tmp_path / "c" / "notes.csv", "ignored,csv\n")
    import_paths(store, [tmp_path / "c"])
    # sorted by path components: c/a/z.md < c/a.txt < c/b.txt; the .csv is not an article
    assert [d.key for d in store.documents()] == ["z", "a", "b"]


def test_jsonl_with_prodigy_spans_and_doccano_labels(tmp_path, store):
    text = "The ministry said 400 troops left on Monday."
    path = jsonl(
        tmp_path / "in.jsonl",
        {
            "id": "doc-1",
            "text": text,
            "meta": {"outlet": "Wire", "published": "2025-01-02"},
            "spans": [
                {"start": 0, "end": 12, "label": "source", "text": "The ministry"},
                {"start": 18, "end": 28, "label": "FIGURE", "norm": {"value": 400, "unit": "troops"}},
            ],
            "_annotator_id": "alice",
        },
        {"text": text, "label": [[37, 43, "date"]], "annotator": "bob"},
        {"text": "A second text with no spans."},
    )
    summary = import_paths(store, [path])
    assert (summary.added, summary.present, summary.spans) == (2, 1, 3)
    doc = store.document_by_key("doc-1")
    assert doc.meta["outlet"] == "Wire"
    alice = store.spans(doc.id, "alice")
    assert [(s.label, s.start, s.end, s.origin) for s in alice] == [
        ("source", 0, 12, "imported"),
        ("figure", 18, 28, "imported"),
    ]
    assert alice[1].norm == {"value": 400, "unit": "troops"}
    assert [(s.label, doc.text[s.start : s.end]) for s in store.spans(doc.id, "bob")] == [("date", "Monday")]
    assert store.document_by_key("in-3").title == "A second text with no spans."


def test_annotator_comes_from_session_id_then_option(tmp_path, store):
    text = "Officials said 12 ships sailed."
    path = jsonl(
        tmp_path / "in.jsonl",
        {"text": text, "spans": [{"start": 15, "end": 23, "label": "figure"}], "_session_id": "news-carol"},
        {"text": text, "spans": [{"start": 15, "end": 17, "label": "figure"}]},
    )
    import_paths(store, [path], annotator="dave")
    doc_id = store.documents()[0].id
    assert [s.end for s in store.spans(doc_id, "news-carol")] == [23]
    assert [s.end for s in store.spans(doc_id, "dave")] == [17]


def test_duplicates_are_counted_not_added(tmp_path, store, capsys):
    folder = tmp_path / "corpus"
    write(folder / "one.txt", "Same text.\n")
    write(folder / "two.txt", "Same text.\n")
    write(folder / "three.txt", "Other text.\n")
    db = tmp_path / "r.db"
    first = run_cli(capsys, "import", folder, "--db", db)
    assert first.code == 0
    assert "2 added, 1 already present" in first.out
    again = run_cli(capsys, "import", folder, "--db", db)
    assert "0 added, 3 already present" in again.out
    with Store(db) as opened:
        assert opened.count_documents() == 2


def test_lines_per_annotator_become_layers_of_one_document(sample_store):
    """sample_corpus/annotations.jsonl holds a line per (article, annotator)."""
    assert sample_store.count_documents() == 10
    doc = sample_store.document_by_key("01-border-buildup")
    layers = {s.annotator for s in sample_store.spans(doc.id)}
    assert layers == {"alice", "bob"}
    for span in sample_store.spans(doc.id):
        assert 0 <= span.start < span.end <= len(doc.text)


def test_importing_the_same_annotations_twice_adds_nothing(tmp_path, sample_db):
    with Store(sample_db) as store:
        before = dump(sample_db)
        summary = import_paths(store, [Path(__file__).parent.parent / "sample_corpus" / "annotations.jsonl"])
        assert (summary.added, summary.spans) == (0, 0)
    assert dump(sample_db) == before


def test_crlf_and_line_separators_are_canonicalised_and_offsets_follow(tmp_path, store):
    original = "Line one\r\nline two\u2028line three\x0cend\rlast"
    start = original.index("line three")
    path = jsonl(
        tmp_path / "in.jsonl",
        {"id": "x", "text": original, "spans": [{"start": start, "end": start + 10, "label": "claim", "text": "line three"}],
         "_annotator_id": "a"},
    )
    import_paths(store, [path])
    doc = store.document_by_key("x")
    assert doc.text == "Line one\nline two\nline three\nend\nlast"
    (span,) = store.spans(doc.id, "a")
    assert doc.text[span.start : span.end] == "line three"


def test_text_files_are_canonicalised_too_and_keep_everything_else(tmp_path, store):
    raw = "\ufeffTitle\r\n\tTabbed [bold]x[/] \x1b[31mred\x1b[0m\x85end\r\n"
    import_paths(store, [write(tmp_path / "t.txt", raw.encode("utf-8"))])
    assert store.document_by_key("t").text == "Title\n\tTabbed [bold]x[/] \x1b[31mred\x1b[0m\nend\n"


# -- bad input: one line naming file and line, exit 1, database unchanged -----------------


BAD_INPUTS = {
    "invalid UTF-8": ("bad.txt", b"caf\xe9 au lait\n", "bad.txt:1: invalid UTF-8 at byte 3"),
    "malformed JSON": ("bad.jsonl", b'{"text": "ok"}\n{"text": \n', 'bad.jsonl:2: malformed JSON'),
    "missing text": ("bad.jsonl", b'{"text": "ok"}\n{"title": "no text"}\n', 'bad.jsonl:2: "text" is missing'),
    "empty text": ("bad.jsonl", b'{"text": "   "}\n', 'bad.jsonl:1: "text" is empty'),
    "span outside the text": (
        "bad.jsonl",
        b'{"text": "short", "spans": [{"start": 2, "end": 9, "label": "claim"}], "_annotator_id": "a"}\n',
        "bad.jsonl:1: span [2, 9) is outside the text (length 5)",
    ),
    "span text differs": (
        "bad.jsonl",
        b'{"text": "Ten ships", "spans": [{"start": 0, "end": 3, "label": "figure", "text": "Two"}], "_annotator_id": "a"}\n',
        'bad.jsonl:1: span [0, 3) says "Two" but the text there is "Ten"',
    ),
    "unknown label": (
        "bad.jsonl",
        b'{"text": "Ten ships", "spans": [{"start": 0, "end": 3, "label": "person"}], "_annotator_id": "a"}\n',
        "bad.jsonl:1: unknown label 'person' (labels: claim, date, figure, source;",
    ),
    "norm not standard JSON": (
        "bad.jsonl",
        b'{"text": "Ten ships", "spans": [{"start": 0, "end": 3, "label": "figure", "norm": {"value": NaN}}], "_annotator_id": "a"}\n',
        'bad.jsonl:1: normalised value {"value":NaN} is not standard JSON (NaN or Infinity)',
    ),
    "unsupported format": ("bad.csv", b"text\nhello\n", "bad.csv: not a supported format (use .txt, .md, .jsonl or a brat .ann)"),
    "spans without annotator": (
        "bad.jsonl",
        b'{"text": "Ten ships", "spans": [{"start": 0, "end": 3, "label": "figure"}]}\n',
        'bad.jsonl:1: spans need an annotator: set "_annotator_id" or pass --annotator',
    ),
    "front matter never closed": ("bad.md", b"---\ntitle: x\nauthor: y\n", "bad.md:1: front matter opened with '---' is never closed"),
    "bad published date": ("bad.md", b"---\npublished: last week\n---\nBody\n", "bad.md:1: published date 'last week' is not YYYY-MM-DD"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_changes_nothing(case, tmp_path, sample_db, capsys):
    name, content, message = BAD_INPUTS[case]
    folder = tmp_path / "in"
    good = write(folder / "0-good.txt", "A good article that would be added.\n")
    bad = write(folder / name, content)
    before = dump(sample_db)
    result = run_cli(capsys, "import", good, bad, "--db", sample_db)
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert str(folder) in lines[0]
    assert "Traceback" not in result.err
    assert dump(sample_db) == before


def test_missing_path_is_an_error(tmp_path, db_path, capsys):
    result = run_cli(capsys, "import", tmp_path / "nowhere", "--db", db_path)
    assert result.code == 1
    assert result.err.strip() == f"error: {tmp_path / 'nowhere'}: no such file or folder"


def test_error_on_a_later_file_rolls_back_the_earlier_ones(tmp_path, db_path):
    write(tmp_path / "in" / "a.txt", "First.\n")
    write(tmp_path / "in" / "b.jsonl", '{"text": "fine"}\nnot json\n')
    with Store(db_path) as store:
        with pytest.raises(CorpusError, match="b.jsonl:2"):
            import_paths(store, [tmp_path / "in"])
        assert store.count_documents() == 0


# -- any text imports, and its tokens lie inside it, in order ------------------------------

TEXTS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)),
    min_size=1,
    max_size=200,
).filter(lambda t: t.strip() != "") | st.sampled_from(
    ["👩‍👩‍👧 family 🇺🇳 flags", "e\u0301te\u0301 combining", "a\r\nb\tc", "שלום עולם 123", "مرحبا بالعالم"]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXTS)
def test_any_unicode_text_imports_with_tokens_inside_it(tmp_path_factory, text):
    folder = tmp_path_factory.mktemp("hyp")
    path = jsonl(folder / "t.jsonl", {"id": "t", "text": text})
    with Store(folder / "r.db") as store:
        import_paths(store, [path])
        doc = store.document_by_key("t")
    from annotations.textnorm import canonical, is_canonical

    assert doc.text == canonical(text.removeprefix("\ufeff"))[0]
    assert is_canonical(doc.text)
    previous_end = 0
    for start, end in doc.tokens:
        assert previous_end <= start < end <= len(doc.text)
        previous_end = end
    # tokens and the whitespace between them rebuild the text
    assert "".join(doc.text[s:e] for s, e in doc.tokens).replace(" ", "") == doc.text.replace(" ", "")


# -- large imports parse and tokenize in worker processes: same result, same errors ---------


def test_worker_processes_give_the_same_documents_as_one_process(tmp_path, monkeypatch):
    from annotations import importer

    records = [{"id": f"d{i}", "text": f"Article {i}: {i * 7} ships sailed on Friday.\n"} for i in range(600)]
    records.insert(300, {"id": "dup", "text": records[5]["text"]})
    path = jsonl(tmp_path / "many.jsonl", *records)
    serial_db, parallel_db = tmp_path / "serial.db", tmp_path / "parallel.db"
    with Store(serial_db) as store:
        serial = import_paths(store, [path])
        serial_docs = [(d.key, d.text, d.tokens) for d in store.iter_documents()]
    monkeypatch.setattr(importer, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(importer, "BATCH_UNITS", 50)
    with Store(parallel_db) as store:
        parallel = import_paths(store, [path])
        parallel_docs = [(d.key, d.text, d.tokens) for d in store.iter_documents()]
        again = import_paths(store, [path])
    assert (parallel.added, parallel.present) == (serial.added, serial.present) == (600, 1)
    assert parallel_docs == serial_docs
    assert (again.added, again.present) == (0, 601)


def test_worker_processes_report_the_first_error_and_store_nothing(tmp_path, monkeypatch):
    from annotations import importer

    monkeypatch.setattr(importer, "PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr(importer, "BATCH_UNITS", 10)
    lines = [json.dumps({"text": f"Article {i}."}) for i in range(100)]
    lines[42] = '{"text": "broken'
    lines[77] = '{"title": "no text"}'
    path = write(tmp_path / "bad.jsonl", "\n".join(lines) + "\n")
    with Store(tmp_path / "r.db") as store:
        with pytest.raises(CorpusError, match=r"bad.jsonl:43: malformed JSON"):
            import_paths(store, [path])
        assert store.count_documents() == 0


def test_an_article_over_a_million_characters_imports(tmp_path, store):
    paragraph = "The ministry said 400 troops left on Monday, citing satellite images.\n\n"
    text = paragraph * (1_050_000 // len(paragraph) + 1)
    import_paths(store, [write(tmp_path / "long.txt", text)])
    doc = store.document_by_key("long")
    assert len(doc.text) > 1_000_000
    assert doc.tokens[-1][1] <= len(doc.text)


def test_the_cli_imports_and_suggests_on_an_article_over_a_million_characters(tmp_path, capsys):
    paragraph = "The ministry said 400 troops left on Monday, citing satellite images.\n\n"
    path = write(tmp_path / "long.txt", paragraph * (1_050_000 // len(paragraph) + 1))
    result = run_cli(capsys, "import", path, "--db", tmp_path / "r.db")
    assert result.code == 0, result.err
    assert "1 added" in result.out
    with Store(tmp_path / "r.db") as store:
        doc = store.document_by_key("long")
        figures = [s for s in store.suggestions(doc.id) if s.label == "figure"]
    assert doc.text[figures[-1].start : figures[-1].end] == "400 troops"
    assert figures[-1].end > 1_000_000


def test_a_byte_order_mark_in_jsonl_text_keeps_span_offsets_right(tmp_path, store):
    path = jsonl(tmp_path / "bom.jsonl", {"id": "b", "text": "\ufeffTen ships sank.",
                                            "spans": [{"start": 5, "end": 10, "label": "figure"}], "_annotator_id": "a"})
    import_paths(store, [path])
    doc = store.document_by_key("b")
    (span,) = store.spans(doc.id, "a")
    assert doc.text == "Ten ships sank."
    assert doc.text[span.start : span.end] == "ships"


def test_a_span_on_the_line_feed_of_a_crlf_keeps_the_line_feed(tmp_path, store):
    path = jsonl(tmp_path / "crlf.jsonl", {"id": "c", "text": "A\r\nB",
                                             "spans": [{"start": 2, "end": 3, "label": "claim"}], "_annotator_id": "a"})
    import_paths(store, [path])
    doc = store.document_by_key("c")
    (span,) = store.spans(doc.id, "a")
    assert doc.text[span.start : span.end] == "\n"


def test_an_unpaired_surrogate_is_a_one_line_error(tmp_path, sample_db, capsys):
    path = write(tmp_path / "s.jsonl", '{"text": "bad \\ud800 text"}\n')
    before = dump(sample_db)
    result = run_cli(capsys, "import", path, "--db", sample_db)
    assert result.code == 1
    assert result.err.strip() == f'error: {path}:1: "text" has an unpaired surrogate at character 4'
    assert dump(sample_db) == before
