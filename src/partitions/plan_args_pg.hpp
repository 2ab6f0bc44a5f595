/*
 * plan_args_pg.hpp: array arguments of the partition planner's SQL entry
 * points (partitions_pg.cpp, maintenance_plan_pg.cpp), read into palloc'd
 * memory. NULL elements are refused (22004): a plan is never made from a
 * fact that is missing.
 */
#pragma once

#include "core/boundary.hpp"
#include "partitions/plan.hpp"

extern "C" {
#include "utils/array.h"
#include "utils/timestamp.h"
}

#include <vector>

/* The elements of an array argument, palloc'd. */
struct PlanArray
{
	Datum *values;
	int count;
};

PlanArray plan_timestamps(ArrayType *array, const char *what);
PlanArray plan_oids(ArrayType *array, const char *what);
PlanArray plan_uuids(ArrayType *array, const char *what);

/* A step from an interval's fields (throws 22023 as tenancy::Step does). */
tenancy::Step plan_step(const Interval *iv, bool whole_days = false);

/* Ranges from arrays of lower and upper bounds (throws 22023 when they differ in length). */
std::vector<tenancy::Range> plan_ranges(PlanArray lowers, PlanArray uppers);
