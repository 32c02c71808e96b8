#pragma once
// The report of every fan-out command (start-cluster, stop-cluster, jobmanager, taskmanager,
// zk start|stop): one remote::HostResult row per host and daemon, never a host dropped.
// JSON (DESIGN.md "Contracts"): {"results": [{"host", "role", "action", "ok", "exit_status",
// "duration_ms", "stdout", "stderr", "error", "detail"}]}.
// Exit: 0 every action ok, 1 some failed, 2 all failed (or none could run).

#include "context.hpp"
#include "remote/host_result.hpp"
#include "table.hpp"

#include <nlohmann/json.hpp>

#include <span>

namespace flinkha::cli {

ExitCode fanout_exit_code(std::span<const remote::HostResult> results);

nlohmann::ordered_json fanout_json(std::span<const remote::HostResult> results);

// A table (HOST ROLE ACTION RESULT TIME), the errors of failed rows with their stderr tails,
// and a one-line summary. `verbose` adds every row's stdout/stderr.
void print_fanout_text(std::span<const remote::HostResult> results, const Style& style,
                       bool verbose);

} // namespace flinkha::cli
