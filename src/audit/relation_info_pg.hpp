/*
 * relation_info_pg.hpp: what the audit trigger knows of an audited
 * relation, gathered once per backend and dropped by relcache invalidation
 * (DDL on the relation, CREATE/DROP TRIGGER), never looked up per row.
 */
#pragma once
#include "core/pg.hpp"

extern "C" {
#include "access/tupdesc.h"
#include "commands/trigger.h"
#include "utils/rel.h"
}

namespace tenancy::audit {

/*
 * How a column's values become jsonb. to_jsonb() turns integers into
 * numbers, booleans into booleans and the built-in string-like types into
 * their output text; those are done here with the same functions, and every
 * other type (dates, arrays, json, composites, domains, user types) goes
 * through to_jsonb() itself.
 */
enum class JsonKind
{
	integer,
	boolean,
	stored_text, /* text, varchar, char(n): the stored characters, as their output functions return them */
	uuid,		 /* the canonical text uuid_out writes */
	text,		 /* the type's output function */
	other /* to_jsonb() */
};

/* A logged column of the audited relation. */
struct LoggedAttr
{
	AttrNumber attnum;
	const char *name;
	bool redacted; /* logged as "[redacted]" (or null) */
	int16 typlen;
	bool typbyval;
	Oid type;
	JsonKind kind;
	FmgrInfo convert; /* output function (text) or to_jsonb (other) */
};

struct AuditedRelationInfo
{
	Oid relid; /* hash key */
	bool valid;
	MemoryContext context; /* holds everything below */
	int nimage;
	LoggedAttr *image; /* every logged column, in attribute order */
	/*
	 * Image columns (indexes into image) in the order jsonb keeps object
	 * keys (shorter names first, then bytewise), so objects are built
	 * already sorted.
	 */
	int *json_order;
	int nkey;
	int *key; /* the logged primary key columns, in json_order */
	int nfull;
	int *full; /* what a full image (INSERT, DELETE) shows: no key or tenant column; in json_order */
	AttrNumber tenant; /* InvalidAttrNumber: no tenant column */
};

/* Registers the invalidation callback; from _PG_init. */
void relation_info_init(void);

/* The info of rel, whose audit trigger is trigger; built when missing or stale. */
AuditedRelationInfo *audited_relation_info(Relation rel, Trigger *trigger);

} // namespace tenancy::audit
