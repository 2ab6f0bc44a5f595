/*
 * parsed_conninfo.hpp: libpq's parse of a connection string, wiped and
 * freed when it goes out of scope (the values may hold a password).
 */
#pragma once
#include "core/pure.hpp"

#include <cstring>
#include <libpq-fe.h>
#include <sodium.h>

namespace tenancy::vault {

class ParsedConninfo
{
  public:
	/* Takes ownership of PQconninfoParse's result (which may be nullptr). */
	explicit ParsedConninfo(PQconninfoOption *options) noexcept : options_(options) {}
	~ParsedConninfo()
	{
		if (options_ == nullptr)
			return;
		for (PQconninfoOption *o = options_; o->keyword != nullptr; o++)
			if (o->val != nullptr)
				sodium_memzero(o->val, strlen(o->val));
		PQconninfoFree(options_);
	}
	ParsedConninfo(const ParsedConninfo &) = delete;
	ParsedConninfo &operator=(const ParsedConninfo &) = delete;

	/* Every option this libpq knows, set or not; ends at a null keyword. */
	const PQconninfoOption *options() const noexcept { return options_; }

	/* The value of keyword, or nullptr when the string does not set it. */
	const char *value(const char *keyword) const noexcept
	{
		for (const PQconninfoOption *o = options_; o != nullptr && o->keyword != nullptr; o++)
			if (strcmp(o->keyword, keyword) == 0)
				return o->val;
		return nullptr;
	}

  private:
	PQconninfoOption *options_;
};

} // namespace tenancy::vault
