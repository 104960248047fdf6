"""Fixtures for the annotation screen: a small corpus with known offsets.

Documents are stored directly with their spaCy tokens (no suggestions), so
screens and snapshots do not change when the suggestion rules do.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from annotations.model import DocumentInput
from annotations.nlp import tokenize
from annotations.store import Store
from tests.tui.support import ANNOTATOR, DOCUMENTS, SIZE


@pytest.fixture(scope="session")
def corpus_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tui") / "corpus.db"
    texts = [text for *_, text in DOCUMENTS]
    with Store(path) as store:
        for (key, title, meta, text), tokens in zip(DOCUMENTS, tokenize(texts)):
            store.add_document(DocumentInput(text, key, title, meta, f"{key}.txt", tokens=tokens))
    return path


@pytest.fixture
def corpus_db(corpus_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "corpus.db"
    shutil.copy(corpus_template, path)
    return path


@pytest.fixture
def corpus_store(corpus_db: Path):
    with Store(corpus_db) as store:
        yield store


@pytest.fixture
def open_app(corpus_store: Store) -> Callable[..., AsyncIterator]:
    """``async with open_app() as (app, pilot, screen)``: the app on the corpus."""
    from contextlib import asynccontextmanager

    from tui.app import RedlineApp

    @asynccontextmanager
    async def opened(store: Store = corpus_store, annotator: str = ANNOTATOR, size: tuple[int, int] = SIZE):
        app = RedlineApp(store, annotator)
        app.said = []  # type: ignore[attr-defined]  every notification's message, in order
        shown = app.notify

        def notify(message: str, **options: object) -> None:
            app.said.append(message)  # type: ignore[attr-defined]
            shown(message, **options)  # type: ignore[arg-type]

        app.notify = notify  # type: ignore[method-assign]
        async with app.run_test(size=size, notifications=True) as pilot:
            await pilot.pause()
            yield app, pilot, app.screen

    return opened

