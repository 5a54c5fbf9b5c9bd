-- Password expiry reminders (ID-3): the password a reminder was sent for, so each
-- password gets one reminder even with several workers.
ALTER TABLE accounts ADD COLUMN password_reminder_for TEXT;
