/*
 * bounds_pg.cpp: the partitions of a parent and their bounds, read from
 * the relcache (PartitionDesc, PartitionBoundInfo) instead of printing
 * each child's relpartbound with pg_get_expr and parsing the text: that
 * opened and locked every child and ran a regular expression and a cast
 * per bound, most of the cost of a maintenance run with nothing to do.
 *
 * The glue holds only PODs and palloc'd memory while it calls PostgreSQL;
 * the one C++ computation (pairing bound points into ranges, bounds.cpp)
 * runs in a block that calls nothing that can raise a PostgreSQL error.
 */
#include "core/boundary.hpp"
#include "partitions/bounds.hpp"

extern "C" {
#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"
}

#include <vector>

namespace {

/* One partition as _partition_children returns it. */
struct ChildBounds
{
	Oid child;
	bool is_default;
	bool has_range;
	Timestamp lower;
	Timestamp upper;
	int ntenants;	 /* list partitions: how many uuids it holds */
	Datum *tenants; /* palloc'd, ntenants of them */
};

/* A range bound datum of the key's type as a UTC timestamp. */
Timestamp
bound_timestamp(Datum value, PartitionRangeDatumKind kind, Oid type)
{
	if (kind == PARTITION_RANGE_DATUM_MINVALUE)
		return tenancy::minus_infinity;
	if (kind == PARTITION_RANGE_DATUM_MAXVALUE)
		return tenancy::plus_infinity;
	// timestamptz is stored in UTC: the same value as AT TIME ZONE 'UTC'.
	if (type == DATEOID)
		return tenancy::timestamp_of_date(DatumGetDateADT(value));
	return DatumGetTimestamp(value);
}

/*
 * Fills children[0..nparts-1] with the range of each partition. Reads the
 * bound points into palloc'd arrays first; the C++ pairing runs in its own
 * block with no PostgreSQL call, and its result is copied out before the
 * block ends.
 */
void
read_ranges(PartitionBoundInfo bi, Oid type, int nparts, ChildBounds *children)
{
	const int npoints = bi->ndatums;
	Timestamp *points = static_cast<Timestamp *>(palloc(sizeof(Timestamp) * (npoints + 1)));
	int *indexes = static_cast<int *>(palloc(sizeof(int) * (npoints + 1)));
	for (int i = 0; i < npoints; i++)
	{
		CHECK_FOR_INTERRUPTS();
		points[i] = bound_timestamp(bi->datums[i][0], bi->kind[i][0], type);
	}
	for (int i = 0; i <= npoints; i++)
		indexes[i] = i < bi->nindexes ? bi->indexes[i] : -1;
	{
		const std::vector<Timestamp> point_list(points, points + npoints);
		const std::vector<int> index_list(indexes, indexes + npoints + 1);
		const auto ranges = tenancy::ranges_from_bound_points(point_list, index_list, nparts);
		for (int p = 0; p < nparts; p++)
			if (ranges[p])
			{
				children[p].has_range = true;
				children[p].lower = ranges[p]->lower;
				children[p].upper = ranges[p]->upper;
			}
	}
}

/*
 * Fills children[].tenants with the values of each list partition: counted
 * first, so that each partition's array is its own size (a set of 10,000
 * tenant partitions must not allocate 10,000 x 10,000 slots).
 */
void
read_lists(PartitionBoundInfo bi, int nparts, ChildBounds *children)
{
	for (int i = 0; i < bi->ndatums; i++)
		children[bi->indexes[i]].ntenants++;
	for (int p = 0; p < nparts; p++)
	{
		children[p].tenants = static_cast<Datum *>(palloc(sizeof(Datum) * (children[p].ntenants + 1)));
		children[p].ntenants = 0;
	}
	for (int i = 0; i < bi->ndatums; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ChildBounds *c = &children[bi->indexes[i]];
		c->tenants[c->ntenants++] = bi->datums[i][0];
	}
}

/*
 * Reads the partitions of rel (nparts of them, in bound order) into a
 * palloc'd array, copying what the relcache holds before anything else
 * runs that could rebuild it.
 */
ChildBounds *
read_children(Relation rel, int *nparts)
{
	PartitionKey key = RelationGetPartitionKey(rel);
	PartitionDesc desc = RelationGetPartitionDesc(rel, false);
	const Oid type = get_partition_col_typid(key, 0);
	PartitionBoundInfo bi = desc->boundinfo;

	*nparts = desc->nparts;
	ChildBounds *children = static_cast<ChildBounds *>(palloc0(sizeof(ChildBounds) * (desc->nparts + 1)));
	for (int p = 0; p < desc->nparts; p++)
		children[p].child = desc->oids[p];
	if (bi == nullptr || key->partnatts != 1)
		return children;
	if (bi->default_index >= 0)
		children[bi->default_index].is_default = true;
	if (key->strategy == PARTITION_STRATEGY_RANGE &&
		(type == TIMESTAMPTZOID || type == TIMESTAMPOID || type == DATEOID))
		read_ranges(bi, type, desc->nparts, children);
	else if (key->strategy == PARTITION_STRATEGY_LIST && type == UUIDOID)
		read_lists(bi, desc->nparts, children);
	return children;
}

void
put_child(ReturnSetInfo *rsinfo, const ChildBounds *c, bool is_list)
{
	Datum values[6];
	bool nulls[6] = {false, false, false, true, true, true};

	values[0] = ObjectIdGetDatum(c->child);
	values[1] = CStringGetDatum(get_rel_name(c->child));
	nulls[1] = DatumGetPointer(values[1]) == nullptr;
	values[2] = BoolGetDatum(c->is_default);
	if (c->has_range)
	{
		values[3] = TimestampGetDatum(c->lower);
		values[4] = TimestampGetDatum(c->upper);
		nulls[3] = nulls[4] = false;
	}
	if (is_list && !c->is_default)
	{
		values[5] = PointerGetDatum(construct_array(c->tenants, c->ntenants, UUIDOID, UUID_LEN,
													false, TYPALIGN_CHAR));
		nulls[5] = false;
	}
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

} // namespace

/*
 * _partition_children(parent regclass, control_type regtype)
 *   → SETOF (child regclass, child_name name, is_default boolean,
 *            lower timestamp, upper timestamp, tenants uuid[])
 *
 * Every partition of parent, in bound order: for time partitions their
 * range as UTC timestamps (MINVALUE and MAXVALUE as -infinity and
 * infinity), for uuid list partitions their tenants. Takes ACCESS SHARE on
 * the parent (as a query on it would), none on the partitions. No rows for
 * a table that no longer exists or is not partitioned; 42804 when
 * control_type is not the type of the partition key.
 */
TENANCY_FUNCTION(partition_children)
{
	const Oid parent = PG_GETARG_OID(0);
	const Oid control_type = PG_GETARG_OID(1);

	InitMaterializedSRF(fcinfo, 0);
	ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
	Relation rel = try_relation_open(parent, AccessShareLock);
	if (rel == nullptr)
		return (Datum) 0;
	if (rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
	{
		relation_close(rel, AccessShareLock);
		return (Datum) 0;
	}
	PartitionKey key = RelationGetPartitionKey(rel);
	const Oid key_type = get_partition_col_typid(key, 0);
	const bool is_list = key->strategy == PARTITION_STRATEGY_LIST;
	if (key_type != control_type)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("table %s is partitioned by a column of type %s, not %s",
							   RelationGetRelationName(rel), format_type_be(key_type),
							   format_type_be(control_type))));
	int nparts = 0;
	ChildBounds *children = read_children(rel, &nparts);
	// The lock stays to the end of the transaction, as for any query.
	relation_close(rel, NoLock);
	for (int p = 0; p < nparts; p++)
	{
		CHECK_FOR_INTERRUPTS();
		put_child(rsinfo, &children[p], is_list);
	}
	return (Datum) 0;
}
