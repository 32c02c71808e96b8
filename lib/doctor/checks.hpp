#pragma once
// The doctor's checks: pure functions from a Snapshot to findings, run in table order.
// Each check is one row of kChecks (checks.cpp) and lives in a file of its own
// (check_<area>.cpp) with a unit test on a hand-built or captured Snapshot.

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::doctor {

// Runs the check on `snapshot`, appending its findings to `out`. Returns nullopt when it ran,
// or why it was skipped (its input is missing: "ZooKeeper not reachable: …").
using CheckFn = std::optional<std::string> (*)(const Snapshot& snapshot, std::vector<Finding>& out);

struct Check {
  std::string_view name;    // "stale-locks", "quorum", … (the "checks" object's keys)
  std::string_view summary; // one line for --help and flinkha-doctor(1)
  CheckFn run;
};

std::span<const Check> all_checks();

// Runs every check, sorts the findings and sets the verdict.
Report diagnose(const Snapshot& snapshot);

} // namespace flinkha::doctor
