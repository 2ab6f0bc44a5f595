/*
 * row_images_pg.cpp: jsonb images of audited rows.
 *
 * Each value is converted as to_jsonb(row) would convert it (see JsonKind),
 * and the objects are assembled with pushJsonbValue, so an image equals
 * to_jsonb() of the logged columns.
 */
#include "audit/row_images_pg.hpp"

extern "C" {
#include "utils/datum.h"
#include "utils/numeric.h"
}

namespace tenancy::audit {

namespace {

const char redacted_marker[] = "[redacted]";

void
string_value(JsonbValue *out, char *str, int len)
{
	out->type = jbvString;
	out->val.string.val = str;
	out->val.string.len = len;
}

/* The jsonb value of one column of slot. */
void
column_value(const LoggedAttr &col, TupleTableSlot *slot, JsonbValue *out)
{
	if (slot->tts_isnull[col.attnum - 1])
	{
		out->type = jbvNull;
		return;
	}
	if (col.redacted)
	{
		string_value(out, const_cast<char *>(redacted_marker), sizeof(redacted_marker) - 1);
		return;
	}
	Datum value = slot->tts_values[col.attnum - 1];
	switch (col.kind)
	{
		case JsonKind::integer:
		{
			int64 n = col.type == INT2OID	? DatumGetInt16(value)
					  : col.type == INT4OID ? DatumGetInt32(value)
											: DatumGetInt64(value);
			out->type = jbvNumeric;
			out->val.numeric = int64_to_numeric(n);
			return;
		}
		case JsonKind::boolean:
			out->type = jbvBool;
			out->val.boolean = DatumGetBool(value);
			return;
		case JsonKind::text:
		{
			char *str = OutputFunctionCall(const_cast<FmgrInfo *>(&col.convert), value);
			string_value(out, str, (int) strlen(str));
			return;
		}
		case JsonKind::other:
		{
			Jsonb *json =
				DatumGetJsonbP(FunctionCall1(const_cast<FmgrInfo *>(&col.convert), value));
			out->type = jbvBinary;
			out->val.binary.data = &json->root;
			out->val.binary.len = (int) (VARSIZE(json) - VARHDRSZ);
			return;
		}
	}
}

/* An object of the image columns listed in columns (n of them), from values. */
Jsonb *
object_of(const AuditedRelationInfo *info, const int *columns, int n, JsonbValue *values)
{
	JsonbParseState *state = nullptr;
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
	for (int i = 0; i < n; i++)
	{
		const LoggedAttr &col = info->image[columns[i]];
		JsonbValue key;
		string_value(&key, const_cast<char *>(col.name), (int) strlen(col.name));
		pushJsonbValue(&state, WJB_KEY, &key);
		pushJsonbValue(&state, WJB_VALUE, &values[columns[i]]);
	}
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, nullptr));
}

} // namespace

void
image_scratch_init(ImageScratch *scratch, const AuditedRelationInfo *info)
{
	scratch->values = (JsonbValue *) palloc(sizeof(JsonbValue) * (info->nimage + 1));
	scratch->old_values = (JsonbValue *) palloc(sizeof(JsonbValue) * (info->nimage + 1));
	scratch->changed = (int *) palloc(sizeof(int) * (info->nimage + 1));
}

Jsonb *
row_image(const AuditedRelationInfo *info, TupleTableSlot *slot, ImageScratch *scratch,
		  Jsonb **key)
{
	for (int i = 0; i < info->nimage; i++)
		column_value(info->image[i], slot, &scratch->values[i]);
	*key = info->nkey > 0 ? object_of(info, info->key, info->nkey, scratch->values) : nullptr;
	return object_of(info, info->columns, info->nimage, scratch->values);
}

Jsonb *
key_image(const AuditedRelationInfo *info, TupleTableSlot *slot, ImageScratch *scratch)
{
	if (info->nkey == 0)
		return nullptr;
	for (int k = 0; k < info->nkey; k++)
		column_value(info->image[info->key[k]], slot, &scratch->values[info->key[k]]);
	return object_of(info, info->key, info->nkey, scratch->values);
}

bool
changed_images(const AuditedRelationInfo *info, TupleTableSlot *old_slot,
			   TupleTableSlot *new_slot, ImageScratch *scratch, Jsonb **old_image,
			   Jsonb **new_image)
{
	int *changed = scratch->changed;
	int nchanged = 0;
	for (int i = 0; i < info->nimage; i++)
	{
		const LoggedAttr &col = info->image[i];
		int a = col.attnum - 1;
		bool old_null = old_slot->tts_isnull[a], new_null = new_slot->tts_isnull[a];
		if (old_null && new_null)
			continue;
		if (!old_null && !new_null &&
			datum_image_eq(old_slot->tts_values[a], new_slot->tts_values[a], col.typbyval,
						   col.typlen))
			continue;
		column_value(col, old_slot, &scratch->old_values[i]);
		column_value(col, new_slot, &scratch->values[i]);
		changed[nchanged++] = i;
	}
	if (nchanged == 0)
		return false;
	*old_image = object_of(info, changed, nchanged, scratch->old_values);
	*new_image = object_of(info, changed, nchanged, scratch->values);
	return true;
}

} // namespace tenancy::audit
