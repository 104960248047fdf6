"""Helpers for tests: run the command line in-process, snapshot a database."""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Result:
    """Run ``redline ARGS`` through the real entry point (error handling included)."""
    from annotations.cli import main

    argv = sys.argv
    sys.argv = ["redline", *map(str, args)]
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        sys.argv = argv
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def dump(path: Path) -> list[str]:
    """Every row of every table, as SQL: two equal dumps mean equal databases."""
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()
