-- Applications (APP-1 … APP-6). Answers are sealed (they hold identifiers); the number
-- is issued at submission from a counter per year.
CREATE TABLE application_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE applications (
    id              TEXT PRIMARY KEY,            -- UUIDv7
    number          TEXT UNIQUE,                 -- YY-NNNNNNN-C, set at submission
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    service_id      TEXT NOT NULL,
    service_version INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'in_progress', 'needs_clarification', 'approved', 'rejected', 'completed', 'withdrawn')),
    fields_sealed   TEXT NOT NULL,
    step            INTEGER NOT NULL DEFAULT 1,
    assignee        TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    submitted_at    TEXT,
    due_on          TEXT,                        -- YYYY-MM-DD
    version         INTEGER NOT NULL DEFAULT 1      -- bumped on every change (live status)
);
CREATE INDEX applications_account ON applications (account_id, status, created_at);
CREATE INDEX applications_queue ON applications (status, due_on);

-- «История статуса»: every move with its time, actor and reason.
CREATE TABLE application_events (
    id             TEXT PRIMARY KEY,             -- UUIDv7: sorts by time
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    from_status    TEXT,
    to_status      TEXT NOT NULL,
    actor          TEXT NOT NULL,                -- account:<id> or system
    actor_kind     TEXT NOT NULL CHECK (actor_kind IN ('applicant', 'staff', 'system')),
    reason         TEXT,
    at             TEXT NOT NULL
);
CREATE INDEX application_events_application ON application_events (application_id, id);

-- Comments: the applicant's and staff's public ones, and staff's internal notes.
CREATE TABLE application_comments (
    id             TEXT PRIMARY KEY,
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    author         TEXT NOT NULL,
    author_kind    TEXT NOT NULL CHECK (author_kind IN ('applicant', 'staff')),
    internal       INTEGER NOT NULL DEFAULT 0,
    text           TEXT NOT NULL,
    at             TEXT NOT NULL
);
CREATE INDEX application_comments_application ON application_comments (application_id, id);

-- Attachments and results.
CREATE TABLE application_files (
    file_id        TEXT PRIMARY KEY REFERENCES files (id),
    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,                -- a document kind of the service, or 'result'
    by_staff       INTEGER NOT NULL DEFAULT 0,
    at             TEXT NOT NULL
);
CREATE INDEX application_files_application ON application_files (application_id);

-- Per-file keys (APP-4): the file's own key, sealed with the configured keys.
ALTER TABLE files ADD COLUMN data_key TEXT;
