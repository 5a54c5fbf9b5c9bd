-- Invitations to organisations (ORG-2): a code sent to an e-mail or phone, valid until
-- it expires, used once, only by the person who has that contact.
CREATE TABLE organization_invitations (
    id              TEXT PRIMARY KEY,             -- UUIDv7
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    contact_key     TEXT NOT NULL,                -- email:… or phone:…, as sign-in keys are
    role            TEXT NOT NULL CHECK (role IN ('administrator', 'operator', 'observer')),
    code_hash       TEXT NOT NULL UNIQUE,         -- SHA-256 of the code
    status          TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    expires_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL
);
CREATE INDEX organization_invitations_org ON organization_invitations (organization_id, status);
