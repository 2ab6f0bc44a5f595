-- vault_conninfo: connection strings are validated as libpq parses them and
-- rejected without echoing them; check_tenant_connection connects, and
-- reports failures, timeouts and cancels.

CREATE FUNCTION pg_temp.marker() RETURNS text LANGUAGE sql AS $$ SELECT 'Mk' || 'r7' || 'Pw' || 'Q9z' $$;
CREATE FUNCTION pg_temp.err(sql text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN e.state IS NULL THEN 'no error'
              ELSE replace(format('%s | %s | %s | %s', e.state, e.message, e.detail, e.hint),
                           pg_temp.marker(), '<MARKER LEAKED>') END
    FROM regress.caught(sql) e
$$;
-- Tries a connection string (with %s standing for the marker) on tenant d.
CREATE FUNCTION pg_temp.try(conninfo text) RETURNS text LANGUAGE sql AS $$
  SELECT pg_temp.err(format('SELECT tenancy.set_tenant_connection(%L, %L)',
                            '00000000-0000-0000-0000-00000000000d',
                            format(conninfo, pg_temp.marker())))
$$;
INSERT INTO tenancy.tenants (id, name, subdomain)
VALUES ('00000000-0000-0000-0000-00000000000d', 'Dyn', 'dyn');

-- key=value form
SELECT pg_temp.try('host=h port=99999 password=%s') AS bad_port;
SELECT pg_temp.try('host=h port=54x2 password=%s') AS bad_port;
SELECT pg_temp.try('host=h port=0 password=%s') AS bad_port;
SELECT pg_temp.try('host=h passwd=%s') AS unknown_keyword;
SELECT pg_temp.try('host=h %s') AS missing_equals;
SELECT pg_temp.try('host=h password=''%s') AS unterminated_quote;
SELECT pg_temp.try('host=h sslmode=sometimes password=%s') AS bad_sslmode;
SELECT pg_temp.try('host=h connect_timeout=soon password=%s') AS bad_timeout;
SELECT pg_temp.try('') AS empty;
-- URI form
SELECT pg_temp.try('postgresql://app:%s@h:99999/db') AS bad_port;
SELECT pg_temp.try('postgresql://app:%s@h:port/db') AS bad_port;
SELECT pg_temp.try('postgresql://app:%s@h/db?passwd=x') AS unknown_keyword;
SELECT pg_temp.try('postgresql://app:%s%%zz@h/db') AS bad_percent_encoding;
SELECT pg_temp.try('postgresql://app:%s@h/db?sslmode=%%G') AS bad_percent_encoding;
SELECT pg_temp.try('postgresql://app:%s@[::1/db') AS unterminated_bracket;
SELECT pg_temp.try('postgres://app:%s@[::1]x/db') AS after_bracket;
-- nothing was written by any of them
SELECT data_source IS NULL AND key_id IS NULL AS nothing_written
  FROM tenancy.tenants WHERE subdomain = 'dyn';
-- valid forms are accepted
SELECT pg_temp.try('host=a,b port=5432,5433 dbname=x user=u password=%s connect_timeout=5') AS multi_host;
SELECT pg_temp.try('postgresql://app:%s@[::1]:5432,h2/db?sslmode=require&application_name=r') AS uri;
SELECT * FROM tenancy.tenant_connection_info('00000000-0000-0000-0000-00000000000d');

-- check_tenant_connection against this very server, which trusts: it lets
-- the connection in without asking for the password, so the connection
-- proves nothing and is refused (hostile_vault_credentials.sql connects).
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000d',
         format('host=%s port=%s dbname=%s user=postgres password=%s',
                current_setting('unix_socket_directories'), current_setting('port'),
                current_database(), pg_temp.marker()));
SELECT ok, latency_ms >= 0 AS timed, server_version = current_setting('server_version') AS same_version, error
  FROM tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000d');
-- a failure is reported in the result: libpq's first line, the database
-- named, the password never
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000d',
         format('host=%s port=%s dbname=no_such_db user=postgres password=%s',
                current_setting('unix_socket_directories'), current_setting('port'),
                pg_temp.marker()));
SELECT ok, server_version, strpos(error, pg_temp.marker()) AS marker_at,
       error LIKE '%database "no_such_db" does not exist' AS reported
  FROM tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000d');
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000d',
         format('host=/nonexistent/dir port=5432 user=u password=%s', pg_temp.marker()));
SELECT ok, server_version, replace(error, pg_temp.marker(), '<MARKER LEAKED>') AS error
  FROM tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000d', '1s');
-- a server that never answers: the timeout ends the wait
SELECT tenancy.set_tenant_connection('00000000-0000-0000-0000-00000000000d',
         format('host=%s port=5432 user=u password=%s',
                current_setting('tenancy_regress.hang_dir'), pg_temp.marker()));
SELECT ok, server_version, error, latency_ms >= 900 AS waited
  FROM tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000d', '1s');
-- and query cancel (here statement_timeout) interrupts the wait
SET statement_timeout = '300ms';
SELECT * FROM tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000d', '30s');
RESET statement_timeout;
SELECT 'session still works' AS after_cancel;
-- the timeout must be positive and at most an hour
SELECT pg_temp.err($$SELECT tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000d', '0s')$$);
SELECT pg_temp.err($$SELECT tenancy.check_tenant_connection('00000000-0000-0000-0000-00000000000d', '2 hours')$$);
