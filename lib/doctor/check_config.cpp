#include "doctor/check_config.hpp"

#include "config/diagnostics.hpp"

#include <fmt/format.h>

namespace flinkha::doctor {

namespace {

Severity severity_of(config::Severity severity) {
  switch (severity) {
  case config::Severity::error:
    return Severity::critical;
  case config::Severity::warning:
    return Severity::warning;
  case config::Severity::info:
    break;
  }
  return Severity::info;
}

} // namespace

std::optional<std::string> check_config(const Snapshot& snapshot, std::vector<Finding>& out) {
  for (const auto& diagnostic : snapshot.lint) {
    Finding finding;
    finding.code = diagnostic.code;
    finding.severity = severity_of(diagnostic.severity);
    finding.subject = to_string(diagnostic.where);
    finding.message = diagnostic.message;
    finding.remedy =
        diagnostic.hint.empty()
            ? fmt::format("flinkha config check (see flinkha-config(1), {})", diagnostic.code)
            : diagnostic.hint;
    out.push_back(std::move(finding));
  }
  return std::nullopt;
}

} // namespace flinkha::doctor
