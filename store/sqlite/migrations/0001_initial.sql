-- Documents: every ARM object, keyed by its lower-cased id. The index
-- columns are lower-cased copies; body is the ARM JSON as served; tags is
-- the JSON object of tags and tag_index the searchable form built by
-- store/internal/sqlstore (see tagIndex).
CREATE TABLE documents (
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
) WITHOUT ROWID;
CREATE INDEX documents_type ON documents (type, key);
CREATE INDEX documents_parent ON documents (parent_key, key);
CREATE INDEX documents_subscription ON documents (subscription_id, resource_group, key);

-- Activity log. Filter columns are lower-cased; ts is microseconds since
-- the Unix epoch. Queries always name a time range and nearly always a
-- subscription, so one index serves them; retention scans.
CREATE TABLE events (
    id              TEXT PRIMARY KEY,
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
CREATE INDEX events_subscription_ts ON events (subscription_id, ts, id);

-- Short-lived values of the identity service; expires is microseconds since
-- the epoch, 0 for never.
CREATE TABLE kv (
    ns      TEXT NOT NULL,
    key     TEXT NOT NULL,
    value   BLOB NOT NULL,
    expires INTEGER NOT NULL,
    PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE INDEX kv_expires ON kv (expires) WHERE expires <> 0;
