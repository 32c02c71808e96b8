#pragma once
// The result row of `flinkha doctor` and the verdict over all of them.
//
// JSON (DESIGN.md "JSON contracts", rendered by cli/doctor_cmd.cpp):
//   {"verdict": "ok|warning|critical|unknown",
//    "findings": [{"code": "stale-lock", "severity": "info|warning|critical",
//                  "subject": "/flink/c1/jobs/…/locks/…", "flink_issue": "FLINK-10011",
//                  "message": "…", "remedy": "flinkha cleanup orphans"}],
//    "checks": {"<check name>": {"state": "ran|skipped", "findings": 2, "detail": "…"}}}
// Exit status (DESIGN.md): 0 ok, 1 warning, 2 critical, 3 unknown.

#include "flink/ha_inventory.hpp" // flink::Severity: one severity scale for inspect and doctor

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::doctor {

using flink::Severity;

struct Finding {
  std::string code; // stable kebab-case identifier: the findings table of flinkha-doctor(1)
  Severity severity = Severity::info;
  // What it concerns, as the operator would look it up: a znode path, a storage file (relative
  // to the cluster's storage), "host:port" of a peer or JobManager, or a configuration key.
  std::string subject;
  std::string flink_issue; // "FLINK-10011" when the condition is a known Flink issue, else ""
  std::string message;     // what is wrong, with the numbers that show it
  std::string remedy;      // what to do: a flinkha command line where one exists
};

enum class Verdict { ok, warning, critical, unknown };
std::string_view to_string(Verdict verdict); // "ok", "warning", "critical", "unknown"

// One check's outcome, for the "checks" object: a check that lacked its input (ZooKeeper not
// reachable, no storage configured, a 4-letter word not whitelisted) is skipped, saying why.
struct CheckOutcome {
  enum class State { ran, skipped };
  std::string name;
  State state = State::ran;
  int findings = 0;
  std::string detail; // why skipped; or a one-line summary of what was looked at
};
std::string_view to_string(CheckOutcome::State state); // "ran", "skipped"

struct Report {
  Verdict verdict = Verdict::unknown;
  std::vector<Finding> findings; // most severe first, then by code, then by subject
  std::vector<CheckOutcome> checks;
};

// The verdict: unknown when nothing could be reached to decide (no ZooKeeper server answered),
// else critical / warning when a finding has that severity, else ok (info findings included).
Verdict verdict_of(std::span<const Finding> findings, bool anything_reached);

// Exit status of a verdict: 0 ok, 1 warning, 2 critical, 3 unknown.
int exit_status_of(Verdict verdict);

// Orders findings as Report::findings says (stable for equal keys).
void sort_findings(std::vector<Finding>& findings);

} // namespace flinkha::doctor
