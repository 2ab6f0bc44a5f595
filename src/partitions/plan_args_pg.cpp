/*
 * plan_args_pg.cpp: array arguments of the partition planner's entry
 * points. Plain C-style code: it holds no C++ object while it calls
 * PostgreSQL.
 */
#include "partitions/plan_args_pg.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/uuid.h"
}

static PlanArray
plan_array(ArrayType *array, const char *what, Oid type, int width, bool byval, char align)
{
	PlanArray out{nullptr, 0};
	bool *nulls;
	if (ARR_ELEMTYPE(array) != type)
		ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
						errmsg("%s must be an array of %s", what, format_type_be(type))));
	deconstruct_array(array, type, width, byval, align, &out.values, &nulls, &out.count);
	for (int i = 0; i < out.count; i++)
		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
							errmsg("%s must not contain NULL", what)));
	return out;
}

PlanArray
plan_timestamps(ArrayType *array, const char *what)
{
	return plan_array(array, what, TIMESTAMPOID, sizeof(Timestamp), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
}

PlanArray
plan_oids(ArrayType *array, const char *what)
{
	return plan_array(array, what, REGCLASSOID, sizeof(Oid), true, TYPALIGN_INT);
}

PlanArray
plan_uuids(ArrayType *array, const char *what)
{
	return plan_array(array, what, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR);
}

tenancy::Step
plan_step(const Interval *iv, bool whole_days)
{
	return tenancy::Step(iv->month, iv->day, iv->time, whole_days);
}

std::vector<tenancy::Range>
plan_ranges(PlanArray lowers, PlanArray uppers)
{
	if (lowers.count != uppers.count)
		throw tenancy::Error(tenancy::sqlstate::invalid_parameter_value,
							 "partition bound arrays differ in length");
	std::vector<tenancy::Range> out;
	for (int i = 0; i < lowers.count; i++)
		out.push_back({DatumGetTimestamp(lowers.values[i]), DatumGetTimestamp(uppers.values[i])});
	return out;
}
