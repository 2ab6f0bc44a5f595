/*
 * scope_name.hpp: what a scope's name may be (pure C++, no server).
 */
#pragma once
#include "core/pure.hpp"

#include <cstddef>

namespace tenancy {

/*
 * Whether name can name a scope: a letter a-z, then a-z, 0-9 or _, at most
 * 63 bytes (membership_registration's CHECK; policies spell it as a literal).
 */
bool scope_name_is_valid(const char *name, std::size_t length) noexcept;

} // namespace tenancy
