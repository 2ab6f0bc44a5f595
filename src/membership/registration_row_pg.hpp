/*
 * registration_row_pg.hpp: a row of tenancy.membership_registration as
 * the loader (registration_pg.cpp) copies it, and its resolution against
 * the catalogs (registration_resolve_pg.cpp). Server glue, plain C style,
 * may ereport.
 */
#pragma once
#include "membership/hierarchy_pg.hpp"
#include "membership/registration_pg.hpp"

namespace tenancy {

/* Columns of tenancy.membership_registration (membership.sql). */
enum RegistrationColumn
{
	col_scope = 1,
	col_membership,
	col_tenant_column,
	col_user_column,
	col_role_column,
	col_status_column,
	col_active_statuses,
	col_manager_roles,
	col_registered_at,
	col_role_table,
	col_role_name_column,
	col_permissions_column,
	col_owner_table,
	col_owner_column,
	col_owner_role,
	col_owner_permissions,
	registration_columns = col_owner_permissions
};

/*
 * One stored registration, with its scope's row of tenancy.scope_parent;
 * or, for a scope derived only from its parent (derived_only), that row
 * alone (values all NULL).
 */
struct StoredRegistration
{
	char *scope;
	bool derived_only;
	Oid relid; /* the membership table */
	Datum values[registration_columns];
	bool nulls[registration_columns];
	bool has_parent; /* a row of tenancy.scope_parent, in parent */
	ParentColumns parent;
};

/*
 * The registration as the catalogs say now, allocated in the current
 * memory context. Raises 55000 naming what changed (the table dropped, a
 * column gone or of a type no id may have).
 */
void resolve_registration(const StoredRegistration *stored, Registration *reg);

/*
 * A scope derived only from its parent (stored->derived_only), resolved
 * against the catalogs and parent, its parent scope's resolved
 * registration: tenant ids of the mapping's tenant column type, the
 * parent's user ids. Raises 55000 as resolve_parent_source does.
 */
void resolve_derived_registration(const StoredRegistration *stored, const Registration *parent,
								  Registration *reg);

/*
 * The kind of an id column as it is now (and its collation), false when
 * ids can no longer be of its type or collation.
 */
bool resolve_kind(Oid relid, AttrNumber attno, Oid type, IdKind *kind, Oid *collation);

} // namespace tenancy
