\echo
\echo '=== Audit: a tamper-evident change log ==='
CREATE TABLE aud_invoices (
  id int PRIMARY KEY,
  workspace_id uuid NOT NULL,
  amount numeric NOT NULL,
  status text NOT NULL,
  card_token text);
\echo 'One call starts logging; card_token is excluded: it never reaches the log.'
SELECT tenancy.enable_audit('aud_invoices', exclude_columns => '{card_token}');
SELECT * FROM tenancy.audited_tables WHERE table_name = 'aud_invoices'::regclass;

\echo 'ann (Acme) and bob (Globex) change invoices, each in a PostgREST-style transaction:'
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "a0000000-0000-0000-0000-00000000a001"}', true) IS NOT NULL AS ann;
INSERT INTO aud_invoices VALUES
  (1, 'ac3e0000-0000-0000-0000-000000000001', 100, 'draft', 'tok_secret_1'),
  (2, 'ac3e0000-0000-0000-0000-000000000001', 250, 'draft', 'tok_secret_2');
UPDATE aud_invoices SET status = 'sent' WHERE id = 1;
UPDATE aud_invoices SET status = status;            -- changes nothing: not logged
DELETE FROM aud_invoices WHERE id = 2;
COMMIT;
BEGIN;
SELECT set_config('request.jwt.claims', '{"sub": "b0000000-0000-0000-0000-00000000b0b0"}', true) IS NOT NULL AS bob;
INSERT INTO aud_invoices VALUES (3, '910be000-0000-0000-0000-000000000002', 75, 'draft', 'tok_secret_3');
UPDATE aud_invoices SET amount = 80, card_token = 'tok_new' WHERE id = 3;
COMMIT;

\echo 'The log: who (actor from the claims), which tenant, and only what changed:'
SELECT op, tenant_id, actor_id, record_key, old_values, new_values
  FROM tenancy.audit_entries WHERE table_name = 'aud_invoices' ORDER BY id;

\echo 'Sealing extends each tenant''s BLAKE2b hash chain (maintenance does it too):'
SELECT tenancy.seal_audit() AS rows_sealed;
SELECT tenant_id, rows_checked, first_bad_id FROM tenancy.verify_audit()
 WHERE tenant_id IN ('ac3e0000-0000-0000-0000-000000000001', '910be000-0000-0000-0000-000000000002');

\echo 'Someone with write access quietly lowers an amount in the log...'
UPDATE tenancy.audit_log SET new_values = '{"amount": 8}'
 WHERE relation = ANY (tenancy._audit_relation_ids('aud_invoices')) AND op = 'UPDATE' AND record_key = '{"id": 3}';
\echo '...and verify_audit names the first row of the sealed range where the chain breaks:'
SELECT tenant_id, rows_checked, first_bad_id FROM tenancy.verify_audit()
 WHERE tenant_id IN ('ac3e0000-0000-0000-0000-000000000001', '910be000-0000-0000-0000-000000000002');

SELECT tenancy.disable_audit('aud_invoices');
DROP TABLE aud_invoices;
