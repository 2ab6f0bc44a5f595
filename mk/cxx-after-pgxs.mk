# PGXS compiles C++ with CXXFLAGS that carry C-only warning options.
override CXXFLAGS := $(filter-out -Wmissing-prototypes -Wdeclaration-after-statement \
	-Wno-format-truncation -Wno-stringop-truncation,$(CXXFLAGS))

# Header dependencies: each object is rebuilt when a header it includes
# changes (PGXS tracks them only in a server built with --enable-depend).
override CXXFLAGS += -MMD -MP
-include $(OBJS:.o=.d)
