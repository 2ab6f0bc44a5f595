-- audit_values: logged values are what to_jsonb() makes of the row, for
-- every kind of type; an UPDATE logs a column when its stored value changes.
CREATE TYPE audit_mood AS ENUM ('calm', 'busy');
CREATE TYPE audit_pair AS (a int, b text);
CREATE DOMAIN audit_positive AS int CHECK (VALUE > 0);
CREATE TABLE audit_kinds (
  id int8 PRIMARY KEY,
  small int2, big int8, num numeric, dbl float8, yes bool,
  txt text, vc varchar(8), ch char(4), nm name, c "char", u uuid,
  d date, ts timestamp, tstz timestamptz, iv interval,
  j json, jb jsonb, arr int[], pair audit_pair, pos audit_positive,
  mood audit_mood, bin bytea, pt point, inet_addr inet
);
SELECT tenancy.enable_audit('audit_kinds');
SET timezone = 'UTC';
INSERT INTO audit_kinds VALUES
  (1, -32768, 9223372036854775807, 1.50, 'NaN', true,
   'quote " and \ backslash', 'short', 'ab', 'a name', 'x', '00000000-0000-0000-0000-0000000000aa',
   '2024-02-29', '2024-02-29 12:34:56.789', '2024-02-29 12:34:56+02', '1 day 02:03:04',
   '{"b": 1, "a": [1, 2]}', '{"b": 1, "a": [1, 2]}', '{1,NULL,3}', ROW(1, 'one'), 5,
   'busy', '\xdeadbeef', '(1.5,2)', '10.0.0.1/8'),
  (2, NULL, NULL, NULL, 'Infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   'infinity', NULL, NULL, NULL, 'null', 'null', '{}', NULL, NULL, NULL, NULL, NULL, NULL);
-- every image, with its record key, equals to_jsonb of the row as the
-- table holds it (the image leaves out the key columns: record_key holds them)
SELECT t.id, l.record_key || l.new_values = to_jsonb(t) AS same_as_to_jsonb, l.record_key
  FROM audit_kinds t
  JOIN tenancy.audit_log l ON l.relation = ANY (tenancy._audit_relation_ids('audit_kinds')) AND l.op = 'INSERT'
                          AND (l.record_key->>'id')::int8 = t.id
 ORDER BY t.id;
SELECT new_values FROM tenancy.audit_log
 WHERE relation = ANY (tenancy._audit_relation_ids('audit_kinds')) AND op = 'INSERT' ORDER BY id LIMIT 1;

-- Changes are byte for byte: an equal but differently stored value is a
-- change (1.50 -> 1.5), the same value written again is not.
UPDATE audit_kinds SET num = 1.5, txt = txt, d = d WHERE id = 1;
UPDATE audit_kinds SET txt = repeat('long ', 5000) WHERE id = 2;    -- toasted
UPDATE audit_kinds SET txt = repeat('long ', 5000) WHERE id = 2;    -- same value again: nothing
UPDATE audit_kinds SET jb = '{"a": [1, 2], "b": 1}' WHERE id = 1;   -- same jsonb: nothing
UPDATE audit_kinds SET pair = ROW(2, 'two'), pos = 6, small = NULL WHERE id = 1;
SELECT old_values, new_values FROM tenancy.audit_log
 WHERE relation = ANY (tenancy._audit_relation_ids('audit_kinds')) AND op = 'UPDATE' AND record_key->>'id' = '1' ORDER BY id;
SELECT count(*) AS long_updates, min(length(new_values->>'txt')) AS logged_length
  FROM tenancy.audit_log
 WHERE relation = ANY (tenancy._audit_relation_ids('audit_kinds')) AND op = 'UPDATE' AND record_key->>'id' = '2';
RESET timezone;

-- A full image (INSERT, DELETE) leaves out the key columns and the tenant
-- column, which the log row holds in record_key and tenant_id; together
-- they are the row. An UPDATE shows them when it changes them.
CREATE TABLE audit_kinds_tenant (id int PRIMARY KEY, workspace_id uuid, note text);
SELECT tenancy.enable_audit('audit_kinds_tenant');
INSERT INTO audit_kinds_tenant VALUES (1, '00000000-0000-0000-0000-0000000000a1', 'one'),
                                      (2, NULL, 'no tenant');
UPDATE audit_kinds_tenant SET workspace_id = '00000000-0000-0000-0000-0000000000a2', id = 10 WHERE id = 1;
DELETE FROM audit_kinds_tenant;
SELECT op, tenant_id, record_key, old_values, new_values FROM tenancy.audit_entries
 WHERE table_name = 'audit_kinds_tenant' ORDER BY id;
SELECT l.op, l.record_key || coalesce(l.new_values, l.old_values)
             || jsonb_build_object('workspace_id', l.tenant_id) = to_jsonb(t) AS is_the_row
  FROM tenancy.audit_log l
  JOIN (VALUES (1, '00000000-0000-0000-0000-0000000000a1'::uuid, 'one'),
               (2, NULL, 'no tenant'),
               (10, '00000000-0000-0000-0000-0000000000a2', 'one')) t(id, workspace_id, note)
    ON (l.record_key->>'id')::int = t.id
 WHERE l.relation = ANY (tenancy._audit_relation_ids('audit_kinds_tenant')) AND l.op IN ('INSERT', 'DELETE') ORDER BY l.id;
SELECT tenancy.disable_audit('audit_kinds_tenant');
DROP TABLE audit_kinds_tenant;
SELECT tenancy.disable_audit('audit_kinds');
DROP TABLE audit_kinds;
DROP TYPE audit_pair;
DROP DOMAIN audit_positive;
DROP TYPE audit_mood;
