/*
 * row_images_pg.hpp: the jsonb values of a log row, made from a transition
 * tuple: the row image, its primary key, and an UPDATE's changed columns.
 */
#pragma once
#include "audit/relation_info_pg.hpp"

extern "C" {
#include "executor/tuptable.h"
#include "utils/jsonb.h"
}

namespace tenancy::audit {

/* Per-statement scratch space, sized for info's columns. */
struct ImageScratch
{
	JsonbValue *values; /* one per image column */
	JsonbValue *old_values;
	bool *changed; /* per image column: whether an UPDATE changed it */
	JsonbPair *pairs;
};

void image_scratch_init(ImageScratch *scratch, const AuditedRelationInfo *info);

/*
 * The full image of the row in slot (all attributes deformed): every logged
 * column but the key and tenant columns, which the log row holds in
 * record_key and tenant_id; and in *key its logged primary key columns
 * (null when there are none).
 */
Jsonb *row_image(const AuditedRelationInfo *info, TupleTableSlot *slot, ImageScratch *scratch,
				 Jsonb **key);

/* The logged primary key columns of the row, or null when there are none. */
Jsonb *key_image(const AuditedRelationInfo *info, TupleTableSlot *slot, ImageScratch *scratch);

/*
 * The logged columns an UPDATE changed, old and new. A column changed when
 * its stored value differs byte for byte. False, and no images, when none did.
 */
bool changed_images(const AuditedRelationInfo *info, TupleTableSlot *old_slot,
					TupleTableSlot *new_slot, ImageScratch *scratch, Jsonb **old_image,
					Jsonb **new_image);

} // namespace tenancy::audit
