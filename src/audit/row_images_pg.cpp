/*
 * row_images_pg.cpp: jsonb images of audited rows.
 *
 * Each value is converted as to_jsonb(row) would convert it (see JsonKind),
 * and the objects are assembled with pushJsonbValue, so an image equals
 * to_jsonb() of the columns it shows.
 */
#include "identity/uuid_text.hpp" /* pure: before any server header */

#include "audit/row_images_pg.hpp"

extern "C" {
#include "utils/datum.h"
#include "utils/numeric.h"
#include "utils/uuid.h"
}

namespace tenancy::audit {

namespace {

const char redacted_marker[] = "[redacted]";

void
string_value(JsonbValue *out, char *str, size_t len)
{
	if (len > JENTRY_OFFLENMASK) /* as to_jsonb() refuses it */
		ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						errmsg("string too long to represent as jsonb string"),
						errdetail("Due to an implementation restriction, jsonb strings cannot exceed %d bytes.",
								  JENTRY_OFFLENMASK)));
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
		case JsonKind::stored_text:
		{
			/* what textout, varcharout and bpcharout return: the stored characters */
			text *str = DatumGetTextPP(value);
			string_value(out, VARDATA_ANY(str), VARSIZE_ANY_EXHDR(str));
			return;
		}
		case JsonKind::uuid:
		{
			char *str = (char *) palloc(tenancy::uuid_text_length);
			tenancy::format_uuid_text(DatumGetUUIDP(value)->data, str);
			string_value(out, str, tenancy::uuid_text_length);
			return;
		}
		case JsonKind::text:
		{
			char *str = OutputFunctionCall(const_cast<FmgrInfo *>(&col.convert), value);
			string_value(out, str, strlen(str));
			return;
		}
		case JsonKind::other:
		{
			Jsonb *json =
				DatumGetJsonbP(FunctionCall1(const_cast<FmgrInfo *>(&col.convert), value));
			if (JsonbExtractScalar(&json->root, out))
				return;
			out->type = jbvBinary;
			out->val.binary.data = &json->root;
			out->val.binary.len = (int) (VARSIZE(json) - VARHDRSZ);
			return;
		}
	}
}

/*
 * The object of the image columns listed in columns (in json_order; with
 * include, only those it marks), from values. With scalars only, the object
 * is assembled directly, its keys already in jsonb's order; a value that is
 * itself an array or object goes through pushJsonbValue, which unpacks it.
 */
Jsonb *
object_of(const AuditedRelationInfo *info, const int *columns, int n, const bool *include,
		  JsonbValue *values, JsonbPair *pairs)
{
	int npairs = 0;
	bool scalars_only = true;
	for (int i = 0; i < n; i++)
	{
		int c = columns[i];
		if (include != nullptr && !include[c])
			continue;
		const LoggedAttr &col = info->image[c];
		string_value(&pairs[npairs].key, const_cast<char *>(col.name), strlen(col.name));
		pairs[npairs].value = values[c];
		pairs[npairs].order = (uint32) npairs;
		scalars_only = scalars_only && values[c].type != jbvBinary;
		npairs++;
	}
	if (scalars_only)
	{
		JsonbValue object;
		object.type = jbvObject;
		object.val.object.nPairs = npairs;
		object.val.object.pairs = pairs;
		return JsonbValueToJsonb(&object);
	}
	JsonbParseState *state = nullptr;
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
	for (int i = 0; i < npairs; i++)
	{
		pushJsonbValue(&state, WJB_KEY, &pairs[i].key);
		pushJsonbValue(&state, WJB_VALUE, &pairs[i].value);
	}
	return JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, nullptr));
}

} // namespace

void
image_scratch_init(ImageScratch *scratch, const AuditedRelationInfo *info)
{
	int n = info->nimage + 1;
	scratch->values = (JsonbValue *) palloc(sizeof(JsonbValue) * n);
	scratch->old_values = (JsonbValue *) palloc(sizeof(JsonbValue) * n);
	scratch->changed = (bool *) palloc(sizeof(bool) * n);
	scratch->pairs = (JsonbPair *) palloc(sizeof(JsonbPair) * n);
}

Jsonb *
row_image(const AuditedRelationInfo *info, TupleTableSlot *slot, ImageScratch *scratch,
		  Jsonb **key)
{
	*key = key_image(info, slot, scratch);
	for (int i = 0; i < info->nfull; i++)
		column_value(info->image[info->full[i]], slot, &scratch->values[info->full[i]]);
	return object_of(info, info->full, info->nfull, nullptr, scratch->values, scratch->pairs);
}

Jsonb *
key_image(const AuditedRelationInfo *info, TupleTableSlot *slot, ImageScratch *scratch)
{
	if (info->nkey == 0)
		return nullptr;
	for (int k = 0; k < info->nkey; k++)
		column_value(info->image[info->key[k]], slot, &scratch->values[info->key[k]]);
	return object_of(info, info->key, info->nkey, nullptr, scratch->values, scratch->pairs);
}

bool
changed_images(const AuditedRelationInfo *info, TupleTableSlot *old_slot,
			   TupleTableSlot *new_slot, ImageScratch *scratch, Jsonb **old_image,
			   Jsonb **new_image)
{
	bool any = false;
	for (int i = 0; i < info->nimage; i++)
	{
		const LoggedAttr &col = info->image[i];
		int a = col.attnum - 1;
		bool old_null = old_slot->tts_isnull[a], new_null = new_slot->tts_isnull[a];
		scratch->changed[i] =
			!(old_null && new_null) &&
			(old_null != new_null || !datum_image_eq(old_slot->tts_values[a],
													 new_slot->tts_values[a], col.typbyval,
													 col.typlen));
		if (!scratch->changed[i])
			continue;
		column_value(col, old_slot, &scratch->old_values[i]);
		column_value(col, new_slot, &scratch->values[i]);
		any = true;
	}
	if (!any)
		return false;
	*old_image = object_of(info, info->json_order, info->nimage, scratch->changed,
						   scratch->old_values, scratch->pairs);
	*new_image = object_of(info, info->json_order, info->nimage, scratch->changed,
						   scratch->values, scratch->pairs);
	return true;
}

} // namespace tenancy::audit
