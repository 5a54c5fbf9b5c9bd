-- Organisations (ORG-1, ORG-2). The identifiers are sealed (a sole proprietor's ИНН is
-- the person's); one organisation per ИНН through its keyed hash.
CREATE TABLE organizations (
    id                 TEXT PRIMARY KEY,          -- UUIDv7
    kind               TEXT NOT NULL CHECK (kind IN ('legal_entity', 'sole_proprietor')),
    inn_index          TEXT NOT NULL UNIQUE,
    identifiers_sealed TEXT NOT NULL,             -- JSON {inn, ogrn, kpp}, sealed
    full_name          TEXT NOT NULL,
    short_name         TEXT,
    legal_address      TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending_verification', 'active', 'refused')),
    decision           TEXT,                      -- staff's comment or reason
    created_by         TEXT NOT NULL,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX organizations_status ON organizations (status, created_at);

CREATE TABLE organization_members (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('administrator', 'operator', 'observer')),
    created_at      TEXT NOT NULL,
    PRIMARY KEY (organization_id, account_id)
);
CREATE INDEX organization_members_account ON organization_members (account_id);
