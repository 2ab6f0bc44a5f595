/*
 * key_check_pg.hpp: the check of a key's text against the stored keys,
 * shared by authenticate_api_key, _api_key_become_caller and
 * api_key_request.
 */
#pragma once
#include "apikeys/api_key_cache_pg.hpp"

#include <string_view>

namespace tenancy::apikeys {

/*
 * The record of the key whose text this is, when that key is active now;
 * else a PT401 error (tenancy::Error for the shape, never the text). Notes
 * the use (key_use_pg.hpp). The record lives in the cache: copy what must
 * outlive the next lookup.
 */
KeyRecord *active_key(std::string_view text);

} // namespace tenancy::apikeys
