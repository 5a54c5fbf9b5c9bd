-- The webhook channel (NTF-2): where a person's notifications are POSTed, signed with a
-- secret only they and kabinet know (sealed here).
CREATE TABLE notification_webhooks (
    account_id    TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    url           TEXT NOT NULL,
    secret_sealed TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
