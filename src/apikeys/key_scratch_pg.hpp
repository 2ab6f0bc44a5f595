/*
 * key_scratch_pg.hpp: where a key's text and its parsed form live while a
 * call checks them, so that no error path leaves them behind.
 *
 * The scratches are one block per backend in sodium_malloc'd memory
 * (locked: never swapped out; guard pages around it), used as a stack: a
 * call that checks or makes a key takes the next scratch and gives it back
 * wiped when done, so a call nested in another (a trigger on
 * api_key_records that checks a key while create_api_key stores one) has
 * its own and never wipes the outer call's. An error anywhere in between
 * (a refusal, a cache fill or key file error, a PostgreSQL error that
 * longjmps) ends in the abort of the transaction or savepoint, whose
 * callbacks (caller_state_pg.cpp) wipe and give back every scratch taken
 * inside it; a transaction's end gives back all. Plain C style: nothing
 * here has a destructor.
 */
#pragma once
#include "apikeys/key_format.hpp" /* pure headers before server headers */
#include "core/pg.hpp"

namespace tenancy::apikeys {

/* How deep checks of keys may nest in one another (54001 beyond). */
inline constexpr int key_scratch_depth = 8;

struct KeyScratch
{
	char text[key_length + 1]; /* one byte more than a key: a longer value stays longer */
	ParsedKey parsed;
};

/*
 * A zeroed scratch for the calling function, above those of the calls it
 * runs in (the block is made at first use: 53200 when it cannot be).
 */
KeyScratch *take_key_scratch(void);

/* Wipes and gives back scratch (and any taken after it). No error. */
void give_back_key_scratch(KeyScratch *scratch) noexcept;

/*
 * At the abort of subtransaction subxact (or of the transaction:
 * InvalidSubTransactionId): wipes and gives back every scratch taken in it
 * or in the subtransactions it started. No allocation, no error.
 */
void abandon_key_scratches(SubTransactionId subxact) noexcept;

} // namespace tenancy::apikeys
