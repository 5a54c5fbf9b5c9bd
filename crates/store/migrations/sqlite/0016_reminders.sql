-- Reminders (NTF-4): the date an answer to a clarification request is due, and which
-- reminders were sent for it ('soon', 'overdue'), so that each goes once.
ALTER TABLE applications ADD COLUMN clarification_due_on TEXT;
ALTER TABLE applications ADD COLUMN clarification_reminded TEXT NOT NULL DEFAULT '';
CREATE INDEX applications_clarification ON applications (status, clarification_due_on);
