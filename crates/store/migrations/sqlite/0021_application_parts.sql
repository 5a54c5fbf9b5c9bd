-- The applicant's view of an application in its own row (issue 5, ADR 0008): what
-- `GET /api/v1/applications/{id}` shows beside the row — «История статуса», public
-- comments and files — as JSON lines, appended in the same transaction as the rows of
-- `application_events`, `application_comments` (public ones) and `application_files`,
-- which stay the record. Reading an application is then one row by its key.
ALTER TABLE applications ADD COLUMN parts TEXT NOT NULL DEFAULT '';

UPDATE applications SET parts = COALESCE((
    SELECT group_concat(line, '')
      FROM (SELECT json_object('t', 'e', 'id', id, 'from', from_status, 'to', to_status,
                               'actor', actor, 'actor_kind', actor_kind, 'reason', reason,
                               'at', at) || char(10) AS line
              FROM application_events WHERE application_id = applications.id
            UNION ALL
            SELECT json_object('t', 'c', 'id', id, 'author', author, 'author_kind', author_kind,
                               'text', text, 'at', at) || char(10)
              FROM application_comments WHERE application_id = applications.id AND internal = 0
            UNION ALL
            SELECT json_object('t', 'f', 'file_id', af.file_id, 'kind', af.kind,
                               'by_staff', af.by_staff, 'at', af.at,
                               'account_id', f.account_id, 'purpose', f.purpose,
                               'file_name', f.file_name, 'content_type', f.content_type,
                               'size', f.size, 'sha256', f.sha256,
                               'created_at', f.created_at, 'data_key', f.data_key) || char(10)
              FROM application_files af JOIN files f ON f.id = af.file_id
             WHERE af.application_id = applications.id)), '');
