-- audit_erase: erase_audit removes personal data from sealed log rows, by
-- actor, by record or by JSON path; every chain still verifies and counts
-- the erased rows; the erasure is logged; bad input changes nothing.
CREATE TABLE erase_people (id int PRIMARY KEY, workspace_id uuid, email text, profile jsonb);
SELECT tenancy.enable_audit('erase_people');
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000c1"}', true) IS NOT NULL AS claims;
INSERT INTO erase_people VALUES
  (1, '00000000-0000-0000-0000-0000000000e0', 'ann@example.com', '{"city": "Oslo", "phone": "111"}'),
  (2, '00000000-0000-0000-0000-0000000000e0', 'bob@example.com', '{"city": "Rome"}'),
  (3, '00000000-0000-0000-0000-0000000000e1', 'cy@example.com', '{"city": "Lima", "phone": "333"}');
COMMIT;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub":"00000000-0000-0000-0000-0000000000c2"}', true) IS NOT NULL AS claims;
UPDATE erase_people SET email = 'ann@example.org' WHERE id = 1;
UPDATE erase_people SET profile = '{"city": "Bergen", "phone": "112"}' WHERE id = 1;
COMMIT;

-- Unsealed rows are not erased: a row is erased only once a chain covers it.
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0',
                                                          actor => '00000000-0000-0000-0000-0000000000c1')$$);
SELECT count(*) AS still_clear FROM tenancy.audit_entries
 WHERE table_name = 'erase_people' AND new_values::text LIKE '%@example%';
SELECT tenancy.seal_audit() > 0 AS sealed;

-- Bad input: each is refused and changes nothing.
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit(NULL, actor => '00000000-0000-0000-0000-0000000000c1')$$);
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0')$$);
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0', tbl => 'erase_people')$$);
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0', path => '{}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0', path => '{email,NULL}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000ef', path => '{email}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0', path => '{no_such_column}')$$);
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0',
                                                          actor => '00000000-0000-0000-0000-0000000000c9')$$);
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0',
                                                          tbl => 'erase_people', record_key => '{"id": 99}')$$);
SELECT count(*) AS erased_so_far FROM tenancy.audit_log WHERE erased_digest IS NOT NULL;

-- By JSON path: the phone numbers of tenant e0, wherever logged.
SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0', path => '{profile,phone}') AS erased_by_path;
SELECT record_key, op, old_values, new_values FROM tenancy.audit_entries
 WHERE table_name = 'erase_people' AND tenant_id = '00000000-0000-0000-0000-0000000000e0' ORDER BY id;
-- By record: everything logged of person 2.
SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0', tbl => 'erase_people',
                           record_key => '{"id": 2}') AS erased_by_record;
-- By actor: what actor c2 wrote (already path-erased rows keep their first digest).
SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0',
                           actor => '00000000-0000-0000-0000-0000000000c2') AS erased_by_actor;
SELECT record_key, op, actor_id, old_values, new_values, erased_digest IS NOT NULL AS erased
  FROM tenancy.audit_entries
 WHERE table_name = 'erase_people' AND tenant_id = '00000000-0000-0000-0000-0000000000e0' ORDER BY id;
-- Tenant e1's rows are untouched.
SELECT new_values FROM tenancy.audit_entries
 WHERE table_name = 'erase_people' AND tenant_id = '00000000-0000-0000-0000-0000000000e1';
-- Rows erased whole before are not erased again.
SELECT * FROM regress.caught($$SELECT tenancy.erase_audit('00000000-0000-0000-0000-0000000000e0',
                                                          actor => '00000000-0000-0000-0000-0000000000c2')$$);

-- The erasures are logged in the tenant's chain, without the actor or key
-- that named them.
SELECT op, table_name, new_values - 'first_id' - 'last_id' AS what,
       (new_values ->> 'last_id')::bigint >= (new_values ->> 'first_id')::bigint AS id_range
  FROM tenancy.audit_entries
 WHERE op = 'ERASE' AND tenant_id = '00000000-0000-0000-0000-0000000000e0' ORDER BY id;
SELECT count(*) AS erase_rows_naming_the_actor FROM tenancy.audit_log
 WHERE op = 'ERASE' AND new_values::text LIKE '%c2%';

-- Every chain verifies; the erased rows are counted as erased.
SELECT tenancy.seal_audit() AS sealed_erasures;
SELECT rows_checked, rows_erased, first_bad_id FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000e0');
SELECT rows_checked, rows_erased, first_bad_id FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000e1');
SELECT count(*) AS chains_with_problems FROM tenancy.verify_audit() WHERE first_bad_id IS NOT NULL;

-- What an erasure cannot hide: an erased row's metadata is still checked
-- (here its actor), and a forged erasure digest fails the row's range.
BEGIN;
UPDATE tenancy.audit_log SET actor_id = '00000000-0000-0000-0000-0000000000c1'
 WHERE relation = ANY (tenancy._audit_relation_ids('erase_people')) AND erased_digest IS NOT NULL
   AND actor_id = '00000000-0000-0000-0000-0000000000c2';
SELECT first_bad_id IS NOT NULL AS metadata_change_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000e0');
ROLLBACK;
BEGIN;
UPDATE tenancy.audit_log SET erased_digest = '\x00'
 WHERE id = (SELECT min(id) FROM tenancy.audit_entries WHERE table_name = 'erase_people' AND erased_digest IS NOT NULL);
SELECT first_bad_id IS NOT NULL AS forged_digest_found
  FROM tenancy.verify_audit('00000000-0000-0000-0000-0000000000e0');
ROLLBACK;

-- Only the log's owner erases: PUBLIC may not execute it.
SELECT has_function_privilege('public', 'tenancy.erase_audit(uuid, uuid, regclass, jsonb, text[])', 'EXECUTE')
  AS public_may_erase;
DROP TABLE erase_people;
