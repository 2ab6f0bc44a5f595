/*
 * naming.cpp: partition names.
 */
#include "partitions/naming.hpp"

#include "core/error.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace tenancy {

std::string
utf8_prefix(const std::string &s, std::size_t max_bytes)
{
	if (s.size() <= max_bytes)
		return s;
	std::size_t cut = max_bytes;
	// s[cut] is the first byte left out; back up while it continues a character.
	while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
		cut--;
	return s.substr(0, cut);
}

/* FNV-1a, 32 bits: stable across platforms and releases. */
static std::uint32_t
fnv1a32(const std::string &s)
{
	std::uint32_t h = 2166136261u;
	for (unsigned char c : s)
	{
		h ^= c;
		h *= 16777619u;
	}
	return h;
}

std::string
child_name(const std::string &parent, const std::string &suffix)
{
	if (parent.empty() || suffix.empty() || suffix.size() > 40)
		throw Error(sqlstate::internal_error, "invalid partition name parts");
	if (parent.size() + 1 + suffix.size() <= max_name_bytes)
		return parent + "_" + suffix;
	char hash[9];
	std::snprintf(hash, sizeof hash, "%08x", fnv1a32(parent));
	const std::size_t room = max_name_bytes - suffix.size() - 1 - 8 - 1;
	return utf8_prefix(parent, room) + "_" + hash + "_" + suffix;
}

std::string
time_suffix(const Step &step, Timestamp lower)
{
	const CivilTime c = civil_from_timestamp(lower);
	// Years before 1 AD read as "bc" and the BC year number.
	const bool bc = c.year < 1;
	const long long year = bc ? 1 - c.year : c.year;
	char buf[48];
	const char *era = bc ? "bc" : "";
	if (step.is_months() && step.months() % 12 == 0)
		std::snprintf(buf, sizeof buf, "p%s%04lld", era, year);
	else if (step.is_months())
		std::snprintf(buf, sizeof buf, "p%s%04lld_%02d", era, year, c.month);
	else
	{
		int n = std::snprintf(buf, sizeof buf, "p%s%04lld%02d%02d", era, year, c.month, c.day);
		const std::int64_t fixed = step.fixed_usecs();
		if (fixed % usecs_per_day == 0)
			;
		else if (fixed % usecs_per_hour == 0)
			std::snprintf(buf + n, sizeof buf - n, "_%02d", c.hour);
		else if (fixed % usecs_per_minute == 0)
			std::snprintf(buf + n, sizeof buf - n, "_%02d%02d", c.hour, c.minute);
		else
			std::snprintf(buf + n, sizeof buf - n, "_%02d%02d%02d", c.hour, c.minute, c.second);
	}
	return buf;
}

std::string
tenant_suffix(const std::array<unsigned char, 16> &uuid, bool full)
{
	static const char hex[] = "0123456789abcdef";
	std::string s = "t";
	const std::size_t digits = full ? 32 : 12;
	for (std::size_t i = 0; i < digits; i++)
	{
		const unsigned char byte = uuid[i / 2];
		s += hex[i % 2 == 0 ? byte >> 4 : byte & 0x0F];
	}
	return s;
}

} // namespace tenancy
