#pragma once
// What every command gets: the global options, output settings, and the exit-code convention.

#include "config/cluster_config.hpp"
#include "remote_setup.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>

namespace flinkha::cli {

// Nagios/Icinga plugin convention plus sysexits(3) for usage and configuration errors
// (DESIGN.md "Exit codes").
enum class ExitCode : int {
  ok = 0,
  warning = 1,  // degraded, or some hosts failed
  critical = 2, // the operation failed
  unknown = 3,  // nothing could be reached to decide
  usage = 64,   // EX_USAGE
  config = 78,  // EX_CONFIG
};

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

  // The cluster configuration per the global options. Errors are reported by the caller.
  Result<config::ClusterConfig> load_config() const;
};

// Prints "flinkha: error: <message>" (and "  hint: <hint>") to stderr and returns `code`.
ExitCode report_error(const Error& error, ExitCode code);

} // namespace flinkha::cli
