\echo Use "CREATE EXTENSION tenancy_test" to load this file. \quit

-- Throws tenancy::Error with these fields from C++.
CREATE FUNCTION tenancy_test.throw_error(sqlstate text, message text, detail text, hint text)
RETURNS void LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'throw_error';

-- Throws a non-tenancy C++ exception: 'bad_alloc', 'runtime_error' or 'int'.
CREATE FUNCTION tenancy_test.throw_foreign(kind text)
RETURNS void LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'throw_foreign';

-- Runs sql through SPI inside pg_guarded(), with RAII probes, a memory
-- context scope and a user id scope live above the guard.
CREATE FUNCTION tenancy_test.guarded_sql(sql text)
RETURNS bigint LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'guarded_sql';

-- What the last unwinding saw: destructors run, and whether the memory
-- context and user id were restored when the outermost probe died.
CREATE FUNCTION tenancy_test.last_unwind(OUT destructors int, OUT context_restored bool,
	OUT user_restored bool)
RETURNS record LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'last_unwind';
