# tenancy: PGXS build (C++17).
#
#   make                 build tenancy.so and the install script
#   make install         install into the server found by pg_config
#   make WERROR=1        treat warnings as errors (CI does)
#
# Sources: every src/<capability>/*.cpp is compiled into the module. Files
# named *_pg.cpp are server glue; the others are the pure C++ core that
# CMakeLists.txt also builds for the Catch2 unit tests.

EXTENSION = tenancy
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" tenancy.control)

MODULE_big = tenancy
OBJS = $(patsubst %.cpp,%.o,$(sort $(wildcard src/*/*.cpp)))

# The install script is assembled from the SQL files of each capability
# (one job per file), in dependency order.
SQL_SOURCES = \
	src/core/core.sql \
	src/identity/identity.sql \
	src/membership/membership.sql \
	src/membership/id_type_helpers.sql \
	src/membership/hierarchy.sql \
	src/isolation/records.sql \
	src/isolation/global_tables.sql \
	src/isolation/isolated_tables.sql \
	src/isolation/policies.sql \
	src/isolation/owner_guard.sql \
	src/isolation/through.sql \
	src/isolation/materialized_views.sql \
	src/isolation/enable.sql \
	src/isolation/report.sql \
	src/isolation/soft_delete.sql \
	src/isolation/forget_dropped.sql \
	src/isolation/tenant_creation.sql \
	src/partitions/config.sql \
	src/partitions/c_functions.sql \
	src/partitions/checks.sql \
	src/partitions/catalog.sql \
	src/partitions/hooks.sql \
	src/partitions/inherit.sql \
	src/partitions/children.sql \
	src/partitions/register.sql \
	src/partitions/status.sql \
	src/partitions/groups.sql \
	src/partitions/retention.sql \
	src/partitions/archive_table.sql \
	src/partitions/expire.sql \
	src/partitions/maintenance.sql \
	src/partitions/purge.sql \
	src/partitions/cron_setup.sql \
	src/partitions/schedule.sql \
	src/partitions/maintenance_health.sql \
	src/audit/audit.sql \
	src/audit/erase.sql \
	src/audit/reading.sql \
	src/vault/vault.sql \
	src/ratelimit/ratelimit.sql \
	src/apikeys/apikeys.sql \
	src/module/new_partitions.sql \
	src/module/privileges.sql

DATA_built = $(EXTENSION)--$(EXTVERSION).sql
EXTRA_CLEAN = $(EXTENSION)--$(EXTVERSION).sql $(OBJS:.o=.d)

PG_CONFIG ?= pg_config

PG_CPPFLAGS = -I$(CURDIR)/src -I$(libpq_srcdir) -DTENANCY_VERSION='"$(EXTVERSION)"'
include mk/cxx.mk
SHLIB_LINK = -lsodium -lpq -lstdc++

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

include mk/cxx-after-pgxs.mk

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) tenancy.control
	( echo '-- tenancy $(EXTVERSION): generated from $(SQL_SOURCES); do not edit.'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION tenancy" to load this file. \quit'; \
	  for f in $(SQL_SOURCES); do echo; echo "-- $$f"; cat $$f; done ) > $@
