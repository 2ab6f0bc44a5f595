# PGXS compiles C++ with CXXFLAGS that carry C-only warning options.
override CXXFLAGS := $(filter-out -Wmissing-prototypes -Wdeclaration-after-statement \
	-Wno-format-truncation -Wno-stringop-truncation,$(CXXFLAGS))
