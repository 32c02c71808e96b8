#include "exit_codes.hpp"

#include <array>

namespace flinkha::cli {

namespace {

constexpr std::array<CategoryName, 7> kCategories{{
    {ErrorCategory::usage, "usage"},
    {ErrorCategory::configuration, "configuration"},
    {ErrorCategory::unreachable, "unreachable"},
    {ErrorCategory::refused, "refused"},
    {ErrorCategory::partial, "partial"},
    {ErrorCategory::failed, "failed"},
    {ErrorCategory::internal, "internal"},
}};

} // namespace

ExitCode exit_code_for(ErrorCategory category) {
  switch (category) {
  case ErrorCategory::usage:
    return ExitCode::usage;
  case ErrorCategory::configuration:
    return ExitCode::config;
  case ErrorCategory::unreachable:
    return ExitCode::unknown;
  case ErrorCategory::refused:
  case ErrorCategory::failed:
  case ErrorCategory::internal:
    return ExitCode::critical;
  case ErrorCategory::partial:
    return ExitCode::warning;
  }
  return ExitCode::critical;
}

ExitCode exit_code_for(const Error& error, ExitCode fallback) {
  return error.category == ErrorCategory::internal ? fallback : exit_code_for(error.category);
}

Error unless_classified(Error error, ErrorCategory category) {
  if (error.category == ErrorCategory::internal) {
    error.category = category;
  }
  return error;
}

std::span<const CategoryName> error_categories() {
  return kCategories;
}

} // namespace flinkha::cli
