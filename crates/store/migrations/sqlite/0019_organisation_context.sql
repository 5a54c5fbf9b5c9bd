-- Acting for an organisation (ORG-2): an application may belong to an organisation
-- (its filer stays in account_id); a page session remembers the organisation its
-- person acts for (the API names it per request in X-Kabinet-Organization).
ALTER TABLE applications ADD COLUMN organization_id TEXT REFERENCES organizations (id);
CREATE INDEX applications_organization ON applications (organization_id, status, created_at);
ALTER TABLE sessions ADD COLUMN organization_id TEXT;

-- The rest of the organisation's card (ORG-1).
ALTER TABLE organizations ADD COLUMN registered_on TEXT;      -- YYYY-MM-DD
ALTER TABLE organizations ADD COLUMN responsible TEXT;        -- the responsible employee
ALTER TABLE organizations ADD COLUMN contact_email TEXT;
ALTER TABLE organizations ADD COLUMN contact_phone TEXT;

-- «История изменений»: what changed, when and by whom. Identifiers never in clear:
-- the details name fields, not values, for sealed data.
CREATE TABLE organization_history (
    id              TEXT PRIMARY KEY,             -- UUIDv7: sorts by time
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    at              TEXT NOT NULL,
    actor           TEXT NOT NULL,                -- account:<id>
    actor_kind      TEXT NOT NULL CHECK (actor_kind IN ('member', 'staff', 'system')),
    what            TEXT NOT NULL,                -- created, verified, data_changed …
    details         TEXT NOT NULL                 -- JSON
);
CREATE INDEX organization_history_org ON organization_history (organization_id, id);

-- Statutory documents (устав, решение о создании …).
CREATE TABLE organization_documents (
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    file_id         TEXT NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    at              TEXT NOT NULL,
    PRIMARY KEY (organization_id, file_id)
);

-- A change of identifiers asked by an administrator, decided by staff.
CREATE TABLE organization_change_requests (
    id              TEXT PRIMARY KEY,             -- UUIDv7
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    proposed_sealed TEXT NOT NULL,                -- JSON {inn, ogrn, kpp}, sealed
    fields          TEXT NOT NULL,                -- which identifiers change: "kpp,ogrn"
    reason          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'refused')),
    decision        TEXT,
    created_by      TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    decided_by      TEXT,
    decided_at      TEXT
);
CREATE INDEX organization_change_requests_status ON organization_change_requests (status, created_at);
CREATE INDEX organization_change_requests_org ON organization_change_requests (organization_id, created_at);
-- One pending request per organisation, even with two at the same moment.
CREATE UNIQUE INDEX organization_change_requests_pending ON organization_change_requests (organization_id) WHERE status = 'pending';
