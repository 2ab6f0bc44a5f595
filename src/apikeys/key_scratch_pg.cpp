/*
 * key_scratch_pg.cpp: the backend's key scratch (see key_scratch_pg.hpp).
 */
#include "apikeys/key_scratch_pg.hpp"

#include <new>
#include <sodium.h>

namespace tenancy::apikeys {

namespace {
KeyScratch *scratch = nullptr;
} // namespace

KeyScratch *
key_scratch(void)
{
	if (scratch == nullptr)
	{
		void *made = sodium_malloc(sizeof(KeyScratch));
		if (made == nullptr)
			throw std::bad_alloc();
		sodium_memzero(made, sizeof(KeyScratch));
		scratch = static_cast<KeyScratch *>(made);
	}
	return scratch;
}

void
wipe_key_scratch(void) noexcept
{
	if (scratch != nullptr)
		sodium_memzero(scratch, sizeof(KeyScratch));
}

} // namespace tenancy::apikeys
