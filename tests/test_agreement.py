"""``redline agreement``: every figure against a hand-checked example and the
reference implementations (scikit-learn, krippendorff, scipy's assignment)."""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import cohen_kappa_score

from annotations import agreement
from annotations.cli.review import render_agreement
from annotations.model import DocumentInput
from annotations.store import Store
from tests.helpers import run_cli

TOL = 1e-9


def tokens_of(text: str) -> list[tuple[int, int]]:
    """Word and punctuation tokens, plus a token for each run of blank lines
    (as spaCy makes for "\\n\\n"): enough to exercise the whitespace rule."""
    return [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]|\n\s*", text)]


def add_doc(store: Store, text: str, key: str) -> int:
    doc_id, _ = store.add_document(DocumentInput(text, key, key, {}, key, tokens=tokens_of(text)))
    return doc_id


# -- the hand-checked example ------------------------------------------------------

# a b c d / blank line (a whitespace token) / e f g h i j
HAND_TEXT = "a b c d\n\ne f g h i j"


@pytest.fixture
def hand(store: Store) -> Store:
    doc = add_doc(store, HAND_TEXT, "hand")
    # alice: a claim over a..g with a figure nested in it (c d), a figure i
    for label, start, end in [("claim", 0, 14), ("figure", 4, 7), ("figure", 17, 18)]:
        store.add_span(doc, "alice", label, start, end)
    # bob: a shorter claim a..e, the figure c only, the figure i, a date j
    for label, start, end in [("claim", 0, 10), ("figure", 4, 5), ("figure", 17, 18), ("date", 19, 20)]:
        store.add_span(doc, "bob", label, start, end)
    return store


def test_hand_checked_example_with_nested_spans(hand: Store) -> None:
    result = agreement.compute(hand)
    assert result.annotators == ["alice", "bob"]
    assert result.documents == 1
    claim, figure, date, source = (result.labels[n] for n in ("claim", "figure", "date", "source"))
    (c,), (f,), (d,), (s,) = claim.pairs, figure.pairs, date.pairs, source.pairs
    # claim: no identical span, one overlapping pair; tokens a-g vs a-e of 10
    # (the blank-line token inside both claims does not count)
    assert (c.spans_a, c.spans_b, c.f1_exact, c.f1_relaxed) == (1, 1, 0.0, 1.0)
    assert c.kappa == pytest.approx(0.6, abs=TOL)
    assert claim.alpha == pytest.approx(1 - 19 * 2 / (12 * 8), abs=TOL)
    # figure: i matches exactly; c-d and c overlap, so relaxed pairs both
    assert (f.spans_a, f.spans_b, f.f1_exact, f.f1_relaxed) == (2, 2, 0.5, 1.0)
    assert f.kappa == pytest.approx(0.28 / 0.38, abs=TOL)
    assert figure.alpha == pytest.approx(1 - 19 / 75, abs=TOL)
    # date: only bob; chance agreement explains everything
    assert (d.f1_exact, d.f1_relaxed, d.kappa, date.alpha) == (0.0, 0.0, 0.0, 0.0)
    # source: nobody used it: nothing is defined
    assert (s.f1_exact, s.f1_relaxed, s.kappa, source.alpha) == (None, None, None, None)
    # overall, pooled over the four labels: 3 vs 4 spans, 1 exact, 3 relaxed;
    # 40 token decisions with 10 and 8 ones, 7 shared
    (o,) = result.overall.pairs
    assert (o.spans_a, o.spans_b) == (3, 4)
    assert o.f1_exact == pytest.approx(2 / 7, abs=TOL)
    assert o.f1_relaxed == pytest.approx(6 / 7, abs=TOL)
    assert o.kappa == pytest.approx(0.25 / 0.35, abs=TOL)


def test_labels_and_annotators_options_narrow_the_figures(hand: Store) -> None:
    doc = hand.document_by_key("hand").id
    hand.add_span(doc, "carol", "claim", 0, 14)
    result = agreement.compute(hand, ["bob", "carol"], ["claim"])
    assert result.annotators == ["bob", "carol"]
    assert list(result.labels) == ["claim"]
    (pair,) = result.labels["claim"].pairs
    assert (pair.a, pair.b, pair.spans_a, pair.spans_b) == ("bob", "carol", 1, 1)
    assert result.overall.pairs[0].spans_a == 1


# -- undefined figures ---------------------------------------------------------------


def test_one_annotator_leaves_everything_undefined(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    doc = add_doc(store, "Only one person read this.", "solo")
    store.add_span(doc, "alice", "claim", 0, 26)
    result = agreement.compute(store)
    assert result.annotators == ["alice"]
    assert result.documents == 0
    assert result.overall.pairs == [] and result.overall.alpha is None
    shown = run_cli(capsys, "agreement", "--db", store.path, "--json")
    assert json.loads(shown.out)["overall"] == {"pairs": [], "alpha": None}


def test_no_spans_on_either_side_is_null_not_zero_or_one(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    doc = add_doc(store, "Nothing to tag in this sentence.", "empty")
    store.set_status(doc, "alice", "done")
    store.set_status(doc, "bob", "done")
    data = json.loads(run_cli(capsys, "agreement", "--db", store.path, "--json").out)
    assert data["documents"] == 1
    for figures in [*data["labels"].values(), data["overall"]]:
        (pair,) = figures["pairs"]
        assert (pair["documents"], pair["spans_a"], pair["spans_b"]) == (1, 0, 0)
        assert (pair["f1_exact"], pair["f1_relaxed"], pair["kappa"], figures["alpha"]) == (None, None, None, None)
    table = run_cli(capsys, "agreement", "--db", store.path).out
    assert "n/a" in table and "0.000" not in table and "1.000" not in table


def test_documents_annotated_by_one_side_only_do_not_count(store: Store) -> None:
    first = add_doc(store, "Alice read this one.", "first")
    second = add_doc(store, "Bob read that one.", "second")
    store.add_span(first, "alice", "claim", 0, 5)
    store.add_span(second, "bob", "claim", 0, 3)
    result = agreement.compute(store)
    (pair,) = result.overall.pairs
    assert (result.documents, pair.documents, pair.spans_a, pair.spans_b) == (0, 0, 0, 0)
    assert (pair.f1_exact, pair.kappa, result.overall.alpha) == (None, None, None)


def test_every_token_tagged_by_both_gives_no_kappa(store: Store) -> None:
    doc = add_doc(store, "All of it is a claim.", "all")
    store.add_span(doc, "alice", "claim", 0, 21)
    store.add_span(doc, "bob", "claim", 0, 21)
    claim = agreement.compute(store, labels=["claim"]).labels["claim"]
    assert claim.pairs[0].f1_exact == 1.0
    assert claim.pairs[0].kappa is None and claim.alpha is None


def test_done_without_spans_counts_as_annotated(store: Store) -> None:
    doc = add_doc(store, "Bob found nothing here but alice did.", "done")
    store.add_span(doc, "alice", "claim", 0, 9)
    store.set_status(doc, "bob", "done")
    (pair,) = agreement.compute(store, labels=["claim"]).labels["claim"].pairs
    assert (pair.documents, pair.spans_a, pair.spans_b, pair.f1_exact) == (1, 1, 0, 0.0)
    assert pair.kappa == 0.0


# -- against the reference implementations ------------------------------------------

WORDS = ["the", "minister", "said", "40", "people", "left", "on", "May", "3", ",", "."]


@st.composite
def corpora(draw: st.DrawFn) -> dict:
    n_annotators = draw(st.integers(2, 4))
    docs = []
    for _ in range(draw(st.integers(1, 4))):
        words = draw(st.lists(st.sampled_from(WORDS + ["\n\n"]), min_size=1, max_size=25))
        text = " ".join(words).strip() or "x"
        n_tokens = len(tokens_of(text))
        layers = []
        for _ in range(n_annotators):
            annotated = draw(st.booleans())
            spans = set()
            if annotated and n_tokens:
                for _ in range(draw(st.integers(0, 6))):
                    first = draw(st.integers(0, n_tokens - 1))
                    last = draw(st.integers(first, min(n_tokens - 1, first + 5)))
                    spans.add((draw(st.sampled_from(["claim", "figure", "date"])), first, last))
            layers.append((annotated, sorted(spans)))
        docs.append((text, layers))
    return {"annotators": n_annotators, "docs": docs}


def build(data: dict) -> Store:
    store = Store(":memory:")
    for d, (text, layers) in enumerate(data["docs"]):
        doc = add_doc(store, text, f"d{d}")
        tokens = tokens_of(text)
        for a, (annotated, spans) in enumerate(layers):
            name = f"ann{a}"
            store.annotator(name)
            if annotated:
                store.set_status(doc, name, "done")
            for label, first, last in spans:
                store.add_span(doc, name, label, tokens[first][0], tokens[last][1])
    return store


def reference(store: Store, names: list[str], labels: list[str]) -> dict:
    """The same figures the slow, obvious way, through the reference libraries."""
    docs = [store.document(info.id) for info in store.documents()]
    annotated = {(doc.id, name) for doc in docs for name in names if store.spans(doc.id, name) or store.status(doc.id, name).status == "done"}
    shared = [doc for doc in docs if sum((doc.id, n) in annotated for n in names) >= 2]

    def vector(doc, name, label):
        spans = [s for s in store.spans(doc.id, name) if s.label == label]
        words = [(s, e) for s, e in doc.tokens if not doc.text[s:e].isspace()]
        return [int(any(sp.start <= s and e <= sp.end for sp in spans)) for s, e in words]

    def extents(doc, name, label):
        return [(s.start, s.end) for s in store.spans(doc.id, name) if s.label == label]

    out: dict = {}
    groups = {label: [label] for label in labels} | {"overall": labels}
    for group, ls in groups.items():
        pairs = []
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                both = [doc for doc in shared if (doc.id, a) in annotated and (doc.id, b) in annotated]
                va = [x for doc in both for label in ls for x in vector(doc, a, label)]
                vb = [x for doc in both for label in ls for x in vector(doc, b, label)]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    kappa = cohen_kappa_score(va, vb, labels=[0, 1]) if va else math.nan
                exact = relaxed = na = nb = 0
                for doc in both:
                    for label in ls:
                        ea, eb = extents(doc, a, label), extents(doc, b, label)
                        na, nb = na + len(ea), nb + len(eb)
                        exact += len(set(ea) & set(eb))
                        if ea and eb:
                            overlap = np.array([[int(s < e2 and s2 < e) for s2, e2 in eb] for s, e in ea])
                            rows, cols = linear_sum_assignment(overlap, maximize=True)
                            relaxed += int(overlap[rows, cols].sum())
                pairs.append((a, b, len(both), na, nb, exact, relaxed, kappa))
        units = [
            [
                (vector(doc, name, label) if (doc.id, name) in annotated else [math.nan] * len(vector(doc, name, label)))
                for doc in shared
                for label in ls
            ]
            for name in names
        ]
        matrix = np.array([[x for part in row for x in part] for row in units], dtype=float)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # 0/0 when every value is alike: nan, which is what we compare
                alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal", value_domain=[0, 1])
        except ValueError:
            alpha = math.nan
        out[group] = (pairs, alpha)
    return out


def same(ours: float | None, theirs: float) -> bool:
    if ours is None:
        return math.isnan(theirs)
    return not math.isnan(theirs) and abs(ours - theirs) <= TOL


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_figures_match_sklearn_krippendorff_and_scipy(data: dict) -> None:
    store = build(data)
    names = [f"ann{a}" for a in range(data["annotators"])]
    labels = ["claim", "figure", "date"]
    result = agreement.compute(store, names, labels)
    expected = reference(store, names, labels)
    for group, figures in [*result.labels.items(), ("overall", result.overall)]:
        pairs, alpha = expected[group]
        assert same(figures.alpha, alpha), (group, figures.alpha, alpha)
        for ours, (a, b, documents, na, nb, exact, relaxed, kappa) in zip(figures.pairs, pairs, strict=True):
            assert (ours.a, ours.b, ours.documents, ours.spans_a, ours.spans_b) == (a, b, documents, na, nb)
            assert (ours.exact, ours.relaxed) == (exact, relaxed), group
            assert same(ours.kappa, kappa), (group, ours.kappa, kappa)
    store.close()


def test_sample_corpus_matches_the_references(sample_store: Store) -> None:
    result = agreement.compute(sample_store)
    expected = reference(sample_store, ["alice", "bob"], [label.name for label in sample_store.labels()])
    for group, figures in [*result.labels.items(), ("overall", result.overall)]:
        pairs, alpha = expected[group]
        assert same(figures.alpha, alpha)
        assert same(figures.pairs[0].kappa, pairs[0][7])
        assert (figures.pairs[0].exact, figures.pairs[0].relaxed) == pairs[0][5:7]


@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)), max_size=8),
    st.lists(st.tuples(st.integers(0, 30), st.integers(1, 8)), max_size=8),
)
def test_matching_is_maximum(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> None:
    a = [(s, s + n) for s, n in a]
    b = [(s, s + n) for s, n in b]
    expected = 0
    if a and b:
        overlap = np.array([[int(s < e2 and s2 < e) for s2, e2 in b] for s, e in a])
        rows, cols = linear_sum_assignment(overlap, maximize=True)
        expected = int(overlap[rows, cols].sum())
    assert agreement.max_overlap_matching(a, b) == expected


# -- the command ---------------------------------------------------------------------


def test_json_has_exactly_the_documented_shape(sample_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shown = run_cli(capsys, "agreement", "--db", sample_db, "--json")
    assert shown.code == 0
    data = json.loads(shown.out)
    assert set(data) == {"annotators", "documents", "labels", "overall"}
    assert data["annotators"] == ["alice", "bob"] and data["documents"] == 3
    assert list(data["labels"]) == ["claim", "source", "figure", "date"]
    for figures in [*data["labels"].values(), data["overall"]]:
        assert set(figures) == {"pairs", "alpha"}
        for pair in figures["pairs"]:
            assert set(pair) == {"a", "b", "documents", "spans_a", "spans_b", "f1_exact", "f1_relaxed", "kappa"}
    assert data["overall"]["pairs"][0]["spans_a"] == sum(
        f["pairs"][0]["spans_a"] for f in data["labels"].values()
    )


def test_table_fits_80_columns_and_ranks_documents(sample_store: Store) -> None:
    doc = sample_store.document_by_key("01-border-buildup").id
    sample_store.add_span(doc, "a-rather-long-annotator-name", "claim", 0, 10)
    result = agreement.compute(sample_store)
    console = Console(width=80, record=True, color_system=None)
    console.print(render_agreement(result))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "Krippendorff's alpha" in text and "documents by disagreement" in text
    rates = [doc.rate for doc in result.ranking]
    assert rates == sorted(rates, reverse=True)
    assert text.index(result.ranking[0].key) < text.index(result.ranking[-1].key)


def test_unknown_names_are_one_line_errors(sample_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shown = run_cli(capsys, "agreement", "--db", sample_db, "--annotators", "alice,nobody")
    assert shown.code == 1
    assert shown.err.strip() == "error: unknown annotator 'nobody' (annotators: alice, bob)"
    shown = run_cli(capsys, "agreement", "--db", sample_db, "--labels", "claim,quote")
    assert shown.code == 1 and shown.err.startswith("error: unknown label 'quote'")
