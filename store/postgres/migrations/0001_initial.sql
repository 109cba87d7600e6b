-- Documents: every ARM object, keyed by its lower-cased id. The index
-- columns are lower-cased copies; body is the ARM JSON as served; tags is
-- the JSON object of tags and tag_index the searchable form built by
-- store/internal/sqlstore (see tagIndex).
CREATE TABLE documents (
    key             TEXT COLLATE "C" PRIMARY KEY,
    id              TEXT NOT NULL,
    type            TEXT COLLATE "C" NOT NULL,
    parent_key      TEXT COLLATE "C" NOT NULL,
    subscription_id TEXT COLLATE "C" NOT NULL,
    resource_group  TEXT COLLATE "C" NOT NULL,
    name            TEXT COLLATE "C" NOT NULL,
    location        TEXT COLLATE "C" NOT NULL,
    tags            TEXT NOT NULL,
    tag_index       TEXT NOT NULL,
    body            BYTEA NOT NULL,
    etag            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX documents_type ON documents (type, key);
CREATE INDEX documents_parent ON documents (parent_key, key);
CREATE INDEX documents_subscription ON documents (subscription_id, resource_group, key);

-- Activity log. Filter columns are lower-cased; ts is microseconds since
-- the Unix epoch. Queries always name a time range and nearly always a
-- subscription, so one index serves them; retention scans.
CREATE TABLE events (
    id              TEXT COLLATE "C" PRIMARY KEY,
    ts              BIGINT NOT NULL,
    subscription_id TEXT COLLATE "C" NOT NULL,
    tenant_id       TEXT NOT NULL,
    resource_group  TEXT COLLATE "C" NOT NULL,
    resource_id     TEXT COLLATE "C" NOT NULL,
    provider        TEXT NOT NULL,
    correlation_id  TEXT NOT NULL,
    caller          TEXT NOT NULL,
    status          TEXT NOT NULL,
    level           TEXT NOT NULL,
    category        TEXT NOT NULL,
    operation_name  TEXT NOT NULL,
    body            BYTEA NOT NULL
);
CREATE INDEX events_subscription_ts ON events (subscription_id, ts, id);

-- Short-lived values of the identity service; expires is microseconds since
-- the epoch, 0 for never.
CREATE TABLE kv (
    ns      TEXT COLLATE "C" NOT NULL,
    key     TEXT COLLATE "C" NOT NULL,
    value   BYTEA NOT NULL,
    expires BIGINT NOT NULL,
    PRIMARY KEY (ns, key)
);
CREATE INDEX kv_expires ON kv (expires) WHERE expires <> 0;
