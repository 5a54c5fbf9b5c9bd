-- Uploaded files (passport scans, documents). The content lives sealed under
-- `<data_dir>/files/<id>`; this row says whose it is and what it is.
CREATE TABLE files (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX files_account ON files (account_id);

-- «Подтвердить личность» (ID-11): the person's request; staff confirm or refuse.
CREATE TABLE identity_requests (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    method     TEXT NOT NULL CHECK (method IN ('in_person', 'video')),
    status     TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'refused')),
    file_id    TEXT REFERENCES files (id),
    comment    TEXT,
    created_at TEXT NOT NULL,
    decided_at TEXT,
    decided_by TEXT,
    decision   TEXT
);
CREATE INDEX identity_requests_status ON identity_requests (status, created_at);
CREATE INDEX identity_requests_account ON identity_requests (account_id);

-- Changes of confirmed data (PR-3 staff side): the new values sealed as one JSON.
CREATE TABLE change_requests (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    changes_sealed TEXT NOT NULL,
    fields         TEXT NOT NULL,                -- which fields, comma-separated
    reason         TEXT NOT NULL,
    file_id        TEXT REFERENCES files (id),
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    created_at     TEXT NOT NULL,
    decided_at     TEXT,
    decided_by     TEXT,
    decision       TEXT
);
CREATE INDEX change_requests_status ON change_requests (status, created_at);
CREATE INDEX change_requests_account ON change_requests (account_id);
