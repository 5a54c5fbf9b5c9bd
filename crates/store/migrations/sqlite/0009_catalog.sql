-- The services catalog (CAT-1, CAT-3): every imported version of every definition is
-- kept (an application refers to the version it was filed under); one is current.
CREATE TABLE services (
    id           TEXT NOT NULL,
    version      INTEGER NOT NULL,
    section      TEXT NOT NULL,
    title        TEXT NOT NULL,
    definition   TEXT NOT NULL,               -- the validated definition as JSON
    content_hash TEXT NOT NULL,               -- SHA-256 of that JSON: same content, same version
    is_current   INTEGER NOT NULL DEFAULT 1,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX services_current ON services (is_current, section);

-- The production calendar: days off on weekdays, and weekend days declared working.
CREATE TABLE calendar_days (
    day     TEXT PRIMARY KEY,                 -- YYYY-MM-DD
    working INTEGER NOT NULL                  -- 0: a holiday; 1: a working weekend day
);
