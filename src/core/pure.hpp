/*
 * pure.hpp: included first by every pure C++ file (no server headers).
 *
 * The pure core is unit-tested by Catch2 without a server, and it may throw
 * C++ exceptions freely. Including postgres.h before this header is a
 * compile-time error, so server glue cannot creep into the pure core.
 */
#pragma once

#ifdef POSTGRES_H
static_assert(false, "pure C++ file includes PostgreSQL server headers");
#endif
