/*
 * shared_buckets_pg.cpp: the bucket table in shared memory, its locks and
 * its size setting (one owner for all three).
 *
 * The table is tenancy.rate_limit_buckets slots split into
 * bucket_partitions partitions, each guarded by its own spinlock. A request
 * locks one partition, runs the pure decision (noexcept, cannot raise, a
 * probe of at most probe_limit slots) and releases it: exact under any
 * concurrency, never a table write, never WAL. A spinlock rather than an
 * LWLock: the section is a few dozen instructions and never waits, and
 * the LWLock's acquire and release were 6% of a call. Counting busy
 * buckets, which walks whole partitions, takes the lock per
 * usage_chunk_slots slots so that no section grows with the setting.
 * Shared memory is lost at a restart, and with it every bucket: each
 * starts full again.
 */
#include "ratelimit/shared_buckets_pg.hpp"

extern "C" {
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/guc.h"
}

#include <cstring>
#include <sodium.h>

namespace tenancy::ratelimit {

namespace {

constexpr Size usage_chunk_slots = 64;

int bucket_capacity = 10000; /* GUC tenancy.rate_limit_buckets */

/* One cache line per lock: backends deciding in two partitions do not share one. */
union PartitionLock
{
	slock_t mutex;
	char pad[PG_CACHE_LINE_SIZE];
};

struct SharedTable
{
	Size slots_per_partition;
	uint8 hash_key[bucket_hash_key_bytes]; /* random, made when the table is */
	PartitionLock locks[bucket_partitions];
	Slot slots[FLEXIBLE_ARRAY_MEMBER];
};

SharedTable *table = nullptr;
shmem_request_hook_type previous_request_hook = nullptr;
shmem_startup_hook_type previous_startup_hook = nullptr;

Size
table_size(void)
{
	Size per = slots_per_partition(bucket_capacity, bucket_partitions);
	return add_size(offsetof(SharedTable, slots),
					mul_size(mul_size(per, bucket_partitions), sizeof(Slot)));
}

/* Hooks run in the postmaster: plain C, nothing to unwind. */
void
request_shared_memory(void)
{
	if (previous_request_hook != nullptr)
		previous_request_hook();
	RequestAddinShmemSpace(table_size());
}

void
attach_shared_memory(void)
{
	bool found;

	if (previous_startup_hook != nullptr)
		previous_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	table = static_cast<SharedTable *>(ShmemInitStruct("tenancy rate limit buckets",
													   table_size(), &found));
	if (!found)
	{
		memset(table, 0, table_size());
		table->slots_per_partition = slots_per_partition(bucket_capacity, bucket_partitions);
		randombytes_buf(table->hash_key, sizeof(table->hash_key));
		for (int i = 0; i < bucket_partitions; i++)
			SpinLockInit(&table->locks[i].mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

Slot *
partition_slots(int index)
{
	return &table->slots[index * table->slots_per_partition];
}

} // namespace

/*
 * A PGC_POSTMASTER setting can only be defined while preloading, so without
 * the preload the setting does not exist and the functions refuse.
 */
void
shared_buckets_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	DefineCustomIntVariable(
		"tenancy.rate_limit_buckets", "Rate limit buckets kept in shared memory.",
		"Idle buckets (full again) give up their slot; a bucket that finds no slot is "
		"refused with an error. Needs shared_preload_libraries = 'tenancy'.",
		&bucket_capacity, 10000, bucket_partitions, 10000000, PGC_POSTMASTER, 0, nullptr,
		nullptr, nullptr);
	previous_request_hook = shmem_request_hook;
	shmem_request_hook = request_shared_memory;
	previous_startup_hook = shmem_startup_hook;
	shmem_startup_hook = attach_shared_memory;
}

void
require_shared_buckets(void)
{
	if (table == nullptr)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("tenancy's rate limits need tenancy in shared_preload_libraries"),
				 errdetail("The buckets live in shared memory, which only a preloaded "
						   "library can reserve."),
				 errhint("Add 'tenancy' to shared_preload_libraries in postgresql.conf and "
						 "restart the server.")));
}

const uint8 *
shared_bucket_hash_key(void)
{
	require_shared_buckets();
	return table->hash_key;
}

bool
take_shared_token(const BucketKey &key, const Limit &limit, int64 now_us, int64 *retry_after_us)
{
	int index = partition_of(key);
	bool admitted = false;
	bool no_slot = false;

	require_shared_buckets();
	// nothing between acquire and release can raise or wait
	SpinLockAcquire(&table->locks[index].mutex);
	Slot *slot = Partition(partition_slots(index), table->slots_per_partition)
					 .find_or_claim(key, limit, now_us);
	if (slot == nullptr)
		no_slot = true;
	else
	{
		admitted = take_token(limit, now_us, &slot->tat);
		*retry_after_us = admitted ? 0 : ratelimit::retry_after_us(limit, now_us, slot->tat);
	}
	SpinLockRelease(&table->locks[index].mutex);
	if (no_slot)
		ereport(ERROR,
				(errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
				 errmsg("no room for another rate limit bucket"),
				 errdetail("Every slot this bucket may use holds a bucket still refilling."),
				 errhint("Raise tenancy.rate_limit_buckets (a restart is needed).")));
	return admitted;
}

SharedBucketUsage
shared_bucket_usage(int64 now_us)
{
	SharedBucketUsage usage{0, 0};

	require_shared_buckets();
	usage.capacity = static_cast<int64>(table->slots_per_partition) * bucket_partitions;
	for (int i = 0; i < bucket_partitions; i++)
		for (Size first = 0; first < table->slots_per_partition; first += usage_chunk_slots)
		{
			Size count = Min(usage_chunk_slots, table->slots_per_partition - first);
			SpinLockAcquire(&table->locks[i].mutex);
			usage.busy +=
				static_cast<int64>(Partition(partition_slots(i) + first, count).busy_buckets(now_us));
			SpinLockRelease(&table->locks[i].mutex);
		}
	return usage;
}

} // namespace tenancy::ratelimit
