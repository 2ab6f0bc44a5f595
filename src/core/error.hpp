/*
 * error.hpp: the exception type the C++ side of tenancy throws.
 *
 * It carries what an ereport carries: a five-character SQLSTATE, a one-line
 * message, and an optional detail and hint. The inbound boundary
 * (boundary.hpp) turns it into ereport(ERROR) with exactly these fields.
 */
#pragma once
#include "core/pure.hpp"

#include <exception>
#include <string>

namespace tenancy {

class Error : public std::exception
{
  public:
	Error(std::string sqlstate, std::string message, std::string detail = {},
		  std::string hint = {});

	const char *what() const noexcept override { return message_.c_str(); }
	const std::string &sqlstate() const noexcept { return sqlstate_; }
	const std::string &message() const noexcept { return message_; }
	const std::string &detail() const noexcept { return detail_; }
	const std::string &hint() const noexcept { return hint_; }

  private:
	std::string sqlstate_;
	std::string message_;
	std::string detail_;
	std::string hint_;
};

/* SQLSTATEs the pure core uses, spelled as PostgreSQL's errcodes.txt. */
namespace sqlstate {
inline constexpr const char *invalid_text_representation = "22P02";
inline constexpr const char *invalid_parameter_value = "22023";
inline constexpr const char *null_value_not_allowed = "22004";
inline constexpr const char *insufficient_privilege = "42501";
inline constexpr const char *undefined_column = "42703";
inline constexpr const char *undefined_table = "42P01";
inline constexpr const char *wrong_object_type = "42809";
inline constexpr const char *datatype_mismatch = "42804";
inline constexpr const char *object_not_in_prerequisite_state = "55000";
inline constexpr const char *program_limit_exceeded = "54000";
inline constexpr const char *lock_not_available = "55P03";
inline constexpr const char *config_file_error = "F0000";
inline constexpr const char *internal_error = "XX000";
} // namespace sqlstate

} // namespace tenancy
