#include "cluster/run_actions.hpp"

#include "cluster/script_output.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
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

remote::HostResult first_account(const PlannedAction& action, const remote::HostOutcome& outcome) {
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
    const auto out = parse_start_output(ran.stdout_text);
    if (ran.exit_status != 0 || out.error_starting) {
      row.error = out.error_starting
                      ? fmt::format("{} start: Error starting {} daemon (exit status {})", script,
                                    out.daemon, ran.exit_status)
                      : fmt::format("{} start exited with status {}", script, ran.exit_status);
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
  std::string script_output;
  for (const auto line : util::split_lines(row.stdout_text)) {
    if (!line.starts_with("flinkha-pid")) {
      script_output.append(line).push_back('\n');
    }
  }
  row.stdout_text = std::move(script_output);
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
    row.error = fmt::format("{} daemon (pid {}) exited right after start; see its .out and .log "
                            "file in env.log.dir",
                            process->daemon, process->pid);
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

std::vector<remote::HostResult> run_actions(remote::Executor& executor, const FlinkInstall& install,
                                            std::span<const PlannedAction> actions,
                                            const RunOptions& options) {
  const auto outcomes = run_in_waves(executor, actions, options);
  std::vector<remote::HostResult> rows;
  rows.reserve(actions.size());
  for (std::size_t i = 0; i < actions.size(); ++i) {
    rows.push_back(first_account(actions[i], outcomes[i]));
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
