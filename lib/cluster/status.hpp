#pragma once
// Cluster status: what runs where according to Flink's pid files, whether the JobManagers' REST
// endpoints answer, and (through a seam) who leads.
//
//   status_hosts     the hosts to look at: JobManager hosts (conf/masters in HA mode, else
//                    localhost), workers, zoo.cfg servers; each once, in that order, with how many
//                    JobManagers / TaskManagers the config expects there
//   collect_status   pid probes on every host (fan_out) and REST probes at the same time, plus the
//                    leader lookup when one is given; then a verdict
//   Verdict          healthy: every expected daemon alive and every REST endpoint answers;
//                    degraded: something expected is missing or a host could not be reached;
//                    down: no JobManager answers or no TaskManager is alive;
//                    unknown: no host and no endpoint could be reached at all
//   wait_until_ready polls REST (and the leader seam) until every JobManager answers and at least
//                    `min_taskmanagers` are registered, or the timeout passes, or the
//                    `gone_check` seam says a started daemon is gone (then at once: waiting
//                    longer cannot help)
//
// The leader (ZooKeeper) part is a seam: LeaderLookup is supplied by the caller once leader
// resolution exists; without it, `leader` stays empty and does not affect the verdict.

#include "cluster/daemons.hpp"
#include "cluster/rest_probe.hpp"
#include "cluster/script_output.hpp"
#include "remote/executor.hpp"
#include "remote/fan_out.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace flinkha::cluster {

struct StatusHost {
  std::string host;
  int jobmanagers_expected = 0;
  int taskmanagers_expected = 0;
  int zookeepers_expected = 0; // server.X lines of zoo.cfg on this host
};

std::vector<StatusHost> status_hosts(const config::ClusterConfig& config);

struct HostStatus {
  StatusHost expected;
  bool reachable = false;
  std::optional<std::string> error;
  std::string pid_dir;
  std::vector<DaemonProcess> processes; // alive and stale entries of the pid files
  std::chrono::milliseconds duration{0};

  int alive(Role role) const;
};

struct LeaderSummary {
  std::string address; // e.g. the dispatcher's pekko address or REST URL
  std::string detail;
};
// Returns the current leader, nothing when none is registered, or an Error when ZooKeeper
// could not be asked.
using LeaderLookup = std::function<Result<std::optional<LeaderSummary>>()>;

enum class Verdict { healthy, degraded, down, unknown };
std::string_view to_string(Verdict verdict);

struct ClusterStatus {
  std::vector<HostStatus> hosts;
  std::vector<RestStatus> rest;
  bool leader_checked = false;
  std::optional<LeaderSummary> leader;
  std::optional<std::string> leader_error;
  Verdict verdict = Verdict::unknown;
  std::vector<std::string> problems; // why the verdict is not healthy, in words
};

struct StatusOptions {
  std::size_t window = remote::kDefaultWindow;
  std::chrono::milliseconds command_timeout{30000};
  RestProbeOptions rest;
  LeaderLookup leader_lookup; // optional
};

ClusterStatus collect_status(remote::Executor& executor, const config::ClusterConfig& config,
                             const FlinkInstall& install, const StatusOptions& options);

// The verdict and problems for already collected hosts, REST results and leader; exposed for
// tests.
void judge(ClusterStatus& status);

struct WaitOptions {
  std::chrono::milliseconds timeout{120000};
  std::chrono::milliseconds interval{1000};
  RestProbeOptions rest;
  int min_taskmanagers = 0;   // registered with the leader, as /overview reports them
  LeaderLookup leader_lookup; // optional: also wait for a registered leader
  // Optional, asked every round that is not ready: why waiting cannot succeed (a daemon the start
  // reported is gone, run_actions.hpp find_gone), or nothing.
  std::function<std::optional<std::string>()> gone_check;
};

struct WaitOutcome {
  bool ready = false;
  std::optional<std::string> gave_up;     // gone_check's answer that ended the wait early
  std::vector<RestStatus> last;           // the final round of REST probes
  std::optional<std::string> waiting_for; // what was missing at the end, when not ready
  std::chrono::milliseconds waited{0};
};

WaitOutcome wait_until_ready(std::span<const RestEndpoint> endpoints, const WaitOptions& options);

} // namespace flinkha::cluster
