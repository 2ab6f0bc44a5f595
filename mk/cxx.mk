# cxx.mk: C++ settings shared by the extension and the test-only module.
# Include it before PGXS; CXX_FILTER_AFTER_PGXS is applied after it.

PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-register
ifeq ($(WERROR),1)
PG_CXXFLAGS += -Werror
endif

# tenancy's functions are called through fmgr and gain nothing from JIT
# inlining; skipping LLVM bitcode halves build time (docs/development.md).
override with_llvm = no
