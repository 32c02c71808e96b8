#pragma once
// Starting and stopping ZooKeeper peers on their hosts (`zk start` / `zk stop`):
//
//   ZkLaunchSettings   where things are: launcher, ZooKeeper or Flink home, pid/log dirs, timeouts
//   zk_start_script    one-line POSIX sh script that starts one peer (below)
//   zk_stop_script     one-line script that stops one peer it or Flink's launcher started
//   zk_command         the script as a RemoteCommand (`exec /bin/bash -l -c SCRIPT`: a login
//                      shell, as start-zookeeper-quorum.sh uses, so JAVA_HOME/PATH of the
//                      profile apply)
//   interpret_zk_result  what a script run means for the operator (pure, table-tested)
//   run_zk_action      all of the above for many peers at once over an Executor (fan_out)
//
// The scripts report on stdout with lines "flinkha-zk: <word> [pid] [seconds]" (started,
// already-running, stopped, killed, not-running) and fail with a non-zero exit status and a line
// "flinkha-zk: error: <why>" on stderr. Every value from configuration is shell-quoted
// (remote::shell_quote), file contents are written with printf '%s\n' and quoted lines.
//
// zookeeper launcher (what zkServer.sh does, per peer):
//   mkdir dataDir; write <dataDir>/zoo.cfg (render_peer_config) and <dataDir>/myid; if the pid
//   file names a live JVM, report already-running; else nohup java -cp <ZooKeeper jars>
//   QuorumPeerMain <cfg> </dev/null >><log> 2>&1 &, write the pid file, and check that the JVM
//   is still alive after start_check_ms (else print the log tail and fail).
//   pid file: <pid dir>/flinkha-<user>-zookeeper-<id>.pid (pid dir: env.pid.dir, default /tmp);
//   log file: <env.log.dir, else the dataDir>/flinkha-<user>-zookeeper-<id>.log.
//   Classpath: <home>/*.jar + <home>/lib/*.jar (+ <home>/conf) for a tarball install, else
//   Debian's /usr/share/java/zookeeper.jar (its manifest Class-Path names the dependencies) plus
//   /usr/share/java/slf4j-simple.jar as the logging binding when present.
// flink launcher (what start-zookeeper-quorum.sh does, per peer):
//   FLINK_CONF_DIR=<conf dir> <FLINK_HOME>/bin/zookeeper.sh start <id>; the peer's pid is the
//   live line of <pid dir>/flink-<user>-zookeeper.pid whose command line ends in --peerId <id>.
// Stop: SIGTERM, wait up to stop_timeout_s, SIGKILL (Flink's guaranteed_kill), remove the pid
// (file or line). Processes are found only through these pid files, never by name.
// Liveness: kill -0, and on Linux not a zombie (/proc/<pid>/stat), and the command line is a
// ZooKeeper peer's (/proc/<pid>/cmdline), so a recycled pid is not signalled.

#include "cluster/zk_peers.hpp"
#include "config/zoo_cfg.hpp"
#include "remote/executor.hpp"
#include "remote/host_result.hpp"
#include "util/result.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::cluster {

enum class ZkAction { start, stop };
std::string_view to_string(ZkAction action); // "start" | "stop"

struct ZkLaunchSettings {
  ZkLauncher launcher = ZkLauncher::zookeeper;
  std::string zookeeper_home = "/usr/share/zookeeper"; // zookeeper launcher
  std::string flink_home;                              // flink launcher: bin/zookeeper.sh
  std::string conf_dir;               // flink launcher: FLINK_CONF_DIR (it reads zoo.cfg there)
  std::string pid_dir = "/tmp";       // env.pid.dir
  std::optional<std::string> log_dir; // env.log.dir; default: the peer's dataDir
  int heap_mb = 0;                    // zookeeper.heap.mb (-Xms/-Xmx); 0: the JVM's default
  int stop_timeout_s = 10;            // SIGTERM to SIGKILL, as flink-daemon.sh
  int start_check_ms = 2000;          // how long a fresh JVM must stay alive to count as started
  std::string peer_template = std::string(default_peer_template());
};

// Errors: a value that cannot be quoted (control characters), a template error.
Result<std::string> zk_start_script(const config::ZooCfg& zoo_cfg, const config::ZkServer& server,
                                    const ZkLaunchSettings& settings);
Result<std::string> zk_stop_script(const config::ZkServer& server,
                                   const ZkLaunchSettings& settings);

// The script wrapped for the peer's host, with `timeout` for the whole command (a stop may take
// stop_timeout_s plus a few seconds).
Result<remote::RemoteCommand> zk_command(ZkAction action, const config::ZooCfg& zoo_cfg,
                                         const config::ZkServer& server,
                                         const ZkLaunchSettings& settings,
                                         std::chrono::milliseconds timeout);

// Reads the script's report into one fan-out row (role "zookeeper"; detail "started (pid 4711)",
// "already running (pid 4711)", "stopped (pid 4711)", "killed after 10 s (pid 4711)",
// "not running", "failed"; pids: the peer's pid when the report names one).
// ok: exit 0 with a report line. A non-zero exit, an exit 0 without
// a report line, and an executor Error are failures whose `error` says why (the script's own
// "flinkha-zk: error:" line when there is one).
remote::HostResult interpret_zk_result(ZkAction action, const config::ZkServer& server,
                                       const Result<remote::CommandResult>& result);

struct ZkRunOptions {
  std::size_t window = 32;                      // peers worked on at once
  std::chrono::milliseconds command_timeout{0}; // 0: start_check + 60 s, stop_timeout + 30 s
};

// Runs `action` for every peer of `peers` at once (fan_out); rows in the order of `peers` (so
// row i is peer peers[i].id).
// A peer whose command cannot be built fails alone, without running anything.
std::vector<remote::HostResult> run_zk_action(remote::Executor& executor, ZkAction action,
                                              const config::ZooCfg& zoo_cfg,
                                              std::span<const config::ZkServer> peers,
                                              const ZkLaunchSettings& settings,
                                              const ZkRunOptions& options = {});

} // namespace flinkha::cluster
