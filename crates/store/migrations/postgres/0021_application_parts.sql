-- The applicant's view of an application in its own row (issue 5, ADR 0008): what
-- `GET /api/v1/applications/{id}` shows beside the row — «История статуса», public
-- comments and files — as JSON lines, appended in the same transaction as the rows of
-- `application_events`, `application_comments` (public ones) and `application_files`,
-- which stay the record. Reading an application is then one row by its key.
ALTER TABLE applications ADD COLUMN parts TEXT NOT NULL DEFAULT '';

UPDATE applications a SET parts = p.parts
  FROM (SELECT application_id, string_agg(line, '' ORDER BY line) AS parts
          FROM (SELECT application_id,
                       json_build_object('t', 'e', 'id', id, 'from', from_status, 'to', to_status,
                                         'actor', actor, 'actor_kind', actor_kind, 'reason', reason,
                                         'at', at)::text || E'\n' AS line
                  FROM application_events
                UNION ALL
                SELECT application_id,
                       json_build_object('t', 'c', 'id', id, 'author', author, 'author_kind', author_kind,
                                         'text', text, 'at', at)::text || E'\n'
                  FROM application_comments WHERE internal = 0
                UNION ALL
                SELECT af.application_id,
                       json_build_object('t', 'f', 'file_id', af.file_id, 'kind', af.kind,
                                         'by_staff', af.by_staff, 'at', af.at,
                                         'account_id', f.account_id, 'purpose', f.purpose,
                                         'file_name', f.file_name, 'content_type', f.content_type,
                                         'size', f.size, 'sha256', f.sha256,
                                         'created_at', f.created_at, 'data_key', f.data_key)::text || E'\n'
                  FROM application_files af JOIN files f ON f.id = af.file_id) lines
         GROUP BY application_id) p
 WHERE a.id = p.application_id;
