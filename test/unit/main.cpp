/* main.cpp: the Catch2 runner for tenancy's pure C++ core. */
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
