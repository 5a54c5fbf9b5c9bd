-- Second factor (ID-6): a TOTP secret per account, one-time recovery codes, and the
-- time of the session's last password entry (sensitive actions ask for it again).

CREATE TABLE mfa_totp (
    account_id   TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,            -- base32
    confirmed_at TEXT,                     -- NULL while enrolment is not finished
    last_step    INTEGER NOT NULL DEFAULT 0, -- the last accepted 30-second step: no replay
    created_at   TEXT NOT NULL
);

CREATE TABLE recovery_codes (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id);

ALTER TABLE sessions ADD COLUMN reauth_at TEXT;
ALTER TABLE sessions ADD COLUMN mfa_failures INTEGER NOT NULL DEFAULT 0;
