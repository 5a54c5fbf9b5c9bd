-- Notifications (NTF-1 … NTF-3): «Мои сообщения», preferences per category and
-- channel, and which outbox deliveries belong to which notification.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,                  -- UUIDv7: sorts by time
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    category   TEXT NOT NULL CHECK (category IN ('application_status', 'deadlines', 'personal_data', 'security', 'payments', 'news', 'support')),
    title      TEXT NOT NULL,
    text       TEXT NOT NULL,
    link       TEXT,                              -- a local path to the object
    in_inbox   INTEGER NOT NULL DEFAULT 1,        -- shown in «Мои сообщения»
    read_at    TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);
CREATE INDEX notifications_unread ON notifications (account_id, read_at);

CREATE TABLE notification_settings (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    category   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    enabled    INTEGER NOT NULL,
    PRIMARY KEY (account_id, category, channel)
);

ALTER TABLE outbox ADD COLUMN notification_id TEXT;
CREATE INDEX outbox_notification ON outbox (notification_id);
