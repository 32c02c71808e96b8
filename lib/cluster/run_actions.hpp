#pragma once
// Executes daemon plans (plans.hpp) over an Executor and accounts for every one of them.
//
//   run_actions    one remote::HostResult per planned action (host, role, action, ok, exit
//                  status, output, error in words, a detail such as "started (pid 4711)" or
//                  "not running", and the daemon pids); runs the plan in parallel (fan_out), then
//                  verifies:
//                    start: the host passed the start lint (log dir there and writable, pid dir
//                           writable or creatable; else the row fails "not started", naming the
//                           dir and its key, and the script did not run), the script exited 0
//                           and printed no line naming a failure (script_failure_line), and the
//                           newest pid in the daemon's pid file is alive a settle time after the
//                           script (not a zombie; by the probe the start command line ends with;
//                           its lines are removed from the reported stdout); a daemon that died
//                           fails the row with the last lines of its .out and .log files;
//                    stop:  every pid the script signalled is gone (waiting up to
//                           RunOptions::stop_grace for Flink < 1.12, which does not wait itself);
//                           a pid still alive fails the row ("did not stop within …")
//
// A host listed more than once (two TaskManagers on one worker) gets its actions one after the
// other, in "waves", so the pid file order matches the plan order and two `stop`s never race on
// one pid file. Results come back in plan order; a host that cannot be reached fails only its own
// rows. The library never prints: live output goes to RunOptions::sink.

#include "cluster/daemons.hpp"
#include "cluster/plans.hpp"
#include "remote/executor.hpp"
#include "remote/fan_out.hpp"
#include "remote/host_result.hpp"

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flinkha::cluster {

struct RunOptions {
  std::size_t window = remote::kDefaultWindow;
  remote::OutputSink* sink = nullptr;
  bool verify = true; // judge starts by the pid probe; stops by a second per-host probe
  std::chrono::milliseconds stop_grace{10000}; // how long a signalled pid may take to exit
  std::chrono::milliseconds probe_timeout{30000};
};

// A daemon a start reported alive that has gone since (start-cluster --wait asks every round).
struct GoneDaemon {
  std::string host;
  std::string role;
  int pid = 0;
  std::string message; // "the jobmanager on H (pid P) is gone; last lines of F:\n  …"
};

// Looks again at every pid the ok start rows report (one started_probe per host, fan_out): the
// ones that are gone, with the last lines of their .out and .log files. A host not reached this
// time is skipped (no news is not a death).
std::vector<GoneDaemon> find_gone(remote::Executor& executor, const FlinkInstall& install,
                                  std::span<const remote::HostResult> rows,
                                  const RunOptions& options = {});

std::vector<remote::HostResult> run_actions(remote::Executor& executor, const FlinkInstall& install,
                                            std::span<const PlannedAction> actions,
                                            const RunOptions& options = {});

} // namespace flinkha::cluster
