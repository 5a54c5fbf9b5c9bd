-- Foundation: the hash-chained audit log and the transactional outbox.
-- Times are UTC text in one fixed-width form (2026-11-23T01:53:03.123456Z), so they sort as text.

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,          -- 1, 2, 3 … without gaps: the chain order
    id         TEXT    NOT NULL UNIQUE,      -- UUIDv7
    at         TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    object     TEXT    NOT NULL,
    source     TEXT,                         -- client address
    request_id TEXT,
    details    TEXT    NOT NULL,             -- JSON, hashed as stored
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);

-- One row: the last sequence number and hash. Appenders update it first, which
-- takes the write lock, so the chain stays linear.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE outbox (
    id              TEXT    PRIMARY KEY,     -- UUIDv7, also the idempotency key downstream
    kind            TEXT    NOT NULL,
    payload         TEXT    NOT NULL,        -- JSON
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    max_attempts    INTEGER NOT NULL,
    next_attempt_at TEXT    NOT NULL,
    locked_until    TEXT,
    locked_by       TEXT,
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
