-- Personal data (PR-1 … PR-4, ID-11). Passport, СНИЛС and ИНН are sealed by the
-- application (XChaCha20-Poly1305, `<key id>:<base64>`); lookups and uniqueness use the
-- keyed hashes in the *_index columns. Nothing here holds those identifiers in clear.
CREATE TABLE profiles (
    account_id           TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    last_name            TEXT,
    first_name           TEXT,
    middle_name          TEXT,
    birth_date           TEXT,                 -- YYYY-MM-DD
    passport_sealed      TEXT,                 -- sealed JSON {series, number, issued_on, issuer_code}
    snils_sealed         TEXT,
    snils_index          TEXT UNIQUE,          -- HMAC: one account per СНИЛС
    inn_sealed           TEXT,
    inn_index            TEXT UNIQUE,
    registration_address TEXT,                 -- JSON
    postal_address       TEXT,                 -- JSON
    level_note           TEXT,                 -- why the level did not rise, when it did not
    updated_at           TEXT NOT NULL
);

-- «История изменений»: old and new values, identifiers masked.
CREATE TABLE profile_changes (
    id         TEXT PRIMARY KEY,               -- UUIDv7: sorts by time
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    field      TEXT NOT NULL,
    old_value  TEXT,
    new_value  TEXT,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'staff', 'registry', 'system')),
    actor_id   TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX profile_changes_account ON profile_changes (account_id, id);
