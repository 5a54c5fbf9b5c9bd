-- Support (BO-5): «Обратная связь» becomes a ticket with a number and a conversation.
CREATE TABLE ticket_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE tickets (
    id             TEXT PRIMARY KEY,              -- UUIDv7
    number         TEXT NOT NULL UNIQUE,          -- ОБР-YY-NNNNNN
    account_id     TEXT REFERENCES accounts (id) ON DELETE SET NULL,
    contact_sealed TEXT,                          -- a visitor's e-mail or phone, sealed
    subject        TEXT NOT NULL,
    page           TEXT,                          -- where «Обратная связь» was opened
    status         TEXT NOT NULL CHECK (status IN ('new', 'answered', 'waiting', 'closed')),
    escalated      INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX tickets_account ON tickets (account_id, updated_at);
CREATE INDEX tickets_queue ON tickets (status, escalated, updated_at);

CREATE TABLE ticket_messages (
    id          TEXT PRIMARY KEY,                 -- UUIDv7: sorts by time
    ticket_id   TEXT NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author      TEXT NOT NULL,                    -- account:<id> or visitor
    author_kind TEXT NOT NULL CHECK (author_kind IN ('user', 'staff', 'visitor')),
    text        TEXT NOT NULL,
    file_id     TEXT REFERENCES files (id),
    at          TEXT NOT NULL
);
CREATE INDEX ticket_messages_ticket ON ticket_messages (ticket_id, id);
