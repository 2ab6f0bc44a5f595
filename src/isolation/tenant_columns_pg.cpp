/*
 * tenant_columns_pg.cpp: GUC tenancy.tenant_columns and
 * tenancy.tenant_column_names(), its parsed form.
 *
 * The setting is a comma-separated identifier list, parsed as PostgreSQL
 * parses search_path: unquoted names are folded to lower case, quoted names
 * keep their case, spaces and commas.
 */
#include "isolation/tenant_columns_pg.hpp"

#include "core/boundary.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/guc.h"
#include "utils/varlena.h"
}

static char *tenant_columns_setting = nullptr;

static bool
check_tenant_columns(char **newval, void **extra, GucSource source)
{
	char *copy = pstrdup(*newval);
	List *names = NIL;
	bool ok = SplitIdentifierString(copy, ',', &names);

	list_free(names);
	pfree(copy);
	if (!ok)
		GUC_check_errdetail("List syntax is invalid: expected comma-separated column names.");
	return ok;
}

void
tenancy::tenant_columns_init(void)
{
	DefineCustomStringVariable(
		"tenancy.tenant_columns",
		"Column names that hold the tenant of a row, in order of preference.",
		"Used by tenancy.isolation_report() and tenancy.enable_audit() to detect tenant columns.",
		&tenant_columns_setting, "workspace_id,tenant_id,company_id,account_id,organization_id",
		PGC_USERSET, GUC_LIST_INPUT, check_tenant_columns, nullptr, nullptr);
}

/* tenancy.tenant_column_names() -> name[]: the setting, parsed. */
TENANCY_FUNCTION(tenant_column_names)
{
	char *copy = pstrdup(tenant_columns_setting ? tenant_columns_setting : "");
	List *names = NIL;

	if (!SplitIdentifierString(copy, ',', &names))
		ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						errmsg("tenancy.tenant_columns is not a valid list of column names")));

	int count = list_length(names);
	Datum *elements = (Datum *) palloc(sizeof(Datum) * (count > 0 ? count : 1));
	int i = 0;
	ListCell *cell;
	foreach (cell, names)
	{
		Name element = (Name) palloc0(NAMEDATALEN);
		namestrcpy(element, (const char *) lfirst(cell));
		elements[i++] = NameGetDatum(element);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elements, count, NAMEOID, NAMEDATALEN, false,
										  TYPALIGN_CHAR));
}
