-- PostgreSQL only (triggers that tell every process of session changes, for the
-- session cache of API calls). SQLite has no cache: sessions are read every time.
SELECT 1;
