/*
 * hierarchy_pg.hpp: a scope derived from a parent scope, as a registration
 * carries it and a cache fill reads it (server glue; plain C style, may
 * ereport). hierarchy_pg.cpp resolves and reads it;
 * hierarchy_registration_pg.cpp registers it.
 *
 * tenancy.register_scope_parent('workspace', 'organization', 'workspaces',
 * 'id', 'organization_id'): a member of an organization is a member of each
 * workspace the mapping table links to it, with the organization
 * membership's role and permissions (docs/access.md "Hierarchy"). A scope
 * with no registration of its own is derived only from its parent: its
 * tenant ids are typed by the mapping's tenant column
 * (registration_row_pg.hpp, resolve_derived_registration).
 */
#pragma once
#include "membership/id_keys.hpp"
#include "membership/membership_cache_pg.hpp"
#include "membership/roles_pg.hpp"
#include "core/pg.hpp"

extern "C" {
#include "access/attnum.h"
#include "utils/relcache.h"
#include "utils/snapshot.h"
}

namespace tenancy {

/* The deepest chain of parents a fill follows; a longer one is refused. */
constexpr int max_scope_depth = 8;

/* The mapping table of a scope's parent: one step up a chain of parents. */
struct ParentLink
{
	Oid relid;
	AttrNumber tenant_attno; /* its column of the scope's tenant ids */
	Oid tenant_type;		 /* the scope's tenant column type */
	AttrNumber parent_attno; /* its column of the parent scope's tenant ids */
	Oid parent_type;
	Oid parent_collation;
	Oid parent_index; /* a btree index leading with the parent column, or 0 */
};

struct ParentSource
{
	const char *scope; /* the parent scope */
	ParentLink link;
	int nroles; /* parent_roles; -1 when any role reaches the children */
	char **roles;
};

/* The stored columns of tenancy.scope_parent that hierarchy_pg.cpp resolves. */
struct ParentColumns
{
	Datum parent_scope, mapping, tenant_column, parent_column, parent_roles;
	bool parent_roles_null;
};

/*
 * Resolved against the catalogs in the current memory context. tenant_type
 * is the scope's tenant column type, which the mapping's tenant column must
 * have. Raises 55000 naming what changed (the mapping table dropped, a
 * column gone or of another type).
 */
const ParentSource *resolve_parent_source(const char *scope, const ParentColumns *columns,
										  Oid tenant_type);

/*
 * The mapping's tenant column of a scope derived only from its parent,
 * which types the scope's tenant ids: its type and kind. Raises 55000 as
 * resolve_parent_source does, and when ids can no longer be of its type.
 */
void mapping_tenant_column(const char *scope, const ParentColumns *columns, Oid *type,
						   IdKind *kind);

/*
 * The parent memberships that reach the children (those with one of the
 * parent roles), grouped by parent tenant, each tenant as a value of the
 * mapping's parent column type. The rows point into the parent's cached
 * memberships (membership_cache_pg.cpp copies them before it can evict
 * those).
 */
struct ParentTenants
{
	bool has_roles; /* the parent's memberships come from a role column */
	int count;
	Datum *tenants;
	const MembershipRow **first; /* the parent rows of each tenant */
	int *nrows;
};

/* Raises 55000 when the parent scope's tenant ids no longer have the mapping's type. */
ParentTenants parent_tenants(const char *scope, const ParentSource *source,
							 const UserMemberships *parent);

/*
 * Appends through append, for each tenant of the scope that the mapping
 * (rel, opened by the caller) links to one of parents (one index probe per
 * parent tenant, with snapshot), a row per parent membership there, with
 * its role and permissions.
 */
void append_derived_tenants(const char *scope, const ParentSource *source, Relation rel,
							Snapshot snapshot, const ParentTenants *parents, OwnedRow append,
							void *sink);

/* The parents from a scope up to an ancestor, the scope's own first. */
struct Lineage
{
	int count;
	ParentLink links[max_scope_depth];
};

/*
 * Whether ancestor is a parent of scope, or a parent's parent...; the
 * chain through *lineage. Loads registrations (current_registration).
 */
bool lineage_to(const char *scope, const char *ancestor, Lineage *lineage);

/*
 * The tenants of all's scope that descend from top (a value of the top
 * link's parent column type) through the mappings of lineage, read with
 * snapshot, as keys of all's kind, sorted and distinct; their number
 * through *count. A text tenant the user does not have is left out.
 */
pg_uuid_t *descendant_keys(const Lineage *lineage, Datum top, const UserMemberships *all,
						   Snapshot snapshot, int *count);

} // namespace tenancy
