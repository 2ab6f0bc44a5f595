/*
 * id_types_pg.hpp: which column types a scope's tenant and user ids may
 * have, and the errors that name them (server glue; may ereport).
 *
 * uuid, text (and varchar) and integer (bigint, int): the kinds of
 * id_keys.hpp. A text column must have a deterministic collation: the
 * cache compares text ids byte for byte, as such a collation's = does.
 */
#pragma once
#include "membership/id_keys.hpp"
#include "core/pg.hpp"

extern "C" {
#include "access/attnum.h"
}

namespace tenancy {

/* The kind of a column type, or false when ids cannot be of that type. */
bool id_kind_of_type(Oid type, IdKind *kind);

/* The SQL type helpers take and return for a kind: uuid, text, bigint. */
const char *id_kind_name(IdKind kind);

/*
 * Refuses (42804) a tenant or user column whose type ids cannot have, and a
 * text column with a nondeterministic collation; its kind through *kind.
 */
void require_id_column(Oid relid, AttrNumber attno, const char *role, const char *column,
					   IdKind *kind);

/*
 * 42804: scope's tenant ids are of kind, and a helper was called for
 * another (what: "a bigint tenant id", "uuid[]"); hint names the call to make.
 */
[[noreturn]] void report_wrong_tenant_kind(const char *scope, IdKind kind, const char *what,
										   const char *hint);

} // namespace tenancy
