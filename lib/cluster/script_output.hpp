#pragma once
// Reading what the daemon scripts and flinkha's probe snippets print.
//
//   parse_start_output   flink-daemon.sh start: "Starting D daemon on host H.", "[INFO] N
//                        instance(s) of D are already running on H.", "Error starting D daemon."
//   parse_stop_output    flink-daemon.sh stop|stop-all: "Stopping D daemon (pid: P) on host H.",
//                        "Daemon D didn't stop within 10 seconds. Killing it." (1.12+), "No D
//                        daemon (pid: P) is running anymore on H.", "Skipping D daemon (pid: P),
//                        because it is not running anymore on H.", "No D daemon to stop on host H."
//   parse_pid_probe      plans.hpp pid_probe(): "flinkha-piddir DIR" and per pid
//                        "flinkha-pid ROLE DAEMON PID alive|dead FILE"
//   parse_gone_probe     plans.hpp pids_gone_probe(): "flinkha-gone PID" / "flinkha-alive PID"
//
// Lines that match nothing are ignored (a login shell's profile may print anything). None of
// these fail: unreadable input yields an empty result.

#include "cluster/daemons.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::cluster {

struct StartOutput {
  bool starting = false;       // "Starting D daemon on host H."
  std::string daemon;          // D
  std::string reported_host;   // H (the remote $HOSTNAME)
  int already_running = 0;     // from the [INFO] line
  bool error_starting = false; // "Error starting D daemon."
};
StartOutput parse_start_output(std::string_view text);

struct StopOutput {
  std::vector<int> stopping;    // SIGTERM sent
  std::vector<int> killed;      // ... and kill -9 after 10 s
  std::vector<int> not_running; // stale pid file entries
  bool nothing_to_stop = false; // no pid file (or an empty one)
};
StopOutput parse_stop_output(std::string_view text);

struct DaemonProcess {
  Role role = Role::jobmanager;
  std::string daemon; // "standalonesession", "taskexecutor", "zookeeper", "zookeeper-3" (flinkha)
  int pid = 0;
  bool alive = false;
  std::string pid_file;
};

struct PidProbe {
  std::string pid_dir;                  // as resolved on the host
  std::vector<DaemonProcess> processes; // in pid file order
};
PidProbe parse_pid_probe(std::string_view text);

struct GoneProbe {
  std::vector<int> gone;
  std::vector<int> alive;
};
GoneProbe parse_gone_probe(std::string_view text);

} // namespace flinkha::cluster
