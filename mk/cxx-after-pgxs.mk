# PGXS compiles C++ with CXXFLAGS that carry C-only options (which ones
# depends on the compiler the server was configured with: Debian 13's 17
# adds -fexcess-precision=standard, which Debian 12's g++ rejects for C++).
override CXXFLAGS := $(filter-out -Wmissing-prototypes -Wdeclaration-after-statement \
	-Wno-format-truncation -Wno-stringop-truncation -fexcess-precision=standard,$(CXXFLAGS))

# Objects compiled against one server's headers must not be linked for
# another: naming another server (PG_CONFIG) rewrites the stamp, which every
# object depends on, so everything is rebuilt for it.
SERVER_STAMP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)/.server-stamp
ifneq ($(shell cat $(SERVER_STAMP) 2>/dev/null),$(PG_CONFIG) $(VERSION))
$(shell echo '$(PG_CONFIG) $(VERSION)' >$(SERVER_STAMP))
endif
$(OBJS): $(SERVER_STAMP)

# Header dependencies: each object is rebuilt when a header it includes
# changes (PGXS tracks them only in a server built with --enable-depend).
override CXXFLAGS += -MMD -MP
-include $(OBJS:.o=.d)

