#include "cluster/run_actions.hpp"

#include "cluster/script_output.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <map>

namespace flinkha::cluster {

namespace {

using std::chrono::milliseconds;

std::string script_of(Role role) {
  return role == Role::taskmanager ? "taskmanager.sh"
         : role == Role::zookeeper ? "zookeeper.sh"
                                   : "jobmanager.sh";
}

template <typename Int>
std::string pid_list(const std::vector<Int>& pids) {
  return fmt::format("{}", fmt::join(pids, ", "));
}

// Runs every action; actions on a host listed more than once go in successive waves.
std::vector<remote::HostOutcome> run_in_waves(remote::Executor& executor,
                                              std::span<const PlannedAction> actions,
                                              const RunOptions& options) {
  std::map<std::string, std::size_t> seen;
  std::vector<std::vector<std::size_t>> waves;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const auto wave = seen[actions[i].host]++;
    if (waves.size() <= wave) {
      waves.resize(wave + 1);
    }
    waves[wave].push_back(i);
  }
  std::vector<remote::HostOutcome> outcomes(actions.size());
  for (const auto& wave : waves) {
    std::vector<remote::RemoteCommand> tasks;
    tasks.reserve(wave.size());
    for (const auto index : wave) {
      tasks.push_back(actions[index].command);
    }
    remote::FanOutOptions fan_options;
    fan_options.window = options.window;
    fan_options.sink = options.sink;
    auto done = remote::fan_out(executor, tasks, fan_options);
    for (auto& outcome : done) {
      const auto index = wave[outcome.index];
      outcome.index = index;
      outcomes[index] = std::move(outcome);
    }
  }
  return outcomes;
}

std::vector<std::int64_t> as_pids(const std::vector<int>& pids) {
  return {pids.begin(), pids.end()};
}

// What the start lint found, as one message: which dir, named by which key, on which host, and
// what to do.
std::string lint_message(const FlinkInstall& install, std::string_view host,
                         const std::vector<LintProblem>& problems) {
  std::vector<std::string> parts;
  for (const auto& problem : problems) {
    const bool log = problem.kind.starts_with("log-");
    const bool default_log = install.log_dir == (install.flink_home / "log").string();
    const std::string key =
        problem.from_environment ? (log ? "FLINK_LOG_DIR" : "FLINK_PID_DIR")
        : log ? (default_log ? "the log dir (FLINK_HOME/log; env.log.dir unset)" : "env.log.dir")
              : "env.pid.dir";
    const std::string setting = problem.from_environment ? (log ? "FLINK_LOG_DIR" : "FLINK_PID_DIR")
                                : log                    ? "env.log.dir"
                                                         : "env.pid.dir";
    const auto dir = util::printable(problem.dir, 300);
    if (problem.kind == "log-dir-missing") {
      parts.push_back(fmt::format("{} {} does not exist on {}: flink-daemon.sh writes the "
                                  "daemon's .out file there and does not create it (create it, "
                                  "or point {} at a writable directory)",
                                  key, dir, host, setting));
    } else if (problem.kind.ends_with("-not-a-directory")) {
      parts.push_back(fmt::format("{} {} on {} is not a directory", key, dir, host));
    } else if (problem.kind.ends_with("-not-writable")) {
      parts.push_back(
          fmt::format("{} {} on {} is not writable by the login user (fix its permissions, or "
                      "point {} at a writable directory)",
                      key, dir, host, setting));
    } else if (problem.kind == "pid-dir-not-creatable") {
      parts.push_back(fmt::format("{} {} does not exist on {} and cannot be created there by the "
                                  "login user (without a pid file no stop finds the daemon)",
                                  key, dir, host));
    } else {
      parts.push_back(fmt::format("{} {} on {}: {}", key, dir, host, problem.kind));
    }
  }
  return fmt::format("not started, the host is not ready: {}", fmt::join(parts, "; "));
}

// "; last lines of F:" and the lines, indented, for each file of `pid` the probe tailed.
std::string tails_text(const std::vector<DaemonFileTail>& tails, int pid) {
  std::string text;
  for (const auto& tail : tails) {
    if (tail.pid != pid) {
      continue;
    }
    if (tail.lines.empty()) {
      text += fmt::format("; {} is empty", tail.path);
      continue;
    }
    text += fmt::format("; {} lines of {}:", tail.kind == "err" ? "error" : "last", tail.path);
    for (const auto& line : tail.lines) {
      text += "\n  " + line;
    }
  }
  return text;
}

remote::HostResult first_account(const FlinkInstall& install, const PlannedAction& action,
                                 const remote::HostOutcome& outcome) {
  remote::HostResult row;
  row.host = action.host;
  row.role = std::string(to_string(action.role));
  row.action = std::string(to_string(action.action));
  remote::record_run(row, outcome.result);
  if (!outcome.result) {
    row.detail = "not reached";
    return row;
  }
  const auto& ran = *outcome.result;
  const auto script = script_of(action.role);

  if (action.action == DaemonAction::start) {
    if (const auto lint = parse_start_lint(ran.stdout_text); !lint.empty()) {
      row.detail = "not started";
      row.error = lint_message(install, action.host, lint);
      return row;
    }
    const auto out = parse_start_output(ran.stdout_text);
    const auto fatal = script_failure_line(ran.stderr_text, ran.stdout_text);
    if (ran.exit_status != 0 || out.error_starting || fatal) {
      row.error = out.error_starting
                      ? fmt::format("{} start: Error starting {} daemon (exit status {})", script,
                                    out.daemon, ran.exit_status)
                  : ran.exit_status != 0
                      ? fmt::format("{} start exited with status {}", script, ran.exit_status)
                      : fmt::format("{} start failed although it exited with status 0", script);
      if (fatal) {
        *row.error += ": " + *fatal;
      }
      row.detail = "failed";
      return row;
    }
    row.ok = true;
    row.detail = out.starting ? "started" : "script ran";
    if (out.already_running > 0) {
      row.detail += fmt::format(", {} already running", out.already_running);
    }
    return row;
  }

  const auto out = parse_stop_output(ran.stdout_text);
  if (ran.exit_status != 0) {
    row.error = fmt::format("{} {} exited with status {}", script, to_string(action.action),
                            ran.exit_status);
    row.detail = "failed";
    row.pids = as_pids(out.stopping);
    return row;
  }
  row.ok = true;
  row.pids = as_pids(out.stopping);
  if (out.stopping.empty()) {
    row.detail = out.not_running.empty()
                     ? "not running"
                     : fmt::format("not running (stale pid {})", pid_list(out.not_running));
  } else if (!out.killed.empty()) {
    row.detail = fmt::format("killed after timeout (pid {})", pid_list(out.killed));
  } else {
    row.detail = fmt::format("stopped (pid {})", pid_list(out.stopping));
  }
  return row;
}

// The newest pids of the action's daemon on its host, oldest first.
std::vector<const DaemonProcess*> pids_of(const PidProbe& probe, Role role,
                                          const config::FlinkVersion& version) {
  const auto names = daemon_names(role, version);
  std::vector<const DaemonProcess*> found;
  for (const auto& process : probe.processes) {
    if (process.role == role && std::ranges::find(names, process.daemon) != names.end()) {
      found.push_back(&process);
    }
  }
  return found;
}

// A start's command line ends with a pid probe (plans.hpp): its lines say which pid the script
// appended and whether it is still alive. They are taken out of the reported stdout.
void verify_start(const FlinkInstall& install, const PlannedAction& action, remote::HostResult& row,
                  bool verify) {
  const auto probe = parse_pid_probe(row.stdout_text);
  const auto tails = parse_tails(row.stdout_text);
  row.stdout_text = without_probe_lines(row.stdout_text);
  if (!row.ok || !verify) {
    return;
  }
  const auto pids = pids_of(probe, action.role, install.version);
  if (pids.empty()) {
    row.ok = false;
    row.detail = "no pid";
    row.error = fmt::format("{} start recorded no pid in {}/flink-<user>-{}.pid",
                            script_of(action.role), probe.pid_dir.empty() ? "?" : probe.pid_dir,
                            daemon_names(action.role, install.version).front());
    return;
  }
  const auto* process = pids.back(); // flink-daemon.sh appends the new pid under its lock
  row.pids = {process->pid};
  if (process->alive) {
    row.detail = row.detail == "started" ? fmt::format("started (pid {})", process->pid)
                                         : fmt::format("{} (pid {})", row.detail, process->pid);
  } else {
    row.ok = false;
    row.detail = "exited";
    const auto tail = tails_text(tails, process->pid);
    row.error =
        fmt::format("{} daemon (pid {}) exited right after start{}", process->daemon, process->pid,
                    tail.empty() ? "; see its .out and .log file in env.log.dir" : tail);
  }
}

void verify_stops(remote::Executor& executor, std::span<const PlannedAction> actions,
                  std::vector<remote::HostResult>& rows, const RunOptions& options) {
  std::map<std::string, std::vector<std::size_t>> by_host;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (actions[i].action != DaemonAction::start && !rows[i].pids.empty() && rows[i].exit_status) {
      by_host[rows[i].host].push_back(i);
    }
  }
  std::vector<remote::RemoteCommand> probes;
  for (const auto& [host, indexes] : by_host) {
    std::vector<int> pids;
    for (const auto index : indexes) {
      for (const auto pid : rows[index].pids) {
        pids.push_back(static_cast<int>(pid)); // they came from parse_stop_output's ints
      }
    }
    auto probe =
        pids_gone_probe(host, pids, options.stop_grace, options.stop_grace + options.probe_timeout);
    if (probe) {
      probes.push_back(std::move(*probe));
    }
  }
  if (probes.empty()) {
    return;
  }
  remote::FanOutOptions fan_options;
  fan_options.window = options.window;
  for (const auto& outcome : remote::fan_out(executor, probes, fan_options)) {
    const auto& indexes = by_host[outcome.host];
    if (!outcome.result) {
      for (const auto index : indexes) {
        rows[index].detail += " (not verified: " + outcome.result.error().message + ")";
      }
      continue;
    }
    const auto gone = parse_gone_probe(outcome.result->stdout_text);
    for (const auto index : indexes) {
      auto& row = rows[index];
      std::vector<std::int64_t> alive;
      for (const auto pid : row.pids) {
        if (std::ranges::find(gone.gone, pid) == gone.gone.end()) {
          alive.push_back(pid);
        }
      }
      if (!alive.empty()) {
        row.ok = false;
        row.detail = "still running";
        row.error = fmt::format("did not stop within {} s: pid {}",
                                options.stop_grace.count() / 1000, pid_list(alive));
      }
    }
  }
}

} // namespace

std::vector<GoneDaemon> find_gone(remote::Executor& executor, const FlinkInstall& install,
                                  std::span<const remote::HostResult> rows,
                                  const RunOptions& options) {
  std::map<std::string, std::vector<StartedPid>> by_host;
  std::map<std::pair<std::string, std::int64_t>, std::string> roles;
  for (const auto& row : rows) {
    if (!row.ok || row.action != to_string(DaemonAction::start) || row.pids.empty()) {
      continue;
    }
    const auto role = row.role == to_string(Role::taskmanager) ? Role::taskmanager
                      : row.role == to_string(Role::zookeeper) ? Role::zookeeper
                                                               : Role::jobmanager;
    for (const auto pid : row.pids) {
      if (pid > 0 && pid <= std::numeric_limits<int>::max()) {
        by_host[row.host].push_back(StartedPid{role, static_cast<int>(pid)});
        roles[{row.host, pid}] = row.role;
      }
    }
  }
  std::vector<remote::RemoteCommand> probes;
  for (const auto& [host, pids] : by_host) {
    if (auto probe = started_probe(install, host, pids, options.probe_timeout)) {
      probes.push_back(std::move(*probe));
    }
  }
  std::vector<GoneDaemon> gone;
  if (probes.empty()) {
    return gone;
  }
  remote::FanOutOptions fan_options;
  fan_options.window = options.window;
  for (const auto& outcome : remote::fan_out(executor, probes, fan_options)) {
    if (!outcome.result) {
      continue; // not reached this time: no news, the next round asks again
    }
    const auto probe = parse_gone_probe(outcome.result->stdout_text);
    const auto tails = parse_tails(outcome.result->stdout_text);
    for (const int pid : probe.gone) {
      const auto it = roles.find({outcome.host, pid});
      if (it == roles.end()) {
        continue;
      }
      GoneDaemon daemon{outcome.host, it->second, pid, {}};
      daemon.message = fmt::format("the {} on {} (pid {}) is gone{}", it->second, outcome.host, pid,
                                   tails_text(tails, pid));
      gone.push_back(std::move(daemon));
    }
  }
  return gone;
}

std::vector<remote::HostResult> run_actions(remote::Executor& executor, const FlinkInstall& install,
                                            std::span<const PlannedAction> actions,
                                            const RunOptions& options) {
  const auto outcomes = run_in_waves(executor, actions, options);
  std::vector<remote::HostResult> rows;
  rows.reserve(actions.size());
  for (std::size_t i = 0; i < actions.size(); ++i) {
    rows.push_back(first_account(install, actions[i], outcomes[i]));
  }
  for (std::size_t i = 0; i < actions.size(); ++i) {
    if (actions[i].action == DaemonAction::start) {
      verify_start(install, actions[i], rows[i], options.verify);
    }
  }
  if (options.verify) {
    verify_stops(executor, actions, rows, options);
  }
  return rows;
}

} // namespace flinkha::cluster
