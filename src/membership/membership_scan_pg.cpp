/*
 * membership_scan_pg.cpp: a membership cache fill's reading
 * (membership_scan_pg.hpp): the user's rows of the membership table by
 * the user index, their roles, owned tenants, and the tenants reached
 * through a parent, as sorted arrays of 16-byte tenant keys (id_keys.hpp).
 *
 * The table is read with a direct index (or heap) scan: no SQL, no
 * permission check on the caller, no row level security, so a policy on
 * the membership table itself may call the helpers.
 *
 * Plain C-style glue: PODs and palloc'd memory only, so an ereport unwinds
 * nothing; the pure sort runs on palloc'd arrays and cannot raise.
 */
#include "core/boundary.hpp"
#include "membership/membership_scan_pg.hpp"
#include "membership/roles_pg.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
}

#include <cstring>

namespace tenancy {

namespace {

/* Text of a datum through the column type's output function. */
char *
column_text(HeapTuple tuple, AttrNumber attno, TupleDesc desc, FmgrInfo *output, bool *isnull)
{
	Datum value = heap_getattr(tuple, attno, desc, isnull);

	return *isnull ? nullptr : OutputFunctionCall(output, value);
}

bool
is_active(const Registration *reg, HeapTuple tuple, TupleDesc desc)
{
	bool isnull;
	char *status;

	if (reg->status_attno == 0)
		return true;
	status = column_text(tuple, reg->status_attno, desc,
						 const_cast<FmgrInfo *>(&reg->status_output), &isnull);
	if (isnull)
		return false;
	for (int i = 0; i < reg->nstatuses; i++)
		if (strcmp(status, reg->statuses[i]) == 0)
			return true;
	return false;
}

} // namespace

void
check_descriptor(const Registration *reg, TupleDesc desc)
{
	AttrNumber attnos[4] = {reg->tenant_attno, reg->user_attno, reg->role_attno, reg->status_attno};
	Oid types[4] = {reg->tenant_type, reg->user_type, reg->role_type, reg->status_type};

	for (int i = 0; i < 4; i++)
	{
		if (attnos[i] == 0)
			continue;
		if (attnos[i] > desc->natts || TupleDescAttr(desc, attnos[i] - 1)->attisdropped ||
			TupleDescAttr(desc, attnos[i] - 1)->atttypid != types[i])
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("the registered membership table changed"),
					 errhint("Call tenancy.register_membership() again.")));
	}
}

namespace {

/*
 * The scan key that finds the user's rows: equality in the user column's
 * type. False when no row can hold the user (an integer beyond an int
 * column's range).
 */
bool
user_scan_key(const Registration *reg, const UserId *user, ScanKey key)
{
	RegProcedure equal;
	Datum value;
	int64 integer;

	switch (reg->user_kind)
	{
		case IdKind::uuid:
			equal = F_UUID_EQ;
			value = PointerGetDatum(user->bytes);
			break;
		case IdKind::text:
			equal = F_TEXTEQ;
			value = PointerGetDatum(cstring_to_text_with_len(user->bytes, user->length));
			break;
		case IdKind::integer:
			memcpy(&integer, user->bytes, sizeof(integer));
			if (reg->user_type == INT8OID)
			{
				equal = F_INT8EQ;
				value = Int64GetDatum(integer);
			}
			else
			{
				if (integer < PG_INT32_MIN || integer > PG_INT32_MAX)
					return false;
				equal = F_INT4EQ;
				value = Int32GetDatum(static_cast<int32>(integer));
			}
			break;
		default:
			pg_unreachable();
	}
	ScanKeyEntryInitialize(key, 0, reg->user_attno, BTEqualStrategyNumber, InvalidOid,
						   reg->user_collation, equal, value);
	return true;
}

/* The key of a tenant column value; a text's bytes through *bytes (else untouched). */
void
tenant_key(const Registration *reg, Datum value, unsigned char key[16], TextRef *bytes)
{
	switch (reg->tenant_kind)
	{
		case IdKind::uuid:
			memcpy(key, DatumGetUUIDP(value)->data, UUID_LEN);
			break;
		case IdKind::integer:
			integer_key(reg->tenant_type == INT8OID ? DatumGetInt64(value) : DatumGetInt32(value),
						key);
			break;
		case IdKind::text:
		{
			// copied: an untoasted value points into the scan's current buffer
			text *t = DatumGetTextPP(value);
			char *copy = static_cast<char *>(palloc(Max(VARSIZE_ANY_EXHDR(t), 1)));
			memcpy(copy, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
			bytes->bytes = copy;
			bytes->length = VARSIZE_ANY_EXHDR(t);
			break;
		}
	}
}

/*
 * Text tenants: out->texts becomes the distinct tenant texts in byte order,
 * and each row's key its text's position there (texts[i] is row i's text).
 */
void
intern_texts(UserMemberships *out, const TextRef *texts)
{
	TextRef *distinct = static_cast<TextRef *>(palloc(Max(out->nrows, 1) * sizeof(TextRef)));

	memcpy(distinct, texts, out->nrows * sizeof(TextRef));
	out->ntexts = static_cast<int>(sort_distinct_texts(distinct, out->nrows));
	out->texts = distinct;
	for (int i = 0; i < out->nrows; i++)
	{
		std::size_t index = 0;
		// always found: distinct holds every row's text
		find_text(distinct, out->ntexts, texts[i], &index);
		text_key(index, out->rows[i].tenant);
	}
}

/* Where scan_memberships puts rows: out's, with texts[i] row i's text for text tenants. */
struct RowSink
{
	const Registration *reg;
	UserMemberships *out;
	TextRef *texts;
	int capacity;
};

/* Appends a row of tenant (a value of the tenant column's type), no role yet. */
MembershipRow *
append_row(void *arg, Datum tenant)
{
	RowSink *sink = static_cast<RowSink *>(arg);
	UserMemberships *out = sink->out;

	if (out->nrows == sink->capacity)
	{
		sink->capacity *= 2;
		out->rows = static_cast<MembershipRow *>(
			repalloc(out->rows, sink->capacity * sizeof(MembershipRow)));
		if (sink->texts != nullptr)
			sink->texts =
				static_cast<TextRef *>(repalloc(sink->texts, sink->capacity * sizeof(TextRef)));
	}
	MembershipRow *row = &out->rows[out->nrows];
	tenant_key(sink->reg, tenant, row->tenant,
			   sink->texts != nullptr ? &sink->texts[out->nrows] : nullptr);
	out->nrows++;
	row->role = nullptr;
	row->permissions = nullptr;
	return row;
}

/*
 * Appends the user's active rows of the membership table rel, with their
 * roles, and the tenants the user owns.
 */
void
scan_own_memberships(const Registration *reg, Relation rel, Snapshot snapshot, const UserId *user,
					 RowSink *sink)
{
	TupleDesc desc = RelationGetDescr(rel);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple tuple;

	bool any = user_scan_key(reg, user, &key);
	RoleLookup roles;
	if (reg->roles != nullptr)
		role_lookup_begin(&roles, reg->roles, snapshot);
	scan = systable_beginscan(rel, reg->user_index, OidIsValid(reg->user_index), snapshot, 1, &key);
	while (any && HeapTupleIsValid(tuple = systable_getnext(scan)))
	{
		bool isnull;
		Datum tenant = heap_getattr(tuple, reg->tenant_attno, desc, &isnull);

		if (isnull || !is_active(reg, tuple, desc))
			continue;
		MembershipRow *row = append_row(sink, tenant);
		if (reg->roles != nullptr)
		{
			Datum role_key = heap_getattr(tuple, reg->role_attno, desc, &isnull);
			if (!isnull)
				role_lookup(&roles, role_key, &row->role, &row->permissions);
		}
		else if (reg->role_attno != 0)
			row->role = column_text(tuple, reg->role_attno, desc,
									const_cast<FmgrInfo *>(&reg->role_output), &isnull);
	}
	systable_endscan(scan);
	if (reg->roles != nullptr)
		role_lookup_end(&roles);
	// the owner column has the user column's type: the key's value is the user there too
	if (any && reg->owner != nullptr)
		append_owned_tenants(reg->owner, snapshot, key.sk_argument, append_row, sink);
}

} // namespace

/*
 * Reads the user's active memberships (and owned tenants, and with a
 * mapping, the tenants parents reach through it) into palloc'd, sorted
 * arrays. A scope derived only from its parent has no table (rel nullptr).
 */
void
scan_memberships(const char *scope, const Registration *reg, Relation rel, Snapshot snapshot,
				 const UserId *user, Relation mapping, const ParentTenants *parents,
				 UserMemberships *out)
{
	RowSink sink;

	memset(out, 0, sizeof(*out));
	sink.reg = reg;
	sink.out = out;
	sink.capacity = 16;
	sink.texts = reg->tenant_kind == IdKind::text
					 ? static_cast<TextRef *>(palloc(sink.capacity * sizeof(TextRef)))
					 : nullptr;
	out->rows = static_cast<MembershipRow *>(palloc(sink.capacity * sizeof(MembershipRow)));
	// a scope derived only from its parent: roles as the parent's memberships have them
	out->has_roles =
		reg->role_attno != 0 || (reg->derived_only && parents != nullptr && parents->has_roles);
	out->tenant_kind = reg->tenant_kind;
	if (rel != nullptr)
		scan_own_memberships(reg, rel, snapshot, user, &sink);
	if (mapping != nullptr)
		append_derived_tenants(scope, reg->parent, mapping, snapshot, parents, append_row, &sink);
	if (sink.texts != nullptr)
		intern_texts(out, sink.texts);
	sort_memberships(out->rows, out->nrows);
	out->tenants = static_cast<pg_uuid_t *>(palloc(Max(out->nrows, 1) * sizeof(pg_uuid_t)));
	out->ntenants = static_cast<int>(distinct_tenants(
		out->rows, out->nrows, reinterpret_cast<unsigned char (*)[16]>(out->tenants)));
}

} // namespace tenancy
