-- Fewer B-trees per write: each one touched costs the single writer an
-- insert and the commit a WAL page.
--
-- Events lose the unique index on id: ids are generated GUIDs (time-ordered,
-- with 74 random bits), queries never look an event up by id alone, and the
-- (subscription_id, ts, id) index orders pages. The table is rebuilt
-- because SQLite cannot drop a primary key.
CREATE TABLE events_new (
    id              TEXT NOT NULL,
    ts              INTEGER NOT NULL,
    subscription_id TEXT NOT NULL,
    tenant_id       TEXT NOT NULL,
    resource_group  TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    provider        TEXT NOT NULL,
    correlation_id  TEXT NOT NULL,
    caller          TEXT NOT NULL,
    status          TEXT NOT NULL,
    level           TEXT NOT NULL,
    category        TEXT NOT NULL,
    operation_name  TEXT NOT NULL,
    body            BLOB NOT NULL
);
INSERT INTO events_new SELECT id, ts, subscription_id, tenant_id, resource_group, resource_id, provider,
    correlation_id, caller, status, level, category, operation_name, body FROM events ORDER BY ts, id;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_subscription_ts ON events (subscription_id, ts, id);

-- Documents move to a rowid table. In a WITHOUT ROWID table a row larger
-- than about 1,000 bytes (with 4 KiB pages) keeps only part of itself in
-- the B-tree and the rest on an overflow page of its own, and a resource
-- with its envelope and index columns is larger than that: every write
-- dirtied a leaf and an overflow page. A rowid table keeps rows up to about
-- 4 KB in the leaf, and new rows append to it; the key lookup moves to the
-- primary key's index.
--
-- The index on parent keys is not rebuilt: lists of a parent's children
-- scan the parent's range of the primary key instead (a document's key
-- starts with its parent's key, which Put checks).
CREATE TABLE documents_new (
    key             TEXT PRIMARY KEY,
    id              TEXT NOT NULL,
    type            TEXT NOT NULL,
    parent_key      TEXT NOT NULL,
    subscription_id TEXT NOT NULL,
    resource_group  TEXT NOT NULL,
    name            TEXT NOT NULL,
    location        TEXT NOT NULL,
    tags            TEXT NOT NULL,
    tag_index       TEXT NOT NULL,
    body            BLOB NOT NULL,
    etag            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
INSERT INTO documents_new SELECT key, id, type, parent_key, subscription_id, resource_group, name, location,
    tags, tag_index, body, etag, created_at, updated_at FROM documents ORDER BY key;
DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;
CREATE INDEX documents_type ON documents (type, key);
