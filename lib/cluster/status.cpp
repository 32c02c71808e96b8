#include "cluster/status.hpp"

#include "cluster/plans.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <thread>

namespace flinkha::cluster {

namespace {

using Clock = std::chrono::steady_clock;

StatusHost& host_entry(std::vector<StatusHost>& hosts, const std::string& host) {
  auto it = std::ranges::find(hosts, host, &StatusHost::host);
  if (it == hosts.end()) {
    hosts.push_back(StatusHost{host});
    return hosts.back();
  }
  return *it;
}

std::optional<std::string> check_leader(ClusterStatus& status, const LeaderLookup& lookup) {
  if (!lookup) {
    return std::nullopt;
  }
  status.leader_checked = true;
  auto leader = lookup();
  if (!leader) {
    status.leader_error = leader.error().message;
    return status.leader_error;
  }
  status.leader = *leader;
  return std::nullopt;
}

} // namespace

int HostStatus::alive(Role role) const {
  return static_cast<int>(std::ranges::count_if(
      processes, [role](const DaemonProcess& p) { return p.role == role && p.alive; }));
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
  case Verdict::healthy:
    return "healthy";
  case Verdict::degraded:
    return "degraded";
  case Verdict::down:
    return "down";
  case Verdict::unknown:
    return "unknown";
  }
  return "unknown";
}

std::vector<StatusHost> status_hosts(const config::ClusterConfig& config) {
  std::vector<StatusHost> hosts;
  if (config.ha.zookeeper && config.masters) {
    for (const auto& master : config.masters->masters) {
      ++host_entry(hosts, master.host).jobmanagers_expected;
    }
  } else {
    ++host_entry(hosts, "localhost").jobmanagers_expected;
  }
  if (config.workers) {
    for (const auto& worker : config.workers->workers) {
      ++host_entry(hosts, worker.host).taskmanagers_expected;
    }
  }
  if (config.zoo_cfg) {
    for (const auto& server : config.zoo_cfg->servers) {
      ++host_entry(hosts, server.host).zookeepers_expected;
    }
  }
  return hosts;
}

void judge(ClusterStatus& status) {
  status.problems.clear();
  int reached = 0;
  int tm_expected = 0;
  int tm_alive = 0;
  bool worker_reached = false;
  for (const auto& host : status.hosts) {
    const auto& e = host.expected;
    tm_expected += e.taskmanagers_expected;
    if (!host.reachable) {
      status.problems.push_back(
          fmt::format("{}: not reached: {}", e.host, host.error.value_or("unknown error")));
      continue;
    }
    ++reached;
    worker_reached |= e.taskmanagers_expected > 0;
    tm_alive += host.alive(Role::taskmanager);
    if (host.alive(Role::jobmanager) < e.jobmanagers_expected) {
      status.problems.push_back(fmt::format("{}: {} of {} JobManager(s) running", e.host,
                                            host.alive(Role::jobmanager), e.jobmanagers_expected));
    }
    if (host.alive(Role::taskmanager) < e.taskmanagers_expected) {
      status.problems.push_back(fmt::format("{}: {} of {} TaskManager(s) running", e.host,
                                            host.alive(Role::taskmanager),
                                            e.taskmanagers_expected));
    }
  }
  int answering = 0;
  for (const auto& rest : status.rest) {
    if (!rest.reachable) {
      status.problems.push_back(fmt::format("REST {}:{} does not answer: {}", rest.endpoint.host,
                                            rest.endpoint.port, rest.error.value_or("error")));
      continue;
    }
    ++answering;
    if (rest.taskmanagers < tm_expected) {
      status.problems.push_back(fmt::format("REST {}:{}: {} of {} TaskManager(s) registered",
                                            rest.endpoint.host, rest.endpoint.port,
                                            rest.taskmanagers, tm_expected));
    }
  }
  if (status.leader_checked && !status.leader) {
    status.problems.push_back(status.leader_error
                                  ? "leader: " + *status.leader_error
                                  : std::string("no leader registered in ZooKeeper"));
  }

  if (reached == 0 && answering == 0) {
    status.verdict = Verdict::unknown;
  } else if ((!status.rest.empty() && answering == 0) ||
             (tm_expected > 0 && worker_reached && tm_alive == 0) ||
             (status.leader_checked && !status.leader && !status.leader_error)) {
    status.verdict = Verdict::down;
  } else {
    status.verdict = status.problems.empty() ? Verdict::healthy : Verdict::degraded;
  }
}

ClusterStatus collect_status(remote::Executor& executor, const config::ClusterConfig& config,
                             const FlinkInstall& install, const StatusOptions& options) {
  ClusterStatus status;
  const auto endpoints = rest_endpoints(config);
  std::vector<RestStatus> rest;
  std::thread rest_thread;
  try {
    rest_thread = std::thread([&] { rest = probe_all(endpoints, options.rest); });
  } catch (const std::system_error&) {
    rest = probe_all(endpoints, options.rest);
  }

  std::vector<remote::RemoteCommand> probes;
  for (const auto& expected : status_hosts(config)) {
    HostStatus host;
    host.expected = expected;
    auto probe = pid_probe(install, expected.host, options.command_timeout);
    if (probe) {
      probes.push_back(std::move(*probe));
    } else {
      host.error = probe.error().message;
    }
    status.hosts.push_back(std::move(host));
  }
  remote::FanOutOptions fan_options;
  fan_options.window = options.window;
  for (const auto& outcome : remote::fan_out(executor, probes, fan_options)) {
    auto it = std::ranges::find_if(
        status.hosts, [&](const HostStatus& h) { return h.expected.host == outcome.host; });
    if (it == status.hosts.end()) {
      continue;
    }
    if (!outcome.result) {
      it->error = outcome.result.error().message;
      continue;
    }
    it->duration = outcome.result->duration;
    if (outcome.result->exit_status != 0) {
      it->error = fmt::format("pid check exited with status {}: {}", outcome.result->exit_status,
                              outcome.result->stderr_text);
      continue;
    }
    auto parsed = parse_pid_probe(outcome.result->stdout_text);
    it->reachable = true;
    it->pid_dir = std::move(parsed.pid_dir);
    it->processes = std::move(parsed.processes);
  }

  if (rest_thread.joinable()) {
    rest_thread.join();
  }
  status.rest = std::move(rest);
  check_leader(status, options.leader_lookup);
  judge(status);
  return status;
}

WaitOutcome wait_until_ready(std::span<const RestEndpoint> endpoints, const WaitOptions& options) {
  const auto started = Clock::now();
  const auto deadline = started + options.timeout;
  WaitOutcome outcome;
  for (;;) {
    outcome.last = probe_all(endpoints, options.rest);
    outcome.waiting_for.reset();
    for (const auto& rest : outcome.last) {
      if (!rest.reachable) {
        outcome.waiting_for = fmt::format("REST {}:{} ({})", rest.endpoint.host, rest.endpoint.port,
                                          rest.error.value_or("no answer"));
        break;
      }
      if (rest.taskmanagers < options.min_taskmanagers) {
        outcome.waiting_for =
            fmt::format("{} of {} TaskManager(s) registered at {}:{}", rest.taskmanagers,
                        options.min_taskmanagers, rest.endpoint.host, rest.endpoint.port);
        break;
      }
    }
    if (!outcome.waiting_for && options.leader_lookup) {
      auto leader = options.leader_lookup();
      if (!leader) {
        outcome.waiting_for = "leader: " + leader.error().message;
      } else if (!*leader) {
        outcome.waiting_for = "a leader registered in ZooKeeper";
      }
    }
    const auto now = Clock::now();
    outcome.waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - started);
    if (!outcome.waiting_for) {
      outcome.ready = true;
      return outcome;
    }
    if (options.gone_check) {
      if (auto why = options.gone_check()) {
        outcome.gave_up = std::move(why);
        outcome.waited =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
        return outcome;
      }
    }
    if (now + options.interval > deadline) {
      return outcome;
    }
    std::this_thread::sleep_for(options.interval);
  }
}

} // namespace flinkha::cluster
