/*
 * key_scratch_pg.cpp: the backend's key scratches (see key_scratch_pg.hpp).
 *
 * Each scratch taken records the subtransaction that took it. The calls
 * that take them nest, so the ids only grow from the bottom of the stack
 * to its top, and a subtransaction's abort gives back exactly the scratches
 * whose id is its own or later: any subtransaction started after it began
 * and still holding one is inside it.
 */
#include "apikeys/key_scratch_pg.hpp"
#include "core/error.hpp"

extern "C" {
#include "access/xact.h"
}

#include <new>
#include <sodium.h>

namespace tenancy::apikeys {

namespace {

struct Scratches
{
	KeyScratch level[key_scratch_depth];
	SubTransactionId taken_in[key_scratch_depth];
};

/* PostgreSQL's statement_too_complex, as for a recursion too deep */
constexpr const char *nested_too_deeply = "54001";

Scratches *scratches = nullptr;
int depth = 0;

} // namespace

KeyScratch *
take_key_scratch(void)
{
	if (scratches == nullptr)
	{
		void *made = sodium_malloc(sizeof(Scratches));
		if (made == nullptr)
			throw std::bad_alloc();
		sodium_memzero(made, sizeof(Scratches));
		scratches = static_cast<Scratches *>(made);
	}
	if (depth == key_scratch_depth)
		throw Error(nested_too_deeply, "API key checks are nested too deeply",
					"A trigger or function checks or makes keys inside another such call.",
					"Do not check API keys from triggers on tenancy.api_key_records.");
	scratches->taken_in[depth] = GetCurrentSubTransactionId();
	return &scratches->level[depth++]; /* zeroed: given back wiped */
}

void
give_back_key_scratch(KeyScratch *scratch) noexcept
{
	// any scratch above it was left by a call an error ended without a
	// savepoint's abort (C code that caught it): given back with it
	while (depth > 0 && &scratches->level[depth - 1] >= scratch)
	{
		depth--;
		sodium_memzero(&scratches->level[depth], sizeof(KeyScratch));
	}
}

void
abandon_key_scratches(SubTransactionId subxact) noexcept
{
	while (depth > 0 && scratches->taken_in[depth - 1] >= subxact)
	{
		depth--;
		sodium_memzero(&scratches->level[depth], sizeof(KeyScratch));
	}
}

} // namespace tenancy::apikeys
