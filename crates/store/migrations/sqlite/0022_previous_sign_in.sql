-- «Предыдущий вход» on «Безопасность» (ID-12): the sign-in before this one. Each sign-in
-- moves last_sign_in_at here before setting its own.
ALTER TABLE accounts ADD COLUMN previous_sign_in_at TEXT;
