-- Foundation: the hash-chained audit log and the transactional outbox.
-- Times are UTC text in one fixed-width form (2026-11-23T01:53:03.123456Z), so they sort as
-- text and read the same on both backends (see docs/adr/0001-storage.md).

CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,           -- 1, 2, 3 … without gaps: the chain order
    id         TEXT   NOT NULL UNIQUE,       -- UUIDv7
    at         TEXT   NOT NULL,
    actor      TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    object     TEXT   NOT NULL,
    source     TEXT,
    request_id TEXT,
    details    TEXT   NOT NULL,              -- JSON, hashed as stored
    prev_hash  TEXT   NOT NULL,
    hash       TEXT   NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);

-- One row: the last sequence number and hash. Appenders update it first; the row lock
-- makes concurrent appenders (any number of kabinet processes) wait for each other.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT   NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE outbox (
    id              TEXT   PRIMARY KEY,      -- UUIDv7, also the idempotency key downstream
    kind            TEXT   NOT NULL,
    payload         TEXT   NOT NULL,         -- JSON
    status          TEXT   NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    max_attempts    BIGINT NOT NULL,
    next_attempt_at TEXT   NOT NULL,
    locked_until    TEXT,
    locked_by       TEXT,
    last_error      TEXT,
    created_at      TEXT   NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
