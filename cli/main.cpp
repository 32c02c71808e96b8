// flinkha: launcher and operator toolkit for Apache Flink clusters with ZooKeeper HA.
// main() only wires the global options and the command table together; each command lives in
// its own cli/<group>_cmd.cpp and calls into lib/.

#include "abort_guard.hpp"
#include "commands.hpp"
#include "context.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>

namespace {

constexpr const char* kFooter = R"(Examples:
  flinkha config check                     lint ./conf (or $FLINK_CONF_DIR)
  flinkha zk start && flinkha zk status    run and check the ZooKeeper ensemble of conf/zoo.cfg
  flinkha start-cluster --wait             JobManagers on conf/masters, TaskManagers on conf/workers
  flinkha leader show                      which JobManager leads, from ZooKeeper
  flinkha inspect                          HA data in ZooKeeper and storageDir, cross-referenced
  flinkha -o json status | jq .verdict     every command speaks JSON

Exit codes: 0 ok, 1 warning or some hosts failed, 2 critical, 3 unknown, 64 usage error,
78 configuration error. See flinkha(1) and flinkha-COMMAND(1).)";

void add_global_options(CLI::App& app, flinkha::cli::GlobalOptions& options) {
  app.add_option("--conf-dir", options.conf_dir,
                 "Flink conf dir (default: $FLINK_CONF_DIR, else $FLINK_HOME/conf, else ./conf)");
  app.add_option("--flink-home", options.flink_home, "Flink installation (default: $FLINK_HOME)");
  app.add_option(
      "--flink-version", options.flink_version,
      "Flink version X.Y (default: from lib/flink-dist*.jar, else the newest supported)");
  app.add_option("-o,--output", options.output, "Output format: text (default) or json")
      ->transform(CLI::IsMember({"text", "json"}, CLI::ignore_case));
  app.add_flag("-v,--verbose", options.verbose,
               "More detail; -vv also the ZooKeeper client's own log");
  app.add_flag("--no-color", options.no_color, "No ANSI colours (also: NO_COLOR)");
  flinkha::cli::add_remote_flags(app, options.remote);
}

} // namespace

int main(int argc, char** argv) {
  using flinkha::cli::ExitCode;
  flinkha::cli::install_abort_guard();
  flinkha::cli::Context context;

  CLI::App app{"flinkha: start, stop, check and inspect Apache Flink clusters with ZooKeeper HA",
               "flinkha"};
  app.set_version_flag("--version", std::string("flinkha ") + FLINKHA_VERSION);
  app.footer(kFooter);
  app.require_subcommand(1);
  // Global options may also follow the command: `flinkha config show -o json`.
  app.fallthrough();
  add_global_options(app, context.global);
  for (const auto& command : flinkha::cli::kCommands) {
    command.setup(app, context);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return static_cast<int>(ExitCode::usage);
  }
  return static_cast<int>(context.exit_code);
}
