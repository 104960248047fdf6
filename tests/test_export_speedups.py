"""The C speed-ups of export lines write exactly what their Python versions write.

``annotations/_speedups.c`` is built at install where a C compiler is at
hand; without it the export runs the Python versions. Both must give the
same bytes for any text and any tokens, and the same export files.
"""

from __future__ import annotations

import json
import shutil
import sysconfig
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations import export_formats, export_layers
from annotations.export import Selection, export
from annotations.export_formats import dumps, json_string_python, tokens_json_python
from annotations.export_layers import Tokens
from annotations.speedups import compiled
from annotations.store import Store, pack_tokens


def test_the_speedups_are_built_where_a_compiler_is():
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler):
        assert compiled is not None, "annotations/_speedups.c did not build: see `pip install -e .` output"
    else:
        pytest.skip(f"no C compiler ({compiler}): the export runs its Python versions")


needs_compiled = pytest.mark.skipif(compiled is None, reason="annotations._speedups not built")

# every kind of character JSON or a line reader treats specially, 1- to 4-byte UTF-8, and plain text
SPECIAL = st.sampled_from(['"', "\\", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f", "\x85", "\u2028", "\u2029", "é", "€", "😀", " ", "  "])
TEXT = st.lists(st.one_of(SPECIAL, st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)), min_size=1, max_size=40).map("".join).filter(bool)


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_json_string_is_the_python_version(text):
    assert compiled.json_string(text) == json_string_python(text)
    assert json.loads(b'"' + compiled.json_string(text) + b'"') == text


@needs_compiled
def test_a_lone_surrogate_is_the_same_error_as_in_python():
    with pytest.raises(UnicodeEncodeError):
        json_string_python("a\ud800b")
    with pytest.raises(UnicodeEncodeError):
        compiled.json_string("a\ud800b")
    # not in spaCy's layout as far as C can tell: Python lays out the tokens, and raises
    assert compiled.token_objects("a\ud800b", pack_tokens([(0, 3)])) is None


def spacy_tokens(text: str) -> list[tuple[int, int]]:
    from annotations.nlp import blank

    return [(t.idx, t.idx + len(t)) for t in blank()(text)]


@st.composite
def texts_and_tokens(draw):
    """A text and tokens over it: spaCy's own, or cut at random points (any
    layout: gaps, overlaps, empty tokens, tokens past the end)."""
    text = draw(TEXT)
    if draw(st.booleans()):
        return text, spacy_tokens(text)
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), min_size=2, max_size=12)))
    return text, [(a, b) for a, b in zip(cuts[::2], cuts[1::2])]


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(case=texts_and_tokens())
def test_token_objects_are_the_python_version_or_left_to_it(case):
    text, stored = case
    packed = pack_tokens(stored)
    made = compiled.token_objects(text, packed)
    tokens = Tokens.from_packed(text, packed)
    # C writes the tokens exactly when they are in spaCy's layout, else leaves them to Python
    assert (made is not None) == tokens.layout
    if made is not None:
        assert made == tokens_json_python(text, tokens)
        objects = [
            {"text": text[s:e], "start": s, "end": e, "id": i, "ws": w}
            for i, (s, e, w) in enumerate(zip(tokens.starts, tokens.ends, tokens.spaces))
        ]
        assert made.decode("utf-8") == dumps(objects)


@needs_compiled
@settings(max_examples=300, deadline=None)
@given(text=TEXT, data=st.data())
def test_token_bounds_are_the_python_version(text, data):
    stored = spacy_tokens(text)
    spans = data.draw(st.lists(st.tuples(st.integers(0, len(text) - 1), st.integers(1, len(text))).filter(lambda p: p[0] < p[1]), max_size=8))
    starts, ends = [s for s, _ in spans], [e for _, e in spans]
    expected = Tokens(*Tokens.cover(text, stored).lists).locate_all(starts, ends)
    assert compiled.token_bounds(pack_tokens(stored), starts, ends) == expected


@needs_compiled
def test_token_bounds_of_every_span_of_a_text():
    text = "  Ships: 12, then  3 more.\n\nEnd "
    stored = spacy_tokens(text)
    pairs = [(start, end) for start in range(len(text)) for end in range(start + 1, len(text) + 1)]
    starts, ends = [s for s, _ in pairs], [e for _, e in pairs]
    assert compiled.token_bounds(pack_tokens(stored), starts, ends) == Tokens(*Tokens.cover(text, stored).lists).locate_all(starts, ends)


def test_a_long_document_past_every_limit_of_a_table(tmp_path):
    if compiled is None:
        pytest.skip("annotations._speedups not built")
    text = "Prices rose 5\u202f% in “Zürich” — 😀 said \"no\". " * 5_000
    stored = spacy_tokens(text)
    packed = pack_tokens(stored)
    assert stored[-1][1] > 100_000 and len(stored) > 65_536
    assert compiled.token_objects(text, packed) == tokens_json_python(text, Tokens.from_packed(text, packed))


@pytest.mark.parametrize("fmt", ["jsonl", "doccano"])
@pytest.mark.parametrize("layers", ["annotators", "suggestions"])
def test_exports_with_and_without_the_speedups_are_the_same_bytes(sample_db, tmp_path, monkeypatch, fmt, layers):
    from annotations.suggest import SuggestConfig, suggest_documents

    with Store(sample_db) as store:
        suggest_documents(store, None, SuggestConfig(), processes=1)
        selection = Selection(suggestions=True) if layers == "suggestions" else Selection()
        export(store, selection, fmt, tmp_path / "fast.jsonl")
        monkeypatch.setattr(export_formats, "compiled", None)
        monkeypatch.setattr(export_layers, "compiled", None)
        export(store, selection, fmt, tmp_path / "python.jsonl")
    fast, python = (tmp_path / "fast.jsonl").read_bytes(), (tmp_path / "python.jsonl").read_bytes()
    assert fast == python
    assert len(fast.splitlines()) >= 6  # two annotators on three articles; or all ten suggested


def test_a_document_with_every_special_character_exports_the_same_both_ways(tmp_path, monkeypatch):
    from annotations.importer import import_paths

    text = 'He said "2,500"\ttroops \\ left\x00 on 7\u2028March — €5 😀.\x85End\x1f'
    source = tmp_path / "in.jsonl"
    record = {"id": "x", "text": text, "_annotator_id": "al", "spans": [{"start": 8, "end": 15, "label": "figure", "norm": {"value": 2500, "note": "a\u2028b"}}]}
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")
    db = tmp_path / "x.db"
    with Store(db) as store:
        import_paths(store, [source])
        export(store, Selection(annotators=("al",)), "jsonl", tmp_path / "fast.jsonl")
        monkeypatch.setattr(export_formats, "compiled", None)
        monkeypatch.setattr(export_layers, "compiled", None)
        export(store, Selection(annotators=("al",)), "jsonl", tmp_path / "python.jsonl")
    fast = (tmp_path / "fast.jsonl").read_bytes()
    assert fast == (tmp_path / "python.jsonl").read_bytes()
    assert fast.count(b"\n") == 1 and "\u2028".encode() not in fast and b"\xc2\x85" not in fast
    line = json.loads(fast)
    stored_text = line["text"]  # as imported: line ends canonicalised
    assert [t["text"] for t in line["tokens"]] == [stored_text[t["start"] : t["end"]] for t in line["tokens"]]
    assert line["spans"][0]["norm"] == {"value": 2500, "note": "a\u2028b"}
