#include "cluster/plans.hpp"

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

constexpr const char* kPidProbeBody =
    "u=${FLINK_IDENT_STRING:-${USER:-$(id -un)}}; "
    "echo \"flinkha-piddir $d\"; "
    "flinkha_pids() { [ -f \"$3\" ] || return 0; "
    "while IFS= read -r n || [ -n \"$n\" ]; do "
    "case $n in ''|*[!0-9]*) continue;; esac; "
    "if kill -0 \"$n\" 2>/dev/null; then s=alive; else s=dead; fi; "
    "echo \"flinkha-pid $1 $2 $n $s $3\"; "
    "done < \"$3\"; }; ";

// The pid probe as one line of sh: pid dir, then the pid files of `roles` (all when empty).
Result<std::string> probe_body(const FlinkInstall& install, std::vector<Role> roles) {
  auto pid_dir = remote::shell_quote(install.pid_dir);
  if (!pid_dir) {
    return std::unexpected(pid_dir.error());
  }
  // Inside ${…:-word} the quotes of `word` are removed as usual, so a quoted default is safe.
  std::string body = "d=${FLINK_PID_DIR:-" + *pid_dir + "}; " + kPidProbeBody;
  if (roles.empty()) {
    roles = {Role::jobmanager, Role::taskmanager, Role::zookeeper};
  }
  for (const auto role : roles) {
    for (const auto& daemon : daemon_names(role, install.version)) {
      // Role and daemon names are fixed identifiers, not input.
      body += fmt::format("flinkha_pids {} {} \"$d/flink-$u-{}.pid\"; ", to_string(role), daemon,
                          daemon);
    }
    if (role == Role::zookeeper) {
      body += fmt::format("for f in \"$d/{}$u-zookeeper-\"*.pid; do i=${{f##*-zookeeper-}}; "
                          "flinkha_pids zookeeper \"zookeeper-${{i%.pid}}\" \"$f\"; done; ",
                          kFlinkhaZooKeeperPidPrefix);
    }
  }
  return body;
}

// "[FLINK_CONF_DIR=<conf>] nohup /bin/bash -l <script> <args…>", every word quoted. A start
// also reads the daemon's pid file right after the script, in the same login shell (one channel,
// one login per host): "nohup /bin/bash -l -c '"$0" "$@"; rc=$?; <probe>; exit $rc' <script> …".
Result<std::string> daemon_command_line(const FlinkInstall& install, std::string_view script,
                                        std::vector<std::string> args,
                                        std::optional<Role> probe_role = std::nullopt) {
  // Flink's scripts name pid files after $FLINK_IDENT_STRING, else $USER, which is empty in some
  // shells (cron, containers): "flink--taskexecutor.pid". Fix the identity once for the script
  // and for our own pid checks, so start, stop and status agree on the file.
  std::string body = "export FLINK_IDENT_STRING=\"${FLINK_IDENT_STRING:-${USER:-$(id -un)}}\"; "
                     "\"$0\" \"$@\"; rc=$?; ";
  if (probe_role) {
    auto probe = probe_body(install, {*probe_role});
    if (!probe) {
      return std::unexpected(probe.error());
    }
    body += *probe;
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
                                       std::optional<int> port, Timeout timeout) {
  constexpr config::FlinkVersion kNoExecutionMode{1, 2};
  std::vector<std::string> args{"start"};
  if (install.version < kNoExecutionMode) {
    args.emplace_back("cluster");
  }
  if (host.empty()) {
    return make_action(
        "localhost", Role::jobmanager, DaemonAction::start, std::nullopt,
        daemon_command_line(install, "jobmanager.sh", std::move(args), Role::jobmanager), timeout);
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
  return make_action(
      host, Role::jobmanager, DaemonAction::start, port,
      daemon_command_line(install, "jobmanager.sh", std::move(args), Role::jobmanager), timeout);
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
                                        Timeout timeout) {
  if (auto ok = check_host(host); !ok) {
    return std::unexpected(ok.error());
  }
  return make_action(host, Role::taskmanager, DaemonAction::start, std::nullopt,
                     daemon_command_line(install, "taskmanager.sh", {"start"}, Role::taskmanager),
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
  auto line = fmt::format("i=0; for n in{}; do "
                          "while kill -0 $n 2>/dev/null && [ $i -lt {} ]; do sleep 0.2; "
                          "i=$((i+1)); done; "
                          "if kill -0 $n 2>/dev/null; then echo \"flinkha-alive $n\"; "
                          "else echo \"flinkha-gone $n\"; fi; done",
                          list, steps);
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
