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
//   parse_gone_probe     plans.hpp pids_gone_probe() and started_probe(): "flinkha-gone PID" /
//                        "flinkha-alive PID"
//   parse_start_lint     the start lint (plans.hpp): "flinkha-lint KIND env|conf DIR"
//   parse_tails          "flinkha-file PID out|log|err PATH", then "flinkha-tail PID out|log|err
//                        LINE" per line: the end of a daemon's .out / .log file
//   script_failure_line  a line of the daemon scripts' output that names a failure
//   without_probe_lines  a script's stdout without the lines flinkha's own probes add
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

// One problem the start lint found on a host. `kind`: log-dir-missing, log-dir-not-a-directory,
// log-dir-not-writable, pid-dir-not-a-directory, pid-dir-not-writable, pid-dir-not-creatable.
// `from_environment`: the host's FLINK_LOG_DIR / FLINK_PID_DIR named the dir (they win over
// env.log.dir / env.pid.dir in config.sh).
struct LintProblem {
  std::string kind;
  bool from_environment = false;
  std::string dir;
};
std::vector<LintProblem> parse_start_lint(std::string_view text);

struct DaemonFileTail {
  int pid = 0;
  // "out" (the JVM's stdout and stderr), "log" (Flink's log file: its last lines) or "err" (the
  // log file's ERROR and "Caused by:" lines, when it has any)
  std::string kind;
  std::string path;
  std::vector<std::string> lines; // the file's last lines, oldest first, as printable text
};
std::vector<DaemonFileTail> parse_tails(std::string_view text);

// The first line that says the daemon could not start although the script may have exited 0:
// a bash error of one of Flink's bin scripts ("…/bin/flink-daemon.sh: line 139: /x/….out: No
// such file or directory": flink-daemon.sh forks the JVM with `> "$out" … &` and records its pid
// before the redirection fails) naming a failure (No such file or directory, Permission denied,
// cannot open, Is a directory, Not a directory, Read-only file system, No space left on device,
// command not found, cannot execute), or a "[ERROR]" line (config.sh, bash-java-utils.sh).
// Other shell errors (a login profile's) do not count. Searched in stderr, then stdout.
std::optional<std::string> script_failure_line(std::string_view stderr_text,
                                               std::string_view stdout_text);

std::string without_probe_lines(std::string_view text);

} // namespace flinkha::cluster
