-- «Удалить учётную запись» (PR-6): a closed account can no longer sign in (its logins
-- are removed at once); its personal data is erased after the retention period by
-- `kabinet maintenance`, which sets erased_at.
ALTER TABLE accounts ADD COLUMN closed_at TEXT;
ALTER TABLE accounts ADD COLUMN erased_at TEXT;
-- The contacts a closed account had (JSON array), kept only until erasure so that the
-- messages and codes sent to them can be erased too.
ALTER TABLE accounts ADD COLUMN closed_contacts TEXT;
