"""Import: throughput against spaCy's bare tokenizer, and peak memory at 5k vs 20k articles.

Targets (issue 2): import at least 0.7x the articles/s of ``nlp.pipe`` on
the same texts; peak memory grows by less than 50 MB from 5,000 to 20,000
articles.

"Import" is the import proper, what ``redline import --no-suggest`` does:
read, validate, canonicalise, hash, tokenize and store, in one transaction
(a corpus this size is tokenized by two worker processes while the main
one parses and writes). The baseline is spaCy's blank English tokenizer
alone over the same JSONL, reading included, in one process. Suggestions
are measured by the suggest benchmark.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.corpus_gen import articles

WORK = Path(__file__).parent / ".work" / "import"
ROUNDS = 5


def corpus_file(n: int) -> Path:
    path = WORK / f"corpus-{n}.jsonl"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as handle:
            for i, text in enumerate(articles(n)):
                handle.write(json.dumps({"id": f"a{i}", "text": text}) + "\n")
    return path


def tokenizer_only(path: Path) -> float:
    """Seconds for spaCy's blank English ``nlp.pipe`` over the file's texts (read included)."""
    from annotations.nlp import BATCH_SIZE, blank

    nlp = blank()
    started = time.perf_counter()
    with path.open(encoding="utf-8") as handle:
        texts = (json.loads(line)["text"] for line in handle)
        for _ in nlp.pipe(texts, batch_size=BATCH_SIZE):
            pass
    return time.perf_counter() - started


def redline_import(path: Path) -> float:
    from annotations.importer import import_paths
    from annotations.store import Store

    db = WORK / f"bench-{path.stem}.db"
    for leftover in WORK.glob(f"bench-{path.stem}.db*"):
        leftover.unlink()
    started = time.perf_counter()
    with Store(db) as store:
        summary = import_paths(store, [path])
    elapsed = time.perf_counter() - started
    assert summary.added > 0
    return elapsed


def peak_rss_mb(n: int) -> float:
    """Peak resident memory of a whole ``redline import`` process over n articles."""
    path = corpus_file(n)
    db = WORK / f"rss-{n}.db"
    for leftover in WORK.glob(f"rss-{n}.db*"):
        leftover.unlink()
    code = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from annotations.importer import import_paths\n"
        "from annotations.store import Store\n"
        f"with Store({str(db)!r}) as s: import_paths(s, [Path({str(path)!r})])\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1]) / 1024


def main() -> None:
    n = 5000
    path = corpus_file(n)
    size_mb = path.stat().st_size / 1e6
    tokenizer_only(path)  # warm spaCy's caches and the file cache
    # alternate the two, so that whatever else the machine does hits both
    pairs = [(tokenizer_only(path), redline_import(path)) for _ in range(ROUNDS)]
    ratios = sorted(b / o for b, o in pairs)
    ratio = statistics.median(ratios)
    base = statistics.median(b for b, _ in pairs)
    ours = statistics.median(o for _, o in pairs)
    print(f"corpus: {n} generated articles, {size_mb:.1f} MB of JSONL")
    print(f"spaCy nlp.pipe alone : {n / base:8.0f} articles/s  {size_mb / base:6.2f} MB/s")
    print(f"redline import       : {n / ours:8.0f} articles/s  {size_mb / ours:6.2f} MB/s")
    print(f"import / tokenizer   : {ratio:.2f}x median of {ROUNDS} alternating rounds"
          f" (range {ratios[0]:.2f}-{ratios[-1]:.2f})  (target >= 0.70x)  {'PASS' if ratio >= 0.7 else 'MISS'}")
    small, large = peak_rss_mb(5000), peak_rss_mb(20000)
    growth = large - small
    print(f"peak memory          : {small:.0f} MB at 5,000, {large:.0f} MB at 20,000 articles")
    print(f"memory growth        : {growth:+.1f} MB  (target < 50 MB)  {'PASS' if growth < 50 else 'MISS'}")


if __name__ == "__main__":
    main()
