-- hostile_access_registration: the one membership registration of the
-- database cannot be taken over. A role granted register_membership
-- replaces it only when it owns the registered table; nobody registers a
-- temporary or unlogged table (a temporary one vanishes with its session,
-- and every policy would then fail).
SET client_min_messages = warning;
CREATE ROLE hreg_owner;
CREATE ROLE hreg_thief;
RESET client_min_messages;
CREATE SCHEMA hreg;
GRANT USAGE, CREATE ON SCHEMA hreg TO hreg_owner, hreg_thief;
GRANT EXECUTE ON FUNCTION tenancy.register_membership(regclass, name, name, name, name, text[], text[], text, regclass, name, name, regclass, name, text, text[])
  TO hreg_owner, hreg_thief;

SET ROLE hreg_owner;
CREATE TABLE hreg.members (company_id uuid NOT NULL, user_id uuid NOT NULL);
CREATE TABLE hreg.members_next (company_id uuid NOT NULL, user_id uuid NOT NULL);
SELECT tenancy.register_membership('hreg.members', 'company_id', 'user_id');
RESET ROLE;

-- The thief owns tables of its own, permanent and temporary.
SET ROLE hreg_thief;
CREATE TABLE hreg.stolen (company_id uuid NOT NULL, user_id uuid NOT NULL);
CREATE TEMP TABLE "Temp ""stolen"";" (company_id uuid NOT NULL, user_id uuid NOT NULL);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('hreg.stolen', 'company_id', 'user_id')$$);
SELECT * FROM regress.caught(
  $$SELECT tenancy.register_membership('pg_temp."Temp ""stolen"";"', 'company_id', 'user_id')$$);
-- a table it does not own, even the registered one
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('hreg.members', 'company_id', 'user_id')$$);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('hreg.members_next', 'company_id', 'user_id')$$);
RESET ROLE;
-- Still the owner's registration, its triggers where they were.
SELECT membership FROM tenancy.membership_registration;
SELECT tgrelid::regclass, tgname FROM pg_trigger
 WHERE tgname LIKE 'tenancy_membership_%' ORDER BY tgrelid::regclass::text, tgname;

-- Not even the registered table's owner registers a temporary or unlogged table.
SET ROLE hreg_owner;
CREATE TEMP TABLE temp_members (company_id uuid NOT NULL, user_id uuid NOT NULL);
CREATE UNLOGGED TABLE hreg.unlogged_members (company_id uuid NOT NULL, user_id uuid NOT NULL);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('temp_members', 'company_id', 'user_id')$$);
SELECT * FROM regress.caught($$SELECT tenancy.register_membership('hreg.unlogged_members', 'company_id', 'user_id')$$);
-- The owner moves its registration to another table it owns.
SELECT tenancy.register_membership('hreg.members_next', 'company_id', 'user_id');
RESET ROLE;
SELECT membership FROM tenancy.membership_registration;

-- A member of the owning role may replace it; a superuser may too.
GRANT hreg_owner TO hreg_thief;
SET ROLE hreg_thief;
SELECT tenancy.register_membership('hreg.stolen', 'company_id', 'user_id');
RESET ROLE;
REVOKE hreg_owner FROM hreg_thief;
SELECT membership FROM tenancy.membership_registration;
SELECT tenancy.register_membership('hreg.members', 'company_id', 'user_id');
SELECT membership FROM tenancy.membership_registration;

-- A registered table that was dropped protects nothing: its registration
-- may be replaced by any owner of a table.
SET ROLE hreg_owner;
DROP TABLE hreg.members;
RESET ROLE;
SET ROLE hreg_thief;
SELECT tenancy.register_membership('hreg.stolen', 'company_id', 'user_id');
RESET ROLE;
SELECT membership FROM tenancy.membership_registration;

DROP SCHEMA hreg CASCADE;
DROP TABLE pg_temp."Temp ""stolen"";", pg_temp.temp_members;
REVOKE EXECUTE ON FUNCTION tenancy.register_membership(regclass, name, name, name, name, text[], text[], text, regclass, name, name, regclass, name, text, text[])
  FROM hreg_owner, hreg_thief;
DROP ROLE hreg_owner;
DROP ROLE hreg_thief;
