#include "context.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <unistd.h>

namespace flinkha::cli {

bool Context::color() const {
  const char* no_color = std::getenv("NO_COLOR");
  return !global.no_color && (no_color == nullptr || *no_color == '\0') && !json() &&
         isatty(STDOUT_FILENO) == 1;
}

Result<config::ClusterConfig> Context::load_config() const {
  config::LoadRequest request;
  if (global.conf_dir) {
    request.conf_dir = *global.conf_dir;
  }
  if (global.flink_home) {
    request.flink_home = *global.flink_home;
  }
  if (global.flink_version) {
    auto version = config::parse_flink_version(*global.flink_version);
    if (!version) {
      // A flag's value, not the cluster's files: a usage error (64), not configuration (78).
      return fail(ErrorCategory::usage, "--flink-version: " + version.error().message,
                  "give a supported version such as 1.20 or 2.0");
    }
    request.flink_version = *version;
  }
  auto config = config::load_cluster_config(request);
  if (!config && config.error().category == ErrorCategory::internal) {
    return std::unexpected(with_category(config.error(), ErrorCategory::configuration));
  }
  return config;
}

Result<config::ClusterConfig> Context::load_config_with_zoo_cfg() const {
  auto config = load_config();
  if (config && !config->zoo_cfg) {
    return fail(ErrorCategory::configuration,
                fmt::format("no zoo.cfg in {}", config->conf_dir.value.string()),
                "list the ensemble in conf/zoo.cfg: server.1=host:2888:3888;2181");
  }
  return config;
}

ExitCode report_error(const Error& error, ExitCode fallback) {
  fmt::print(stderr, "flinkha: error: {}\n", error.message);
  if (!error.hint.empty()) {
    fmt::print(stderr, "  hint: {}\n", error.hint);
  }
  return exit_code_for(error, fallback);
}

ExitCode report_error(const Error& error) {
  return report_error(error, exit_code_for(error.category));
}

} // namespace flinkha::cli
