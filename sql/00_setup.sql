-- Shared by every regression file (pg_regress runs them in name order in one
-- database): regress.error_of runs a statement and shows the SQLSTATE and
-- message of its error, or 'no error', so each expected file states the
-- exact code the design promises.
CREATE SCHEMA regress;
CREATE FUNCTION regress.error_of(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    state text;
    msg text;
BEGIN
    EXECUTE stmt;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    RETURN state || ': ' || msg;
END
$$;
SELECT regress.error_of('SELECT 1/0');
SELECT regress.error_of('SELECT 1');
