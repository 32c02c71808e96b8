// `flinkha jobmanager start|stop HOST[:PORT]...` and `flinkha taskmanager start|stop [HOST...]`:
// single daemons, with the same plans, verification and report as start-cluster/stop-cluster.

#include "cluster/plans.hpp"
#include "cluster_cmd.hpp"
#include "commands.hpp"

#include <fmt/format.h>

#include <charconv>
#include <memory>

namespace flinkha::cli {

namespace {

struct DaemonOptions {
  std::vector<std::string> targets;
  bool all = false;
};

struct Target {
  std::string host;
  std::optional<int> port;
};

// HOST, HOST:PORT, [IPv6]:PORT or a bare IPv6 literal.
Result<Target> parse_target(std::string_view text) {
  Target target;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) {
      return failf("'{}': missing ']'", text);
    }
    target.host = std::string(text.substr(1, close - 1));
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        return failf("'{}': expected ':PORT' after ']'", text);
      }
      port_text = rest.substr(1);
    }
  } else if (std::ranges::count(text, ':') == 1) {
    const auto colon = text.find(':');
    target.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  } else {
    target.host = std::string(text);
  }
  if (auto why = config::validate_host(target.host)) {
    return failf("invalid host '{}': {}", target.host, *why);
  }
  if (!port_text.empty() || (text.ends_with(':'))) {
    int port = -1;
    const auto* end = port_text.data() + port_text.size();
    const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
    if (ec != std::errc{} || ptr != end || port < 0 || port > 65535) {
      return failf("'{}': port must be a number in 0..65535", text);
    }
    target.port = port;
  }
  return target;
}

// Without a port on the command line, a conf/masters line for the same host supplies it.
std::optional<int> masters_port(const config::ClusterConfig& config, const std::string& host) {
  if (config.masters) {
    for (const auto& master : config.masters->masters) {
      if (master.host == host && master.port_given) {
        return master.web_ui_port;
      }
    }
  }
  return std::nullopt;
}

ExitCode run_daemon(Context& context, cluster::Role role, cluster::DaemonAction action,
                    const DaemonOptions& options) {
  auto setup = prepare_daemons(context, cluster::NeedFlinkHome::yes);
  if (!setup) {
    return setup.error();
  }
  const auto timeout = setup->remote.command_timeout;
  std::vector<cluster::PlannedAction> plan;
  const bool all = options.all || action == cluster::DaemonAction::stop_all;

  std::vector<std::string> targets = options.targets;
  if (targets.empty() && role == cluster::Role::taskmanager) {
    if (!setup->config.workers) {
      return report_error(Error{"no conf/workers file and no HOST given",
                                "name the hosts: flinkha taskmanager start HOST..."},
                          ExitCode::usage);
    }
    for (const auto& worker : setup->config.workers->workers) {
      targets.push_back(worker.host);
    }
  }
  for (const auto& text : targets) {
    Result<cluster::PlannedAction> planned = fail("");
    if (role == cluster::Role::jobmanager) {
      auto target = parse_target(text);
      if (!target) {
        return report_error(target.error(), ExitCode::usage);
      }
      planned = action == cluster::DaemonAction::start
                    ? cluster::jobmanager_start(
                          setup->install, target->host,
                          target->port ? target->port : masters_port(setup->config, target->host),
                          timeout)
                    : cluster::jobmanager_stop(setup->install, target->host, all, timeout);
    } else {
      planned = action == cluster::DaemonAction::start
                    ? cluster::taskmanager_start(setup->install, text, timeout)
                    : cluster::taskmanager_stop(setup->install, text, all, timeout);
    }
    if (!planned) {
      return report_error(planned.error(), ExitCode::usage);
    }
    plan.push_back(std::move(*planned));
  }
  const auto results = cluster::run_actions(*setup->remote.executor, setup->install, plan,
                                            run_options(context, *setup, &stderr_sink()));
  return report_daemon_results(context, results, {});
}

void add_daemon_group(CLI::App& app, Context& context, cluster::Role role) {
  const bool jm = role == cluster::Role::jobmanager;
  auto* group = app.add_subcommand(
      std::string(to_string(role)),
      jm ? "Start or stop one JobManager per HOST[:PORT]"
         : "Start or stop TaskManagers on HOSTs (default: every conf/workers line)");
  group->require_subcommand(1);
  group->footer(jm ? R"(Examples:
  flinkha jobmanager start master2:8082
  flinkha jobmanager stop master2
See flinkha-jobmanager(1).)"
                   : R"(Examples:
  flinkha taskmanager start
  flinkha taskmanager stop worker7 --all
See flinkha-taskmanager(1).)");

  for (const auto action : {cluster::DaemonAction::start, cluster::DaemonAction::stop}) {
    auto options = std::make_shared<DaemonOptions>();
    const bool start = action == cluster::DaemonAction::start;
    auto* cmd = group->add_subcommand(
        std::string(to_string(action)),
        start ? (jm ? "jobmanager.sh start HOST PORT on HOST (PORT: given, else the conf/masters "
                      "line's, else rest.port)"
                    : "taskmanager.sh start on each HOST (a HOST given twice gets two)")
              : (jm ? "jobmanager.sh stop (or stop-all) on each HOST"
                    : "taskmanager.sh stop (or stop-all) on each HOST"));
    if (jm) {
      cmd->add_option("targets", options->targets, "HOST[:PORT] (IPv6: [addr]:PORT)")->required();
    } else {
      cmd->add_option("hosts", options->targets, "Hosts (default: every conf/workers line)");
    }
    if (!start) {
      cmd->add_flag("--all", options->all, "stop-all: every instance on the host, not the newest");
    }
    cmd->footer(jm ? (start ? R"(Examples:
  flinkha jobmanager start master1:8081
  flinkha jobmanager start master2 '[2001:db8::7]:8082'
  flinkha -o json jobmanager start master1 | jq '.results[0].detail')"
                            : R"(Examples:
  flinkha jobmanager stop master1
  flinkha jobmanager stop --all master1 master2)")
                   : (start ? R"(Examples:
  flinkha taskmanager start
  flinkha taskmanager start worker3 worker3
  flinkha --fanout 64 taskmanager start)"
                            : R"(Examples:
  flinkha taskmanager stop
  flinkha taskmanager stop --all worker3)"));
    cmd->callback([&context, role, action, options] {
      context.exit_code = run_daemon(context, role, action, *options);
    });
  }
}

} // namespace

void setup_jobmanager_command(CLI::App& app, Context& context) {
  add_daemon_group(app, context, cluster::Role::jobmanager);
}

void setup_taskmanager_command(CLI::App& app, Context& context) {
  add_daemon_group(app, context, cluster::Role::taskmanager);
}

} // namespace flinkha::cli
