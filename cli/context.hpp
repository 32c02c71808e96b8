#pragma once
// What every command gets: the global options, output settings, and the exit-code convention.

#include "config/cluster_config.hpp"
#include "exit_codes.hpp"
#include "remote_setup.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>

namespace flinkha::cli {

struct GlobalOptions {
  std::optional<std::string> conf_dir;
  std::optional<std::string> flink_home;
  std::optional<std::string> flink_version;
  std::string output = "text"; // "text" | "json" (validated by CLI11)
  int verbose = 0;             // how many -v: 1 more detail, 2 also the ZooKeeper C client's log
  bool no_color = false;
  RemoteFlags remote;
};

class Context {
public:
  GlobalOptions global;
  ExitCode exit_code = ExitCode::ok;

  // Whether text output may use ANSI colours: stdout is a terminal, no --no-color, no NO_COLOR.
  bool color() const;
  bool json() const { return global.output == "json"; }

  // The cluster configuration per the global options. Errors are reported by the caller; they are
  // configuration errors unless a global option's value is wrong (usage).
  Result<config::ClusterConfig> load_config() const;

  // load_config(), and conf/zoo.cfg must be there (the zk commands).
  Result<config::ClusterConfig> load_config_with_zoo_cfg() const;
};

// Prints "flinkha: error: <message>" (and "  hint: <hint>") to stderr and returns the exit code
// of the error's category (exit_codes.hpp).
ExitCode report_error(const Error& error);

// The same, with `fallback` as the code when the error is unclassified (ErrorCategory::internal):
// a classified error always exits with its category's code.
ExitCode report_error(const Error& error, ExitCode fallback);

} // namespace flinkha::cli
