"""Shared fixtures: a fresh database, and one holding the sample corpus.

The sample corpus is imported once per test session into a template file
and copied for each test that asks for it, so tests stay independent and
fast.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotations.importer import import_paths
from annotations.store import Store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_corpus"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "redline.db"


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as opened:
        yield opened


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample.db"
    with Store(path) as template:
        import_paths(template, [SAMPLE])
    return path


@pytest.fixture
def sample_db(sample_template: Path, tmp_path: Path) -> Path:
    """A database file holding the sample corpus and its two annotators' layers."""
    path = tmp_path / "sample.db"
    shutil.copy(sample_template, path)
    return path


@pytest.fixture
def sample_store(sample_db: Path):
    with Store(sample_db) as opened:
        yield opened
