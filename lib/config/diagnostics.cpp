#include "config/diagnostics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace flinkha::config {

std::string to_string(const SourceLocation& where) {
  if (where.file.empty()) {
    return {};
  }
  return where.line > 0 ? fmt::format("{}:{}", where.file, where.line) : where.file;
}

std::string_view to_string(Severity severity) {
  switch (severity) {
  case Severity::error:
    return "error";
  case Severity::warning:
    return "warning";
  case Severity::info:
    return "info";
  }
  return "unknown";
}

Severity worst(const Diagnostics& diagnostics) {
  auto result = Severity::info;
  for (const auto& d : diagnostics) {
    // The enum is ordered most severe first.
    result = std::min(result, d.severity);
  }
  return result;
}

bool has_errors(const Diagnostics& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

} // namespace flinkha::config
