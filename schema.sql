-- Redline's database: the single source of truth for its shape.
--
-- annotations/store.py runs this file on a new database and then sets
-- PRAGMA user_version to the version below; older databases are brought
-- up to it by the numbered steps in annotations/migrations.py.
--
-- schema-version: 3
--
-- Offsets everywhere are Python str indices (Unicode code points) into
-- documents.text, half-open [start_char, end_char).

CREATE TABLE IF NOT EXISTS documents (
    id          INTEGER PRIMARY KEY,
    -- the name users and exports know the document by (file stem, JSONL id)
    key         TEXT    NOT NULL UNIQUE,
    title       TEXT    NOT NULL DEFAULT '',
    -- never changes after import; every offset indexes this string
    text        TEXT    NOT NULL,
    -- in code points, as Python counts (SQL length() stops at a NUL character)
    length      INTEGER NOT NULL CHECK (length > 0),
    sha256      TEXT    NOT NULL UNIQUE,
    -- JSON object: outlet, published (YYYY-MM-DD), url, source file, ...
    meta        TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(meta)),
    -- spaCy's tokens (whitespace tokens included) as start/end offsets:
    -- unsigned 32-bit little-endian integers start0, end0, start1, end1, ...
    -- (annotations.store.pack_tokens / unpack_tokens). A blob, not JSON:
    -- import and export handle millions of them.
    tokens      BLOB    NOT NULL DEFAULT x'',
    -- import order: the order documents are listed and navigated in
    position    INTEGER NOT NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS documents_position ON documents (position);

CREATE TABLE IF NOT EXISTS labels (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (name <> '' AND name NOT GLOB '*[^a-z0-9_-]*'),
    -- the single key that tags a selection with this label
    key         TEXT    UNIQUE CHECK (key IS NULL OR length(key) = 1),
    colour      TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    position    INTEGER NOT NULL
);
INSERT OR IGNORE INTO labels (name, key, colour, description, position) VALUES
    ('claim',  '1', '#e5c07b', 'A sentence asserting something checkable.', 1),
    ('source', '2', '#61afef', 'Whoever the information is attributed to.', 2),
    ('figure', '3', '#98c379', 'A quantity: number with its unit, currency or counted noun.', 3),
    ('date',   '4', '#c678dd', 'A date or time expression.', 4);

CREATE TABLE IF NOT EXISTS annotators (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE CHECK (name <> ''),
    -- 'human' for people; 'gold' for the adjudicated layer (one row, named 'gold')
    kind        TEXT    NOT NULL DEFAULT 'human' CHECK (kind IN ('human', 'gold')),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE IF NOT EXISTS spans (
    -- AUTOINCREMENT: a removed span's id is never reused, so undo can restore it
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators (id),
    label_id     INTEGER NOT NULL REFERENCES labels (id),
    start_char   INTEGER NOT NULL,
    end_char     INTEGER NOT NULL,
    origin       TEXT    NOT NULL DEFAULT 'manual'
                 CHECK (origin IN ('manual', 'suggested', 'imported', 'adjudicated')),
    -- JSON normalised value for figures and dates, NULL when none
    norm         TEXT    CHECK (norm IS NULL OR json_valid(norm)),
    -- in the adjudicated layer: the reviewer who decided
    decided_by   INTEGER REFERENCES annotators (id),
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (0 <= start_char AND start_char < end_char),
    UNIQUE (document_id, annotator_id, label_id, start_char, end_char)
);
CREATE INDEX IF NOT EXISTS spans_layer ON spans (document_id, annotator_id, start_char);
CREATE INDEX IF NOT EXISTS spans_annotator ON spans (annotator_id);

-- a span may not reach past the end of its document's text
CREATE TRIGGER IF NOT EXISTS spans_inside_text_insert
BEFORE INSERT ON spans
WHEN NEW.end_char > (SELECT length FROM documents WHERE id = NEW.document_id)
BEGIN
    SELECT RAISE(ABORT, 'span ends past the end of the document text');
END;
CREATE TRIGGER IF NOT EXISTS spans_inside_text_update
BEFORE UPDATE OF end_char ON spans
WHEN NEW.end_char > (SELECT length FROM documents WHERE id = NEW.document_id)
BEGIN
    SELECT RAISE(ABORT, 'span ends past the end of the document text');
END;

-- a claim span linked to a source, figure or date span of the same layer
CREATE TABLE IF NOT EXISTS links (
    id          INTEGER PRIMARY KEY,
    claim_id    INTEGER NOT NULL REFERENCES spans (id) ON DELETE CASCADE,
    target_id   INTEGER NOT NULL REFERENCES spans (id) ON DELETE CASCADE,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (claim_id <> target_id),
    UNIQUE (claim_id, target_id)
);
CREATE INDEX IF NOT EXISTS links_target ON links (target_id);

-- where one annotator is with one document
CREATE TABLE IF NOT EXISTS statuses (
    document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators (id),
    status       TEXT    NOT NULL DEFAULT 'todo'
                 CHECK (status IN ('todo', 'in_progress', 'done', 'skipped', 'flagged')),
    note         TEXT    NOT NULL DEFAULT '',
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (document_id, annotator_id)
);

-- machine suggestions: not annotations until an annotator accepts one
CREATE TABLE IF NOT EXISTS suggestions (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    label_id    INTEGER NOT NULL REFERENCES labels (id),
    start_char  INTEGER NOT NULL,
    end_char    INTEGER NOT NULL,
    -- what made it: 'rules', or the spaCy pipeline's name or path
    source      TEXT    NOT NULL,
    score       REAL,
    norm        TEXT    CHECK (norm IS NULL OR json_valid(norm)),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (0 <= start_char AND start_char < end_char),
    UNIQUE (document_id, label_id, start_char, end_char, source)
);
CREATE INDEX IF NOT EXISTS suggestions_document ON suggestions (document_id, start_char);

-- a suggestion an annotator rejected, by position, so that recomputing
-- suggestions does not bring it back
CREATE TABLE IF NOT EXISTS rejections (
    document_id  INTEGER NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    annotator_id INTEGER NOT NULL REFERENCES annotators (id),
    label_id     INTEGER NOT NULL REFERENCES labels (id),
    start_char   INTEGER NOT NULL,
    end_char     INTEGER NOT NULL,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (document_id, annotator_id, label_id, start_char, end_char)
);

-- append-only log of every user action: the audit trail and the undo history.
-- kind: add_span, remove_span, add_link, remove_link, set_norm, set_status,
-- undo, redo. payload is JSON holding what is needed to reverse the action.
CREATE TABLE IF NOT EXISTS actions (
    id           INTEGER PRIMARY KEY,
    annotator_id INTEGER NOT NULL REFERENCES annotators (id),
    document_id  INTEGER REFERENCES documents (id),
    kind         TEXT    NOT NULL,
    span_id      INTEGER,
    payload      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    -- for undo and redo: the action they reverse or restore
    ref_id       INTEGER REFERENCES actions (id),
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX IF NOT EXISTS actions_layer ON actions (annotator_id, document_id, id);

CREATE TRIGGER IF NOT EXISTS actions_append_only_update
BEFORE UPDATE ON actions
BEGIN
    SELECT RAISE(ABORT, 'the action log is append-only');
END;
CREATE TRIGGER IF NOT EXISTS actions_append_only_delete
BEFORE DELETE ON actions
BEGIN
    SELECT RAISE(ABORT, 'the action log is append-only');
END;

-- key/value settings: the suggestion model, auto-adjudication, ...
CREATE TABLE IF NOT EXISTS settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- span categorizers trained by `redline train`, one row a run: the folder
-- the pipeline is saved in (beside the database), what it learnt from and
-- how it scored on the documents held out for it
CREATE TABLE IF NOT EXISTS models (
    id          INTEGER PRIMARY KEY,
    -- the run's name (its start time, local) and absolute folder
    name        TEXT    NOT NULL UNIQUE,
    path        TEXT    NOT NULL UNIQUE,
    -- JSON array of the layers trained on: annotator names, 'gold'
    layers      TEXT    NOT NULL CHECK (json_valid(layers)),
    train_documents INTEGER NOT NULL,
    dev_documents   INTEGER NOT NULL,
    train_spans     INTEGER NOT NULL,
    -- the last entry of the action log when the annotations were read
    last_action_id  INTEGER NOT NULL,
    steps       INTEGER NOT NULL,
    seconds     REAL    NOT NULL,
    -- JSON: per label and overall, precision, recall and F1 on the dev
    -- documents, of the model and of the rules, and the labels the model
    -- suggests beside the rules (those it does better)
    scores      TEXT    NOT NULL CHECK (json_valid(scores)),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
