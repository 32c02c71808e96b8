#pragma once
// What flinkha knows about Flink's daemons, independent of any host:
//
//   Role            jobmanager | taskmanager | zookeeper (the "role" of the fan-out JSON)
//   DaemonAction    start | stop | stop-all (the first argument of jobmanager.sh / taskmanager.sh)
//   daemon_names    flink-daemon.sh's daemon names per Flink version; they name the pid files
//   FlinkInstall    where Flink lives on every host (the scripts assume one layout everywhere),
//                   which conf dir and version apply, and the configured pid and log dirs
//   make_install    FlinkInstall from a loaded ClusterConfig
//
// Reference: flink-scripts.md §2 (flink-daemon.sh) and §4 (argument conventions).

#include "config/cluster_config.hpp"
#include "config/flink_version.hpp"
#include "util/result.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::cluster {

enum class Role { jobmanager, taskmanager, zookeeper };
std::string_view to_string(Role role);

enum class DaemonAction { start, stop, stop_all };
std::string_view to_string(DaemonAction action); // "start", "stop", "stop-all"

// flink-daemon.sh names: 1.0-1.4 jobmanager/taskmanager; 1.5/1.6 standalonesession (or the
// legacy jobmanager with `mode: legacy`, so both are looked for) and taskexecutor; 1.7+
// standalonesession and taskexecutor; zookeeper throughout. The pid file of daemon D is
// $FLINK_PID_DIR/flink-$FLINK_IDENT_STRING-D.pid.
std::vector<std::string> daemon_names(Role role, const config::FlinkVersion& version);

// Prefix of the pid files flinkha's own ZooKeeper launcher (`flinkha zk start`) writes in the same
// pid dir: flinkha-<user>-zookeeper-<id>.pid.
inline constexpr std::string_view kFlinkhaZooKeeperPidPrefix = "flinkha-";

struct FlinkInstall {
  std::filesystem::path flink_home; // the same path on every host, as Flink's scripts assume
  std::filesystem::path conf_dir;
  bool conf_dir_is_default = true; // conf_dir == flink_home/conf: no FLINK_CONF_DIR to export
  config::FlinkVersion version;
  std::string pid_dir = "/tmp"; // env.pid.dir; a host's $FLINK_PID_DIR wins, as in config.sh
  // env.log.dir, else FLINK_HOME/log (config.sh's DEFAULT_FLINK_LOG_DIR); a host's
  // $FLINK_LOG_DIR wins. flink-daemon.sh writes each daemon's .out there and never creates it.
  std::string log_dir;

  std::filesystem::path script(std::string_view name) const; // flink_home/bin/<name>
};

enum class NeedFlinkHome { yes, no };

// Errors: FLINK_HOME unknown (neither --flink-home nor $FLINK_HOME) when `need` is yes (starting
// and stopping run its scripts; reading pid files does not), a path, pid or log dir with control
// characters.
Result<FlinkInstall> make_install(const config::ClusterConfig& config,
                                  NeedFlinkHome need = NeedFlinkHome::yes);

} // namespace flinkha::cluster
