-- The session cache of API calls (issue 5): every process keeps resolved sessions in
-- memory and must hear at once of any change to a session, its account or its second
-- factor, made by any process. These triggers notify `kabinet_sessions` with the
-- account's id when such a change commits.
CREATE FUNCTION kabinet_notify_session_of_account() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('kabinet_sessions', CASE TG_OP WHEN 'DELETE' THEN OLD.account_id ELSE NEW.account_id END);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION kabinet_notify_session_of_id() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('kabinet_sessions', CASE TG_OP WHEN 'DELETE' THEN OLD.id ELSE NEW.id END);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER sessions_notify AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION kabinet_notify_session_of_account();
CREATE TRIGGER mfa_totp_notify AFTER INSERT OR UPDATE OR DELETE ON mfa_totp
    FOR EACH ROW EXECUTE FUNCTION kabinet_notify_session_of_account();
CREATE TRIGGER accounts_notify AFTER UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION kabinet_notify_session_of_id();
