-- Accounts, sign-in identifiers, sessions, one-time codes, throttling (ID-1 … ID-12).

CREATE TABLE accounts (
    id                  TEXT PRIMARY KEY,             -- UUIDv7
    kind                TEXT NOT NULL CHECK (kind IN ('person', 'staff')),
    staff_role          TEXT,                         -- operator, supervisor, auditor, admin
    status              TEXT NOT NULL CHECK (status IN ('active', 'pending', 'blocked', 'expired')),
    status_reason       TEXT,
    level               TEXT NOT NULL CHECK (level IN ('simplified', 'standard', 'confirmed')),
    password_hash       TEXT NOT NULL,                -- argon2id PHC string
    password_changed_at TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    last_sign_in_at     TEXT
);

-- What an account signs in with: `email:…`, `phone:+7…`, `snils:…`, `inn:…`.
CREATE TABLE account_logins (
    login      TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'phone', 'snils', 'inn')),
    value      TEXT NOT NULL,                         -- the canonical contact, for sending
    confirmed  INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE INDEX account_logins_account ON account_logins (account_id);

CREATE TABLE password_history (
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX password_history_account ON password_history (account_id, created_at);

-- A registration waits here until its code is confirmed; only then an account exists.
CREATE TABLE registrations (
    id            TEXT PRIMARY KEY,
    contact_kind  TEXT NOT NULL,
    contact       TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX registrations_contact ON registrations (contact, created_at);

-- One-time codes, stored hashed. `subject` is what the code unlocks (a registration,
-- an account); `target` where it was sent.
CREATE TABLE codes (
    id          TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    target      TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX codes_subject ON codes (purpose, subject, created_at);
CREATE INDEX codes_target ON codes (target, created_at);

-- Server-side sessions; the id is the SHA-256 of the cookie's token.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    mfa_pending  INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,                       -- the absolute limit
    user_agent   TEXT,
    address      TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed sign-ins per login key (`login:…`) and per client address (`addr:…`).
CREATE TABLE sign_in_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TEXT NOT NULL,
    locked_until TEXT,
    locks        INTEGER NOT NULL DEFAULT 0
);
