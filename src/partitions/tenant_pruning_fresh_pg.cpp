/*
 * tenant_pruning_fresh_pg.cpp: a plan into which the planner hook
 * (tenant_pruning_plan_pg.cpp) wrote a caller's tenant set never serves
 * another caller, nor the same caller after a membership change.
 *
 * The planner cannot tell a plan made for one execution (the simple
 * protocol) from a generic plan that plancache will keep and reuse (it is
 * called alike for both). So every plan holding a set is made to depend on
 * two things, through its relationOids, which plancache checks on every
 * relcache invalidation (PlanCacheRelCallback):
 *
 *   - the membership sentinel (tenancy.membership_registration), whose
 *     relcache invalidation the membership triggers queue on every change
 *     and PostgreSQL delivers to every backend at commit;
 *   - a token: the OID of tenancy.user_workspaces(), which no query has as
 *     a relation (a query's own dependencies, checked the same way, never
 *     hold it). Before the next statement of this backend starts, before
 *     any utility command (SET, SET ROLE, EXECUTE) and at the end of the
 *     transaction (commit, abort, prepare, a savepoint rolled back), this
 *     file invalidates the token in this backend only
 *     (LocalExecuteInvalidationMessage: nothing is sent to other backends,
 *     no catalog is read), so plancache plans the statement again at its
 *     next use.
 *
 * A cached plan holding a set is thus run once: by the execution it was
 * made for (whose statement start invalidates it). Whatever can change the
 * caller (claims set by set_config or SET, a role, an API key, a
 * transaction's settings reverted at its end) runs in a statement, a
 * utility command or a transaction end in between, so the next execution
 * plans with the caller's set then. Within one statement the set is read
 * once (what a STABLE function promises).
 */
#include "partitions/tenant_pruning_fresh_pg.hpp"

extern "C" {
#include "access/xact.h"
#include "storage/sinval.h"
#include "tcop/utility.h"
}

#include <cstring>

namespace {

/* The token of the plans made to depend on the caller since the last invalidation, or InvalidOid. */
Oid pending_token = InvalidOid;
ProcessUtility_hook_type previous_process_utility = nullptr;

} // namespace

void
tenancy::depend_on_caller(PlannedStmt *stmt, Oid sentinel, Oid token)
{
	// a token of a dropped and recreated extension: its plans go first
	if (OidIsValid(pending_token) && pending_token != token)
		forget_plans_holding_sets();
	stmt->relationOids = lappend_oid(lappend_oid(stmt->relationOids, sentinel), token);
	pending_token = token;
}

void
tenancy::forget_plans_holding_sets(void)
{
	SharedInvalidationMessage message;

	if (!OidIsValid(pending_token))
		return;
	memset(&message, 0, sizeof(message));
	message.rc.id = SHAREDINVALRELCACHE_ID;
	message.rc.dbId = MyDatabaseId;
	message.rc.relId = pending_token;
	pending_token = InvalidOid;
	LocalExecuteInvalidationMessage(&message);
}

extern "C" {
static void tenancy_pruning_utility(PlannedStmt *pstmt, const char *query_string, bool read_only_tree,
									ProcessUtilityContext context, ParamListInfo params,
									QueryEnvironment *query_env, DestReceiver *dest,
									QueryCompletion *completion);
static void tenancy_pruning_xact(XactEvent event, void *arg);
static void tenancy_pruning_subxact(SubXactEvent event, SubTransactionId subxact,
									SubTransactionId parent, void *arg);
}

static void
tenancy_pruning_utility(PlannedStmt *pstmt, const char *query_string, bool read_only_tree,
						ProcessUtilityContext context, ParamListInfo params,
						QueryEnvironment *query_env, DestReceiver *dest, QueryCompletion *completion)
{
	tenancy::forget_plans_holding_sets();
	if (previous_process_utility != nullptr)
		previous_process_utility(pstmt, query_string, read_only_tree, context, params, query_env,
								 dest, completion);
	else
		standard_ProcessUtility(pstmt, query_string, read_only_tree, context, params, query_env,
								dest, completion);
}

/*
 * The transaction callbacks do more than set a flag: the invalidation runs
 * the relcache callbacks, exactly what PostgreSQL does itself when it
 * replays a transaction's invalidations locally while aborting
 * (AtEOXact_Inval). plancache's callback only marks plans; the relation
 * cache has no entry of that OID (it is a function's). At commit it runs
 * before the commit point (PRE_COMMIT), where an error would still abort
 * the transaction.
 */
static void
tenancy_pruning_xact(XactEvent event, void *)
{
	if (event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE ||
		event == XACT_EVENT_ABORT)
		tenancy::forget_plans_holding_sets();
}

static void
tenancy_pruning_subxact(SubXactEvent event, SubTransactionId, SubTransactionId, void *)
{
	// a savepoint rolled back reverts the settings made since
	if (event == SUBXACT_EVENT_ABORT_SUB)
		tenancy::forget_plans_holding_sets();
}

void
tenancy::tenant_pruning_fresh_init(void)
{
	previous_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = tenancy_pruning_utility;
	RegisterXactCallback(tenancy_pruning_xact, nullptr);
	RegisterSubXactCallback(tenancy_pruning_subxact, nullptr);
}
