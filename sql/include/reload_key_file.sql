-- reload_key_file.sql, included by vault_keys.sql after it sets or resets
-- tenancy.key_file: reloads the configuration and waits (up to 10 s) until
-- this session's tenancy.key_file is :'f'.
SELECT pg_reload_conf();
-- wait (up to 10 s) until this session has reloaded its settings
\set ECHO none
\o /dev/null
SELECT format('SELECT pg_sleep(CASE WHEN current_setting(%L) = %L THEN 0 ELSE 0.1 END)',
              'tenancy.key_file', :'f') FROM generate_series(1, 100) \gexec
\o
\set ECHO all
SELECT current_setting('tenancy.key_file') = :'f' AS reloaded;
