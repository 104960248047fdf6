"""Several processes writing one database: nothing lost, nothing refused.

A scaled-down run of the issue's benchmark (benchmarks/bench_concurrency.py
runs 8 x 2,000): four annotator processes tag and untag at once while a
reviewer adjudicates, all starting their first write together, and a
fresh database created by several processes at the same moment.
"""

from __future__ import annotations

import multiprocessing
import random
from pathlib import Path

from annotations import disagreements
from annotations.store import Store

ACTIONS = 200


def annotate(db: Path, name: str, actions: int, gate, results) -> None:  # noqa: ANN001  (multiprocessing objects)
    """Tag and untag spans at random; report what this layer must hold."""
    try:
        store = Store(db)
        docs = [store.document(info.id) for info in store.documents()]
        labels = [label.name for label in store.labels()]
        rng = random.Random(name)
        mine: dict[int, tuple[int, str, int, int]] = {}
        gate.wait()
        for _ in range(actions):
            if mine and rng.random() < 0.4:
                span_id = rng.choice(list(mine))
                assert store.remove_span(span_id, name) is not None
                del mine[span_id]
                continue
            while True:
                doc = rng.choice(docs)
                first = rng.randrange(len(doc.tokens) - 3)
                start, end = doc.tokens[first][0], doc.tokens[first + rng.randint(0, 2)][1]
                label = rng.choice(labels)
                if (doc.id, label, start, end) not in mine.values():
                    break
            span = store.add_span(doc.id, name, label, start, end)
            assert span is not None
            mine[span.id] = (doc.id, label, start, end)
        store.close()
        results.put((name, sorted(mine.values()), None))
    except BaseException as error:  # reported to the test, which fails on it
        results.put((name, None, repr(error)))


def adjudicate(db: Path, reviewer: str, rounds: int, gate, results) -> None:  # noqa: ANN001
    """Accept agreed spans and settle disagreements while the annotators work."""
    try:
        store = Store(db)
        gate.wait()
        decisions = 0
        for i in range(rounds):
            reviews = disagreements.load(store)
            for review in reviews.values():
                if disagreements.accept_agreed(store, review, reviewer) is not None:
                    decisions += 1
                open_ = review.unresolved
                if open_:
                    how = "reject" if i % 2 else "union"
                    disagreements.resolve(store, review, open_[0], reviewer, how)
                    decisions += 1
        store.close()
        results.put((reviewer, decisions, None))
    except BaseException as error:
        results.put((reviewer, None, repr(error)))


def run(processes: list[tuple]) -> dict[str, object]:
    context = multiprocessing.get_context("fork")
    gate = context.Barrier(len(processes))
    results = context.Queue()
    workers = [context.Process(target=target, args=(*args, gate, results)) for target, *args in processes]
    for worker in workers:
        worker.start()
    reported = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    errors = [(name, error) for name, _, error in reported if error]
    assert errors == []
    return {name: value for name, value, _ in reported}


def test_annotators_and_a_reviewer_write_at_once_and_nothing_is_lost(sample_db: Path) -> None:
    names = [f"annotator{i}" for i in range(4)]
    reported = run(
        [(annotate, sample_db, name, ACTIONS) for name in names] + [(adjudicate, sample_db, "reviewer", 5)]
    )
    with Store(sample_db) as store:
        for name in names:
            # every action is in the log, and the layer is exactly what the process did
            assert len(store.actions(name)) == ACTIONS
            stored = sorted((s.document_id, s.label, s.start, s.end) for s in store.all_spans() if s.annotator == name)
            assert stored == reported[name]
        decisions = [a for a in store.actions("reviewer") if a.kind == "adjudicate"]
        assert len(decisions) == reported["reviewer"] > 0
        gold = [s for s in store.all_spans() if s.annotator == "gold"]
        assert gold and all(s.decided_by == "reviewer" and s.origin == "adjudicated" for s in gold)


def first_write(db: Path, name: str, gate, results) -> None:  # noqa: ANN001
    try:
        gate.wait()
        with Store(db) as store:  # created, migrated and written by all at once
            store.set_setting(f"hello:{name}", name)
            store.annotator(name)
        results.put((name, True, None))
    except BaseException as error:
        results.put((name, None, repr(error)))


def test_processes_creating_one_database_at_the_same_moment(db_path: Path) -> None:
    names = [f"p{i}" for i in range(6)]
    run([(first_write, db_path, name) for name in names])
    with Store(db_path) as store:
        assert sorted(a.name for a in store.annotators()) == names
        assert [store.setting(f"hello:{name}") for name in names] == names
        assert [label.name for label in store.labels()] == ["claim", "source", "figure", "date"]
