#include "cluster/plans.hpp"

#include "cluster/shell_functions.hpp"
#include "config/hosts_files.hpp"
#include "remote/shell_quote.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace flinkha::cluster {

namespace {

Status check_host(std::string_view host) {
  if (auto why = config::validate_host(host)) {
    return failf("invalid host '{}': {}", host, *why);
  }
  return {};
}

// The pid probe's variables and functions, after kAliveFunction: d pid dir, u pid-file user,
// l log dir (each as config.sh resolves it: the host's environment wins over the configuration).
//   flinkha_pids ROLE DAEMON FILE     a "flinkha-pid" line per pid in FILE
//   flinkha_tail DAEMON PID FILE      "flinkha-file" and "flinkha-tail" lines: the last lines of
//                                     the .out and .log file of the daemon whose pid is PID;
//                                     flink-daemon.sh names them after the number of lines the
//                                     pid file had before it appended PID (its "id"). Of a .log
//                                     with ERROR or "Caused by:" lines only those (kind "err"):
//                                     a JVM that gives up logs its shutdown after the cause
//   flinkha_newest DAEMON FILE        flinkha_tail for the newest pid in FILE when it is not alive
constexpr const char* kPidProbeBody =
    "u=${FLINK_IDENT_STRING:-${USER:-$(id -un)}}; e=' ERROR |^Caused by: '; "
    "echo \"flinkha-piddir $d\"; "
    "flinkha_pids() { [ -f \"$3\" ] || return 0; "
    "while IFS= read -r n || [ -n \"$n\" ]; do "
    "case $n in ''|*[!0-9]*) continue;; esac; "
    "if alive \"$n\"; then st=alive; else st=dead; fi; "
    "echo \"flinkha-pid $1 $2 $n $st $3\"; "
    "done < \"$3\"; }; "
    "flinkha_tail() { [ -f \"$3\" ] || return 0; i=0; k=; "
    "while IFS= read -r n || [ -n \"$n\" ]; do [ \"$n\" = \"$2\" ] && k=$i; i=$((i + 1)); "
    "done < \"$3\"; [ -n \"$k\" ] || return 0; "
    "for x in out log; do f=\"$l/flink-$u-$1-$k-$HOSTNAME.$x\"; [ -f \"$f\" ] || continue; "
    "if [ $x = log ] && grep -q -E \"$e\" \"$f\" 2>/dev/null; then x=err; fi; "
    "echo \"flinkha-file $2 $x $f\"; "
    "if [ $x = err ]; then grep -E \"$e\" \"$f\" | tail -n 12; else tail -n 20 \"$f\"; fi "
    "2>/dev/null | cut -c1-400 | sed \"s/^/flinkha-tail $2 $x /\"; done; }; "
    "flinkha_newest() { [ -f \"$2\" ] || return 0; n=$(tail -n 1 \"$2\"); "
    "case $n in ''|*[!0-9]*) return 0;; esac; alive \"$n\" || flinkha_tail \"$1\" \"$n\" \"$2\"; "
    "}; ";

// What must hold on the host before flink-daemon.sh may run (one "flinkha-lint KIND SOURCE DIR"
// line per problem, script_output.hpp): the log dir exists and is writable (the script redirects
// the JVM's output into $FLINK_LOG_DIR/….out and never creates the dir: the daemon would die at
// once), and the pid dir is writable or can be created (the script runs mkdir -p; without a pid
// file the daemon runs but no stop finds it). SOURCE says whether the host's environment or the
// configuration named the dir. Any problem ends the command before the script runs.
constexpr const char* kStartLint =
    "ls=conf; [ -n \"$FLINK_LOG_DIR\" ] && ls=env; ds=conf; [ -n \"$FLINK_PID_DIR\" ] && ds=env; "
    "b=0; "
    "if [ -e \"$l\" ] && [ ! -d \"$l\" ]; then echo \"flinkha-lint log-dir-not-a-directory $ls "
    "$l\"; b=1; "
    "elif [ ! -d \"$l\" ]; then echo \"flinkha-lint log-dir-missing $ls $l\"; b=1; "
    "elif [ ! -w \"$l\" ] || [ ! -x \"$l\" ]; then echo \"flinkha-lint log-dir-not-writable $ls "
    "$l\"; b=1; "
    "fi; "
    "if [ -e \"$d\" ] && [ ! -d \"$d\" ]; then echo \"flinkha-lint pid-dir-not-a-directory $ds "
    "$d\"; b=1; "
    "elif [ -d \"$d\" ]; then if [ ! -w \"$d\" ] || [ ! -x \"$d\" ]; then "
    "echo \"flinkha-lint pid-dir-not-writable $ds $d\"; b=1; fi; "
    "else a=$d; while [ ! -e \"$a\" ] && [ \"$a\" != / ] && [ \"$a\" != . ]; do a=$(dirname "
    "\"$a\"); done; "
    "if [ ! -d \"$a\" ] || [ ! -w \"$a\" ] || [ ! -x \"$a\" ]; then "
    "echo \"flinkha-lint pid-dir-not-creatable $ds $d\"; b=1; fi; fi; "
    "[ $b = 0 ] || exit 1; ";

// The probe's variables and functions: pid dir, log dir, alive, flinkha_pids, flinkha_tail.
Result<std::string> probe_prelude(const FlinkInstall& install) {
  auto pid_dir = remote::shell_quote(install.pid_dir);
  if (!pid_dir) {
    return std::unexpected(pid_dir.error());
  }
  auto log_dir = remote::shell_quote(install.log_dir.empty() ? (install.flink_home / "log").string()
                                                             : install.log_dir);
  if (!log_dir) {
    return std::unexpected(log_dir.error());
  }
  // Inside ${…:-word} the quotes of `word` are removed as usual, so a quoted default is safe.
  return "d=${FLINK_PID_DIR:-" + *pid_dir + "}; l=${FLINK_LOG_DIR:-" + *log_dir + "}; " +
         std::string(kAliveFunction) + kPidProbeBody;
}

// The pid files of `roles` (all when empty), one flinkha_pids call each; with `tails`, the last
// lines of the newest daemon's files when it is not alive.
std::string probe_calls(const FlinkInstall& install, std::vector<Role> roles, bool tails) {
  if (roles.empty()) {
    roles = {Role::jobmanager, Role::taskmanager, Role::zookeeper};
  }
  std::string body;
  for (const auto role : roles) {
    for (const auto& daemon : daemon_names(role, install.version)) {
      // Role and daemon names are fixed identifiers, not input.
      body += fmt::format("flinkha_pids {} {} \"$d/flink-$u-{}.pid\"; ", to_string(role), daemon,
                          daemon);
      if (tails) {
        body += fmt::format("flinkha_newest {} \"$d/flink-$u-{}.pid\"; ", daemon, daemon);
      }
    }
    if (role == Role::zookeeper) {
      body += fmt::format("for f in \"$d/{}$u-zookeeper-\"*.pid; do i=${{f##*-zookeeper-}}; "
                          "flinkha_pids zookeeper \"zookeeper-${{i%.pid}}\" \"$f\"; done; ",
                          kFlinkhaZooKeeperPidPrefix);
    }
  }
  return body;
}

// The pid probe as one line of sh: pid dir, then the pid files of `roles` (all when empty).
Result<std::string> probe_body(const FlinkInstall& install, std::vector<Role> roles) {
  auto prelude = probe_prelude(install);
  if (!prelude) {
    return std::unexpected(prelude.error());
  }
  return *prelude + probe_calls(install, std::move(roles), false);
}

std::string sleep_seconds(Timeout time) {
  const auto ms = std::max<long long>(0, time.count());
  return fmt::format("{}.{:03}", ms / 1000, ms % 1000);
}

// How a start is checked, in the same login shell as its script (one channel, one login per
// host): the lint before it, the pid probe after `settle`.
struct StartChecks {
  Role role;
  Timeout settle;
};

// "[FLINK_CONF_DIR=<conf>] nohup /bin/bash -l <script> <args…>", every word quoted. A start
// also lints the host before the script and reads the daemon's pid file a settle time after it:
// "nohup /bin/bash -l -c '<lint>; "$0" "$@"; rc=$?; sleep S; <probe>; exit $rc' <script> …".
Result<std::string> daemon_command_line(const FlinkInstall& install, std::string_view script,
                                        std::vector<std::string> args,
                                        std::optional<StartChecks> start = std::nullopt) {
  // Flink's scripts name pid files after $FLINK_IDENT_STRING, else $USER, which is empty in some
  // shells (cron, containers): "flink--taskexecutor.pid". Fix the identity once for the script
  // and for our own pid checks, so start, stop and status agree on the file.
  std::string body = "export FLINK_IDENT_STRING=\"${FLINK_IDENT_STRING:-${USER:-$(id -un)}}\"; ";
  if (start) {
    auto prelude = probe_prelude(install);
    if (!prelude) {
      return std::unexpected(prelude.error());
    }
    // A daemon that dies at once (its .out cannot be opened, the JVM refuses an option) is
    // usually gone after the settle time; one that dies later is caught by --wait.
    body += *prelude + kStartLint + "\"$0\" \"$@\"; rc=$?; sleep " + sleep_seconds(start->settle) +
            "; " + probe_calls(install, {start->role}, true);
  } else {
    body += "\"$0\" \"$@\"; rc=$?; ";
  }
  std::vector<std::string> argv{"nohup", "/bin/bash", "-l", "-c", body + "exit $rc"};
  argv.push_back(install.script(script).string());
  argv.insert(argv.end(), std::make_move_iterator(args.begin()),
              std::make_move_iterator(args.end()));
  auto line = remote::shell_join(argv);
  if (!line) {
    return std::unexpected(line.error());
  }
  if (install.conf_dir_is_default) {
    return line;
  }
  // The variable name stays bare (a quoted "A=b" would be a command, not an assignment).
  auto conf = remote::shell_quote(install.conf_dir.string());
  if (!conf) {
    return std::unexpected(conf.error());
  }
  return "FLINK_CONF_DIR=" + *conf + " " + *line;
}

Result<PlannedAction> make_action(std::string_view host, Role role, DaemonAction action,
                                  std::optional<int> port, Result<std::string> line,
                                  Timeout timeout) {
  if (!line) {
    return std::unexpected(line.error());
  }
  return PlannedAction{std::string(host), role, action, port,
                       remote::RemoteCommand{std::string(host), std::move(*line), timeout}};
}

Status check_masters_port(int port) {
  if (port < 0 || port > 65535) {
    return failf("web UI port {} is outside 0..65535", port);
  }
  return {};
}

bool ha_zookeeper(const config::ClusterConfig& config) {
  return config.ha.zookeeper;
}

Result<std::vector<config::WorkerEntry>> workers_of(const config::ClusterConfig& config) {
  if (!config.workers) {
    return fail(fmt::format("No workers file in {}", config.conf_dir.value.string()),
                "list one TaskManager host per line in conf/workers");
  }
  return config.workers->workers;
}

Result<std::vector<config::MasterEntry>> masters_of(const config::ClusterConfig& config) {
  if (!config.masters || config.masters->masters.empty()) {
    return fail(fmt::format("high-availability is zookeeper but {} lists no masters",
                            (config.conf_dir.value / "masters").string()),
                "list one JobManager per line as host[:webuiport] in conf/masters");
  }
  return config.masters->masters;
}

Result<ClusterPlan> cluster_plan(const config::ClusterConfig& config, const FlinkInstall& install,
                                 std::optional<bool> stop_all, Timeout timeout) {
  ClusterPlan plan;
  const bool stopping = stop_all.has_value();
  if (ha_zookeeper(config)) {
    auto masters = masters_of(config);
    if (!masters) {
      return std::unexpected(masters.error());
    }
    for (const auto& master : *masters) {
      auto action = stopping ? jobmanager_stop(install, master.host, *stop_all, timeout)
                             : jobmanager_start(install, master.host, master.web_ui_port, timeout);
      if (!action) {
        return std::unexpected(
            Error{fmt::format("{}: {}", to_string(master.where), action.error().message),
                  action.error().hint});
      }
      plan.jobmanagers.push_back(std::move(*action));
    }
  } else {
    if (config.masters && !config.masters->masters.empty()) {
      plan.warnings.push_back(fmt::format(
          "high-availability is '{}', not zookeeper: one JobManager on this machine, conf/masters "
          "is ignored (as start-cluster.sh does)",
          config.ha.mode));
    }
    auto action = stopping ? jobmanager_stop(install, "localhost", *stop_all, timeout)
                           : jobmanager_start(install, "", std::nullopt, timeout);
    if (!action) {
      return std::unexpected(action.error());
    }
    plan.jobmanagers.push_back(std::move(*action));
  }

  auto workers = workers_of(config);
  if (!workers) {
    return std::unexpected(workers.error());
  }
  for (const auto& worker : *workers) {
    auto action = stopping ? taskmanager_stop(install, worker.host, *stop_all, timeout)
                           : taskmanager_start(install, worker.host, timeout);
    if (!action) {
      return std::unexpected(
          Error{fmt::format("{}: {}", to_string(worker.where), action.error().message),
                action.error().hint});
    }
    plan.taskmanagers.push_back(std::move(*action));
  }
  return plan;
}

} // namespace

Result<PlannedAction> jobmanager_start(const FlinkInstall& install, std::string_view host,
                                       std::optional<int> port, Timeout timeout, Timeout settle) {
  constexpr config::FlinkVersion kNoExecutionMode{1, 2};
  std::vector<std::string> args{"start"};
  if (install.version < kNoExecutionMode) {
    args.emplace_back("cluster");
  }
  if (host.empty()) {
    return make_action("localhost", Role::jobmanager, DaemonAction::start, std::nullopt,
                       daemon_command_line(install, "jobmanager.sh", std::move(args),
                                           StartChecks{Role::jobmanager, settle}),
                       timeout);
  }
  if (auto ok = check_host(host); !ok) {
    return std::unexpected(ok.error());
  }
  args.emplace_back(host);
  if (port) {
    if (auto ok = check_masters_port(*port); !ok) {
      return std::unexpected(ok.error());
    }
    args.push_back(std::to_string(*port));
  }
  return make_action(host, Role::jobmanager, DaemonAction::start, port,
                     daemon_command_line(install, "jobmanager.sh", std::move(args),
                                         StartChecks{Role::jobmanager, settle}),
                     timeout);
}

Result<PlannedAction> jobmanager_stop(const FlinkInstall& install, std::string_view host, bool all,
                                      Timeout timeout) {
  if (auto ok = check_host(host); !ok) {
    return std::unexpected(ok.error());
  }
  const auto action = all ? DaemonAction::stop_all : DaemonAction::stop;
  return make_action(
      host, Role::jobmanager, action, std::nullopt,
      daemon_command_line(install, "jobmanager.sh", {std::string(to_string(action))}), timeout);
}

Result<PlannedAction> taskmanager_start(const FlinkInstall& install, std::string_view host,
                                        Timeout timeout, Timeout settle) {
  if (auto ok = check_host(host); !ok) {
    return std::unexpected(ok.error());
  }
  return make_action(host, Role::taskmanager, DaemonAction::start, std::nullopt,
                     daemon_command_line(install, "taskmanager.sh", {"start"},
                                         StartChecks{Role::taskmanager, settle}),
                     timeout);
}

Result<PlannedAction> taskmanager_stop(const FlinkInstall& install, std::string_view host, bool all,
                                       Timeout timeout) {
  if (auto ok = check_host(host); !ok) {
    return std::unexpected(ok.error());
  }
  const auto action = all ? DaemonAction::stop_all : DaemonAction::stop;
  return make_action(
      host, Role::taskmanager, action, std::nullopt,
      daemon_command_line(install, "taskmanager.sh", {std::string(to_string(action))}), timeout);
}

Result<remote::RemoteCommand> pid_probe(const FlinkInstall& install, std::string_view host,
                                        Timeout timeout) {
  if (auto ok = check_host(host); !ok) {
    return std::unexpected(ok.error());
  }
  auto body = probe_body(install, {});
  if (!body) {
    return std::unexpected(body.error());
  }
  auto line = remote::shell_join({"/bin/bash", "-l", "-c", *body + "exit 0"});
  if (!line) {
    return std::unexpected(line.error());
  }
  return remote::RemoteCommand{std::string(host), std::move(*line), timeout};
}

Result<remote::RemoteCommand> started_probe(const FlinkInstall& install, std::string_view host,
                                            const std::vector<StartedPid>& pids, Timeout timeout) {
  if (auto ok = check_host(host); !ok) {
    return std::unexpected(ok.error());
  }
  auto prelude = probe_prelude(install);
  if (!prelude) {
    return std::unexpected(prelude.error());
  }
  std::string body = *prelude;
  for (const auto& started : pids) {
    if (started.pid <= 0) {
      return failf("invalid pid {}", started.pid);
    }
    body += fmt::format("if alive {0}; then echo \"flinkha-alive {0}\"; else "
                        "echo \"flinkha-gone {0}\"; ",
                        started.pid);
    for (const auto& daemon : daemon_names(started.role, install.version)) {
      body += fmt::format("flinkha_tail {0} {1} \"$d/flink-$u-{0}.pid\"; ", daemon, started.pid);
    }
    body += "fi; ";
  }
  auto line = remote::shell_join({"/bin/bash", "-l", "-c", body + "exit 0"});
  if (!line) {
    return std::unexpected(line.error());
  }
  return remote::RemoteCommand{std::string(host), std::move(*line), timeout};
}

Result<remote::RemoteCommand> pids_gone_probe(std::string_view host, const std::vector<int>& pids,
                                              Timeout grace, Timeout timeout) {
  if (auto ok = check_host(host); !ok) {
    return std::unexpected(ok.error());
  }
  std::string list;
  for (const int pid : pids) {
    if (pid <= 0) {
      return failf("invalid pid {}", pid);
    }
    list += fmt::format(" {}", pid);
  }
  // One shared budget of 0.2 s steps for all pids, so the probe ends within `grace` overall.
  const auto steps = std::max<long long>(0, grace.count() / 200);
  auto line = fmt::format("{}i=0; for n in{}; do "
                          "while alive $n && [ $i -lt {} ]; do sleep 0.2; "
                          "i=$((i+1)); done; "
                          "if alive $n; then echo \"flinkha-alive $n\"; "
                          "else echo \"flinkha-gone $n\"; fi; done",
                          kAliveFunction, list, steps);
  return remote::RemoteCommand{std::string(host), std::move(line), timeout};
}

Result<ClusterPlan> start_cluster_plan(const config::ClusterConfig& config,
                                       const FlinkInstall& install, Timeout timeout) {
  return cluster_plan(config, install, std::nullopt, timeout);
}

Result<ClusterPlan> stop_cluster_plan(const config::ClusterConfig& config,
                                      const FlinkInstall& install, bool all, Timeout timeout) {
  return cluster_plan(config, install, all, timeout);
}

} // namespace flinkha::cluster
