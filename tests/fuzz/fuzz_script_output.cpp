// Fuzzes the readers of what remote hosts print: flink-daemon.sh's start and stop lines, the
// pid/liveness probes flinkha runs over ssh, and the JobManager's REST /overview body. A host
// (or its login profile) can print anything; the readers must not crash and what they report
// must be plausible (pids > 0). Seeds: lines from real Flink 1.20.5 / 2.3.0 runs (the unit tests
// of cluster/script_output and cluster/status).
#include "cluster/rest_probe.hpp"
#include "cluster/script_output.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

using namespace flinkha::cluster;

namespace {
void check_pids(const std::vector<int>& pids) {
  for (const int pid : pids) {
    if (pid <= 0) {
      __builtin_trap();
    }
  }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto start = parse_start_output(text);
  if (start.already_running < 0) {
    __builtin_trap();
  }
  const auto stop = parse_stop_output(text);
  check_pids(stop.stopping);
  check_pids(stop.killed);
  check_pids(stop.not_running);
  const auto probe = parse_pid_probe(text);
  for (const auto& process : probe.processes) {
    if (process.pid <= 0) {
      __builtin_trap();
    }
  }
  const auto gone = parse_gone_probe(text);
  check_pids(gone.gone);
  check_pids(gone.alive);
  (void)parse_overview(text);
  return 0;
}
