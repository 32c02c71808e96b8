// `flinkha start-cluster`, `flinkha stop-cluster` and `flinkha status`, plus the helpers the
// single-daemon commands (daemon_cmd.cpp) share with them.

#include "cluster_cmd.hpp"

#include "cluster/plans.hpp"
#include "cluster/rest_probe.hpp"
#include "cluster/status.hpp"
#include "commands.hpp"
#include "leader_lookup.hpp"
#include "table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <memory>

namespace flinkha::cli {

using nlohmann::ordered_json;

// --- shared helpers -----------------------------------------------------------------------

std::expected<DaemonSetup, ExitCode> prepare_daemons(const Context& context,
                                                     cluster::NeedFlinkHome need) {
  auto config = context.load_config();
  if (!config) {
    return std::unexpected(report_error(config.error(), ExitCode::config));
  }
  auto install = cluster::make_install(*config, need);
  if (!install) {
    return std::unexpected(report_error(install.error(), ExitCode::config));
  }
  auto remote = make_remote(context.global.remote, *config, config::process_environment());
  if (!remote) {
    return std::unexpected(report_error(remote.error(), ExitCode::config));
  }
  for (const auto& warning : remote->warnings) {
    fmt::print(stderr, "flinkha: warning: {}\n", warning);
  }
  return DaemonSetup{std::move(*config), std::move(*install), std::move(*remote)};
}

cluster::RunOptions run_options(const Context& context, const DaemonSetup& setup,
                                remote::OutputSink* sink) {
  cluster::RunOptions options;
  options.window = setup.remote.window;
  options.sink = context.global.verbose && !context.json() ? sink : nullptr;
  options.probe_timeout = std::min(setup.remote.command_timeout, std::chrono::milliseconds(30000));
  return options;
}

ExitCode report_daemon_results(const Context& context, const std::vector<remote::HostResult>& rows,
                               const std::vector<std::string>& warnings, ordered_json extra) {
  if (context.json()) {
    auto out = fanout_json(rows);
    out["warnings"] = warnings;
    for (auto& [key, value] : extra.items()) {
      out[key] = std::move(value);
    }
    fmt::print("{}\n", out.dump(2));
  } else {
    for (const auto& warning : warnings) {
      fmt::print(stderr, "flinkha: warning: {}\n", warning);
    }
    print_fanout_text(rows, Style{context.color()}, context.global.verbose);
  }
  return fanout_exit_code(rows);
}

remote::OutputSink& stderr_sink() {
  static remote::OutputSink sink([](remote::OutputStream, std::string_view lines) {
    std::fwrite(lines.data(), 1, lines.size(), stderr);
  });
  return sink;
}

namespace {

// --- start-cluster / stop-cluster ---------------------------------------------------------------

struct StartClusterOptions {
  bool wait = false;
  double wait_timeout_s = 120;
};

ordered_json rest_json(const cluster::RestStatus& rest) {
  return {{"url", rest.endpoint.url()},
          {"host", rest.endpoint.host},
          {"port", rest.endpoint.port},
          {"reachable", rest.reachable},
          {"http_status", rest.http_status ? ordered_json(*rest.http_status) : ordered_json()},
          {"taskmanagers", rest.taskmanagers},
          {"slots_total", rest.slots_total},
          {"slots_available", rest.slots_available},
          {"flink_version", rest.flink_version},
          {"error", rest.error ? ordered_json(*rest.error) : ordered_json()},
          {"duration_ms", rest.duration.count()}};
}

ExitCode worse(ExitCode a, ExitCode b) {
  return static_cast<int>(a) >= static_cast<int>(b) ? a : b;
}

ExitCode run_start_cluster(Context& context, const StartClusterOptions& options) {
  auto setup = prepare_daemons(context, cluster::NeedFlinkHome::yes);
  if (!setup) {
    return setup.error();
  }
  auto plan =
      cluster::start_cluster_plan(setup->config, setup->install, setup->remote.command_timeout);
  if (!plan) {
    return report_error(plan.error(), ExitCode::config);
  }
  const auto run = run_options(context, *setup, &stderr_sink());
  // JobManagers first, then TaskManagers, as start-cluster.sh.
  auto results =
      cluster::run_actions(*setup->remote.executor, setup->install, plan->jobmanagers, run);
  auto workers =
      cluster::run_actions(*setup->remote.executor, setup->install, plan->taskmanagers, run);
  results.insert(results.end(), workers.begin(), workers.end());

  ordered_json extra = ordered_json::object();
  std::optional<cluster::WaitOutcome> waited;
  const bool any_jobmanager = std::ranges::any_of(results, [](const auto& r) {
    return r.ok && r.role == to_string(cluster::Role::jobmanager);
  });
  if (options.wait && any_jobmanager) {
    cluster::WaitOptions wait;
    wait.leader_lookup = make_leader_lookup(context, setup->config);
    wait.timeout = std::chrono::milliseconds(static_cast<long long>(options.wait_timeout_s * 1000));
    wait.min_taskmanagers =
        static_cast<int>(std::ranges::count_if(workers, [](const auto& r) { return r.ok; }));
    // Wait for the JobManagers that started: a failed row's endpoint never answers. In HA mode
    // rest_endpoints has one endpoint per masters line, in plan order; without HA one.
    auto endpoints = cluster::rest_endpoints(setup->config);
    if (endpoints.size() == plan->jobmanagers.size()) {
      std::vector<cluster::RestEndpoint> started;
      for (std::size_t i = 0; i < endpoints.size(); ++i) {
        if (results[i].ok) {
          started.push_back(endpoints[i]);
        }
      }
      endpoints = std::move(started);
    }
    // Every round that is not ready also asks whether a started daemon is gone: then the wait
    // ends at once, and the daemon's row fails with the last lines of its .out and .log files.
    std::vector<cluster::GoneDaemon> gone;
    wait.gone_check = [&]() -> std::optional<std::string> {
      gone = cluster::find_gone(*setup->remote.executor, setup->install, results, run);
      if (gone.empty()) {
        return std::nullopt;
      }
      return gone.front().message;
    };
    if (!context.json()) {
      fmt::print(stderr, "flinkha: waiting up to {:.0f} s for {} JobManager REST endpoint(s)\n",
                 options.wait_timeout_s, endpoints.size());
    }
    waited = cluster::wait_until_ready(endpoints, wait);
    for (const auto& daemon : gone) {
      for (auto& row : results) {
        if (row.ok && row.host == daemon.host && row.role == daemon.role &&
            std::ranges::find(row.pids, daemon.pid) != row.pids.end()) {
          row.ok = false;
          row.detail = "exited";
          row.error = daemon.message;
        }
      }
    }
    auto jobmanagers = ordered_json::array();
    for (const auto& rest : waited->last) {
      jobmanagers.push_back(rest_json(rest));
    }
    extra["wait"] = {
        {"ready", waited->ready},
        {"waited_ms", waited->waited.count()},
        {"waiting_for", waited->waiting_for ? ordered_json(*waited->waiting_for) : ordered_json()},
        {"gave_up", waited->gave_up ? ordered_json(*waited->gave_up) : ordered_json()},
        {"jobmanagers", std::move(jobmanagers)}};
  }
  auto code = report_daemon_results(context, results, plan->warnings, std::move(extra));
  if (options.wait) {
    if (!waited || !waited->ready) {
      if (!context.json() && waited && waited->gave_up) {
        fmt::print("{}\n", Style{context.color()}.red(
                               fmt::format("not ready after {:.1f} s, stopped waiting: {}",
                                           waited->waited.count() / 1000.0, *waited->gave_up)));
      } else if (!context.json()) {
        fmt::print("{}\n", Style{context.color()}.red(
                               fmt::format("not ready after {:.1f} s: waiting for {}",
                                           waited ? waited->waited.count() / 1000.0 : 0.0,
                                           waited ? waited->waiting_for.value_or("?")
                                                  : std::string("a JobManager (none started)"))));
      }
      code = worse(code, ExitCode::critical);
    } else if (!context.json()) {
      fmt::print("ready after {:.1f} s: every JobManager answers, {} TaskManager(s) registered\n",
                 waited->waited.count() / 1000.0,
                 waited->last.empty() ? 0 : waited->last.front().taskmanagers);
    }
  }
  return code;
}

ExitCode run_stop_cluster(Context& context, bool all) {
  auto setup = prepare_daemons(context, cluster::NeedFlinkHome::yes);
  if (!setup) {
    return setup.error();
  }
  auto plan =
      cluster::stop_cluster_plan(setup->config, setup->install, all, setup->remote.command_timeout);
  if (!plan) {
    return report_error(plan.error(), ExitCode::config);
  }
  const auto run = run_options(context, *setup, &stderr_sink());
  // TaskManagers first, then JobManagers, as stop-cluster.sh.
  auto results =
      cluster::run_actions(*setup->remote.executor, setup->install, plan->taskmanagers, run);
  auto masters =
      cluster::run_actions(*setup->remote.executor, setup->install, plan->jobmanagers, run);
  results.insert(results.end(), masters.begin(), masters.end());
  return report_daemon_results(context, results, plan->warnings);
}

// --- status -------------------------------------------------------------------------------------

std::string daemon_cell(const cluster::HostStatus& host, cluster::Role role, int expected) {
  std::vector<int> alive;
  int stale = 0;
  for (const auto& p : host.processes) {
    if (p.role == role) {
      p.alive ? alive.push_back(p.pid) : static_cast<void>(++stale);
    }
  }
  if (alive.empty() && expected == 0 && stale == 0) {
    return "-";
  }
  auto cell =
      expected > 0 ? fmt::format("{}/{}", alive.size(), expected) : fmt::format("{}", alive.size());
  if (!alive.empty()) {
    cell += fmt::format(" (pid {})", fmt::join(alive, ","));
  }
  if (stale > 0) {
    cell += fmt::format(" +{} stale", stale);
  }
  return cell;
}

ordered_json status_json(const cluster::ClusterStatus& status) {
  ordered_json out;
  out["verdict"] = std::string(to_string(status.verdict));
  auto& hosts = out["hosts"] = ordered_json::array();
  for (const auto& host : status.hosts) {
    auto daemons = ordered_json::array();
    for (const auto& p : host.processes) {
      daemons.push_back({{"role", std::string(to_string(p.role))},
                         {"daemon", p.daemon},
                         {"pid", p.pid},
                         {"alive", p.alive},
                         {"pid_file", p.pid_file}});
    }
    hosts.push_back({{"host", host.expected.host},
                     {"reachable", host.reachable},
                     {"error", host.error ? ordered_json(*host.error) : ordered_json()},
                     {"pid_dir", host.pid_dir},
                     {"expected",
                      {{"jobmanagers", host.expected.jobmanagers_expected},
                       {"taskmanagers", host.expected.taskmanagers_expected},
                       {"zookeeper", host.expected.zookeepers_expected}}},
                     {"alive",
                      {{"jobmanager", host.alive(cluster::Role::jobmanager)},
                       {"taskmanager", host.alive(cluster::Role::taskmanager)},
                       {"zookeeper", host.alive(cluster::Role::zookeeper)}}},
                     {"daemons", std::move(daemons)},
                     {"duration_ms", host.duration.count()}});
  }
  auto& rest = out["rest"] = ordered_json::array();
  for (const auto& r : status.rest) {
    rest.push_back(rest_json(r));
  }
  out["leader_checked"] = status.leader_checked;
  out["leader"] = status.leader ? ordered_json{{"address", status.leader->address},
                                               {"detail", status.leader->detail}}
                                : ordered_json();
  out["problems"] = status.problems;
  return out;
}

void status_text(const cluster::ClusterStatus& status, const Style& style) {
  Table hosts({"HOST", "JOBMANAGER", "TASKMANAGER", "ZOOKEEPER", "NOTE"});
  int jm = 0;
  int tm = 0;
  int zk = 0;
  for (const auto& host : status.hosts) {
    const auto& e = host.expected;
    if (!host.reachable) {
      hosts.add({host.expected.host, "?", "?", "?",
                 style.red("not reached: " + host.error.value_or("?"))});
      continue;
    }
    jm += host.alive(cluster::Role::jobmanager);
    tm += host.alive(cluster::Role::taskmanager);
    zk += host.alive(cluster::Role::zookeeper);
    hosts.add({e.host, daemon_cell(host, cluster::Role::jobmanager, e.jobmanagers_expected),
               daemon_cell(host, cluster::Role::taskmanager, e.taskmanagers_expected),
               daemon_cell(host, cluster::Role::zookeeper, e.zookeepers_expected),
               style.dim("pid dir " + host.pid_dir)});
  }
  hosts.print(stdout);

  fmt::print("\n");
  Table rest({"JOBMANAGER REST", "STATUS", "TASKMANAGERS", "SLOTS FREE/TOTAL", "VERSION"});
  int answering = 0;
  for (const auto& r : status.rest) {
    answering += r.reachable ? 1 : 0;
    rest.add({fmt::format("{}:{}", r.endpoint.host, r.endpoint.port),
              r.reachable ? style.green("reachable") : style.red(r.error.value_or("unreachable")),
              r.reachable ? std::to_string(r.taskmanagers) : "-",
              r.reachable ? fmt::format("{}/{}", r.slots_available, r.slots_total) : "-",
              r.reachable ? r.flink_version : "-"});
  }
  rest.print(stdout);
  if (status.leader_checked) {
    fmt::print("\nleader: {}\n", status.leader
                                     ? status.leader->address
                                     : style.red(status.leader_error.value_or("none registered")));
  }
  for (const auto& problem : status.problems) {
    fmt::print("{} {}\n", style.yellow("problem:"), problem);
  }
  const auto summary = fmt::format(
      "{}: {} JobManager(s), {} TaskManager(s), {} ZooKeeper(s) alive on {} host(s); {} of {} "
      "REST endpoint(s) answer",
      to_string(status.verdict), jm, tm, zk, status.hosts.size(), answering, status.rest.size());
  fmt::print("{}\n", status.verdict == cluster::Verdict::healthy    ? style.green(summary)
                     : status.verdict == cluster::Verdict::degraded ? style.yellow(summary)
                                                                    : style.red(summary));
}

ExitCode run_status(Context& context) {
  auto setup = prepare_daemons(context, cluster::NeedFlinkHome::no);
  if (!setup) {
    return setup.error();
  }
  cluster::StatusOptions options;
  options.leader_lookup = make_leader_lookup(context, setup->config);
  options.window = setup->remote.window;
  options.command_timeout =
      std::min(setup->remote.command_timeout, std::chrono::milliseconds(30000));
  const auto status =
      cluster::collect_status(*setup->remote.executor, setup->config, setup->install, options);
  if (context.json()) {
    fmt::print("{}\n", status_json(status).dump(2));
  } else {
    status_text(status, Style{context.color()});
  }
  switch (status.verdict) {
  case cluster::Verdict::healthy:
    return ExitCode::ok;
  case cluster::Verdict::degraded:
    return ExitCode::warning;
  case cluster::Verdict::down:
    return ExitCode::critical;
  case cluster::Verdict::unknown:
    return ExitCode::unknown;
  }
  return ExitCode::unknown;
}

} // namespace

void setup_start_cluster_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<StartClusterOptions>();
  auto* cmd = app.add_subcommand(
      "start-cluster",
      "Start a JobManager per conf/masters line (HA) and a TaskManager per conf/workers line");
  cmd->add_flag("--wait", options->wait,
                "Block until every JobManager's REST endpoint answers and the started "
                "TaskManagers are registered");
  cmd->add_option("--wait-timeout", options->wait_timeout_s, "Seconds --wait waits (default 120)")
      ->check(CLI::PositiveNumber);
  cmd->footer(
      R"(Each host is checked first: its log dir (FLINK_LOG_DIR, env.log.dir) must exist and be
writable, its pid dir writable or creatable; a daemon that died within a second of its start,
or while --wait waits, fails its row with the last lines of its .out and .log files.
Exit status: 0 all started, 1 some failed, 2 all failed (or --wait timed out).
Examples:
  flinkha --flink-home /opt/flink start-cluster
  flinkha start-cluster --wait --wait-timeout 60
  flinkha -o json start-cluster | jq '.results[] | select(.ok | not)'
See flinkha-start-cluster(1).)");
  cmd->callback([&context, options] { context.exit_code = run_start_cluster(context, *options); });
}

void setup_stop_cluster_command(CLI::App& app, Context& context) {
  auto all = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("stop-cluster",
                                 "Stop the TaskManagers on conf/workers, then the JobManagers");
  cmd->add_flag("--all", *all,
                "stop-all: every instance on each host, not only the newest per line");
  cmd->footer(R"(Exit status: 0 all stopped (or not running), 1 some failed, 2 all failed.
Examples:
  flinkha stop-cluster
  flinkha stop-cluster --all
  flinkha -o json stop-cluster | jq -r '.results[] | [.host, .role, .detail] | @tsv'
See flinkha-stop-cluster(1).)");
  cmd->callback([&context, all] { context.exit_code = run_stop_cluster(context, *all); });
}

void setup_status_command(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand(
      "status", "Daemons alive per host (Flink's pid files) and JobManager REST reachability");
  cmd->footer(R"(Exit status: 0 healthy, 1 degraded, 2 down, 3 unknown (nothing reachable).
Examples:
  flinkha status
  flinkha -o json status | jq '.hosts[] | {host, alive}'
  flinkha status >/dev/null || echo "cluster not healthy"
See flinkha-status(1).)");
  cmd->callback([&context] { context.exit_code = run_status(context); });
}

} // namespace flinkha::cli
