#include "doctor/finding.hpp"

#include <algorithm>
#include <tuple>

namespace flinkha::doctor {

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
  case Verdict::ok:
    return "ok";
  case Verdict::warning:
    return "warning";
  case Verdict::critical:
    return "critical";
  case Verdict::unknown:
    return "unknown";
  }
  return "unknown";
}

std::string_view to_string(CheckOutcome::State state) {
  return state == CheckOutcome::State::ran ? "ran" : "skipped";
}

Verdict verdict_of(std::span<const Finding> findings, bool anything_reached) {
  if (!anything_reached) {
    return Verdict::unknown;
  }
  auto worst = Severity::info;
  for (const auto& finding : findings) {
    worst = std::max(worst, finding.severity);
  }
  switch (worst) {
  case Severity::critical:
    return Verdict::critical;
  case Severity::warning:
    return Verdict::warning;
  case Severity::info:
    break;
  }
  return Verdict::ok;
}

int exit_status_of(Verdict verdict) {
  switch (verdict) {
  case Verdict::ok:
    return 0;
  case Verdict::warning:
    return 1;
  case Verdict::critical:
    return 2;
  case Verdict::unknown:
    return 3;
  }
  return 3;
}

void sort_findings(std::vector<Finding>& findings) {
  std::ranges::stable_sort(findings, [](const Finding& a, const Finding& b) {
    return std::tuple(-static_cast<int>(a.severity), std::string_view(a.code),
                      std::string_view(a.subject)) < std::tuple(-static_cast<int>(b.severity),
                                                                std::string_view(b.code),
                                                                std::string_view(b.subject));
  });
}

} // namespace flinkha::doctor
