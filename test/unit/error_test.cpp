/* error_test.cpp: tenancy::Error keeps what the boundary will report. */
#include "core/error.hpp"

#include <catch2/catch.hpp>

TEST_CASE("Error keeps sqlstate, message, detail and hint", "[core]")
{
	tenancy::Error e(tenancy::sqlstate::invalid_parameter_value, "bad knob", "knob was 7",
					 "use 1 to 5");
	CHECK(e.sqlstate() == "22023");
	CHECK(e.message() == "bad knob");
	CHECK(std::string(e.what()) == "bad knob");
	CHECK(e.detail() == "knob was 7");
	CHECK(e.hint() == "use 1 to 5");
}

TEST_CASE("Error replaces a malformed SQLSTATE with XX000", "[core]")
{
	CHECK(tenancy::Error("2202", "short").sqlstate() == "XX000");
	CHECK(tenancy::Error("220233", "long").sqlstate() == "XX000");
	CHECK(tenancy::Error("22o23", "lowercase").sqlstate() == "XX000");
	CHECK(tenancy::Error("", "empty").sqlstate() == "XX000");
	CHECK(tenancy::Error("P0001", "letters and digits").sqlstate() == "P0001");
}

TEST_CASE("Error is catchable as std::exception", "[core]")
{
	try
	{
		throw tenancy::Error("42501", "not yours");
	}
	catch (const std::exception &e)
	{
		CHECK(std::string(e.what()) == "not yours");
	}
}
