/*
 * roles_pg.hpp: roles from a table and tenant owners, as a registration
 * carries them and a cache fill reads them (server glue; plain C style,
 * may ereport). roles_pg.cpp resolves them, role_fill_pg.cpp reads them.
 *
 * A scope may register a roles table (role_column holds a key of its
 * single-column primary key): each membership then carries that role's
 * name and permissions. It may also register an owner column on its
 * tenant table: the user it names counts as a member of that tenant with
 * owner_role and owner_permissions. docs/access.md "Roles and permissions".
 */
#pragma once
#include "membership/permission_set.hpp"
#include "core/pg.hpp"

extern "C" {
#include "access/attnum.h"
#include "utils/hsearch.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"
}

namespace tenancy {

struct RoleSource
{
	Oid relid;
	Oid key_index; /* its primary key */
	AttrNumber key_attno;
	Oid key_type;
	AttrNumber name_attno;
	Oid name_type;
	FmgrInfo name_output;
	AttrNumber permissions_attno; /* 0 when no permissions column */
	Oid permissions_type;		  /* jsonb or text[] */
};

struct OwnerSource
{
	Oid relid;
	AttrNumber key_attno; /* its primary key: the tenant */
	Oid key_type;		  /* the tenant column's */
	AttrNumber owner_attno;
	Oid owner_type; /* the user column's */
	Oid owner_index; /* a btree index leading with the owner column, or 0 */
	const char *role;
	PermissionList permissions;
};

/* The stored registration columns roles_pg.cpp resolves. */
struct RoleColumns
{
	Datum role_table, role_name_column, permissions_column;
	Datum owner_table, owner_column, owner_role, owner_permissions;
	bool role_table_null, permissions_column_null, owner_table_null;
};

/*
 * Resolved against the catalogs in the current memory context; nullptr
 * when the scope registered none. Raise 55000 naming what changed.
 */
const RoleSource *resolve_role_source(const char *scope, const RoleColumns *columns,
									  Oid role_type);
const OwnerSource *resolve_owner_source(const char *scope, const RoleColumns *columns,
									   Oid tenant_type, Oid user_type);

/*
 * A table a registration reads besides the membership table (argument
 * names it in errors): an existing, ordinary, permanent table the caller
 * owns, or 42P01 / 42809 / 42501.
 */
void check_related_table(Oid relid, const char *argument);

/* The column of relid named by argument argno; 22004 for NULL, 42703 for none. */
AttrNumber related_column(FunctionCallInfo fcinfo, int argno, const char *argument, Oid relid,
						  Oid *type);

/* Whether the scope can grant a permission at all. */
bool grants_permissions(const RoleSource *roles, const OwnerSource *owner);

/*
 * register_membership's arguments 8 to 14 (role_table ... owner_permissions),
 * checked (a clear error for each wrong one, before anything changes) and
 * written to values/nulls at the same positions. role_type is the role
 * column's type (InvalidOid when none); *role_table, *owner_table are
 * locked and returned (InvalidOid when not given).
 */
void check_role_arguments(FunctionCallInfo fcinfo, Oid tenant_type, Oid user_type, Oid role_type,
						  Datum *values, char *nulls, Oid *role_table, Oid *owner_table);

/* The roles table's lookups during one fill. */
struct RoleLookup
{
	const RoleSource *source;
	Relation rel;
	Snapshot snapshot;
	RegProcedure equality; /* of the key type */
	Oid collation;		   /* of the key column */
	HTAB *seen; /* role tuple -> its name and permissions, this fill */
};

/* Opens the roles table (AccessShareLock) and checks its columns. */
void role_lookup_begin(RoleLookup *lookup, const RoleSource *source, Snapshot snapshot);
/* The role of key (not NULL): its name and permissions, or nullptrs when no such role. */
void role_lookup(RoleLookup *lookup, Datum key, const char **name,
				 const PermissionList **permissions);
void role_lookup_end(RoleLookup *lookup);

/* Appends a row of tenant (a value of the tenant column's type) to sink, no role set. */
using OwnedRow = MembershipRow *(*)(void *sink, Datum tenant);

/*
 * Appends through append a row per tenant user (a value of the owner
 * column's type) owns, with the owners' role and permissions.
 */
void append_owned_tenants(const OwnerSource *owner, Snapshot snapshot, Datum user, OwnedRow append,
						  void *sink);

/*
 * The cache's copy of the rows' permission lists (each distinct list once):
 * the bytes it needs, and the copy into dest, pointing copied rows at it;
 * returns the end of what it wrote.
 */
Size permission_lists_size(const MembershipRow *rows, int nrows);
char *copy_permission_lists(MembershipRow *copied, int nrows, char *dest);

} // namespace tenancy
