#pragma once
// One row of a fan-out command's report (start-cluster, stop-cluster, jobmanager, taskmanager,
// zk start|stop): what one action did on one host. lib/cluster fills it, cli/fanout_report
// prints it; nothing copies it field by field into another type.
//
// Its fields are DESIGN.md's fan-out JSON contract, {"results": [{"host", "role", "action",
// "ok", "exit_status", "duration_ms", "stdout", "stderr", "error", "detail"}]}, plus the pids
// the action started or stopped (which a command may add to its JSON on its own).

#include "remote/executor.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flinkha::remote {

struct HostResult {
  std::string host;
  std::string role;   // "jobmanager" | "taskmanager" | "zookeeper"
  std::string action; // "start" | "stop" | "stop-all"
  bool ok = false;
  std::optional<int> exit_status; // empty when the command could not run at all
  std::chrono::milliseconds duration{0};
  std::string stdout_text;
  std::string stderr_text;
  std::optional<std::string> error; // why it failed, in words (also when it ran and failed)
  std::string detail;               // what happened, e.g. "started (pid 4711)", "not running"
  std::vector<std::int64_t> pids;   // the daemon pids the action started or stopped
};

// Records what the executor reported: exit status, duration and output when the command ran;
// `error` (the Error's message, with its hint in parentheses) when it could not run. `ok` and
// `detail` are left to the caller, who knows what the output means.
void record_run(HostResult& row, const Result<CommandResult>& ran);

} // namespace flinkha::remote
