// Fuzzes the readers of what remote hosts print: flink-daemon.sh's start and stop lines and the
// failure lines of its stderr, the pid/liveness probes, the start lint and the daemon file tails
// flinkha runs over ssh, and the JobManager's REST /overview body. A host (or its login profile)
// can print anything; the readers must not crash and must report no negative pid (pid 0 is kept
// as written, for the report only: flinkha never signals a parsed pid). Seeds: lines from real
// Flink 1.20.5 / 2.3.0 runs (tests/unit/fixtures/daemons and the unit tests of
// cluster/script_output and cluster/status).
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
    if (pid < 0) {
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
    if (process.pid < 0) {
      __builtin_trap();
    }
  }
  const auto gone = parse_gone_probe(text);
  check_pids(gone.gone);
  check_pids(gone.alive);
  (void)parse_start_lint(text);
  for (const auto& tail : parse_tails(text)) {
    if (tail.pid < 0) {
      __builtin_trap();
    }
  }
  (void)script_failure_line(text, text);
  (void)without_probe_lines(text);
  (void)parse_overview(text);
  return 0;
}
