// `flinkha zk start` and `flinkha zk stop`: every server.X of conf/zoo.cfg (or --peer X), in
// parallel over the executor, reported in the fan-out shape. `zk status` is in zk_cmd_status.cpp.

#include "zk_cmd.hpp"

#include "cluster/zk_launch.hpp"
#include "commands.hpp"
#include "fanout_report.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <memory>
#include <set>

namespace flinkha::cli {

namespace {

constexpr std::string_view kDebianZookeeperHome = "/usr/share/zookeeper";

struct ZkActionOptions {
  std::vector<std::int64_t> peers; // --peer (empty: all)
  std::string launcher;            // --launcher
  std::string zookeeper_home;      // --zookeeper-home
  int stop_timeout_s = 10;         // --stop-timeout
};

// The ZooKeeper installation flinkha would use: --zookeeper-home, $ZOOKEEPER_HOME, Debian's.
std::optional<std::string> find_zookeeper_home(const ZkActionOptions& options,
                                               const config::Environment& environment) {
  if (!options.zookeeper_home.empty()) {
    return options.zookeeper_home;
  }
  if (auto home = environment("ZOOKEEPER_HOME")) {
    return *home;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(std::string(kDebianZookeeperHome), ec)) {
    return std::string(kDebianZookeeperHome);
  }
  return std::nullopt;
}

// --launcher, else zookeeper.launcher of the Flink configuration, else `zookeeper` when a
// ZooKeeper installation is found, else `flink`.
Result<cluster::ZkLaunchSettings> launch_settings(const config::ClusterConfig& config,
                                                  const ZkActionOptions& options,
                                                  const config::Environment& environment) {
  cluster::ZkLaunchSettings settings;
  const auto zookeeper_home = find_zookeeper_home(options, environment);
  const auto* configured = config.flink_conf.config.find(cluster::kLauncherKey);
  if (!options.launcher.empty()) {
    auto launcher = cluster::parse_zk_launcher(options.launcher);
    if (!launcher) {
      return std::unexpected(
          Error{"--launcher: " + launcher.error().message, launcher.error().hint});
    }
    settings.launcher = *launcher;
  } else if (configured != nullptr) {
    auto launcher = cluster::parse_zk_launcher(configured->value);
    if (!launcher) {
      return std::unexpected(Error{fmt::format("{}: {}: {}", to_string(configured->where),
                                               cluster::kLauncherKey, launcher.error().message),
                                   launcher.error().hint});
    }
    settings.launcher = *launcher;
  } else {
    settings.launcher =
        zookeeper_home ? cluster::ZkLauncher::zookeeper : cluster::ZkLauncher::flink;
  }

  if (settings.launcher == cluster::ZkLauncher::zookeeper) {
    settings.zookeeper_home = zookeeper_home.value_or(std::string(kDebianZookeeperHome));
  } else {
    if (!config.flink_home) {
      return fail("the flink launcher needs the Flink installation (bin/zookeeper.sh)",
                  "give --flink-home or set FLINK_HOME; or use --launcher zookeeper");
    }
    settings.flink_home = config.flink_home->string();
    settings.conf_dir = config.conf_dir.value.string();
  }
  settings.pid_dir = config.value("env.pid.dir").value_or("/tmp");
  settings.log_dir = config.value("env.log.dir");
  if (const auto* heap = config.flink_conf.config.find("zookeeper.heap.mb")) {
    const auto text = util::java_trim(heap->value);
    int mb = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), mb);
    if (ec != std::errc() || ptr != text.data() + text.size() || mb < 0) {
      return fail(fmt::format("{}: zookeeper.heap.mb '{}' is not a number of MB",
                              to_string(heap->where), util::printable(heap->value)));
    }
    settings.heap_mb = mb;
  }
  settings.stop_timeout_s = options.stop_timeout_s;
  return settings;
}

ExitCode run_action(Context& context, cluster::ZkAction action, const ZkActionOptions& options) {
  auto config = context.load_config_with_zoo_cfg();
  if (!config) {
    return report_error(config.error());
  }
  const auto& zoo = *config->zoo_cfg;
  if (has_errors(zoo.diagnostics)) {
    for (const auto& d : zoo.diagnostics) {
      if (d.severity == config::Severity::error) {
        fmt::print(stderr, "flinkha: {}: error: {} [{}]\n", to_string(d.where), d.message, d.code);
      }
    }
    return report_error(
        Error{fmt::format("{} has errors; no peer was {}", zoo.path.string(),
                          action == cluster::ZkAction::start ? "started" : "stopped"),
              "see `flinkha config check`"},
        ExitCode::config);
  }
  std::vector<config::ZkServer> peers;
  for (const auto& server : zoo.servers) {
    if (options.peers.empty() || std::ranges::count(options.peers, server.id) > 0) {
      peers.push_back(server);
    }
  }
  for (const auto id : options.peers) {
    if (std::ranges::none_of(zoo.servers, [id](const config::ZkServer& s) { return s.id == id; })) {
      return report_error(Error{fmt::format("--peer {}: zoo.cfg has no server.{}", id, id), {}},
                          ExitCode::usage);
    }
  }
  if (peers.empty()) {
    return report_error(Error{fmt::format("{} lists no server.X", zoo.path.string()), {}},
                        ExitCode::config);
  }

  const auto environment = config::process_environment();
  auto settings = launch_settings(*config, options, environment);
  if (!settings) {
    return report_error(settings.error(), ExitCode::config);
  }
  auto remote = make_remote(context.global.remote, *config, environment);
  if (!remote) {
    return report_error(remote.error(), ExitCode::config);
  }
  if (context.global.verbose) {
    for (const auto& warning : remote->warnings) {
      fmt::print(stderr, "flinkha: {}\n", warning);
    }
    fmt::print(stderr, "flinkha: zk {} with the {} launcher ({})\n", to_string(action),
               to_string(settings->launcher),
               settings->launcher == cluster::ZkLauncher::flink ? settings->flink_home
                                                                : settings->zookeeper_home);
  }

  cluster::ZkRunOptions run_options;
  run_options.window = remote->window;
  auto results =
      cluster::run_zk_action(*remote->executor, action, zoo, peers, *settings, run_options);
  for (std::size_t i = 0; i < results.size(); ++i) {
    results[i].detail = fmt::format("peer {}: {}", peers[i].id, results[i].detail);
  }
  if (context.json()) {
    auto out = fanout_json(results);
    for (std::size_t i = 0; i < results.size(); ++i) {
      auto& row = out["results"][i];
      row["peer_id"] = peers[i].id;
      row["pid"] = results[i].pids.empty() ? nlohmann::ordered_json(nullptr)
                                           : nlohmann::ordered_json(results[i].pids.front());
      row["launcher"] = to_string(settings->launcher);
    }
    fmt::print("{}\n", out.dump(2));
  } else {
    print_fanout_text(results, Style{context.color()}, context.global.verbose);
  }
  return fanout_exit_code(results);
}

void add_action_options(CLI::App* command, ZkActionOptions& options) {
  command->add_option("--peer", options.peers, "Only this server.X id (repeatable)")
      ->allow_extra_args(false);
  command
      ->add_option("--launcher", options.launcher,
                   "flink (bin/zookeeper.sh) or zookeeper (a ZooKeeper installation); default: "
                   "zookeeper.launcher, else zookeeper when one is installed")
      ->check(CLI::IsMember({"flink", "zookeeper"}, CLI::ignore_case));
  command->add_option("--zookeeper-home", options.zookeeper_home,
                      "ZooKeeper installation (default: $ZOOKEEPER_HOME, else "
                      "/usr/share/zookeeper)");
}

} // namespace

void setup_zk_command(CLI::App& app, Context& context) {
  auto* zk = app.add_subcommand("zk", "Start, stop and check the ZooKeeper peers of conf/zoo.cfg");
  zk->require_subcommand(1);
  zk->footer(R"(Examples:
  flinkha zk start
  flinkha zk status
  flinkha zk stop --peer 2
See flinkha-zk(1).)");

  auto start_options = std::make_shared<ZkActionOptions>();
  auto* start = zk->add_subcommand("start", "Start every ZooKeeper peer of conf/zoo.cfg");
  add_action_options(start, *start_options);
  start->footer(R"(Exit status: 0 all started (or already running), 1 some failed, 2 all failed.
Examples:
  flinkha zk start
  flinkha zk start --peer 3
  flinkha zk start --launcher flink --flink-home /opt/flink)");
  start->callback([&context, start_options] {
    context.exit_code = run_action(context, cluster::ZkAction::start, *start_options);
  });

  auto stop_options = std::make_shared<ZkActionOptions>();
  auto* stop = zk->add_subcommand("stop", "Stop the ZooKeeper peers flinkha or Flink started");
  add_action_options(stop, *stop_options);
  stop->add_option("--stop-timeout", stop_options->stop_timeout_s,
                   "Seconds from SIGTERM to SIGKILL (default 10)")
      ->check(CLI::Range(1, 3600));
  stop->footer(R"(Exit status: 0 all stopped (or not running), 1 some failed, 2 all failed.
Examples:
  flinkha zk stop
  flinkha zk stop --peer 1 --stop-timeout 30
  flinkha -o json zk stop | jq '.results[] | select(.ok | not)')");
  stop->callback([&context, stop_options] {
    context.exit_code = run_action(context, cluster::ZkAction::stop, *stop_options);
  });

  auto status_options = std::make_shared<ZkStatusOptions>();
  auto* status = zk->add_subcommand(
      "status", "Quorum health: every peer's mode, zxid, latency, connections, or its error");
  status
      ->add_option("--timeout", status_options->timeout_ms,
                   "Milliseconds per peer for srvr and mntr together (default 2000)")
      ->check(CLI::Range(50, 600000));
  status->add_flag("--no-mntr", status_options->no_mntr,
                   "Ask srvr only (mntr adds synced followers when the peer allows it)");
  status
      ->add_option("--watch", status_options->watch,
                   "Repeat every SECONDS and print what changed, with timestamps (Ctrl-C ends)")
      ->check(CLI::PositiveNumber);
  status->footer(R"(Exit status: 0 healthy, 1 degraded, 2 lost, 3 no peer reachable.
Examples:
  flinkha zk status
  flinkha zk status --timeout 500 -o json | jq .verdict
  flinkha zk status --watch 2)");
  status->callback(
      [&context, status_options] { context.exit_code = run_zk_status(context, *status_options); });
}

} // namespace flinkha::cli
