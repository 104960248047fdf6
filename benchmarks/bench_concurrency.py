"""Concurrency: eight annotator processes tagging and untagging on one database.

Target (issue 6): 8 processes x 2,000 actions each, every action recorded,
none failed, 99th percentile write latency under 50 ms. The baseline is
one process doing its 2,000 actions alone on the same kind of database:
the ratio says what sharing the file costs.
"""

from __future__ import annotations

import multiprocessing
import random
import shutil
import statistics
import time
from pathlib import Path

from benchmarks.bench_agreement import article_text, word_tokens

WORK = Path(__file__).parent / ".work" / "concurrency"
PROCESSES = 8
ACTIONS = 2_000
DOCUMENTS = 50
TARGET_P99_MS = 50.0


def template() -> Path:
    from annotations.model import DocumentInput
    from annotations.store import Store

    path = WORK / "template.db"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    partial = WORK / "template.partial"
    for leftover in WORK.glob("template.partial*"):
        leftover.unlink()
    rng = random.Random(8)
    with Store(partial) as store, store.transaction():
        for i in range(DOCUMENTS):
            text = article_text(rng)
            store.add_document(DocumentInput(text, f"doc{i}", f"doc {i}", {}, "bench", tokens=word_tokens(text)))
    partial.rename(path)
    return path


def fresh(name: str) -> Path:
    path = WORK / f"{name}.db"
    for leftover in WORK.glob(f"{name}.db*"):
        leftover.unlink()
    shutil.copy(template(), path)
    return path


def annotator(db: Path, name: str, actions: int, gate, results) -> None:  # noqa: ANN001  (multiprocessing objects)
    """Tag and untag at random, timing each write; report latencies and the layer."""
    from annotations.store import Store

    try:
        store = Store(db)
        docs = [store.document(info.id) for info in store.documents()]
        labels = [label.name for label in store.labels()]
        rng = random.Random(name)
        mine: dict[int, tuple[int, str, int, int]] = {}
        latencies: list[float] = []
        gate.wait()
        for _ in range(actions):
            if mine and rng.random() < 0.4:
                span_id = rng.choice(list(mine))
                started = time.perf_counter()
                removed = store.remove_span(span_id, name)
                latencies.append(time.perf_counter() - started)
                assert removed is not None
                del mine[span_id]
                continue
            while True:
                doc = rng.choice(docs)
                first = rng.randrange(len(doc.tokens) - 3)
                start, end = doc.tokens[first][0], doc.tokens[first + rng.randint(0, 2)][1]
                label = rng.choice(labels)
                if (doc.id, label, start, end) not in mine.values():
                    break
            started = time.perf_counter()
            span = store.add_span(doc.id, name, label, start, end)
            latencies.append(time.perf_counter() - started)
            assert span is not None
            mine[span.id] = (doc.id, label, start, end)
        store.close()
        results.put((name, latencies, sorted(mine.values()), None))
    except BaseException as error:
        results.put((name, [], [], repr(error)))


def run(db: Path, processes: int) -> tuple[float, list[float], int]:
    """Run the processes; (seconds, every latency, failures). Checks the database after."""
    from annotations.store import Store

    context = multiprocessing.get_context("fork")
    gate = context.Barrier(processes + 1)
    results = context.Queue()
    names = [f"annotator{i}" for i in range(processes)]
    workers = [context.Process(target=annotator, args=(db, name, ACTIONS, gate, results)) for name in names]
    for worker in workers:
        worker.start()
    gate.wait()
    started = time.perf_counter()
    reported = [results.get(timeout=600) for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    failures = 0
    latencies: list[float] = []
    with Store(db) as store:
        spans = store.all_spans()
        for name, times, layer, error in reported:
            if error:
                print(f"  {name} failed: {error}")
                failures += 1
                continue
            latencies += times
            logged = len(store.actions(name))
            stored = sorted((s.document_id, s.label, s.start, s.end) for s in spans if s.annotator == name)
            if logged != ACTIONS or stored != layer:
                print(f"  {name}: {logged} of {ACTIONS} actions logged; layer {'matches' if stored == layer else 'DIFFERS'}")
                failures += 1
    return elapsed, latencies, failures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    alone_seconds, alone, alone_failures = run(fresh("alone"), 1)
    shared_seconds, shared, failures = run(fresh("shared"), PROCESSES)
    alone_p99 = percentile(alone, 0.99) * 1000
    p99 = percentile(shared, 0.99) * 1000
    recorded = len(shared)
    print(f"one process alone: {ACTIONS} actions in {alone_seconds:.1f} s, p99 {alone_p99:.1f} ms")
    print(
        f"{PROCESSES} processes: {recorded} of {PROCESSES * ACTIONS} actions recorded, {failures} processes failed,"
        f" {shared_seconds:.1f} s ({recorded / shared_seconds:.0f} actions/s)"
    )
    print(
        f"write latency: median {statistics.median(shared) * 1000:.1f} ms, p99 {p99:.1f} ms,"
        f" max {max(shared) * 1000:.1f} ms; p99 {p99 / alone_p99:.1f}x the lone process's"
    )
    ok = failures == 0 and alone_failures == 0 and recorded == PROCESSES * ACTIONS
    print(f"every action recorded, none failed: {'PASS' if ok else 'MISS'}")
    print(f"p99 {p99:.1f} ms, target < {TARGET_P99_MS:.0f} ms: {'PASS' if p99 < TARGET_P99_MS else 'MISS'}")


if __name__ == "__main__":
    main()
