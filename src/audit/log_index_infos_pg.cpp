/*
 * log_index_infos_pg.cpp: kept IndexInfos of the log's indexes (see
 * log_index_infos_pg.hpp). The callbacks only set flags; the lookup is
 * plain C-style server code with no C++ object alive.
 */
#include "audit/log_index_infos_pg.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/index.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

namespace tenancy::audit {

namespace {

/* A month's partition and the default have three indexes each: room for a few. */
constexpr int kept_max = 16;

struct KeptIndexInfo
{
	Oid index; /* InvalidOid: dead, its invalidation arrived */
	IndexInfo *info;
};

KeptIndexInfo kept[kept_max];
int nkept = 0;
MemoryContext kept_context = nullptr;
/*
 * Memory is freed only once the transaction that may still use what was
 * returned has ended: a dead entry's IndexInfo can be in a statement's
 * hands. So dying or running out of room asks for a reset, and a
 * transaction's end allows it.
 */
bool reset_wanted = false;
bool reset_allowed = false;
/* Invalidations seen: an IndexInfo built while one arrived is not kept. */
uint64 invalidations = 0;

void
forget_on_relcache(Datum, Oid relid)
{
	invalidations++;
	for (int i = 0; i < nkept; i++)
		if (relid == InvalidOid || kept[i].index == relid)
		{
			kept[i].index = InvalidOid;
			reset_wanted = true;
		}
}

void
on_transaction_end(XactEvent event, void *)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT)
		reset_allowed = reset_wanted;
}

} // namespace

void
log_index_infos_init(void)
{
	CacheRegisterRelcacheCallback(forget_on_relcache, (Datum) 0);
	RegisterXactCallback(on_transaction_end, nullptr);
}

IndexInfo *
kept_index_info(Relation index)
{
	if (kept_context == nullptr)
		kept_context = AllocSetContextCreate(TopMemoryContext, "tenancy audit index infos",
											 ALLOCSET_SMALL_SIZES);
	if (reset_allowed)
	{
		MemoryContextReset(kept_context);
		nkept = 0;
		reset_wanted = reset_allowed = false;
	}
	Oid relid = RelationGetRelid(index);
	for (int i = 0; i < nkept; i++)
		if (kept[i].index == relid)
			return kept[i].info;
	if (nkept == kept_max)
	{
		reset_wanted = true;
		return BuildIndexInfo(index); /* the statement's own, until the reset */
	}
	uint64 seen = invalidations;
	MemoryContext caller = MemoryContextSwitchTo(kept_context);
	IndexInfo *info = BuildIndexInfo(index);
	MemoryContextSwitchTo(caller);
	if (seen == invalidations)
		kept[nkept++] = KeptIndexInfo{relid, info};
	else
		reset_wanted = true; /* not kept: freed with the next reset */
	return info;
}

} // namespace tenancy::audit
