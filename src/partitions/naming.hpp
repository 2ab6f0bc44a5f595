/*
 * naming.hpp: deterministic, readable partition names of at most 63 bytes.
 *
 *   <parent>_p2026          steps of whole years
 *   <parent>_p2026_11       steps of months (monthly, quarterly)
 *   <parent>_p20261122      steps of whole days (daily, weekly)
 *   <parent>_p20261122_13   steps of whole hours
 *   <parent>_p20261122_1330 steps of whole minutes
 *   <parent>_p20261122_133005  other steps of whole seconds
 *   <parent>_t0123456789ab  a tenant (first 12 hex digits of its uuid;
 *                            all 32 when two tenants share the first 12)
 *   <parent>_default        the default partition
 *   <parent>_expired        expired rows of the default kept by retention
 *
 * Names are at most 62 bytes: PostgreSQL allows 63, but then the array type
 * it makes for every table ("_" + name) is truncated, and sibling partitions
 * whose names differ only in the last byte collide ("could not form array
 * type name"). When <parent>_<suffix> would exceed 62 bytes, the parent part
 * is cut at a UTF-8 character boundary and followed
 * by 8 hex digits of a hash of the whole parent name, so two long parents
 * that share a prefix still get distinct names:
 *   <parent cut>_<hash8>_<suffix>
 */
#pragma once
#include "core/pure.hpp"

#include "partitions/step.hpp"

#include <array>
#include <cstddef>
#include <string>

namespace tenancy {

inline constexpr std::size_t max_name_bytes = 62;

/* The longest prefix of s of at most max_bytes that ends on a UTF-8 boundary. */
std::string utf8_prefix(const std::string &s, std::size_t max_bytes);

/* <parent>_<suffix>, shortened as described above. */
std::string child_name(const std::string &parent, const std::string &suffix);

/* The suffix of the time partition starting at lower: "p2026_11", ... */
std::string time_suffix(const Step &step, Timestamp lower);

/* "t" and the first 12 (or, with full, all 32) hex digits of the uuid. */
std::string tenant_suffix(const std::array<unsigned char, 16> &uuid, bool full);

} // namespace tenancy
