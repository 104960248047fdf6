"""Suggestions on real news: the default rules against PolNeAR's attribution labels.

The PolNeAR train split (824 US political articles, 2015-16, each annotated
for attribution) lives outside the project, in ``../shared/data/polnear-train/``
beside the work tree (or where ``REDLINE_POLNEAR`` points); the publishers'
texts must never enter the repository, so this benchmark reads the file
where it is and says so and stops when it is absent.

PolNeAR's labels are not ours (see that folder's README): its ``source`` is
our source, except that it marks pronouns, so source recall is given with
and without pronoun sources; its ``content`` (the attributed clause or
quotation) is the nearest thing it has to our claim (a whole sentence), so a
suggested claim counts as right when it overlaps some attributed content, and
a content span as found when some suggested claim overlaps it. A claim by our
guidelines need not be attributed (a sentence with a figure or a date is a
claim), so claim precision here is a floor, not the figure. Sources are
matched one to one by overlap, as in ``bench_suggest``. PolNeAR has no
figures or dates: ``--sample figure`` (or ``date``) prints a random sample of
the suggestions with their context, to be read by a person.

The articles are split by a hash of their id into a development half (the
one to read misses on: ``-v`` prints them) and a held-out half that is only
scored, so that tuning on the first does not flatter the second.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
from collections import Counter
from pathlib import Path

from annotations.suggest import RULES, SuggestConfig, Suggester
from benchmarks.bench_suggest import overlap_matches, prf, verdict

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT.parent / "shared" / "data" / "polnear-train" / "polnear-train.jsonl"
PRONOUNS = frozenset(
    "i me my you your he him his she her it its we us our they them their who whom one someone somebody"
    " this that these those".split()
)
TARGETS = {
    ("source", "precision"): 0.8,
    ("source", "recall"): 0.8,
    ("claim", "recall"): 0.8,
}
CONTEXT = 70


def data_path() -> Path:
    return Path(os.environ.get("REDLINE_POLNEAR") or DEFAULT_PATH)


def is_dev(doc_id: str) -> bool:
    """The development half: half of the articles, by a hash of their id."""
    return hashlib.sha256(doc_id.encode("utf-8")).digest()[0] % 2 == 0


def is_pronoun(text: str) -> bool:
    words = text.lower().replace("’", "'").split()
    return bool(words) and all(word in PRONOUNS for word in words)


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def suggestions(documents: list[dict]) -> dict[str, list[tuple[str, int, int]]]:
    suggester = Suggester(SuggestConfig())
    items = [(doc["id"], doc["text"], doc.get("meta", {}).get("published")) for doc in documents]
    return {key: [(label, s, e) for label, s, e, _, _ in found[RULES]] for key, found in suggester.suggest(items)}


def _any_overlap(spans: list[tuple[int, int]], others: list[tuple[int, int]]) -> int:
    """How many of ``spans`` overlap at least one of ``others``."""
    others = sorted(others)
    return sum(any(s < oe and os_ < e for os_, oe in others) for s, e in spans)


def score(documents: list[dict], predicted: dict[str, list[tuple[str, int, int]]]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {"source": Counter(), "claim": Counter()}
    for doc in documents:
        text = doc["text"]
        found = predicted[doc["id"]]
        sources = sorted((s["start"], s["end"]) for s in doc["spans"] if s["label"] == "source")
        named = [(s, e) for s, e in sources if not is_pronoun(text[s:e])]
        contents = sorted((s["start"], s["end"]) for s in doc["spans"] if s["label"] == "content")
        pred_sources = sorted((s, e) for label, s, e in found if label == "source")
        pred_claims = sorted((s, e) for label, s, e in found if label == "claim")
        c = counts["source"]
        c["gold"] += len(sources)
        c["gold named"] += len(named)
        c["pred"] += len(pred_sources)
        c["matched"] += overlap_matches(pred_sources, sources)
        c["matched named"] += overlap_matches(pred_sources, named)
        c = counts["claim"]
        c["gold"] += len(contents)
        c["pred"] += len(pred_claims)
        c["right"] += _any_overlap(pred_claims, contents)
        c["found"] += _any_overlap(contents, pred_claims)
    return counts


def report(name: str, documents: list[dict], counts: dict[str, Counter], targets: bool) -> bool:
    ok = True
    s, c = counts["source"], counts["claim"]
    print(f"{name}: {len(documents)} articles")
    print(f"  {'label':8s} {'gold':>6s} {'sugg':>6s}   {'P':>5s} {'R':>5s} {'F1':>5s}")
    figures = {
        "source": prf(s["matched named"], s["pred"], s["matched named"], s["gold named"]),
        "claim": prf(c["right"], c["pred"], c["found"], c["gold"]),
    }
    p, r, f = figures["source"]
    print(f"  {'source':8s} {s['gold named']:6d} {s['pred']:6d}   {p:5.3f} {r:5.3f} {f:5.3f}"
          "   (gold without pronouns)")
    p_all, r_all, f_all = prf(s["matched"], s["pred"], s["matched"], s["gold"])
    print(f"  {'source':8s} {s['gold']:6d} {s['pred']:6d}   {p_all:5.3f} {r_all:5.3f} {f_all:5.3f}"
          "   (gold with pronouns)")
    p, r, f = figures["claim"]
    print(f"  {'claim':8s} {c['gold']:6d} {c['pred']:6d}   {p:5.3f} {r:5.3f} {f:5.3f}"
          "   (gold: attributed content; P counts claims overlapping some)")
    if targets:
        for (label, measure), target in TARGETS.items():
            precision, recall, _ = figures[label]
            value = precision if measure == "precision" else recall
            ok &= value >= target
            print(f"  {label} {measure} (held-out): {value:.3f}  target {target}  {verdict(value, target)}")
    return ok


def _context(text: str, start: int, end: int) -> str:
    before = text[max(0, start - CONTEXT):start].replace("\n", " ")
    after = text[end:end + CONTEXT].replace("\n", " ")
    return f"…{before}[[{text[start:end]}]]{after}…"


def show_misses(documents: list[dict], predicted: dict[str, list[tuple[str, int, int]]]) -> None:
    """The development half's missed and extra sources (pronouns aside)."""
    for doc in documents:
        text = doc["text"]
        gold = [(s["start"], s["end"]) for s in doc["spans"] if s["label"] == "source"]
        gold = [(s, e) for s, e in gold if not is_pronoun(text[s:e])]
        pred = [(s, e) for label, s, e in predicted[doc["id"]] if label == "source"]
        for s, e in gold:
            if not any(ps < e and s < pe for ps, pe in pred):
                print(f"  missed {_context(text, s, e)}")
        for s, e in pred:
            if not any(gs < e and s < ge for gs, ge in gold):
                print(f"  extra  {_context(text, s, e)}")


def show_sample(documents: list[dict], predicted: dict[str, list[tuple[str, int, int]]], label: str) -> None:
    rng = random.Random(13)
    found = [(doc["text"], s, e) for doc in documents for lab, s, e in predicted[doc["id"]] if lab == label]
    print(f"  {len(found)} {label} suggestions in the development half; a sample of 80:")
    for text, s, e in rng.sample(found, min(80, len(found))):
        print(f"  {_context(text, s, e)}")


def main() -> int:
    path = data_path()
    if not path.is_file():
        print(f"skipped: no PolNeAR file at {path} (set REDLINE_POLNEAR to its path)")
        return 0
    documents = load(path)
    predicted = suggestions(documents)
    dev = [doc for doc in documents if is_dev(doc["id"])]
    held_out = [doc for doc in documents if not is_dev(doc["id"])]
    per_label = Counter(label for found in predicted.values() for label, _, _ in found)
    words = sum(len(doc["text"].split()) for doc in documents)
    print(f"PolNeAR train ({path}): {len(documents)} articles, {words} words; suggestions per 1,000 words: "
          + ", ".join(f"{label} {per_label[label] * 1000 / words:.1f}" for label in ("figure", "date", "source", "claim")))
    report("development half", dev, score(dev, predicted), targets=False)
    ok = report("held-out half", held_out, score(held_out, predicted), targets=True)
    if "-v" in sys.argv:
        show_misses(dev, predicted)
    if "--sample" in sys.argv:
        index = sys.argv.index("--sample")
        show_sample(dev, predicted, sys.argv[index + 1] if index + 1 < len(sys.argv) else "figure")
    return 0 if ok else 1


if __name__ == "__main__":
    main()  # a missed target is a MISS line, not a failed run
