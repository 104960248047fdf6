"""The one way to read and write a Redline database.

Every public write is one transaction (``BEGIN IMMEDIATE``, so concurrent
writers queue on the busy timeout instead of failing half-way), committed
before the method returns. Reads see the latest committed state. Nothing
here knows about screens or spaCy.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import random
import sqlite3
import sys
import time
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotations import migrations
from annotations.model import (
    GOLD,
    STATUSES,
    Action,
    Annotator,
    Document,
    DocumentInfo,
    DocumentInput,
    Label,
    Link,
    Span,
    Status,
    Suggestion,
    TrainedModel,
)

if TYPE_CHECKING:
    import sqlite_utils

SCHEMA_PATH = Path(__file__).with_name("schema.sql")
BUSY_TIMEOUT_MS = 10_000
UNDOABLE = frozenset(
    {"add_span", "remove_span", "add_link", "remove_link", "set_norm", "reject_suggestion"}
)


class StoreError(Exception):
    """A problem the user can act on; its message is one line."""


def schema_version() -> int:
    """The version schema.sql declares in its ``schema-version:`` comment."""
    for line in SCHEMA_PATH.read_text(encoding="utf-8").splitlines():
        if "schema-version:" in line:
            return int(line.split("schema-version:")[1])
    raise RuntimeError(f"{SCHEMA_PATH} declares no schema-version")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _norm(raw: str | None) -> dict[str, Any] | None:
    return None if raw is None else json.loads(raw)


def _norm_json(norm: Any) -> str | None:
    """A normalised value as stored: standard JSON, which has no NaN or Infinity."""
    if norm is None:
        return None
    try:
        return json.dumps(norm, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise StoreError(f"normalised value {_dumps(norm)} is not standard JSON (NaN or Infinity)") from None


def pack_tokens(tokens: Iterable[tuple[int, int]]) -> bytes:
    """Token offsets as stored: little-endian uint32 start, end, start, end, ..."""
    packed = array("I", itertools.chain.from_iterable(tokens))
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def unpack_tokens(blob: bytes) -> list[tuple[int, int]]:
    flat = array("I")
    flat.frombytes(blob)
    if sys.byteorder != "little":
        flat.byteswap()
    return list(zip(flat[0::2], flat[1::2]))


class Store:
    """A Redline database file, opened, migrated and ready."""

    def __init__(self, path: str | Path = "redline.db", *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"{self.path}: no such database")
        try:
            conn = sqlite3.connect(
                str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            # articles are a few kB each: 8 kB pages keep most of a text and
            # its tokens off overflow chains (only a new, empty file takes it)
            conn.execute("PRAGMA page_size = 8192")
            # switching a new file to WAL takes a lock the busy timeout does
            # not wait for: another process may be creating the same file
            for attempt in range(100):
                try:
                    conn.execute("PRAGMA journal_mode = WAL")
                    break
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) or attempt == 99:
                        raise
                    time.sleep(0.01 * (1 + random.random()))
            # WAL + NORMAL: a commit survives the process being killed at any
            # moment; only a power cut can lose the last transactions.
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path}: not a Redline database ({error})") from None
        self._db: sqlite_utils.Database | None = None
        self.conn = conn
        self._label_cache: dict[str, Label] | None = None
        self._annotator_cache: dict[str, Annotator] = {}
        self._prepare()

    # -- connection and schema ------------------------------------------------

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the same connection, made on first use: importing
        sqlite-utils (and numpy with it) would add about 0.1 s to every start
        of the annotation screen, which never needs it."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def _prepare(self) -> None:
        current = schema_version()
        found = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if found > current:
            raise StoreError(
                f"{self.path}: database schema version {found} is newer than this "
                f"Redline understands ({current}); upgrade Redline to open it"
            )
        if found == current:
            return
        with self.transaction():
            # look again under the write lock: another process may have just
            # created or migrated this very file
            found = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if found == current:
                return
            has_tables = self.conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'documents'"
            ).fetchone()[0]
            if found == 0 and has_tables:
                raise StoreError(f"{self.path}: not a Redline database (no schema version)")
            if has_tables:
                migrations.upgrade(self.conn, found, current)
            for statement in _statements(SCHEMA_PATH.read_text(encoding="utf-8")):
                self.conn.execute(statement)
            self.conn.execute(f"PRAGMA user_version = {current}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; nested calls join the outer one."""
        if self.conn.in_transaction:
            with self.db.atomic():  # a savepoint
                yield
            return
        delay = 0.01
        # each BEGIN waits up to the busy timeout; some lock states fail at
        # once instead, so retry, but give up after about one timeout's worth
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"{self.path}: the database stayed busy (another process, perhaps a long import,"
                        " is writing); nothing was changed, try again"
                    ) from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)
        try:
            yield
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            # rows created in the rolled-back transaction are gone: so are their cached ids
            self._label_cache = None
            self._annotator_cache.clear()
            raise
        else:
            self.conn.execute("COMMIT")

    def _rows(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    # -- labels ---------------------------------------------------------------

    def labels(self) -> list[Label]:
        if self._label_cache is None:
            rows = self._rows(
                "SELECT id, name, key, colour, description, position FROM labels ORDER BY position, id"
            )
            self._label_cache = {row[1]: Label(*row) for row in rows}
        return list(self._label_cache.values())

    def label(self, name: str) -> Label:
        self.labels()
        assert self._label_cache is not None
        try:
            return self._label_cache[name]
        except KeyError:
            known = ", ".join(self._label_cache)
            raise StoreError(f"unknown label {name!r} (labels: {known})") from None

    def _label_by_id(self, label_id: int) -> Label:
        return next(label for label in self.labels() if label.id == label_id)

    def add_label(self, name: str, key: str | None, colour: str = "#56b6c2", description: str = "") -> Label:
        name = name.strip().lower()
        if not name or any(not (c.isalnum() or c in "_-") for c in name):
            raise StoreError(f"label name {name!r}: use letters, digits, '-' or '_'")
        if key is not None and len(key) != 1:
            raise StoreError(f"label key {key!r}: must be a single character")
        self.labels()
        assert self._label_cache is not None
        if name in self._label_cache:
            raise StoreError(f"label {name!r} already exists")
        for label in self._label_cache.values():
            if key is not None and label.key == key:
                raise StoreError(f"key {key!r} is already used by label {label.name!r}")
        with self.transaction():
            position = (self._one("SELECT max(position) FROM labels") or 0) + 1
            self.conn.execute(
                "INSERT INTO labels (name, key, colour, description, position) VALUES (?, ?, ?, ?, ?)",
                (name, key, colour, description, position),
            )
        self._label_cache = None
        return self.label(name)

    # -- annotators -----------------------------------------------------------

    def annotator(self, name: str, *, kind: str = "human") -> Annotator:
        """The annotator called ``name``, created on first use."""
        name = name.strip()
        if not name:
            raise StoreError("annotator name is empty")
        cached = self._annotator_cache.get(name)
        if cached is not None:
            return cached
        if kind == "human" and name == GOLD:
            raise StoreError(f"annotator name {GOLD!r} is reserved for the adjudicated layer")
        row = self.conn.execute("SELECT id, name, kind FROM annotators WHERE name = ?", (name,)).fetchone()
        if row is None:
            with self.transaction():
                self.conn.execute(
                    "INSERT OR IGNORE INTO annotators (name, kind) VALUES (?, ?)", (name, kind)
                )
            row = self.conn.execute(
                "SELECT id, name, kind FROM annotators WHERE name = ?", (name,)
            ).fetchone()
        annotator = Annotator(*row)
        self._annotator_cache[name] = annotator
        return annotator

    def gold(self) -> Annotator:
        return self.annotator(GOLD, kind="gold")

    def annotators(self, *, include_gold: bool = False) -> list[Annotator]:
        rows = self._rows("SELECT id, name, kind FROM annotators ORDER BY name")
        return [Annotator(*row) for row in rows if include_gold or row[2] == "human"]

    def find_annotator(self, name: str) -> Annotator:
        """An existing annotator; a one-line error naming those that exist."""
        row = self.conn.execute("SELECT id, name, kind FROM annotators WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = ", ".join(a.name for a in self.annotators(include_gold=True)) or "none"
            raise StoreError(f"unknown annotator {name!r} (annotators: {known})")
        return Annotator(*row)

    # -- documents ------------------------------------------------------------

    def count_documents(self) -> int:
        return self._one("SELECT count(*) FROM documents")

    def documents(self) -> list[DocumentInfo]:
        rows = self._rows(
            "SELECT id, key, title, meta, position, length FROM documents ORDER BY position, id"
        )
        return [DocumentInfo(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def document(self, document_id: int) -> Document:
        row = self.conn.execute(
            "SELECT id, key, title, text, sha256, meta, position, tokens FROM documents WHERE id = ?",
            (document_id,),
        ).fetchone()
        if row is None:
            raise StoreError(f"no document with id {document_id}")
        return self._document(row)

    def document_by_key(self, key: str) -> Document:
        row = self.conn.execute(
            "SELECT id, key, title, text, sha256, meta, position, tokens FROM documents WHERE key = ?",
            (key,),
        ).fetchone()
        if row is None:
            raise StoreError(f"no document with key {key!r}")
        return self._document(row)

    def document_id_for_hash(self, digest: str) -> int | None:
        return self._one("SELECT id FROM documents WHERE sha256 = ?", (digest,))

    @staticmethod
    def _document(row: sqlite3.Row) -> Document:
        return Document(
            row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), row[6], unpack_tokens(row[7])
        )

    def iter_documents(self, document_ids: Iterable[int] | None = None) -> Iterator[Document]:
        """Documents in corpus order, streamed: memory does not grow with the corpus."""
        sql = "SELECT id, key, title, text, sha256, meta, position, tokens FROM documents"
        if document_ids is None:
            cursor = self.conn.execute(sql + " ORDER BY position, id")
            for row in cursor:
                yield self._document(row)
        else:
            for document_id in document_ids:
                yield self.document(document_id)

    def add_document(self, item: DocumentInput) -> tuple[int, bool]:
        """Store a document unless its text is present; returns (id, added).

        One statement, so atomic on its own; call inside ``transaction()``
        when adding many: the caller decides what is one all-or-nothing unit.
        """
        digest = item.digest or sha256(item.text)
        if item.tokens is None:
            existing = self.document_id_for_hash(digest)
            if existing is not None:
                return existing, False
            raise ValueError("documents are stored with their tokens")
        tokens = item.tokens if isinstance(item.tokens, bytes) else pack_tokens(item.tokens)
        key = item.key or digest[:12]
        while True:
            try:
                row = self.conn.execute(
                    "INSERT INTO documents (key, title, text, length, sha256, meta, tokens, position)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT coalesce(max(position), 0) + 1 FROM documents))"
                    " ON CONFLICT (sha256) DO NOTHING RETURNING id",
                    (key, item.title, item.text, len(item.text), digest, _dumps(item.meta), tokens),
                ).fetchone()
            except sqlite3.IntegrityError as error:
                if "documents.key" not in str(error):
                    raise
                key = self._free_key(key)  # another text already has this key
                continue
            if row is None:
                existing = self.document_id_for_hash(digest)
                assert existing is not None
                return existing, False
            return int(row[0]), True

    def _free_key(self, key: str) -> str:
        candidate, n = key, 1
        while self._one("SELECT 1 FROM documents WHERE key = ?", (candidate,)):
            n += 1
            candidate = f"{key}-{n}"
        return candidate

    # -- spans ----------------------------------------------------------------

    _SPAN_SELECT = (
        "SELECT s.id, s.document_id, a.name, l.name, s.start_char, s.end_char, s.origin, s.norm,"
        " d.name, s.created_at, s.updated_at FROM spans s"
        " JOIN annotators a ON a.id = s.annotator_id JOIN labels l ON l.id = s.label_id"
        " LEFT JOIN annotators d ON d.id = s.decided_by"
    )

    @staticmethod
    def _span(row: sqlite3.Row) -> Span:
        return Span(row[0], row[1], row[2], row[3], row[4], row[5], row[6], _norm(row[7]), row[8], row[9], row[10])

    def spans(self, document_id: int, annotator: str | None = None) -> list[Span]:
        """The spans of one document, in reading order: one layer, or all of them."""
        if annotator is None:
            rows = self._rows(
                self._SPAN_SELECT + " WHERE s.document_id = ? ORDER BY s.start_char, s.end_char DESC, l.position",
                (document_id,),
            )
        else:
            rows = self._rows(
                self._SPAN_SELECT
                + " WHERE s.document_id = ? AND a.name = ? ORDER BY s.start_char, s.end_char DESC, l.position",
                (document_id, annotator),
            )
        return [self._span(row) for row in rows]

    def span(self, span_id: int) -> Span | None:
        row = self.conn.execute(self._SPAN_SELECT + " WHERE s.id = ?", (span_id,)).fetchone()
        return None if row is None else self._span(row)

    def _insert_span(
        self,
        document_id: int,
        annotator: Annotator,
        label: Label,
        start: int,
        end: int,
        origin: str,
        norm: dict[str, Any] | None,
        *,
        span_id: int | None = None,
        decided_by: int | None = None,
    ) -> int | None:
        """Insert one span; None when that exact span is already in the layer."""
        try:
            cursor = self.conn.execute(
                "INSERT INTO spans (id, document_id, annotator_id, label_id, start_char, end_char,"
                " origin, norm, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    span_id,
                    document_id,
                    annotator.id,
                    label.id,
                    start,
                    end,
                    origin,
                    _norm_json(norm),
                    decided_by,
                ),
            )
        except sqlite3.IntegrityError as error:
            message = str(error)
            if "UNIQUE" in message:
                return None
            if "past the end" in message or "CHECK" in message:
                raise StoreError(f"span [{start}, {end}) is not inside the document") from None
            raise
        return int(cursor.lastrowid)

    def add_span(
        self,
        document_id: int,
        annotator: str,
        label: str,
        start: int,
        end: int,
        *,
        origin: str = "manual",
        norm: dict[str, Any] | None = None,
    ) -> Span | None:
        """Tag [start, end) with ``label`` in the annotator's layer and log it.

        Returns the new span, or None when the layer already has exactly that
        span (the same key twice removes nothing and adds nothing).
        """
        who = self.annotator(annotator)
        what = self.label(label)
        with self.transaction():
            span_id = self._insert_span(document_id, who, what, start, end, origin, norm)
            if span_id is None:
                return None
            span = self.span(span_id)
            assert span is not None
            self._log(who, document_id, "add_span", span_id, {"span": _span_payload(span)})
        return span

    def remove_span(self, span_id: int, annotator: str) -> Span | None:
        who = self.annotator(annotator)
        with self.transaction():
            span = self.span(span_id)
            if span is None or span.annotator != who.name:
                return None
            links = [
                [claim, target]
                for claim, target in self._rows(
                    "SELECT claim_id, target_id FROM links WHERE claim_id = ? OR target_id = ?",
                    (span_id, span_id),
                )
            ]
            self.conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
            self._log(who, span.document_id, "remove_span", span_id, {"span": _span_payload(span), "links": links})
        return span

    def set_norm(self, span_id: int, annotator: str, norm: dict[str, Any] | None) -> Span | None:
        who = self.annotator(annotator)
        with self.transaction():
            span = self.span(span_id)
            if span is None or span.annotator != who.name:
                return None
            self.conn.execute(
                "UPDATE spans SET norm = ?, updated_at = ? WHERE id = ?",
                (_norm_json(norm), _now(), span_id),
            )
            self._log(who, span.document_id, "set_norm", span_id, {"old": span.norm, "new": norm})
        return self.span(span_id)

    # -- links ----------------------------------------------------------------

    def links(self, document_id: int, annotator: str | None = None) -> list[Link]:
        sql = (
            "SELECT k.id, k.claim_id, k.target_id FROM links k JOIN spans s ON s.id = k.claim_id"
            " JOIN annotators a ON a.id = s.annotator_id WHERE s.document_id = ?"
        )
        params: list[Any] = [document_id]
        if annotator is not None:
            sql += " AND a.name = ?"
            params.append(annotator)
        return [Link(*row) for row in self._rows(sql + " ORDER BY k.id", params)]

    def add_link(self, claim_id: int, target_id: int, annotator: str) -> Link | None:
        who = self.annotator(annotator)
        with self.transaction():
            claim, target = self.span(claim_id), self.span(target_id)
            if claim is None or target is None:
                raise StoreError("both spans of a link must exist")
            if claim.label != "claim":
                raise StoreError("a link starts at a claim span")
            if target.label == "claim":
                raise StoreError("a claim links to a source, figure or date span, not another claim")
            if claim.annotator != who.name or target.annotator != who.name or claim.document_id != target.document_id:
                raise StoreError("a link joins two spans of one layer of one document")
            cursor = self.conn.execute(
                "INSERT OR IGNORE INTO links (claim_id, target_id) VALUES (?, ?)", (claim_id, target_id)
            )
            if cursor.rowcount == 0:
                return None
            self._log(who, claim.document_id, "add_link", claim_id, {"claim": claim_id, "target": target_id})
            return Link(int(cursor.lastrowid), claim_id, target_id)

    def remove_link(self, claim_id: int, target_id: int, annotator: str) -> bool:
        who = self.annotator(annotator)
        with self.transaction():
            claim = self.span(claim_id)
            if claim is None or claim.annotator != who.name:
                return False
            cursor = self.conn.execute(
                "DELETE FROM links WHERE claim_id = ? AND target_id = ?", (claim_id, target_id)
            )
            if cursor.rowcount == 0:
                return False
            self._log(who, claim.document_id, "remove_link", claim_id, {"claim": claim_id, "target": target_id})
        return True

    # -- status ---------------------------------------------------------------

    def status(self, document_id: int, annotator: str) -> Status:
        row = self.conn.execute(
            "SELECT st.status, st.note, st.updated_at FROM statuses st JOIN annotators a ON a.id = st.annotator_id"
            " WHERE st.document_id = ? AND a.name = ?",
            (document_id, annotator),
        ).fetchone()
        if row is None:
            return Status(document_id, annotator)
        return Status(document_id, annotator, row[0], row[1], row[2])

    def statuses(self, annotator: str) -> dict[int, Status]:
        rows = self._rows(
            "SELECT st.document_id, st.status, st.note, st.updated_at FROM statuses st"
            " JOIN annotators a ON a.id = st.annotator_id WHERE a.name = ?",
            (annotator,),
        )
        return {r[0]: Status(r[0], annotator, r[1], r[2], r[3]) for r in rows}

    def set_status(self, document_id: int, annotator: str, status: str, note: str = "") -> Status:
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r} (statuses: {', '.join(STATUSES)})")
        who = self.annotator(annotator)
        with self.transaction():
            self._set_status(document_id, who, status, note)
            self._log(who, document_id, "set_status", None, {"status": status, "note": note})
        return self.status(document_id, annotator)

    def _set_status(self, document_id: int, who: Annotator, status: str, note: str) -> None:
        self.conn.execute(
            "INSERT INTO statuses (document_id, annotator_id, status, note, updated_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (document_id, annotator_id) DO UPDATE SET status = excluded.status,"
            " note = excluded.note, updated_at = excluded.updated_at",
            (document_id, who.id, status, note, _now()),
        )

    # -- suggestions ----------------------------------------------------------

    _SUGGESTION_SELECT = (
        "SELECT g.id, g.document_id, l.name, g.start_char, g.end_char, g.source, g.score, g.norm"
        " FROM suggestions g JOIN labels l ON l.id = g.label_id"
    )

    @staticmethod
    def _suggestion(row: sqlite3.Row) -> Suggestion:
        return Suggestion(row[0], row[1], row[2], row[3], row[4], row[5], row[6], _norm(row[7]))

    def suggestions(self, document_id: int, annotator: str | None = None) -> list[Suggestion]:
        """Suggestions of a document; for an annotator, those still open to them
        (not already in their layer, not rejected by them)."""
        sql = (
            self._SUGGESTION_SELECT + " WHERE g.document_id = ?"
        )
        params: list[Any] = [document_id]
        if annotator is not None:
            who = self.annotator(annotator)
            sql += (
                " AND NOT EXISTS (SELECT 1 FROM spans s WHERE s.document_id = g.document_id"
                " AND s.annotator_id = ? AND s.label_id = g.label_id AND s.start_char = g.start_char"
                " AND s.end_char = g.end_char)"
                " AND NOT EXISTS (SELECT 1 FROM rejections r WHERE r.document_id = g.document_id"
                " AND r.annotator_id = ? AND r.label_id = g.label_id AND r.start_char = g.start_char"
                " AND r.end_char = g.end_char)"
            )
            params += [who.id, who.id]
        rows = self._rows(sql + " ORDER BY g.start_char, g.end_char DESC, l.position", params)
        return [self._suggestion(row) for row in rows]

    def suggestion_sources(self) -> set[str]:
        """Every source that has suggestions stored."""
        return {row[0] for row in self._rows("SELECT DISTINCT source FROM suggestions")}

    def replace_suggestions(
        self,
        document_id: int,
        source: str,
        items: Iterable[tuple[str, int, int, float | None, dict[str, Any] | None]],
    ) -> int:
        """Replace one source's suggestions for a document with ``items``
        (label, start, end, score, norm); returns how many were stored."""
        labels = {label.name: label.id for label in self.labels()}
        rows = [
            (document_id, labels[label], start, end, source, score, _norm_json(norm))
            for label, start, end, score, norm in items
            if label in labels
        ]
        with self.transaction():
            self.conn.execute(
                "DELETE FROM suggestions WHERE document_id = ? AND source = ?", (document_id, source)
            )
            self.conn.executemany(
                "INSERT OR IGNORE INTO suggestions (document_id, label_id, start_char, end_char, source, score, norm)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        return len(rows)

    def accept_suggestion(self, suggestion: Suggestion, annotator: str) -> Span | None:
        return self.add_span(
            suggestion.document_id,
            annotator,
            suggestion.label,
            suggestion.start,
            suggestion.end,
            origin="suggested",
            norm=suggestion.norm,
        )

    def reject_suggestion(self, suggestion: Suggestion, annotator: str) -> None:
        who = self.annotator(annotator)
        label = self.label(suggestion.label)
        with self.transaction():
            self.conn.execute(
                "INSERT OR IGNORE INTO rejections (document_id, annotator_id, label_id, start_char, end_char)"
                " VALUES (?, ?, ?, ?, ?)",
                (suggestion.document_id, who.id, label.id, suggestion.start, suggestion.end),
            )
            self._log(
                who,
                suggestion.document_id,
                "reject_suggestion",
                None,
                {"label": suggestion.label, "start": suggestion.start, "end": suggestion.end},
            )

    # -- the action log, undo and redo ----------------------------------------

    def _log(
        self,
        who: Annotator,
        document_id: int | None,
        kind: str,
        span_id: int | None,
        payload: dict[str, Any],
        ref_id: int | None = None,
    ) -> int:
        cursor = self.conn.execute(
            "INSERT INTO actions (annotator_id, document_id, kind, span_id, payload, ref_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (who.id, document_id, kind, span_id, _dumps(payload), ref_id, _now()),
        )
        return int(cursor.lastrowid)

    def actions(self, annotator: str | None = None, document_id: int | None = None) -> list[Action]:
        sql = (
            "SELECT x.id, a.name, x.document_id, x.kind, x.span_id, x.payload, x.ref_id, x.created_at"
            " FROM actions x JOIN annotators a ON a.id = x.annotator_id WHERE 1"
        )
        params: list[Any] = []
        if annotator is not None:
            sql += " AND a.name = ?"
            params.append(annotator)
        if document_id is not None:
            sql += " AND x.document_id = ?"
            params.append(document_id)
        rows = self._rows(sql + " ORDER BY x.id", params)
        return [Action(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]

    def _history(self, document_id: int, who: Annotator) -> tuple[list[int], list[int]]:
        """Replay the log of one layer of one document: the ids of the
        (undoable, redoable) actions. Reads ids and kinds only: parsing every
        payload made each undo cost more the longer the annotator worked."""
        done: list[int] = []
        undone: list[int] = []
        rows = self.conn.execute(
            "SELECT id, kind, ref_id FROM actions WHERE annotator_id = ? AND document_id = ? ORDER BY id",
            (who.id, document_id),
        )
        for action_id, kind, ref_id in rows:
            if kind in UNDOABLE:
                done.append(action_id)
                undone.clear()
            elif kind == "undo" and done and done[-1] == ref_id:
                undone.append(done.pop())
            elif kind == "redo" and undone and undone[-1] == ref_id:
                done.append(undone.pop())
        return done, undone

    def _action(self, action_id: int) -> Action:
        r = self.conn.execute(
            "SELECT x.id, a.name, x.document_id, x.kind, x.span_id, x.payload, x.ref_id, x.created_at"
            " FROM actions x JOIN annotators a ON a.id = x.annotator_id WHERE x.id = ?",
            (action_id,),
        ).fetchone()
        return Action(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7])

    def can_undo(self, document_id: int, annotator: str) -> bool:
        return bool(self._history(document_id, self.annotator(annotator))[0])

    def undo(self, document_id: int, annotator: str) -> Action | None:
        """Reverse this annotator's latest action on the document; None if none is left."""
        who = self.annotator(annotator)
        with self.transaction():
            done, _ = self._history(document_id, who)
            if not done:
                return None
            action = self._action(done[-1])
            self._apply(action, who, reverse=True)
            self._log(who, document_id, "undo", action.span_id, {"kind": action.kind}, ref_id=action.id)
        return action

    def redo(self, document_id: int, annotator: str) -> Action | None:
        who = self.annotator(annotator)
        with self.transaction():
            _, undone = self._history(document_id, who)
            if not undone:
                return None
            action = self._action(undone[-1])
            self._apply(action, who, reverse=False)
            self._log(who, document_id, "redo", action.span_id, {"kind": action.kind}, ref_id=action.id)
        return action

    def _apply(self, action: Action, who: Annotator, *, reverse: bool) -> None:
        """Do (reverse=False) or undo (reverse=True) a logged action, without logging."""
        payload = action.payload
        kind = action.kind
        adding = (kind in ("add_span", "add_link", "reject_suggestion")) != reverse
        if kind in ("add_span", "remove_span"):
            span = payload["span"]
            if adding:
                self._insert_span(
                    span["document_id"],
                    who,
                    self.label(span["label"]),
                    span["start"],
                    span["end"],
                    span["origin"],
                    span["norm"],
                    span_id=span["id"],
                )
                for claim, target in payload.get("links", []):
                    self.conn.execute(
                        "INSERT OR IGNORE INTO links (claim_id, target_id)"
                        " SELECT ?, ? WHERE EXISTS (SELECT 1 FROM spans WHERE id = ?)"
                        " AND EXISTS (SELECT 1 FROM spans WHERE id = ?)",
                        (claim, target, claim, target),
                    )
            else:
                self.conn.execute("DELETE FROM spans WHERE id = ?", (span["id"],))
        elif kind in ("add_link", "remove_link"):
            if adding:
                self.conn.execute(
                    "INSERT OR IGNORE INTO links (claim_id, target_id)"
                    " SELECT ?, ? WHERE EXISTS (SELECT 1 FROM spans WHERE id = ?)"
                    " AND EXISTS (SELECT 1 FROM spans WHERE id = ?)",
                    (payload["claim"], payload["target"], payload["claim"], payload["target"]),
                )
            else:
                self.conn.execute(
                    "DELETE FROM links WHERE claim_id = ? AND target_id = ?", (payload["claim"], payload["target"])
                )
        elif kind == "set_norm":
            value = payload["old"] if reverse else payload["new"]
            self.conn.execute(
                "UPDATE spans SET norm = ?, updated_at = ? WHERE id = ?",
                (_norm_json(value), _now(), action.span_id),
            )
        elif kind == "reject_suggestion":
            label = self.label(payload["label"])
            key = (action.document_id, who.id, label.id, payload["start"], payload["end"])
            if adding:
                self.conn.execute(
                    "INSERT OR IGNORE INTO rejections (document_id, annotator_id, label_id, start_char, end_char)"
                    " VALUES (?, ?, ?, ?, ?)",
                    key,
                )
            else:
                self.conn.execute(
                    "DELETE FROM rejections WHERE document_id = ? AND annotator_id = ? AND label_id = ?"
                    " AND start_char = ? AND end_char = ?",
                    key,
                )

    # -- settings -------------------------------------------------------------

    def setting(self, name: str, default: str | None = None) -> str | None:
        value = self._one("SELECT value FROM settings WHERE name = ?", (name,))
        return default if value is None else value

    def set_setting(self, name: str, value: str | None) -> None:
        with self.transaction():
            if value is None:
                self.conn.execute("DELETE FROM settings WHERE name = ?", (name,))
            else:
                self.conn.execute(
                    "INSERT INTO settings (name, value) VALUES (?, ?)"
                    " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    (name, value),
                )

    def last_document(self, annotator: str) -> int | None:
        """The document this annotator last had open, if it still exists."""
        value = self.setting(f"last_document:{annotator}")
        if value is None:
            return None
        return self._one("SELECT id FROM documents WHERE id = ?", (int(value),))

    def remember_document(self, annotator: str, document_id: int) -> None:
        self.set_setting(f"last_document:{annotator}", str(document_id))

    # -- layers on their way in (import, merge) -------------------------------

    def add_layer_spans(
        self,
        document_id: int,
        annotator: str,
        spans: Iterable[tuple[str, int, int, dict[str, Any] | None]],
        links: Iterable[tuple[int, int]] = (),
        *,
        origin: str = "imported",
        kind: str = "human",
    ) -> tuple[int, list[int | None]]:
        """Add pre-made spans (label, start, end, norm) to a layer, skipping
        those it already has; ``links`` index into ``spans``. Returns the
        number added and each input span's id in the layer."""
        who = self.annotator(annotator, kind=kind)
        added = 0
        ids: list[int | None] = []
        with self.transaction():
            for label, start, end, norm in spans:
                label_row = self.label(label)
                span_id = self._insert_span(document_id, who, label_row, start, end, origin, norm)
                if span_id is None:
                    span_id = self._one(
                        "SELECT id FROM spans WHERE document_id = ? AND annotator_id = ? AND label_id = ?"
                        " AND start_char = ? AND end_char = ?",
                        (document_id, who.id, label_row.id, start, end),
                    )
                else:
                    added += 1
                ids.append(span_id)
            for claim, target in links:
                if ids[claim] is not None and ids[target] is not None:
                    self.conn.execute(
                        "INSERT OR IGNORE INTO links (claim_id, target_id) VALUES (?, ?)", (ids[claim], ids[target])
                    )
        return added, ids

    def import_status(self, document_id: int, annotator: str, status: str, note: str = "") -> None:
        """Set a status brought in by an import, without touching the action log."""
        if status not in STATUSES:
            raise StoreError(f"unknown status {status!r} (statuses: {', '.join(STATUSES)})")
        with self.transaction():
            self._set_status(document_id, self.annotator(annotator), status, note)

    # -- agreement, adjudication and merge ------------------------------------

    def data_version(self) -> int:
        """Changes whenever another connection commits: a cheap "anything new?"."""
        return int(self._one("PRAGMA data_version"))

    def last_action_id(self) -> int:
        return int(self._one("SELECT coalesce(max(id), 0) FROM actions"))

    def layers_fingerprint(self) -> tuple[int, ...]:
        """Changes when spans, documents or statuses change, logged or not
        (imports log nothing per span): for noticing others' work cheaply."""
        row = self.conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM spans), (SELECT count(*) FROM spans),"
            " (SELECT count(*) FROM documents), (SELECT count(*) FROM statuses),"
            " (SELECT coalesce(max(updated_at), '') FROM statuses)"
        ).fetchone()
        return tuple(row)

    def documents_changed_since(self, action_id: int) -> set[int]:
        """Documents touched by a logged action after ``action_id``."""
        rows = self._rows(
            "SELECT DISTINCT document_id FROM actions WHERE id > ? AND document_id IS NOT NULL", (action_id,)
        )
        return {row[0] for row in rows}

    def annotated_pairs(self, annotator_ids: Iterable[int]) -> list[tuple[int, int]]:
        """(document_id, annotator_id) wherever the annotator has a span or marked the document done."""
        ids = _dumps(sorted(set(annotator_ids)))
        rows = self._rows(
            "SELECT document_id, annotator_id FROM spans WHERE annotator_id IN (SELECT value FROM json_each(:ids))"
            " UNION SELECT document_id, annotator_id FROM statuses WHERE status = 'done'"
            " AND annotator_id IN (SELECT value FROM json_each(:ids))",
            {"ids": ids},
        )
        return [(row[0], row[1]) for row in rows]

    def span_rows(
        self, annotator_ids: Iterable[int], label_ids: Iterable[int]
    ) -> list[tuple[int, int, int, int, int]]:
        """(document_id, annotator_id, label_id, start, end) of these layers'
        spans of these labels, in one query, grouped by document."""
        rows = self._rows(
            "SELECT document_id, annotator_id, label_id, start_char, end_char FROM spans"
            " WHERE annotator_id IN (SELECT value FROM json_each(?)) AND label_id IN (SELECT value FROM json_each(?))"
            " ORDER BY document_id, label_id, annotator_id, start_char, end_char",
            (_dumps(sorted(set(annotator_ids))), _dumps(sorted(set(label_ids)))),
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def token_rows(self, document_ids: Iterable[int], chunk: int = 500) -> Iterator[tuple[int, str, str]]:
        """(id, text, packed token offsets as stored) of these documents, in chunks."""
        ids = sorted(set(document_ids))
        for first in range(0, len(ids), chunk):
            rows = self._rows(
                "SELECT id, text, tokens FROM documents WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
                (_dumps(ids[first : first + chunk]),),
            )
            yield from ((row[0], row[1], row[2]) for row in rows)

    def all_spans(self, document_ids: Iterable[int] | None = None) -> list[Span]:
        """Every span of every layer (the gold one too), of some or all documents, in one query."""
        order = " ORDER BY s.document_id, s.start_char, s.end_char DESC, l.position"
        if document_ids is None:
            rows = self._rows(self._SPAN_SELECT + order)
        else:
            rows = self._rows(
                self._SPAN_SELECT + " WHERE s.document_id IN (SELECT value FROM json_each(?))" + order,
                (_dumps(sorted(set(document_ids))),),
            )
        return [self._span(row) for row in rows]

    def all_links(self, document_ids: Iterable[int] | None = None) -> list[tuple[int, int, int]]:
        """(document_id, claim_id, target_id) of every link, of some or all documents."""
        sql = "SELECT s.document_id, k.claim_id, k.target_id FROM links k JOIN spans s ON s.id = k.claim_id"
        if document_ids is None:
            rows = self._rows(sql + " ORDER BY k.id")
        else:
            rows = self._rows(
                sql + " WHERE s.document_id IN (SELECT value FROM json_each(?)) ORDER BY k.id",
                (_dumps(sorted(set(document_ids))),),
            )
        return [(row[0], row[1], row[2]) for row in rows]

    def all_statuses(self) -> list[Status]:
        rows = self._rows(
            "SELECT st.document_id, a.name, st.status, st.note, st.updated_at FROM statuses st"
            " JOIN annotators a ON a.id = st.annotator_id ORDER BY st.document_id, a.name"
        )
        return [Status(*row) for row in rows]

    def all_rejections(self) -> list[tuple[int, str, str, int, int]]:
        """(document_id, annotator, label, start, end) of every rejected suggestion."""
        rows = self._rows(
            "SELECT r.document_id, a.name, l.name, r.start_char, r.end_char FROM rejections r"
            " JOIN annotators a ON a.id = r.annotator_id JOIN labels l ON l.id = r.label_id"
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def adjudications(self, document_ids: Iterable[int] | None = None) -> list[Action]:
        """Adjudication actions still in force (not undone), oldest first."""
        sql = (
            "SELECT x.id, a.name, x.document_id, x.kind, x.span_id, x.payload, x.ref_id, x.created_at"
            " FROM actions x JOIN annotators a ON a.id = x.annotator_id"
            " WHERE x.kind IN ('adjudicate', 'adjudicate_undo')"
        )
        params: tuple[Any, ...] = ()
        if document_ids is not None:
            sql += " AND x.document_id IN (SELECT value FROM json_each(?))"
            params = (_dumps(sorted(set(document_ids))),)
        actions = [
            Action(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in self._rows(sql + " ORDER BY x.id", params)
        ]
        undone = {action.ref_id for action in actions if action.kind == "adjudicate_undo"}
        return [action for action in actions if action.kind == "adjudicate" and action.id not in undone]

    def write_gold(
        self,
        document_id: int,
        reviewer: str,
        *,
        remove: Iterable[int] = (),
        add: Iterable[tuple[str, int, int, dict[str, Any] | None]] = (),
        link: Iterable[tuple[tuple[str, int, int], tuple[str, int, int]]] = (),
        unlink: Iterable[tuple[int, int]] = (),
        key: str | None = None,
        resolution: str,
    ) -> int:
        """One adjudication decision on the gold layer, as one transaction.

        Removes gold spans (by id) and links (claim id, target id), adds
        spans (label, start, end, norm) and links between gold spans given by
        extent (label, start, end). Added spans record the reviewer in
        ``decided_by``; the decision is logged under the reviewer as an
        ``adjudicate`` action whose payload can reverse it. Returns its id.
        """
        who = self.annotator(reviewer)
        gold = self.gold()
        with self.transaction():
            removed: list[dict[str, Any]] = []
            for span_id in remove:
                span = self.span(span_id)
                if span is None or span.annotator != GOLD or span.document_id != document_id:
                    continue
                links = self._rows(
                    "SELECT claim_id, target_id FROM links WHERE claim_id = ? OR target_id = ?", (span_id, span_id)
                )
                self.conn.execute("DELETE FROM spans WHERE id = ?", (span_id,))
                removed.append(self._adjudicated_payload(span) | {"links": [list(pair) for pair in links]})
            unlinked: list[list[int]] = []
            for claim_id, target_id in unlink:
                cursor = self.conn.execute(
                    "DELETE FROM links WHERE claim_id = ? AND target_id = ? AND claim_id IN"
                    " (SELECT id FROM spans WHERE annotator_id = ?)",
                    (claim_id, target_id, gold.id),
                )
                if cursor.rowcount:
                    unlinked.append([claim_id, target_id])
            added: list[dict[str, Any]] = []
            for label, start, end, norm in add:
                span_id = self._insert_span(
                    document_id, gold, self.label(label), start, end, "adjudicated", norm, decided_by=who.id
                )
                if span_id is not None:
                    span = self.span(span_id)
                    assert span is not None
                    added.append(self._adjudicated_payload(span))
            linked: list[list[int]] = []
            for claim, target in link:
                claim_id = self._gold_span_id(document_id, gold, *claim)
                target_id = self._gold_span_id(document_id, gold, *target)
                if claim_id is None or target_id is None:
                    raise StoreError("a gold link joins two spans of the gold layer")
                cursor = self.conn.execute(
                    "INSERT OR IGNORE INTO links (claim_id, target_id) VALUES (?, ?)", (claim_id, target_id)
                )
                if cursor.rowcount:
                    linked.append([claim_id, target_id])
            payload = {
                "layer": GOLD,
                "key": key,
                "resolution": resolution,
                "added": added,
                "removed": removed,
                "linked": linked,
                "unlinked": unlinked,
            }
            return self._log(who, document_id, "adjudicate", None, payload)

    @staticmethod
    def _adjudicated_payload(span: Span) -> dict[str, Any]:
        return {
            "id": span.id,
            "label": span.label,
            "start": span.start,
            "end": span.end,
            "origin": span.origin,
            "norm": span.norm,
            "decided_by": span.decided_by,
            "created_at": span.created_at,
        }

    def _gold_span_id(self, document_id: int, gold: Annotator, label: str, start: int, end: int) -> int | None:
        return self._one(
            "SELECT id FROM spans WHERE document_id = ? AND annotator_id = ? AND label_id = ?"
            " AND start_char = ? AND end_char = ?",
            (document_id, gold.id, self.label(label).id, start, end),
        )

    def undo_gold(self, document_id: int, reviewer: str) -> Action | None:
        """Reverse this reviewer's latest adjudication of the document still
        in force; None when there is none. Logged as ``adjudicate_undo``."""
        who = self.annotator(reviewer)
        gold = self.gold()
        with self.transaction():
            mine = [a for a in self.adjudications([document_id]) if a.annotator == who.name]
            if not mine:
                return None
            action = mine[-1]
            payload = action.payload
            for claim_id, target_id in payload["linked"]:
                self.conn.execute("DELETE FROM links WHERE claim_id = ? AND target_id = ?", (claim_id, target_id))
            for span in payload["added"]:
                self.conn.execute("DELETE FROM spans WHERE id = ? AND annotator_id = ?", (span["id"], gold.id))
            for span in payload["removed"]:
                decided_by = None if span["decided_by"] is None else self.annotator(span["decided_by"]).id
                self.conn.execute(
                    "INSERT OR IGNORE INTO spans (id, document_id, annotator_id, label_id, start_char, end_char,"
                    " origin, norm, decided_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        span["id"],
                        document_id,
                        gold.id,
                        self.label(span["label"]).id,
                        span["start"],
                        span["end"],
                        span["origin"],
                        _norm_json(span["norm"]),
                        decided_by,
                        span["created_at"],
                        span["created_at"],
                    ),
                )
            for claim_id, target_id in [pair for span in payload["removed"] for pair in span["links"]] + payload[
                "unlinked"
            ]:
                self.conn.execute(
                    "INSERT OR IGNORE INTO links (claim_id, target_id)"
                    " SELECT ?, ? WHERE EXISTS (SELECT 1 FROM spans WHERE id = ?)"
                    " AND EXISTS (SELECT 1 FROM spans WHERE id = ?)",
                    (claim_id, target_id, claim_id, target_id),
                )
            self._log(who, document_id, "adjudicate_undo", None, {"key": payload["key"]}, ref_id=action.id)
        return action

    @staticmethod
    def snapshot(source: str | Path, dest: str | Path) -> None:
        """Copy a Redline database consistently (SQLite's backup API) without
        writing to it, e.g. to read another machine's work safely."""
        source = Path(source)
        if not source.exists():
            raise StoreError(f"{source}: no such database")
        try:
            origin = sqlite3.connect(f"file:{source.resolve()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
            try:
                tables = origin.execute(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('documents', 'spans')"
                ).fetchone()[0]
                if tables != 2:
                    raise StoreError(f"{source}: not a Redline database")
                copy = sqlite3.connect(str(dest))
                try:
                    origin.backup(copy)
                finally:
                    copy.close()
            finally:
                origin.close()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{source}: not a Redline database ({error})") from None

    def merge_layer(
        self,
        document_id: int,
        annotator: str,
        kind: str,
        spans: list[tuple[str, int, int, str, dict[str, Any] | None, str | None, str, str]],
        links: Iterable[tuple[int, int]],
        status: Status | None,
        rejections: Iterable[tuple[str, int, int]],
        source: str,
    ) -> int:
        """Bring one layer of one document in from another database.

        ``spans`` are (label, start, end, origin, norm, decided_by name,
        created_at, updated_at), ``links`` index into them. Spans the layer
        already has are kept as they are. Logged as one ``merge`` action
        under the layer's annotator. Returns the number of spans added.
        """
        who = self.annotator(annotator, kind=kind)
        with self.transaction():
            ids: list[int] = []
            added = 0
            for label, start, end, origin, norm, decided_by, created_at, updated_at in spans:
                label_row = self.label(label)
                decider = None if decided_by is None else self.annotator(decided_by, kind="gold" if decided_by == GOLD else "human").id
                cursor = self.conn.execute(
                    "INSERT OR IGNORE INTO spans (document_id, annotator_id, label_id, start_char, end_char,"
                    " origin, norm, decided_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        document_id,
                        who.id,
                        label_row.id,
                        start,
                        end,
                        origin,
                        _norm_json(norm),
                        decider,
                        created_at,
                        updated_at,
                    ),
                )
                added += cursor.rowcount
                span_id = self._one(
                    "SELECT id FROM spans WHERE document_id = ? AND annotator_id = ? AND label_id = ?"
                    " AND start_char = ? AND end_char = ?",
                    (document_id, who.id, label_row.id, start, end),
                )
                ids.append(span_id)
            linked = 0
            for claim, target in links:
                cursor = self.conn.execute(
                    "INSERT OR IGNORE INTO links (claim_id, target_id) VALUES (?, ?)", (ids[claim], ids[target])
                )
                linked += cursor.rowcount
            if status is not None:
                self.conn.execute(
                    "INSERT INTO statuses (document_id, annotator_id, status, note, updated_at) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT (document_id, annotator_id) DO UPDATE SET status = excluded.status,"
                    " note = excluded.note, updated_at = excluded.updated_at",
                    (document_id, who.id, status.status, status.note, status.updated_at or _now()),
                )
            for label, start, end in rejections:
                self.conn.execute(
                    "INSERT OR IGNORE INTO rejections (document_id, annotator_id, label_id, start_char, end_char)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (document_id, who.id, self.label(label).id, start, end),
                )
            if added or linked or status is not None:
                self._log(
                    who,
                    document_id,
                    "merge",
                    None,
                    {"from": source, "spans": added, "links": linked, "status": None if status is None else status.status},
                )
        return added

    # -- export ---------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same committed
        state however long it runs, while other processes go on writing (WAL)."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    # One row per output line of an export: the annotators' layers that pass
    # the filters, then (``other``) the suggestions of each document, or, for
    # a backup, the bare text of each document no chosen layer holds.
    # A layer has "seen" a document when it has a span in it or a status
    # other than todo (or a note): only seen documents are empty negatives.
    _EXPORT_LAYERS = """
        WITH layer AS (
            SELECT id, name FROM annotators WHERE id IN (SELECT value FROM json_each(:layers))
        ),
        chosen AS (
            SELECT d.id AS document_id, d.position, {digest} AS sha256, y.id AS annotator_id, y.name
            FROM documents d CROSS JOIN layer y
            LEFT JOIN statuses st ON st.document_id = d.id AND st.annotator_id = y.id
            WHERE (
                EXISTS (SELECT 1 FROM spans s WHERE s.document_id = d.id AND s.annotator_id = y.id
                        AND (:labels IS NULL OR s.label_id IN (SELECT value FROM json_each(:labels))))
                OR (:empty AND (coalesce(st.status, 'todo') <> 'todo' OR coalesce(st.note, '') <> ''
                    OR EXISTS (SELECT 1 FROM spans s WHERE s.document_id = d.id AND s.annotator_id = y.id)))
            )
            AND (:statuses IS NULL OR coalesce(st.status, 'todo') IN (SELECT value FROM json_each(:statuses)))
            AND (:skipped OR coalesce(st.status, 'todo') <> 'skipped')
        )
        SELECT document_id, sha256, annotator_id FROM (
            SELECT document_id, position, sha256, annotator_id, name FROM chosen
            UNION ALL
            SELECT d.id, d.position, {digest}, NULL, NULL FROM documents d
            WHERE (:other = 'suggestions' AND (:empty OR EXISTS (
                        SELECT 1 FROM suggestions g WHERE g.document_id = d.id
                        AND (:labels IS NULL OR g.label_id IN (SELECT value FROM json_each(:labels))))))
               OR (:other = 'texts' AND d.id NOT IN (SELECT document_id FROM chosen))
        )
        ORDER BY position, document_id, name IS NULL, name
    """

    def export_layers(
        self,
        annotator_ids: Iterable[int],
        *,
        label_ids: Iterable[int] | None = None,
        statuses: Iterable[str] | None = None,
        empty: bool = False,
        skipped: bool = False,
        other: str | None = None,
        digests: bool = False,
    ) -> Iterator[tuple[int, str | None, int | None]]:
        """(document id, its sha256 if ``digests`` else None, annotator id)
        of every document layer an export writes, streamed in corpus order.
        Without the digests the query reads no document's row, only indexes
        (a row's later columns are past its text, in overflow pages): five
        times faster. The annotator id is None for
        ``other``: "suggestions" (each document's suggestions) or "texts"
        (documents none of these layers holds, as bare texts).

        A layer goes out where it has spans of ``label_ids`` (all labels when
        None); with ``empty``, also where it has seen the document (any span,
        or a status other than todo, or a note). ``statuses`` keeps only
        layers whose status is one of them; skipped layers are left out
        unless ``skipped``.
        """
        params = {
            "layers": _dumps(sorted(set(annotator_ids))),
            "labels": None if label_ids is None else _dumps(sorted(set(label_ids))),
            "statuses": None if statuses is None else _dumps(sorted(set(statuses))),
            "empty": empty,
            "skipped": skipped,
            "other": other,
        }
        sql = self._EXPORT_LAYERS.format(digest="d.sha256" if digests else "NULL")
        for row in self.conn.execute(sql, params):
            yield row[0], row[1], row[2]

    def document_rows(self, document_ids: Iterable[int]) -> list[tuple[int, str, str, str, str, dict[str, Any], bytes]]:
        """(id, key, title, text, sha256, meta, tokens packed as stored) of
        these documents, in one query: an export lays the tokens out itself."""
        rows = self._rows(
            "SELECT id, key, title, text, sha256, meta, tokens FROM documents"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (_dumps(sorted(set(document_ids))),),
        )
        return [(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]

    def layer_span_rows(
        self, document_ids: Iterable[int], annotator_ids: Iterable[int], label_ids: Iterable[int] | None = None
    ) -> list[tuple[Any, ...]]:
        """The spans of these layers of these documents (of these labels, or
        all), in one query: by document, annotator name, then reading order.
        As plain rows, cheap to pass to another process: span id, document
        id, annotator name, label name, start, end, norm as JSON text, the
        name of who decided it (gold), when it last changed."""
        sql = (
            "SELECT s.id, s.document_id, a.name, l.name, s.start_char, s.end_char, s.norm, d.name, s.updated_at"
            " FROM spans s JOIN annotators a ON a.id = s.annotator_id JOIN labels l ON l.id = s.label_id"
            " LEFT JOIN annotators d ON d.id = s.decided_by"
            " WHERE s.document_id IN (SELECT value FROM json_each(:documents))"
            " AND s.annotator_id IN (SELECT value FROM json_each(:layers))"
        )
        if label_ids is not None:
            sql += " AND s.label_id IN (SELECT value FROM json_each(:labels))"
        return self._rows(
            sql + " ORDER BY s.document_id, a.name, s.start_char, s.end_char DESC, l.position",
            {
                "documents": _dumps(sorted(set(document_ids))),
                "layers": _dumps(sorted(set(annotator_ids))),
                "labels": None if label_ids is None else _dumps(sorted(set(label_ids))),
            },
        )

    def layer_links(self, document_ids: Iterable[int], annotator_ids: Iterable[int]) -> list[Link]:
        """The links of these layers of these documents, in one query."""
        rows = self._rows(
            "SELECT k.id, k.claim_id, k.target_id FROM links k JOIN spans s ON s.id = k.claim_id"
            " WHERE s.document_id IN (SELECT value FROM json_each(?))"
            " AND s.annotator_id IN (SELECT value FROM json_each(?)) ORDER BY k.id",
            (_dumps(sorted(set(document_ids))), _dumps(sorted(set(annotator_ids)))),
        )
        return [Link(*row) for row in rows]

    def layer_statuses(self, document_ids: Iterable[int], annotator_ids: Iterable[int]) -> list[Status]:
        """The stored statuses of these layers of these documents (a layer
        without one is at todo)."""
        rows = self._rows(
            "SELECT st.document_id, a.name, st.status, st.note, st.updated_at FROM statuses st"
            " JOIN annotators a ON a.id = st.annotator_id"
            " WHERE st.document_id IN (SELECT value FROM json_each(?))"
            " AND st.annotator_id IN (SELECT value FROM json_each(?))",
            (_dumps(sorted(set(document_ids))), _dumps(sorted(set(annotator_ids)))),
        )
        return [Status(*row) for row in rows]

    def layer_changed_at(
        self, document_ids: Iterable[int], annotator_ids: Iterable[int], *, spans: bool = True
    ) -> dict[tuple[int, str], str]:
        """(document id, annotator name) -> when that layer last changed: its
        latest logged action (removals and undos included), span, link or
        status. Layers never touched are absent. Without ``spans``, the
        spans' own times are left out: for a caller that has read them all
        (``layer_span_rows``), as they are most of the query's time."""
        params = {"documents": _dumps(sorted(set(document_ids))), "layers": _dumps(sorted(set(annotator_ids)))}
        inside = (
            " document_id IN (SELECT value FROM json_each(:documents))"
            " AND annotator_id IN (SELECT value FROM json_each(:layers))"
        )
        rows = self._rows(
            "SELECT c.document_id, a.name, max(c.at) FROM ("
            f" SELECT document_id, annotator_id, created_at AS at FROM actions WHERE {inside}"
            + (f" UNION ALL SELECT document_id, annotator_id, updated_at FROM spans WHERE {inside}" if spans else "")
            + f" UNION ALL SELECT document_id, annotator_id, updated_at FROM statuses WHERE {inside}"
            " UNION ALL SELECT s.document_id, s.annotator_id, k.created_at FROM links k"
            " JOIN spans s ON s.id = k.claim_id WHERE s.document_id IN (SELECT value FROM json_each(:documents))"
            " AND s.annotator_id IN (SELECT value FROM json_each(:layers))"
            ") c JOIN annotators a ON a.id = c.annotator_id GROUP BY c.document_id, a.name",
            params,
        )
        return {(row[0], row[1]): row[2] for row in rows}

    def suggestion_rows(
        self, document_ids: Iterable[int], label_ids: Iterable[int] | None = None
    ) -> list[tuple[Any, ...]]:
        """The suggestions of these documents (of these labels, or all), in
        one query: by document, then reading order, then source. As plain
        rows (the columns of ``Suggestion``, norm as JSON text)."""
        sql = (
            self._SUGGESTION_SELECT + " WHERE g.document_id IN (SELECT value FROM json_each(:documents))"
        )
        if label_ids is not None:
            sql += " AND g.label_id IN (SELECT value FROM json_each(:labels))"
        return self._rows(
            sql + " ORDER BY g.document_id, g.start_char, g.end_char DESC, l.position, g.source",
            {
                "documents": _dumps(sorted(set(document_ids))),
                "labels": None if label_ids is None else _dumps(sorted(set(label_ids))),
            },
        )

    def record_decided_by(self, decisions: Iterable[tuple[int, str]]) -> None:
        """Record who decided adjudicated spans brought in by an import:
        (span id, reviewer name); a span that already names one keeps it."""
        with self.transaction():
            for span_id, reviewer in decisions:
                who = self.annotator(reviewer, kind="gold" if reviewer == GOLD else "human")
                self.conn.execute(
                    "UPDATE spans SET decided_by = ? WHERE id = ? AND decided_by IS NULL", (who.id, span_id)
                )

    # -- trained models -------------------------------------------------------

    _MODEL_SELECT = (
        "SELECT id, name, path, layers, train_documents, dev_documents, train_spans, last_action_id,"
        " steps, seconds, scores, created_at FROM models"
    )

    @staticmethod
    def _model(row: sqlite3.Row) -> TrainedModel:
        return TrainedModel(
            row[0], row[1], row[2], json.loads(row[3]), row[4], row[5], row[6], row[7], row[8], row[9],
            json.loads(row[10]), row[11],
        )

    def add_model(
        self,
        name: str,
        path: str,
        layers: list[str],
        *,
        train_documents: int,
        dev_documents: int,
        train_spans: int,
        last_action_id: int,
        steps: int,
        seconds: float,
        scores: dict[str, Any],
    ) -> TrainedModel:
        """Record a trained model (its folder is already in place)."""
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO models (name, path, layers, train_documents, dev_documents, train_spans,"
                " last_action_id, steps, seconds, scores) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name, path, _dumps(layers), train_documents, dev_documents, train_spans, last_action_id,
                    steps, seconds, json.dumps(scores, allow_nan=False),
                ),
            )
            model_id = cursor.lastrowid
        row = self.conn.execute(self._MODEL_SELECT + " WHERE id = ?", (model_id,)).fetchone()
        return self._model(row)

    def models(self) -> list[TrainedModel]:
        """Every trained model, oldest first."""
        return [self._model(row) for row in self._rows(self._MODEL_SELECT + " ORDER BY id")]

    def model_by_path(self, path: str) -> TrainedModel | None:
        row = self.conn.execute(self._MODEL_SELECT + " WHERE path = ?", (path,)).fetchone()
        return None if row is None else self._model(row)

    def count_spans(self, annotator: str) -> int:
        """How many spans an annotator's layer (or the gold layer) holds; 0 for a name not in the database."""
        return self._one(
            "SELECT count(*) FROM spans s JOIN annotators a ON a.id = s.annotator_id WHERE a.name = ?",
            (annotator,),
        )

    def uncertainty(self) -> dict[int, float]:
        """Per document with scored suggestions, how unsure the model is: the
        mean over them of 1 - |2 x score - 1| (1 for scores of 0.5, 0 for
        scores of 0 or 1), as Prodigy's "prefer uncertain" ranks."""
        return {
            document_id: value
            for document_id, value in self._rows(
                "SELECT document_id, avg(1 - abs(2 * score - 1)) FROM suggestions"
                " WHERE score IS NOT NULL GROUP BY document_id"
            )
        }

    # -- summaries ------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        documents = self.count_documents()
        tokens = self._one("SELECT coalesce(sum(length(tokens)), 0) / 8 FROM documents")
        spans: dict[str, dict[str, int]] = {}
        for annotator, label, n in self._rows(
            "SELECT a.name, l.name, count(*) FROM spans s JOIN annotators a ON a.id = s.annotator_id"
            " JOIN labels l ON l.id = s.label_id GROUP BY a.name, l.name ORDER BY a.name, l.position"
        ):
            spans.setdefault(annotator, {})[label] = n
        statuses: dict[str, dict[str, int]] = {}
        for annotator, status, n in self._rows(
            "SELECT a.name, st.status, count(*) FROM statuses st JOIN annotators a ON a.id = st.annotator_id"
            " GROUP BY a.name, st.status ORDER BY a.name"
        ):
            statuses.setdefault(annotator, {})[status] = n
        for annotator, counts in statuses.items():
            counts["todo"] = documents - sum(n for s, n in counts.items() if s != "todo")
        suggestions = {
            label: n
            for label, n in self._rows(
                "SELECT l.name, count(*) FROM suggestions g JOIN labels l ON l.id = g.label_id"
                " GROUP BY l.name ORDER BY l.position"
            )
        }
        return {
            "documents": documents,
            "tokens": tokens,
            "labels": [label.name for label in self.labels()],
            "spans": spans,
            "statuses": statuses,
            "suggestions": suggestions,
        }


def _span_payload(span: Span) -> dict[str, Any]:
    return {
        "id": span.id,
        "document_id": span.document_id,
        "label": span.label,
        "start": span.start,
        "end": span.end,
        "origin": span.origin,
        "norm": span.norm,
    }


def _statements(script: str) -> list[str]:
    """Split an SQL script into statements (triggers keep their bodies)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--") and not current.strip():
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
