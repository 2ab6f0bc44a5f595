-- hostile_search_path: no tenancy routine resolves an operator or a function
-- on the caller's search_path (docs/security.md, "Planted objects").
--
-- A role with CREATE on any schema of a privileged caller's search_path can
-- plant an operator or function that matches some call more exactly than
-- pg_catalog's (public.=(regclass, regclass) beats the binary-coercible
-- oid = oid) and so runs its code with the caller's rights. A routine is
-- immune when it pins search_path, or, where it cannot (a procedure that
-- COMMITs; a SQL function the planner must inline, which a SET clause
-- prevents), when its body names every function with its schema and writes
-- every operator as OPERATOR(pg_catalog.x).

SET client_min_messages = warning;
CREATE SCHEMA hostile_sp;

-- The body of a routine with comments, string literals and quoted
-- identifiers removed, and the constructs that resolve nothing on the
-- search_path (:=, casts, plpgsql ranges, OPERATOR(pg_catalog.x)) blanked.
CREATE FUNCTION hostile_sp.code_of(body text) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  code text := body;
BEGIN
  code := regexp_replace(code, '/\*.*?\*/', ' ', 'gs');
  code := regexp_replace(code, '--[^\n]*', ' ', 'g');
  code := regexp_replace(code, '[Ee]?''([^'']|'''')*''', ' ''lit'' ', 'g');
  code := regexp_replace(code, '"([^"]|"")*"', ' qident ', 'g');
  code := regexp_replace(code, 'OPERATOR\s*\(\s*pg_catalog\.[^)]*\)', ' ', 'gi');
  code := regexp_replace(code, ':=', ' ', 'g');
  code := regexp_replace(code, '::', ' ', 'g');
  code := regexp_replace(code, '\.\.', ' ', 'g');
  -- PL/pgSQL's FOR x IN ... and FOREACH x IN ARRAY ... are syntax
  code := regexp_replace(code, '\m(for|foreach)\s+\w+(\s*,\s*\w+)*\s+in\M', ' ', 'gi');
  RETURN code;
END $$;

-- What in a body would be resolved on the caller's search_path: bare
-- operators (including the keywords that look one up: IN, LIKE, BETWEEN,
-- IS DISTINCT FROM, NULLIF) and unqualified function calls.
CREATE FUNCTION hostile_sp.unqualified(body text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  code text := hostile_sp.code_of(body);
  found text[] := '{}';
  m text[];
BEGIN
  FOR m IN SELECT regexp_matches(code, '[-+*/<>=~!@#%^&|`?]+', 'g') LOOP
    found := found || ('operator ' || m[1]);
  END LOOP;
  FOR m IN SELECT regexp_matches(code,
      '\m(in|not\s+in|like|ilike|similar|between|is\s+(not\s+)?distinct\s+from|nullif)\M', 'gi') LOOP
    found := found || ('operator ' || lower(m[1]));
  END LOOP;
  -- an identifier followed by "(" that has no schema in front of it
  FOR m IN SELECT regexp_matches(code, '(^|[^.\w$])([A-Za-z_][\w$]*)\s*\(', 'g') LOOP
    IF lower(m[2]) NOT IN ('select', 'exists', 'array', 'values', 'coalesce', 'greatest', 'least',
                           'and', 'or', 'not', 'cast', 'row', 'where', 'from', 'if', 'elsif',
                           'when', 'then', 'return', 'returns', 'query', 'using', 'into', 'as',
                           'on', 'by', 'else', 'loop', 'perform', 'execute', 'raise', 'set', 'with',
                           'in', 'any', 'all', 'some', 'nullif', 'like', 'ilike', 'between', 'is',
                           'distinct') THEN
      found := found || ('function ' || m[2]);
    END IF;
  END LOOP;
  RETURN found;
END $$;

-- The lint finds what it must (it cannot pass by finding nothing).
SELECT hostile_sp.unqualified(body) AS finds
  FROM (VALUES
    ($b$IF p = 'tenancy.audit_log'::regclass THEN$b$),
    ($b$FOR i IN 1 .. cardinality(actions) LOOP$b$),
    ($b$x := a || b; y := c IN (1, 2); z := nullif(a, b)$b$),
    ($b$EXECUTE format('x = %s', y)$b$)) v(body);
SELECT hostile_sp.unqualified(body) AS finds_nothing
  FROM (VALUES
    ($b$IF p OPERATOR(pg_catalog.=) 'tenancy.audit_log'::regclass THEN -- a = b$b$),
    ($b$FOR i IN 1 .. pg_catalog.cardinality(actions) LOOP$b$),
    ($b$x := tenancy.f(a, 'y = z || w'); FOREACH p IN ARRAY coalesce(ps, '{}') LOOP$b$),
    ($b$/* p = q */ PERFORM pg_catalog.set_config('lock_timeout', t, true);$b$)) v(body);

-- Every SQL and PL/pgSQL routine of the extension pins search_path, or is a
-- procedure (which cannot carry SET when it COMMITs) or a SQL function (to
-- be inlined) whose body resolves nothing on the caller's search_path.
-- Expected: no rows.
SELECT p.oid::regprocedure AS routine, hostile_sp.unqualified(p.prosrc) AS unpinned_and_unqualified
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'tenancy'
  JOIN pg_language l ON l.oid = p.prolang
 WHERE l.lanname IN ('sql', 'plpgsql')
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
   AND (NOT (p.prokind = 'p' OR (p.prokind = 'f' AND l.lanname = 'sql'))
        OR cardinality(hostile_sp.unqualified(p.prosrc)) > 0)
 ORDER BY p.oid::regprocedure::text;

-- The SQL functions that rely on it (inlined into the calling query).
SELECT p.oid::regprocedure AS inlined_function
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace AND p.prokind = 'f'
   AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
 ORDER BY p.oid::regprocedure::text;

-- The procedures that rely on the qualified-body rule (they COMMIT).
SELECT p.oid::regprocedure AS committing_procedure
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace AND p.prokind = 'p'
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
 ORDER BY p.oid::regprocedure::text;

-- C functions without a pinned search_path, named one by one: each runs no
-- SQL, or SQL that names every function and operator with its schema
-- (src/*/ *_pg.cpp); most are on hot paths (RLS policies, triggers) where a
-- SET clause would cost a GUC save and restore per call. A new one changes
-- this list and must be judged.
SELECT p.oid::regprocedure AS unpinned_c_function
  FROM pg_proc p
 WHERE p.pronamespace = 'tenancy'::regnamespace
   AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)
 ORDER BY p.oid::regprocedure::text;

DROP SCHEMA hostile_sp CASCADE;
RESET client_min_messages;
