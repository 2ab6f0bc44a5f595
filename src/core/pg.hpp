/*
 * pg.hpp: the one place server headers enter C++.
 *
 * PostgreSQL's headers are C; they are included with C linkage. Files that
 * include this header are server glue (named *_pg.cpp); the pure core never
 * does (see pure.hpp).
 */
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
}
