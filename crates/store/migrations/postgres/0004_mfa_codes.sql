-- Second factor by one-time codes sent to a confirmed contact (ID-6).
ALTER TABLE accounts ADD COLUMN mfa_codes BIGINT NOT NULL DEFAULT 0;
