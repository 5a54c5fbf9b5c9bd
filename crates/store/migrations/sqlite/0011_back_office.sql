-- Back office (BO-2, BO-3, AUD-2): the work queue by assignee, the overview per day,
-- the overdue notice sent once, audit search by object and action.
ALTER TABLE applications ADD COLUMN overdue_notified_on TEXT;   -- the due date it was raised for
CREATE INDEX applications_assignee ON applications (assignee, status, due_on);
CREATE INDEX applications_submitted ON applications (submitted_at);
CREATE INDEX application_events_completed ON application_events (to_status, at);
CREATE INDEX audit_log_object ON audit_log (object, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
