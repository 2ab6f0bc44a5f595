/*
 * opfamily_pg.cpp: see opfamily_pg.hpp.
 */
#include "core/opfamily_pg.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_am.h"
#include "catalog/pg_opfamily.h"
#include "utils/syscache.h"
}

namespace tenancy {

bool
is_btree_family(Oid opfamily)
{
	HeapTuple tuple = SearchSysCache1(OPFAMILYOID, ObjectIdGetDatum(opfamily));
	bool btree = false;

	if (HeapTupleIsValid(tuple))
	{
		btree = ((Form_pg_opfamily) GETSTRUCT(tuple))->opfmethod == BTREE_AM_OID;
		ReleaseSysCache(tuple);
	}
	return btree;
}

} // namespace tenancy
