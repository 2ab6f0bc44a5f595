/*
 * relation_ids_pg.cpp: tenancy._audit_relation_ids(regclass), the
 * dictionary ids of the names a table and its partitions have now: the
 * relations a record's log rows name (audit_history, erase_audit). Nothing
 * is added to the dictionary; a relation it does not hold is left out.
 *
 * In C, through the writer's cache of ids (relation_dictionary_pg.hpp, kept
 * until the relation or a schema changes), not PL/pgSQL: audit_history
 * calls it once per call, and a PL/pgSQL frame running a catalog query cost
 * about a tenth of a history lookup. A partitioned table's partitions are
 * found as pg_partition_tree finds them (locked for reading).
 *
 * Plain C style: PostgreSQL calls only, no C++ object alive, so its errors
 * need no guard.
 */
#include "core/boundary.hpp" /* its error.hpp is pure: before any server header */

#include "audit/relation_dictionary_pg.hpp"

extern "C" {
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
}

TENANCY_FUNCTION(audit_relation_ids)
{
	Oid tbl = PG_GETARG_OID(0);
	List *relations = get_rel_relkind(tbl) == RELKIND_PARTITIONED_TABLE
						  ? find_all_inheritors(tbl, AccessShareLock, nullptr)
						  : list_make1_oid(tbl);
	Datum *ids = (Datum *) palloc(sizeof(Datum) * list_length(relations));
	int n = 0;
	ListCell *cell;
	foreach (cell, relations)
	{
		int32 id = tenancy::audit::find_audit_relation_id(lfirst_oid(cell));
		if (id >= 0)
			ids[n++] = Int32GetDatum(id);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(ids, n, INT4OID, sizeof(int32), true, TYPALIGN_INT));
}
