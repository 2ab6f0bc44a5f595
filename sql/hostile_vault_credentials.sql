-- hostile_vault_credentials: a tenant's connection string never borrows the
-- database server's credentials. scripts/test starts the server with a
-- password in its environment (PGPASSWORD, and PGPASSFILE naming a password
-- file), and makes members of tenancy_regress_password log in with a
-- password (scram-sha-256) while every other role is trusted. Before this
-- was fixed, libpq inside check_tenant_connection filled what the stored
-- string lacked from that environment (so a string without a password got
-- in), a trusting server (any host a tenant names) was reported as a
-- working connection, options reading the server's files were stored, and
-- a password in libpq's message was replaced in place (showing where it
-- occurs, e.g. as the user name).
CREATE SCHEMA hostile_vault_cred;
CREATE FUNCTION hostile_vault_cred.marker() RETURNS text LANGUAGE sql
AS $$ SELECT 'Mk' || 'r7' || 'Pw' || 'Q9z' $$;
-- The server's own password, as scripts/test put it in its environment.
CREATE FUNCTION hostile_vault_cred.server_password() RETURNS text LANGUAGE sql
AS $$ SELECT current_setting('tenancy_regress.server_password') $$;
-- A key=value string reaching this server as role, with password.
CREATE FUNCTION hostile_vault_cred.here(role text, password text) RETURNS text LANGUAGE sql
AS $$
  SELECT format('host=%s port=%s dbname=%s user=''%s''',
                current_setting('unix_socket_directories'), current_setting('port'),
                current_database(), replace(replace(role, '\', '\\'), '''', '\'''))
         || CASE WHEN password IS NULL THEN ''
                 ELSE format(' password=''%s''', password) END
$$;
-- Stores conninfo for the test's tenant and checks it: ok and error, the
-- error with this server's socket path (it varies by run) cut off.
CREATE FUNCTION hostile_vault_cred.check(conninfo text,
    OUT ok boolean, OUT tried boolean, OUT this_server boolean, OUT error text)
LANGUAGE sql AS $$
  SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000c1', conninfo);
  SELECT c.ok, c.latency_ms IS NOT NULL, c.server_version = current_setting('server_version'),
         regexp_replace(c.error, '^connection to server on socket "[^"]*" failed: ', '')
    FROM tenancy.check_tenant_connection('00000000-0000-0000-0000-0000000000c1') c
$$;
-- The outcome of a statement: its SQLSTATE and detail, the marker masked.
CREATE FUNCTION hostile_vault_cred.outcome(sql text, OUT state text, OUT detail text)
LANGUAGE sql AS $$
  SELECT coalesce(e.state, 'no error'),
         replace(coalesce(e.message || ': ' || nullif(e.detail, ''), e.message),
                 hostile_vault_cred.marker(), '<MARKER LEAKED>')
    FROM regress.caught(sql) e
$$;
-- Tries storing a string (%s stands for the marker password).
CREATE FUNCTION hostile_vault_cred.store(shape text, OUT state text, OUT detail text)
LANGUAGE sql AS $$
  SELECT * FROM hostile_vault_cred.outcome(
    format('SELECT tenancy.set_tenant_connection(%L, %L)',
           '00000000-0000-0000-0000-0000000000c1',
           format(shape, hostile_vault_cred.marker())))
$$;

CREATE ROLE tenancy_regress_password NOLOGIN;
DO $$
BEGIN
  EXECUTE format('CREATE ROLE vault_cred_login LOGIN PASSWORD %L IN ROLE tenancy_regress_password',
                 hostile_vault_cred.server_password());
END
$$;
-- a hostile name: 63 bytes, quotes, backslash, semicolon, spaces, mixed case
CREATE ROLE "Vault Cred 'q"" \; DROP ROLE x; -- -----------------------------"
  LOGIN PASSWORD 'hostile-role-password' IN ROLE tenancy_regress_password;
SELECT octet_length(rolname) AS hostile_name_bytes FROM pg_roles WHERE rolname LIKE 'Vault Cred%';
CREATE ROLE vault_cred_trusted LOGIN;
INSERT INTO tenancy.tenants (id, name, subdomain)
VALUES ('00000000-0000-0000-0000-0000000000c1', 'Cred', 'vault-cred');

-- The stored password is used, and only it.
SELECT * FROM hostile_vault_cred.check(
  hostile_vault_cred.here('vault_cred_login', hostile_vault_cred.server_password())) AS stored_password;
SELECT ok, tried, error LIKE 'FATAL:  password authentication failed for user "vault_cred_login"' AS wrong_password_refused
  FROM hostile_vault_cred.check(
    hostile_vault_cred.here('vault_cred_login', hostile_vault_cred.marker()));
-- Without a stored password the server's (PGPASSWORD, the password file)
-- would have let it in: nothing is tried.
SELECT * FROM hostile_vault_cred.check(
  hostile_vault_cred.here('vault_cred_login', NULL)) AS no_password;
SELECT * FROM hostile_vault_cred.check(
  hostile_vault_cred.here('vault_cred_login', '')) AS empty_password;
SELECT * FROM hostile_vault_cred.check(
  format('host=%s port=%s dbname=%s password=%s', current_setting('unix_socket_directories'),
         current_setting('port'), current_database(), hostile_vault_cred.marker())) AS no_user;
-- A server that lets anyone in (a hostile host stands here as a trusting
-- one): connecting proved nothing, so it is refused.
SELECT * FROM hostile_vault_cred.check(
  hostile_vault_cred.here('vault_cred_trusted', hostile_vault_cred.marker())) AS trusting_server;
-- The hostile role name survives the quoting of the string given to libpq.
SELECT * FROM hostile_vault_cred.check(
  hostile_vault_cred.here((SELECT rolname FROM pg_roles WHERE rolname LIKE 'Vault Cred%'),
                          'hostile-role-password')) AS hostile_role;
-- and in the URI form, percent-encoded
SELECT * FROM hostile_vault_cred.check(
  format('postgresql://%s:%s@%s:%s/%s',
         'Vault%20Cred%20%27q%22%20%5C%3B%20DROP%20ROLE%20x%3B%20--%20-----------------------------',
         'hostile-role-password',
         replace(current_setting('unix_socket_directories'), '/', '%2F'),
         current_setting('port'), current_database())) AS hostile_role_uri;

-- A message quoting the password is withheld whole: replaced in place, it
-- would show where the password occurs (here: it is the user name).
SELECT * FROM hostile_vault_cred.check(
  hostile_vault_cred.here('same-as-password', 'same-as-password')) AS password_is_user;
SELECT * FROM hostile_vault_cred.check(
  hostile_vault_cred.here('x-same-y', 'same')) AS password_inside_user;
SELECT * FROM hostile_vault_cred.check(
  hostile_vault_cred.here('no-such-role', 'other')) AS no_secret_quoted;

-- Options that would make libpq use the server's files or Kerberos
-- credentials are refused, in both forms, and nothing is stored.
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000c1', 'host=h user=u password=p');
SELECT s.shape, o.*
  FROM unnest(ARRAY['passfile', 'service', 'sslcert', 'sslkey', 'sslpassword', 'sslrootcert',
                    'sslcrl', 'sslcrldir', 'krbsrvname', 'gsslib']) k,
       LATERAL (VALUES (format('host=h user=u password=%%s %s=/var/lib/postgresql/x', k)),
                       (format('postgresql://u:%%s@h/db?%s=x', k))) s(shape),
       LATERAL hostile_vault_cred.store(s.shape) o;
SELECT * FROM hostile_vault_cred.store('host=h user=u password=%s gssencmode=prefer');
SELECT * FROM hostile_vault_cred.store('postgresql://u:%s@h/db?gssencmode=require');
-- the hint says what to do
SELECT e.hint FROM regress.caught($$SELECT tenancy.set_tenant_connection(
  '00000000-0000-0000-0000-0000000000c1', 'host=h passfile=/x')$$) e;
-- A blank string, or one naming no host, would reach the server itself.
SELECT s.shape, o.*
  FROM unnest(ARRAY['   ', E'\t\n', 'postgres://', 'postgresql://', 'postgresql://u:%s@/db',
                    'postgresql://u:%s@:5432/db', 'user=u password=%s', 'host='''' password=%s',
                    'host=''  '' password=%s', 'hostaddr='''' password=%s',
                    'host=h, password=%s', 'host=,h password=%s', 'host=a,,b password=%s',
                    'postgresql://u:%s@h,/db']) s(shape),
       LATERAL hostile_vault_cred.store(s.shape) o;
SELECT replace(tenancy.tenant_connection('00000000-0000-0000-0000-0000000000c1'),
               hostile_vault_cred.marker(), '<marker>') AS still_stored;
-- hostaddr alone names a host
SELECT * FROM hostile_vault_cred.store('hostaddr=192.0.2.7 user=u password=%s');

-- Bad input to every vault function: a clear error or NULL, nothing changed.
SELECT * FROM hostile_vault_cred.outcome($$SELECT tenancy.set_tenant_connection(NULL, 'host=h')$$);
SELECT * FROM hostile_vault_cred.outcome($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000c1', NULL)$$);
SELECT * FROM hostile_vault_cred.outcome($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000c1', '')$$);
SELECT * FROM hostile_vault_cred.outcome($$SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-0000000000c9', 'host=h')$$);
SELECT * FROM hostile_vault_cred.outcome($$SELECT tenancy.reseal_batch(NULL)$$);
SELECT * FROM hostile_vault_cred.outcome($$CALL tenancy.rotate_keys(NULL)$$);
SELECT * FROM hostile_vault_cred.outcome($$CALL tenancy.rotate_keys(-1)$$);
SELECT * FROM hostile_vault_cred.outcome($$SELECT tenancy.check_tenant_connection('00000000-0000-0000-0000-0000000000c9')$$);
SELECT * FROM hostile_vault_cred.outcome($$SELECT tenancy.check_tenant_connection('00000000-0000-0000-0000-0000000000c1', '-1s')$$);
SELECT (tenancy.check_tenant_connection(NULL)).ok IS NULL AS null_tenant,
       (tenancy.check_tenant_connection('00000000-0000-0000-0000-0000000000c1', NULL)).ok IS NULL AS null_timeout,
       tenancy.tenant_connection(NULL) IS NULL AS null_connection,
       tenancy.tenant_service_key(NULL) IS NULL AS null_service_key,
       (tenancy.tenant_connection_info(NULL)).host IS NULL AS null_info;
SELECT replace(tenancy.tenant_connection('00000000-0000-0000-0000-0000000000c1'),
               hostile_vault_cred.marker(), '<marker>') AS unchanged;

DELETE FROM tenancy.tenants WHERE id = '00000000-0000-0000-0000-0000000000c1';
DROP SCHEMA hostile_vault_cred CASCADE;
DROP ROLE vault_cred_login, vault_cred_trusted,
  "Vault Cred 'q"" \; DROP ROLE x; -- -----------------------------",
  tenancy_regress_password;
