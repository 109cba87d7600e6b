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

-- Lists of a parent's children scan the parent's range of the primary key
-- instead (a document's key starts with its parent's key, which Put
-- checks).
DROP INDEX documents_parent;
