-- Broadcasts (NTF-2 `news`): an administrator's notice to every active person (or those
-- of one level), processed in batches by the delivery workers; the cursor makes each
-- batch happen once however many processes run.
CREATE TABLE broadcasts (
    id          TEXT PRIMARY KEY,                 -- UUIDv7
    title       TEXT NOT NULL,
    text        TEXT NOT NULL,
    level       TEXT,                             -- only accounts of this level
    status      TEXT NOT NULL CHECK (status IN ('running', 'done')),
    total       BIGINT NOT NULL,
    processed   BIGINT NOT NULL DEFAULT 0,
    cursor      TEXT NOT NULL DEFAULT '',         -- the last account id processed
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX broadcasts_status ON broadcasts (status, id);
