#pragma once
// The exit-code convention and the one mapping from an Error's category to an exit code.
// Nagios/Icinga plugin convention plus sysexits(3) for usage and configuration errors
// (DESIGN.md "Exit codes"); the table is documented in man/flinkha.1 (EXIT STATUS), and a unit
// test (tests/unit/test_cli_exit_codes.cpp) checks that the page and this table agree.

#include "util/result.hpp"

#include <span>
#include <string_view>

namespace flinkha::cli {

enum class ExitCode : int {
  ok = 0,
  warning = 1,  // degraded, or some hosts failed
  critical = 2, // the operation failed
  unknown = 3,  // nothing could be reached to decide
  usage = 64,   // EX_USAGE
  config = 78,  // EX_CONFIG
};

// The exit code of a failure of this category: usage 64, configuration 78, unreachable 3,
// refused 2, partial 1, failed 2, internal 2.
ExitCode exit_code_for(ErrorCategory category);

// The exit code of an error: its category's, or `fallback` when the library left it unclassified
// (ErrorCategory::internal), so the command says what a failure of that step means.
ExitCode exit_code_for(const Error& error, ExitCode fallback);

// The error with `category` when the library left it unclassified (ErrorCategory::internal), as
// is otherwise: for a step whose failures all mean one thing (loading the configuration: 78).
Error unless_classified(Error error, ErrorCategory category);

// Every category with its name as flinkha(1) spells it, for the documentation check.
struct CategoryName {
  ErrorCategory category;
  std::string_view name;
};
std::span<const CategoryName> error_categories();

} // namespace flinkha::cli
