/* claims_scan_test.cpp: finding a claim without converting the others. */
#include "identity/claims_scan.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

namespace {

/* What find_claim said, with the value copied out of the document. */
struct Found
{
	tenancy::ClaimsShape shape;
	tenancy::ClaimSpan span;
	std::string value;
	std::string ascii;

	std::string text() const { return span.found ? value : "<absent>"; }
};

Found
find(const std::string &document, const std::string &key = "sub")
{
	std::vector<unsigned char> scratch(tenancy::claims_scratch_size(document.size()));
	Found found;
	found.shape = tenancy::find_claim(document.data(), document.size(), key.data(), key.size(),
									  scratch.data(), &found.span);
	if (found.span.found)
		found.value.assign(found.span.text, found.span.length);
	char out[64];
	std::size_t written = 0;
	found.ascii = tenancy::claim_ascii_string(found.span, out, sizeof(out), &written)
					  ? std::string(out, written)
					  : "<not ascii>";
	found.span.text = nullptr; /* the document is gone */
	return found;
}

std::string
ascii(const Found &found)
{
	return found.ascii;
}

const tenancy::ClaimsShape object = tenancy::ClaimsShape::object;
const tenancy::ClaimsShape not_json = tenancy::ClaimsShape::not_json;
const tenancy::ClaimsShape not_object = tenancy::ClaimsShape::not_object;

} // namespace

TEST_CASE("claims scan: the claim's value, unconverted", "[identity]")
{
	Found f = find(R"({"sub": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "role": "x"})");
	CHECK(f.shape == object);
	CHECK(f.span.kind == tenancy::JsonKind::string);
	CHECK(f.text() == R"("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")");
	CHECK(ascii(f) == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
	CHECK(find(R"({"a": 1, "role" : [1, {"b": 2}] , "c": null})", "role").text() ==
		  R"([1, {"b": 2}])");
	CHECK(find(R"({"role":{}})", "role").span.kind == tenancy::JsonKind::object);
	CHECK(find(R"({"n": -0.5e+3})", "n").text() == "-0.5e+3");
	CHECK(find(R"({"n": true})", "n").span.kind == tenancy::JsonKind::boolean);
	CHECK(find(R"({"n": null})", "n").span.kind == tenancy::JsonKind::null);
	CHECK(find("{}").shape == object);
	CHECK_FALSE(find("{}").span.found);
	CHECK_FALSE(find(R"({"subject": "x", "su": "y"})").span.found);
}

TEST_CASE("claims scan: unrelated claims are never converted", "[identity]")
{
	CHECK(ascii(find(R"({"sub": "u1", "x": 1e1000000})")) == "u1");
	CHECK(ascii(find(R"({"x": -1e-1000000, "sub": "u1"})")) == "u1");
	std::string deep = R"({"x": )" + std::string(200000, '[') + std::string(200000, ']') +
					   R"(, "sub": "u1"})";
	CHECK(ascii(find(deep)) == "u1");
	std::string deep_objects = R"({"sub": "u1", "x": )";
	for (int i = 0; i < 100000; i++)
		deep_objects += R"({"k":)";
	deep_objects += "0" + std::string(100000, '}') + "}";
	CHECK(ascii(find(deep_objects)) == "u1");
	// names nested deeper are not top-level claims
	CHECK_FALSE(find(R"({"x": {"sub": "u1"}, "y": [{"sub": "u2"}]})").span.found);
}

TEST_CASE("claims scan: names compare with escapes decoded; the last one wins", "[identity]")
{
	CHECK(ascii(find(R"({"s\u0075b": "u1"})")) == "u1");
	CHECK(ascii(find(R"({"sub": "u1", "sub": "u2"})")) == "u2");
	CHECK(find(R"({"caf\u00e9": 1})", "caf\xc3\xa9").text() == "1");
	CHECK(find(R"({"\ud83d\ude00": 2})", "\xf0\x9f\x98\x80").text() == "2");
	CHECK(find(R"({"a\"b": 3})", "a\"b").text() == "3");
	CHECK_FALSE(find(R"({"a\\b": 3})", "ab").span.found);
}

TEST_CASE("claims scan: strings as ASCII, escapes decoded", "[identity]")
{
	CHECK(ascii(find(R"({"sub": "\u0061\/b"})")) == "a/b");
	CHECK(ascii(find(R"({"sub": "caf\u00e9"})")) == "<not ascii>");
	CHECK(ascii(find("{\"sub\": \"caf\xc3\xa9\"}")) == "<not ascii>");
	CHECK(ascii(find(R"({"sub": "a\u0000"})")) == "<not ascii>");
	CHECK(ascii(find(R"({"sub": 12})")) == "<not ascii>");
	CHECK(ascii(find(R"({"sub": ")" + std::string(65, 'a') + "\"}")) == "<not ascii>");
	CHECK(ascii(find(R"({"sub": ")" + std::string(64, 'a') + "\"}")) == std::string(64, 'a'));
}

TEST_CASE("claims scan: documents that are not JSON objects", "[identity]")
{
	for (const std::string &bad : std::vector<std::string>{"", " ", "{", "}", "{\"sub\"}", "{\"sub\": }", "{\"sub\": 1,}", "{\"sub\": 1 \"x\": 2}",
		  "{sub: 1}", "{\"a\": 01}", "{\"a\": 1.}", "{\"a\": .5}", "{\"a\": -}", "{\"a\": 1e}",
		  "{\"a\": tru}", "{\"a\": truex}", "{\"a\": [1, 2}", "{\"a\": {\"b\": 1]}", "{} {}",
		  "{\"a\": \"\\x\"}", "{\"a\": \"\\u12g4\"}", "{\"a\": \"\\ud800\"}",
		  "{\"a\": \"\\udc00\"}", "{\"a\": \"tab\there\"}", "{\"a\": \"open}", "[1, 2",
		  "{\"x\": " + std::string(1000, '[') + "}"})
	{
		INFO(bad);
		CHECK(find(bad).shape == not_json);
	}
	for (const std::string &scalar : std::vector<std::string>{"1", "\"sub\"", "[{\"sub\": \"u1\"}]", "null", " true "})
	{
		INFO(scalar);
		Found f = find(scalar);
		CHECK(f.shape == not_object);
		CHECK_FALSE(f.span.found);
	}
	CHECK(find(" \t\n{ \"sub\" : \"u1\" } \r\n").shape == object);
}

TEST_CASE("claims scan: checking only, without a key", "[identity]")
{
	std::string document = R"({"sub": "u1"})";
	std::vector<unsigned char> scratch(tenancy::claims_scratch_size(document.size()));
	tenancy::ClaimSpan span;
	CHECK(tenancy::find_claim(document.data(), document.size(), nullptr, 0, scratch.data(), &span) ==
		  object);
	CHECK_FALSE(span.found);
}

namespace {

/* The claim "sub" of document as claim_string reads it into 8 bytes. */
std::string
any_string(const std::string &document, bool utf8 = true)
{
	std::vector<unsigned char> scratch(tenancy::claims_scratch_size(document.size()));
	tenancy::ClaimSpan span;
	tenancy::find_claim(document.data(), document.size(), "sub", 3, scratch.data(), &span);
	char out[8];
	std::size_t written = 0;
	return tenancy::claim_string(span, utf8, out, sizeof(out), &written)
			   ? std::string(out, written)
			   : "<refused>";
}

} // namespace

TEST_CASE("claims scan: strings of any characters but NUL", "[identity]")
{
	CHECK(any_string(R"({"sub": "user_2a"})") == "user_2a");
	CHECK(any_string(R"({"sub": ""})").empty());
	CHECK(any_string(R"({"sub": "caf\u00e9"})") == "caf\xc3\xa9");
	CHECK(any_string("{\"sub\": \"caf\xc3\xa9\"}") == "caf\xc3\xa9");
	CHECK(any_string(R"({"sub": "\ud83d\ude00"})") == "\xf0\x9f\x98\x80");
	CHECK(any_string(R"({"sub": "a'\"b"})") == "a'\"b");
	CHECK(any_string(R"({"sub": "a\u0000"})") == "<refused>");
	CHECK(any_string(R"({"sub": "caf\u00e9"})", false) == "<refused>");
	CHECK(any_string("{\"sub\": \"caf\xc3\xa9\"}", false) == "caf\xc3\xa9");
	CHECK(any_string(R"({"sub": "12345678"})") == "12345678");
	CHECK(any_string(R"({"sub": "123456789"})") == "<refused>");
	CHECK(any_string(R"({"sub": "1234567\u00e9"})") == "<refused>");
	CHECK(any_string(R"({"sub": 12})") == "<refused>");
	CHECK(any_string(R"({"sub": null})") == "<refused>");
}
