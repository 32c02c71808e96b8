#pragma once
// The report of every fan-out command (start-cluster, stop-cluster, jobmanager, taskmanager,
// zk start|stop): one row per host and daemon, never a host dropped.
// JSON (DESIGN.md "Contracts"): {"results": [{"host", "role", "action", "ok", "exit_status",
// "duration_ms", "stdout", "stderr", "error", "detail"}]}.
// Exit: 0 every action ok, 1 some failed, 2 all failed (or none could run).

#include "context.hpp"
#include "table.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <span>
#include <string>

namespace flinkha::cli {

struct ActionResult {
  std::string host;
  std::string role;   // "jobmanager" | "taskmanager" | "zookeeper"
  std::string action; // "start" | "stop" | …
  bool ok = false;
  std::optional<int> exit_status; // empty when the command could not run at all
  std::chrono::milliseconds duration{0};
  std::string stdout_text;
  std::string stderr_text;
  std::optional<std::string> error; // why it failed, in words (also when it ran and failed)
  std::string detail;               // what happened, e.g. "started (pid 4711)", "not running"
};

ExitCode fanout_exit_code(std::span<const ActionResult> results);

nlohmann::ordered_json fanout_json(std::span<const ActionResult> results);

// A table (HOST ROLE ACTION RESULT TIME), the errors of failed rows with their stderr tails,
// and a one-line summary. `verbose` adds every row's stdout/stderr.
void print_fanout_text(std::span<const ActionResult> results, const Style& style, bool verbose);

} // namespace flinkha::cli
