/*
 * registration_pg.hpp: the membership registration as the cache reads it,
 * and the generation number that tells the cache it is stale (server glue;
 * plain C style, may ereport). registration_pg.cpp owns both.
 */
#pragma once
#include "membership/id_keys.hpp"
#include "core/pg.hpp"

extern "C" {
#include "access/attnum.h"
#include "utils/relcache.h"
}

namespace tenancy {

/* Registers the relcache callback that moves membership_generation. */
void registration_init(void);

/* The scope the SPEC helpers (one argument fewer) answer for. */
constexpr const char *default_scope = "workspace";

/*
 * Moved by the relcache callback whenever the sentinel (the registration
 * table, which every scope's membership triggers invalidate), a registered
 * membership table, or everything (InvalidOid) is invalidated. Anything
 * cached under an older generation is dropped before it is used again.
 * Read-only outside registration_pg.cpp.
 */
uint64 membership_generation(void);

struct RoleSource;	  /* roles_pg.hpp */
struct OwnerSource;	  /* roles_pg.hpp */
struct ParentSource; /* hierarchy_pg.hpp */

/* The registration as resolved against the catalogs. */
struct Registration
{
	/*
	 * A scope derived only from its parent has no membership table (relid
	 * 0): its tenant ids are typed by the mapping's tenant column, its user
	 * ids are its parent's, and every membership comes through the parent.
	 */
	bool derived_only;
	Oid relid;
	AttrNumber tenant_attno;
	AttrNumber user_attno;
	Oid tenant_type; /* uuid, text, varchar, bigint or integer */
	Oid user_type;
	IdKind tenant_kind;
	IdKind user_kind;
	Oid user_collation; /* the user column's, for a text scan key */
	AttrNumber role_attno;	 /* 0 when no role column */
	AttrNumber status_attno; /* 0 when no status column */
	Oid role_type;
	Oid status_type;
	FmgrInfo role_output;
	FmgrInfo status_output;
	int nstatuses;
	char **statuses; /* active statuses, as the column type prints them */
	Oid user_index;	 /* a btree index leading with the user column, or 0 */
	const RoleSource *roles;  /* the roles table, or nullptr */
	const OwnerSource *owner; /* the tenant table's owner column, or nullptr */
	const ParentSource *parent; /* the scope's parent and mapping, or nullptr */
};

/* A valid btree index with the default uuid opclass leading with attno, or 0. */
Oid find_user_index(Relation rel, AttrNumber attno, Oid type);

/*
 * The registration of scope, loaded again when the generation moved, and
 * through *index its position among this generation's registrations (a
 * small number the cache keys entries with). Raises 55000 when the scope
 * is not registered or its table lost its columns.
 */
const Registration *current_registration(const char *scope, int *index);

/* The kinds of a scope's ids; raises as current_registration does. */
struct ScopeIdKinds
{
	IdKind tenant;
	IdKind user;
};
ScopeIdKinds scope_id_kinds(const char *scope);

/* Whether scope has a stored registration (resolved or not); never raises for its absence. */
bool scope_is_registered(const char *scope);

/*
 * The kind of the scope's tenant ids as the catalogs say now, without
 * raising: false when the scope is not registered or its tenant column is
 * gone or of another type. For the planner, which must not fail a query.
 */
bool registered_tenant_kind(const char *scope, IdKind *kind);

/*
 * Queues an invalidation of every backend's membership cache (the
 * sentinel's), delivered when this transaction commits.
 */
void invalidate_memberships(void);

} // namespace tenancy
