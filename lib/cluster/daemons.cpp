#include "cluster/daemons.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

namespace flinkha::cluster {

namespace {

bool has_control_characters(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return true;
    }
  }
  return false;
}

} // namespace

std::string_view to_string(Role role) {
  switch (role) {
  case Role::jobmanager:
    return "jobmanager";
  case Role::taskmanager:
    return "taskmanager";
  case Role::zookeeper:
    return "zookeeper";
  }
  return "?";
}

std::string_view to_string(DaemonAction action) {
  switch (action) {
  case DaemonAction::start:
    return "start";
  case DaemonAction::stop:
    return "stop";
  case DaemonAction::stop_all:
    return "stop-all";
  }
  return "?";
}

std::vector<std::string> daemon_names(Role role, const config::FlinkVersion& version) {
  constexpr config::FlinkVersion kSession{1, 5};
  constexpr config::FlinkVersion kLegacyRemoved{1, 7};
  switch (role) {
  case Role::jobmanager:
    if (version < kSession) {
      return {"jobmanager"};
    }
    if (version < kLegacyRemoved) {
      return {"standalonesession", "jobmanager"};
    }
    return {"standalonesession"};
  case Role::taskmanager:
    return {version < kSession ? "taskmanager" : "taskexecutor"};
  case Role::zookeeper:
    return {"zookeeper"};
  }
  return {};
}

std::filesystem::path FlinkInstall::script(std::string_view name) const {
  return flink_home / "bin" / name;
}

Result<FlinkInstall> make_install(const config::ClusterConfig& config, NeedFlinkHome need) {
  if (!config.flink_home && need == NeedFlinkHome::yes) {
    return fail(
        "FLINK_HOME is not known: the daemon scripts run from $FLINK_HOME/bin on every host",
        "give --flink-home DIR or set FLINK_HOME (the same path on every host)");
  }
  FlinkInstall install;
  install.flink_home = config.flink_home.value_or("/nonexistent").lexically_normal();
  if (!install.flink_home.has_filename() && install.flink_home.has_parent_path()) {
    install.flink_home = install.flink_home.parent_path(); // "/opt/flink/" -> "/opt/flink"
  }
  install.conf_dir = config.conf_dir.value.lexically_normal();
  install.conf_dir_is_default =
      install.conf_dir == (install.flink_home / "conf").lexically_normal();
  install.version = config.flink_version.value;
  install.pid_dir = config.value("env.pid.dir").value_or("/tmp");
  if (install.pid_dir.empty()) {
    install.pid_dir = "/tmp";
  }
  install.log_dir = config.value("env.log.dir").value_or("");
  if (install.log_dir.empty()) {
    install.log_dir = (install.flink_home / "log").string();
  }
  for (const auto& [what, text] :
       {std::pair{"FLINK_HOME", install.flink_home.string()},
        std::pair{"conf dir", install.conf_dir.string()}, std::pair{"env.pid.dir", install.pid_dir},
        std::pair{"env.log.dir", install.log_dir}}) {
    if (has_control_characters(text)) {
      return failf("{} holds a control character: {}", what, util::printable(text, 200));
    }
  }
  return install;
}

} // namespace flinkha::cluster
