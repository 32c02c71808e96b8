#pragma once
// Daemon plans: pure functions from a FlinkInstall (and, for whole clusters, a ClusterConfig) to
// the RemoteCommands that start or stop one daemon, or read a host's pid files. Nothing here
// touches the network; run_actions.hpp executes plans.
//
// Command lines follow Flink's own start-cluster.sh (flink-scripts.md §1.3, §1.4):
//   [FLINK_CONF_DIR=<conf>] nohup /bin/bash -l <FLINK_HOME>/bin/jobmanager.sh start <host> <port>
// but in the foreground (no trailing `&`): flink-daemon.sh forks the JVM with stdin from
// /dev/null and stdout/stderr into its .out file, so the JVM never holds the exec channel and the
// command returns as soon as the script has forked it, with the script's own output and exit
// status. nohup keeps SIGHUP ignored in the JVM when the session closes; the login shell
// (`bash -l`) supplies JAVA_HOME & co. from the host's profiles. Every argument is shell-quoted;
// FLINK_CONF_DIR is exported when the conf dir is not FLINK_HOME/conf.
//
// Argument conventions (§4): Flink 1.0/1.1 `jobmanager.sh start cluster HOST PORT`; 1.2+
// `jobmanager.sh start HOST PORT` (2.x maps them to -D jobmanager.rpc.address / rest.port);
// `taskmanager.sh start|stop|stop-all` throughout.
//
// Errors: a host that config::validate_host refuses, a port outside 0..65535, an argument with
// control characters (shell_quote).

#include "cluster/daemons.hpp"
#include "config/cluster_config.hpp"
#include "remote/executor.hpp"
#include "util/result.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace flinkha::cluster {

struct PlannedAction {
  std::string host;
  Role role = Role::jobmanager;
  DaemonAction action = DaemonAction::start;
  std::optional<int> web_ui_port; // JobManager starts in HA mode
  remote::RemoteCommand command;
};

using Timeout = std::chrono::milliseconds;

// How long after flink-daemon.sh returned a start looks at the daemon's pid again. The script
// checks only that the forked JVM exists an instant after the fork; a daemon whose .out file
// cannot be opened, or whose JVM refuses an option, is gone (or a zombie) within this time.
inline constexpr Timeout kDefaultStartSettle{1000};

// HA start of a JobManager on `host` with web UI (REST) port `port` (start-cluster passes a
// masters line's port, 0 when it has none, as Flink does); no port: `start HOST` only, so the
// configured rest.port applies. `host` empty: the non-HA form `jobmanager.sh start` on localhost.
//
// A start's command line is checked on the host before and after the script, in the same login
// shell: first a lint (the log dir exists and is writable, the pid dir is writable or can be
// created; script_output.hpp's "flinkha-lint" lines, and the script does not run), then, `settle`
// after the script returned, the pid probe of the daemon's pid files, with the last lines of the
// newest daemon's .out and .log files when it is not alive.
Result<PlannedAction> jobmanager_start(const FlinkInstall& install, std::string_view host,
                                       std::optional<int> port, Timeout timeout,
                                       Timeout settle = kDefaultStartSettle);
Result<PlannedAction> jobmanager_stop(const FlinkInstall& install, std::string_view host, bool all,
                                      Timeout timeout);
Result<PlannedAction> taskmanager_start(const FlinkInstall& install, std::string_view host,
                                        Timeout timeout, Timeout settle = kDefaultStartSettle);
Result<PlannedAction> taskmanager_stop(const FlinkInstall& install, std::string_view host, bool all,
                                       Timeout timeout);

// A command printing one machine-readable line per pid found in the host's Flink pid files (see
// script_output.hpp for the format): JobManager, TaskManager and ZooKeeper daemons of this Flink
// version, plus flinkha's own flinkha-<user>-zookeeper-<id>.pid files. The pid dir is the host's
// $FLINK_PID_DIR, else env.pid.dir; the user $FLINK_IDENT_STRING, else $USER. It runs in a login
// shell, as the daemon scripts do, so a FLINK_PID_DIR set in a profile is honoured. Liveness is
// `kill -0` on that host, and not a zombie (shell_functions.hpp).
Result<remote::RemoteCommand> pid_probe(const FlinkInstall& install, std::string_view host,
                                        Timeout timeout);

// A daemon a start reported, to be looked at again (while start-cluster --wait waits).
struct StartedPid {
  Role role = Role::jobmanager;
  int pid = 0;
};

// A command printing "flinkha-alive PID" or "flinkha-gone PID" for each pid (a zombie is gone),
// and for a gone one the last lines of its .out and .log files ("flinkha-file", "flinkha-tail").
// Runs in a login shell, so the host's FLINK_PID_DIR / FLINK_LOG_DIR apply. Errors: an invalid
// host, a pid <= 0.
Result<remote::RemoteCommand> started_probe(const FlinkInstall& install, std::string_view host,
                                            const std::vector<StartedPid>& pids, Timeout timeout);

// A command that waits up to `grace` for each pid to exit and prints which are gone or alive
// (a zombie counts as gone).
Result<remote::RemoteCommand> pids_gone_probe(std::string_view host, const std::vector<int>& pids,
                                              Timeout grace, Timeout timeout);

// start-cluster / stop-cluster. In HA mode (high-availability "zookeeper", any case) one
// JobManager per conf/masters line with its host and port; otherwise one JobManager on localhost
// and a warning when conf/masters lists hosts. One TaskManager per conf/workers line.
struct ClusterPlan {
  std::vector<PlannedAction> jobmanagers;
  std::vector<PlannedAction> taskmanagers;
  std::vector<std::string> warnings;
};

// Errors: HA mode without a conf/masters file (or with an empty one), no conf/workers file,
// and every error of the single-daemon plans.
Result<ClusterPlan> start_cluster_plan(const config::ClusterConfig& config,
                                       const FlinkInstall& install, Timeout timeout);
// Same hosts; `all` uses stop-all (every instance on the host) instead of stop (the newest).
Result<ClusterPlan> stop_cluster_plan(const config::ClusterConfig& config,
                                      const FlinkInstall& install, bool all, Timeout timeout);

} // namespace flinkha::cluster
