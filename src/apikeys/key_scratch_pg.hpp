/*
 * key_scratch_pg.hpp: where a key's text and its parsed form live while a
 * call checks them, so that no error path leaves them behind.
 *
 * The scratch is one block per backend in sodium_malloc'd memory (locked:
 * never swapped out; guard pages around it). The call that fills it wipes
 * it when done; an error anywhere in between (a refusal, a cache fill or
 * key file error, a PostgreSQL error that longjmps) ends in the abort of
 * the transaction or savepoint, whose callbacks (caller_state_pg.cpp) wipe
 * it too. Plain C style: nothing here has a destructor.
 */
#pragma once
#include "apikeys/key_format.hpp" /* pure headers before server headers */
#include "core/pg.hpp"

namespace tenancy::apikeys {

struct KeyScratch
{
	char text[key_length + 1]; /* one byte more than a key: a longer value stays longer */
	ParsedKey parsed;
};

/* The backend's scratch, made at first use (53200 when it cannot be). */
KeyScratch *key_scratch(void);

/* Zeroes the scratch, if made. No allocation, no error: callbacks call it. */
void wipe_key_scratch(void) noexcept;

} // namespace tenancy::apikeys
