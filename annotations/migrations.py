"""Steps that bring an older database up to the current schema.

Each step takes a database at version N to N + 1 with the statements that
``schema.sql`` cannot express (new columns, changed data). After the steps
the store runs ``schema.sql`` itself, whose ``CREATE ... IF NOT EXISTS``
statements add new tables, indexes and triggers.
"""

from __future__ import annotations

import sqlite3

STEPS: dict[int, list[str]] = {
    # 1 -> 2: the adjudicated layer records its reviewer; settings (added by schema.sql)
    1: ["ALTER TABLE spans ADD COLUMN decided_by INTEGER REFERENCES annotators (id)"],
    # 2 -> 3: trained models (the models table, added by schema.sql); nothing else changes
    2: [],
}


def upgrade(conn: sqlite3.Connection, found: int, current: int) -> None:
    """Run every step from ``found`` to ``current`` inside the caller's transaction."""
    for version in range(found, current):
        for statement in STEPS.get(version, []):
            conn.execute(statement)
