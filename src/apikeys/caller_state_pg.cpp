/*
 * caller_state_pg.cpp: the API key that is the caller of the current
 * transaction, undone with the savepoint that made it.
 *
 * The caller is a copy of the key's record (a cache flush may free the
 * entry). Each subtransaction that made a key the caller keeps a frame
 * with the caller before its first such call: when it rolls back the
 * frame is restored, when it commits the frame passes to its parent (or
 * is dropped if the parent has its own, which is older). A transaction's
 * end forgets everything. The callbacks only copy, count and wipe the key
 * scratches: they never allocate, free or raise; memory is
 * reclaimed at the next transaction's first call.
 */
#include "apikeys/caller_state_pg.hpp"
#include "apikeys/key_scratch_pg.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/memutils.h"
}

#include <cstring>

namespace tenancy::apikeys {

namespace {

struct Frame
{
	SubTransactionId subxact;
	bool caller_set; /* the caller before the subtransaction's first call */
	KeyRecord caller;
};

bool caller_set = false;
KeyRecord caller;
MemoryContext caller_context = nullptr;
Frame *frames = nullptr; /* in caller_context; innermost last */
int frame_count = 0;
int frame_capacity = 0;

void
transaction_ended(XactEvent event, void *)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		caller_set = false;
		frame_count = 0;
		// an error left a key's text or parts there (or, at a commit, an error
		// some C code caught without a savepoint): the next transaction starts empty
		abandon_key_scratches(InvalidSubTransactionId);
	}
}

void
subtransaction_ended(SubXactEvent event, SubTransactionId subxact, SubTransactionId parent, void *)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		abandon_key_scratches(subxact); /* an error caught by a savepoint left a key there */
	if (frame_count == 0 || frames[frame_count - 1].subxact != subxact)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		caller_set = frames[frame_count - 1].caller_set;
		caller = frames[frame_count - 1].caller;
		frame_count--;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		if (frame_count >= 2 && frames[frame_count - 2].subxact == parent)
			frame_count--;
		else
			frames[frame_count - 1].subxact = parent;
	}
}

/* A frame for the current subtransaction, unless it has one. */
void
keep_frame(SubTransactionId subxact)
{
	if (frame_count > 0 && frames[frame_count - 1].subxact == subxact)
	{
		// the caller was made in this subtransaction: no frame holds it
		if (caller_set)
			pfree(caller.scopes);
		return;
	}
	if (frame_count == frame_capacity)
	{
		frame_capacity = frame_capacity == 0 ? 4 : 2 * frame_capacity;
		frames = static_cast<Frame *>(
			frames == nullptr ? MemoryContextAlloc(caller_context, frame_capacity * sizeof(Frame))
							  : repalloc(frames, frame_capacity * sizeof(Frame)));
	}
	frames[frame_count].subxact = subxact;
	frames[frame_count].caller_set = caller_set;
	frames[frame_count].caller = caller;
	frame_count++;
}

} // namespace

void
caller_state_init(void)
{
	RegisterXactCallback(transaction_ended, nullptr);
	RegisterSubXactCallback(subtransaction_ended, nullptr);
}

const KeyRecord *
key_caller(void)
{
	return caller_set ? &caller : nullptr;
}

bool
key_is_caller(void)
{
	return caller_set;
}

void
become_key_caller(const KeyRecord *record)
{
	if (caller_context == nullptr)
		caller_context = AllocSetContextCreate(TopMemoryContext, "tenancy api key caller",
											   ALLOCSET_SMALL_SIZES);
	if (frame_count == 0)
	{
		// the transaction's first call: nothing from an earlier one is referenced
		MemoryContextReset(caller_context);
		frames = nullptr;
		frame_capacity = 0;
	}
	keep_frame(GetCurrentSubTransactionId());
	Size size = VARSIZE(record->scopes);
	ArrayType *scopes = static_cast<ArrayType *>(MemoryContextAlloc(caller_context, size));
	memcpy(scopes, record->scopes, size);
	caller = *record;
	caller.scopes = scopes;
	caller_set = true;
}

} // namespace tenancy::apikeys
