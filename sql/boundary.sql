-- boundary: the C++/PostgreSQL error boundary, through the test-only
-- module tenancy_test (never installed for users).
CREATE EXTENSION tenancy_test;

-- Reports an error's fields without file/line noise.
CREATE FUNCTION pg_temp.fields(sql text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'no error'
              ELSE format('%s | %s | %s | %s', e.state, e.message, e.detail, e.hint) END
    FROM regress.caught(sql) e
$$;

-- A tenancy::Error keeps the SQLSTATE, message, detail and hint it chose.
SELECT pg_temp.fields($$SELECT tenancy_test.throw_error('22023', 'bad knob', 'knob was 7', 'use 1 to 5')$$);
SELECT pg_temp.fields($$SELECT tenancy_test.throw_error('42501', 'not yours', '', '')$$);
-- An invalid SQLSTATE from C++ becomes XX000, never a malformed code.
SELECT pg_temp.fields($$SELECT tenancy_test.throw_error('oops', 'odd code', '', '')$$);
-- Raised at top level too (not only inside PL/pgSQL), and the session goes on.
SELECT tenancy_test.throw_error('22P02', 'top-level', 'detail here', 'hint here');
SELECT 1 AS session_still_works;

-- Foreign C++ exceptions map to clear errors.
SELECT pg_temp.fields($$SELECT tenancy_test.throw_foreign('bad_alloc')$$);
SELECT pg_temp.fields($$SELECT tenancy_test.throw_foreign('runtime_error')$$);
SELECT pg_temp.fields($$SELECT tenancy_test.throw_foreign('int')$$);

-- A guarded call that succeeds returns its value; destructors run once each.
SELECT tenancy_test.guarded_sql('SELECT generate_series(1, 3)') AS rows;
SELECT * FROM tenancy_test.last_unwind();

-- A PostgreSQL error inside the guard, with RAII objects live above it:
-- the C++ frames unwind (both probes destroyed, memory context and user id
-- restored by the scopes), and the original SQLSTATE comes back.
SELECT pg_temp.fields($$SELECT tenancy_test.guarded_sql('SELECT 1/0')$$);
SELECT * FROM tenancy_test.last_unwind();
SELECT pg_temp.fields($$SELECT tenancy_test.guarded_sql('SELECT ''abc''::int')$$);
SELECT pg_temp.fields($$SELECT tenancy_test.guarded_sql('SELECT * FROM no_such_table')$$);
SELECT pg_temp.fields($$SELECT tenancy_test.guarded_sql('DO $x$ BEGIN RAISE EXCEPTION USING ERRCODE = ''P0001'', MESSAGE = ''custom'', DETAIL = ''d1'', HINT = ''h1''; END $x$')$$);
SELECT * FROM tenancy_test.last_unwind();

-- Top level, then the session keeps working and state is clean.
SELECT tenancy_test.guarded_sql('SELECT 1/0');
SELECT * FROM tenancy_test.last_unwind();
SELECT current_user = session_user AS user_restored, 2 + 2 AS session_still_works;

-- Inside a savepoint the error is contained as usual.
BEGIN;
SAVEPOINT s;
SELECT tenancy_test.guarded_sql('SELECT 1/0');
ROLLBACK TO SAVEPOINT s;
SELECT tenancy_test.guarded_sql('SELECT 1') AS after_rollback_to_savepoint;
COMMIT;

DROP EXTENSION tenancy_test;
