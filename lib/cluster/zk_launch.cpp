#include "cluster/zk_launch.hpp"

#include "cluster/shell_functions.hpp"
#include "remote/fan_out.hpp"
#include "remote/shell_quote.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>

namespace flinkha::cluster {

namespace {

constexpr std::string_view kReportPrefix = "flinkha-zk: ";
constexpr std::string_view kErrorPrefix = "flinkha-zk: error: ";
constexpr std::string_view kMainClass = "org.apache.zookeeper.server.quorum.QuorumPeerMain";
constexpr std::string_view kDebianZookeeperJar = "/usr/share/java/zookeeper.jar";
constexpr std::string_view kDebianSlf4jBinding = "/usr/share/java/slf4j-simple.jar";

// Shell functions and variables every script starts with, after kAliveFunction
// (shell_functions.hpp). `cmdline_has PID TEXT`: where /proc tells, the process is a ZooKeeper
// peer's JVM, so a recycled pid is left alone. `stop_pid PID SECONDS`: SIGTERM, wait, SIGKILL;
// returns 1 when SIGKILL was needed.
constexpr std::string_view kPrelude =
    "cmdline_has() { [ -r \"/proc/$1/cmdline\" ] || return 0; "
    "tr '\\000' ' ' < \"/proc/$1/cmdline\" | grep -q -e \"$2\"; }; "
    "stop_pid() { kill \"$1\" 2>/dev/null; i=0; while alive \"$1\"; do "
    "if [ \"$i\" -ge \"$(($2 * 10))\" ]; then kill -9 \"$1\" 2>/dev/null; j=0; "
    "while alive \"$1\" && [ \"$j\" -lt 50 ]; do sleep 0.1; j=$((j + 1)); done; return 1; fi; "
    "sleep 0.1; i=$((i + 1)); done; return 0; }; "
    "fail() { echo \"flinkha-zk: error: $*\" >&2; exit 1; }; "
    // The pid-file identity and dir as Flink's config.sh and `flinkha status` use them.
    "u=${FLINK_IDENT_STRING:-${USER:-$(id -un)}}; ";

// Collects quoted words; the first quoting error is kept and reported by finish().
class Quoter {
public:
  std::string operator()(std::string_view word) {
    auto quoted = remote::shell_quote(word);
    if (!quoted) {
      if (!m_error) {
        m_error = quoted.error();
      }
      return "''";
    }
    return *quoted;
  }

  Result<std::string> finish(std::string script) const {
    if (m_error) {
      return std::unexpected(*m_error);
    }
    return script;
  }

private:
  std::optional<Error> m_error;
};

// Sets $d to the peer's dataDir: the explicit one, else the per-user default (zk_peers.hpp).
std::string data_dir_assignment(const config::ZooCfg& zoo_cfg, std::int64_t id, Quoter& q) {
  if (auto explicit_dir = data_dir_of(zoo_cfg, id)) {
    return fmt::format("d={}; ", q(*explicit_dir));
  }
  const auto peer = fmt::format("peer-{}", id);
  return fmt::format("if [ \"$(id -u)\" -eq 0 ]; then d={}; "
                     "else [ -n \"$HOME\" ] || fail 'HOME is not set'; d=\"$HOME\"/{}; fi; ",
                     q(fmt::format("{}/{}", kRootDataBase, peer)),
                     q(fmt::format("{}/{}", kUserDataBase, peer)));
}

// Lines of a file as printf arguments; the dataDir line refers to $d (known only on the host).
std::string printf_lines(std::string_view text, std::string_view data_dir_line, Quoter& q) {
  std::string words;
  for (const auto line : util::split_lines(text)) {
    words += ' ';
    words += line == data_dir_line ? std::string("\"dataDir=$d\"") : q(line);
  }
  return fmt::format("printf '%s\\n'{}", words);
}

// The pid of the stop/start of the flink launcher: the live line of Flink's pid file whose JVM
// runs --peerId <id>. Defines find_peer() (prints the pid, status 1 when none).
std::string flink_find_peer(const config::ZkServer& server, const ZkLaunchSettings& settings,
                            Quoter& q) {
  // As Flink's config.sh: $FLINK_PID_DIR over env.pid.dir, $FLINK_IDENT_STRING over $USER (set
  // to the user when missing, as an ssh login would).
  return fmt::format("USER=${{USER:-$u}}; export USER; piddir=${{FLINK_PID_DIR:-{}}}; "
                     "pid_file=\"$piddir\"/flink-\"${{FLINK_IDENT_STRING:-$USER}}\"-zookeeper.pid; "
                     "find_peer() {{ [ -f \"$pid_file\" ] || return 1; while read -r p; do "
                     "case \"$p\" in ''|*[!0-9]*) continue;; esac; "
                     "if alive \"$p\" && cmdline_has \"$p\" {}; then echo \"$p\"; return 0; fi; "
                     "done < \"$pid_file\"; return 1; }}; ",
                     q(settings.pid_dir),
                     q(fmt::format("FlinkZooKeeperQuorumPeer.* --peerId {} *$", server.id)));
}

std::string zookeeper_pid_file(const config::ZkServer& server, const ZkLaunchSettings& settings,
                               Quoter& q) {
  return fmt::format(
      "piddir=${{FLINK_PID_DIR:-{}}}; pid_file=\"$piddir\"/flinkha-\"$u\"-zookeeper-{}.pid; ",
      q(settings.pid_dir), server.id);
}

// Waits start_check_ms, then reports the JVM ($p) started, or fails with the log's tail.
std::string check_started(const ZkLaunchSettings& settings, std::string_view on_death) {
  const int polls = std::max(1, settings.start_check_ms / 200);
  return fmt::format("i=0; while [ \"$i\" -lt {} ] && alive \"$p\"; do sleep 0.2; i=$((i + 1)); "
                     "done; if alive \"$p\"; then echo \"flinkha-zk: started $p\"; exit 0; fi; "
                     "{}",
                     polls, on_death);
}

std::string zookeeper_start(const config::ZooCfg& zoo_cfg, const config::ZkServer& server,
                            const ZkLaunchSettings& settings, std::string_view config_text,
                            std::string_view data_dir_line, Quoter& q) {
  std::string s;
  s += zookeeper_pid_file(server, settings, q);
  s += data_dir_assignment(zoo_cfg, server.id, q);
  s += settings.log_dir ? fmt::format("logdir={}; ", q(*settings.log_dir))
                        : std::string("logdir=\"$d\"; ");
  s += fmt::format("log=\"$logdir\"/flinkha-\"$u\"-zookeeper-{}.log; cfg=\"$d\"/zoo.cfg; ",
                   server.id);
  s += "mkdir -p \"$piddir\" \"$d\" \"$logdir\" || fail \"cannot create $d, $logdir or $piddir\"; ";
  // Already running: report it, never start a second JVM on the same dataDir and ports.
  s += fmt::format("if [ -f \"$pid_file\" ]; then p=$(cat \"$pid_file\"); "
                   "case \"$p\" in ''|*[!0-9]*) ;; *) if alive \"$p\" && cmdline_has \"$p\" {}; "
                   "then echo \"flinkha-zk: already-running $p\"; exit 0; fi;; esac; "
                   "rm -f \"$pid_file\"; fi; ",
                   q("zookeeper"));
  s += fmt::format(
      "{} > \"$cfg.tmp\" && mv -f \"$cfg.tmp\" \"$cfg\" || fail \"cannot write $cfg\"; ",
      printf_lines(config_text, data_dir_line, q));
  s += fmt::format("printf '%s\\n' {} > \"$d\"/myid || fail \"cannot write $d/myid\"; ", server.id);
  s += "if [ -n \"$JAVA_HOME\" ] && [ -x \"$JAVA_HOME/bin/java\" ]; then "
       "java=\"$JAVA_HOME/bin/java\"; "
       "else java=java; fi; command -v \"$java\" >/dev/null 2>&1 || "
       "fail 'java not found: set JAVA_HOME or put java on the PATH of a login shell'; ";
  s +=
      fmt::format("zkh={}; cp=; for j in \"$zkh\"/*.jar \"$zkh\"/lib/*.jar; do "
                  "if [ -f \"$j\" ]; then cp=\"$cp${{cp:+:}}$j\"; fi; done; "
                  "if [ -n \"$cp\" ]; then if [ -d \"$zkh\"/conf ]; then cp=\"$zkh/conf:$cp\"; fi; "
                  "elif [ -f {} ]; then cp={}; if [ -f {} ]; then cp=\"$cp\":{}; fi; "
                  "else fail \"no ZooKeeper jars in $zkh, $zkh/lib or {}\"; fi; ",
                  q(settings.zookeeper_home), q(kDebianZookeeperJar), q(kDebianZookeeperJar),
                  q(kDebianSlf4jBinding), q(kDebianSlf4jBinding), kDebianZookeeperJar);
  const auto heap =
      settings.heap_mb > 0 ? fmt::format("-Xms{0}m -Xmx{0}m ", settings.heap_mb) : std::string();
  s += fmt::format(
      "nohup \"$java\" {}-Dzookeeper.log.dir=\"$logdir\" "
      "-Dzookeeper.log.file=flinkha-\"$u\"-zookeeper-{}.log -Dzookeeper.jmx.log4j.disable=true "
      "-Dorg.slf4j.simpleLogger.showDateTime=true {} -cp \"$cp\" {} \"$cfg\" "
      ">> \"$log\" 2>&1 < /dev/null & p=$!; echo \"$p\" > \"$pid_file\"; ",
      heap, server.id, q("-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss.SSS"),
      kMainClass);
  s += check_started(settings,
                     fmt::format("rm -f \"$pid_file\"; echo \"flinkha-zk: error: ZooKeeper peer "
                                 "{} exited right after its start; the end of $log:\" >&2; "
                                 "tail -n 20 \"$log\" >&2; exit 1",
                                 server.id));
  return s;
}

std::string flink_start(const config::ZkServer& server, const ZkLaunchSettings& settings,
                        Quoter& q) {
  std::string s;
  s += flink_find_peer(server, settings, q);
  s += "if p=$(find_peer); then echo \"flinkha-zk: already-running $p\"; exit 0; fi; ";
  const auto script = settings.flink_home + "/bin/zookeeper.sh";
  if (settings.log_dir) {
    // flink-daemon.sh writes its .out file there without creating the directory.
    s += fmt::format("mkdir -p {} || fail {}; ", q(*settings.log_dir),
                     q(fmt::format("cannot create env.log.dir {}", *settings.log_dir)));
  }
  s += fmt::format("[ -x {0} ] || fail {1}; FLINK_CONF_DIR={2} {0} start {3} < /dev/null || "
                   "fail {4}; ",
                   q(script), q(fmt::format("{} is missing or not executable", script)),
                   q(settings.conf_dir), server.id,
                   q(fmt::format("bin/zookeeper.sh start {} failed", server.id)));
  // flink-daemon.sh records the pid right after the fork; until the child has exec'ed java its
  // command line is still bash's, so look for the peer for a few seconds.
  s += fmt::format("i=0; until p=$(find_peer); do [ \"$i\" -lt 50 ] || fail {}; sleep 0.1; "
                   "i=$((i + 1)); done; ",
                   q(fmt::format("bin/zookeeper.sh start {} left no live peer in the pid file "
                                 "(see Flink's log directory)",
                                 server.id)));
  s += check_started(settings,
                     fmt::format("fail {}", q(fmt::format("ZooKeeper peer {} exited right after "
                                                          "its start (see Flink's log directory)",
                                                          server.id))));
  return s;
}

std::string zookeeper_stop(const config::ZkServer& server, const ZkLaunchSettings& settings,
                           Quoter& q) {
  std::string s;
  s += zookeeper_pid_file(server, settings, q);
  s += "if [ ! -f \"$pid_file\" ]; then echo 'flinkha-zk: not-running'; exit 0; fi; "
       "p=$(cat \"$pid_file\"); ";
  s += fmt::format("case \"$p\" in ''|*[!0-9]*) rm -f \"$pid_file\"; "
                   "echo 'flinkha-zk: not-running stale'; exit 0;; esac; "
                   "if ! alive \"$p\" || ! cmdline_has \"$p\" {}; then rm -f \"$pid_file\"; "
                   "echo \"flinkha-zk: not-running stale $p\"; exit 0; fi; ",
                   q("zookeeper"));
  s += fmt::format("if stop_pid \"$p\" {0}; then rm -f \"$pid_file\"; "
                   "echo \"flinkha-zk: stopped $p\"; "
                   "else rm -f \"$pid_file\"; echo \"flinkha-zk: killed $p {0}\"; fi",
                   settings.stop_timeout_s);
  return s;
}

std::string flink_stop(const config::ZkServer& server, const ZkLaunchSettings& settings,
                       Quoter& q) {
  std::string s;
  s += flink_find_peer(server, settings, q);
  s += "if ! p=$(find_peer); then echo 'flinkha-zk: not-running'; exit 0; fi; ";
  // flink-daemon.sh keeps one pid per line; drop this peer's line under the same lock on the pid
  // directory that flink-daemon.sh takes (peers of one host may stop at the same time).
  s += "drop_line() { if command -v flock >/dev/null 2>&1; then exec 9<\"$piddir\"; flock 9; fi; "
       "grep -v -x -e \"$p\" \"$pid_file\" > \"$pid_file.flinkha\"; "
       "if [ -s \"$pid_file.flinkha\" ]; then mv -f \"$pid_file.flinkha\" \"$pid_file\"; "
       "else rm -f \"$pid_file.flinkha\" \"$pid_file\"; fi; }; ";
  s += fmt::format("if stop_pid \"$p\" {0}; then ( drop_line ); "
                   "echo \"flinkha-zk: stopped $p\"; "
                   "else ( drop_line ); echo \"flinkha-zk: killed $p {0}\"; fi",
                   settings.stop_timeout_s);
  return s;
}

std::optional<std::int64_t> parse_pid(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) {
    return std::nullopt;
  }
  return value;
}

} // namespace

std::string_view to_string(ZkAction action) {
  return action == ZkAction::start ? "start" : "stop";
}

Result<std::string> zk_start_script(const config::ZooCfg& zoo_cfg, const config::ZkServer& server,
                                    const ZkLaunchSettings& settings) {
  Quoter q;
  std::string script = std::string(kAliveFunction) + std::string(kPrelude);
  if (settings.launcher == ZkLauncher::flink) {
    script += flink_start(server, settings, q);
    return q.finish(std::move(script));
  }
  // Rendered with a marker dataDir: the real one may be known only on the peer's host.
  constexpr std::string_view kMarker = "@FLINKHA_DATA_DIR@";
  auto config_text = render_peer_config(settings.peer_template, zoo_cfg, server, kMarker);
  if (!config_text) {
    return std::unexpected(config_text.error());
  }
  script += zookeeper_start(zoo_cfg, server, settings, *config_text,
                            fmt::format("dataDir={}", kMarker), q);
  return q.finish(std::move(script));
}

Result<std::string> zk_stop_script(const config::ZkServer& server,
                                   const ZkLaunchSettings& settings) {
  Quoter q;
  std::string script = std::string(kAliveFunction) + std::string(kPrelude);
  script += settings.launcher == ZkLauncher::flink ? flink_stop(server, settings, q)
                                                   : zookeeper_stop(server, settings, q);
  return q.finish(std::move(script));
}

Result<remote::RemoteCommand> zk_command(ZkAction action, const config::ZooCfg& zoo_cfg,
                                         const config::ZkServer& server,
                                         const ZkLaunchSettings& settings,
                                         std::chrono::milliseconds timeout) {
  auto script = action == ZkAction::start ? zk_start_script(zoo_cfg, server, settings)
                                          : zk_stop_script(server, settings);
  if (!script) {
    return std::unexpected(script.error());
  }
  auto line = remote::shell_join({"exec", "/bin/bash", "-l", "-c", *script});
  if (!line) {
    return std::unexpected(line.error());
  }
  return remote::RemoteCommand{server.host, std::move(*line), timeout};
}

remote::HostResult interpret_zk_result(ZkAction action, const config::ZkServer& server,
                                       const Result<remote::CommandResult>& result) {
  remote::HostResult out;
  out.host = server.host;
  out.role = "zookeeper";
  out.action = std::string(to_string(action));
  out.detail = "failed";
  remote::record_run(out, result);
  if (!result) {
    return out;
  }

  std::optional<std::string> reported_error;
  for (const auto line : util::split_lines(result->stderr_text)) {
    if (line.starts_with(kErrorPrefix)) {
      reported_error = std::string(line.substr(kErrorPrefix.size()));
    }
  }
  std::vector<std::string_view> report;
  for (const auto line : util::split_lines(result->stdout_text)) {
    if (line.starts_with(kReportPrefix)) {
      report.clear();
      for (const auto word : util::split(util::trim(line.substr(kReportPrefix.size())), ' ')) {
        if (!word.empty()) {
          report.push_back(word);
        }
      }
    }
  }
  if (result->exit_status != 0) {
    out.error = reported_error.value_or(
        fmt::format("the {} script exited with status {}", to_string(action), result->exit_status));
    return out;
  }
  if (report.empty()) {
    out.error = fmt::format("the {} script reported nothing (exit status 0)", to_string(action));
    return out;
  }
  const auto word = report[0];
  const auto pid = report.size() > 1 ? parse_pid(report[1]) : std::nullopt;
  if (pid) {
    out.pids = {*pid};
  }
  const auto with_pid = [&pid](std::string_view what) {
    return pid ? fmt::format("{} (pid {})", what, *pid) : std::string(what);
  };
  out.ok = true;
  if (word == "started" && action == ZkAction::start) {
    out.detail = with_pid("started");
  } else if (word == "already-running" && action == ZkAction::start) {
    out.detail = with_pid("already running");
  } else if (word == "stopped" && action == ZkAction::stop) {
    out.detail = with_pid("stopped");
  } else if (word == "killed" && action == ZkAction::stop) {
    const auto seconds = report.size() > 2 ? std::string(report[2]) : std::string("?");
    out.detail = with_pid(fmt::format("killed after {} s", seconds));
  } else if (word == "not-running" && action == ZkAction::stop) {
    out.pids.clear();
    out.detail = report.size() > 1 ? "not running (stale pid file removed)" : "not running";
  } else {
    out.ok = false;
    out.detail = "failed";
    out.error = fmt::format("unexpected report '{}' from the {} script", util::printable(word),
                            to_string(action));
  }
  return out;
}

std::vector<remote::HostResult> run_zk_action(remote::Executor& executor, ZkAction action,
                                              const config::ZooCfg& zoo_cfg,
                                              std::span<const config::ZkServer> peers,
                                              const ZkLaunchSettings& settings,
                                              const ZkRunOptions& options) {
  auto timeout = options.command_timeout;
  if (timeout.count() <= 0) {
    timeout = action == ZkAction::start
                  ? std::chrono::milliseconds(settings.start_check_ms + 60000)
                  : std::chrono::milliseconds((settings.stop_timeout_s + 30) * 1000);
  }
  std::vector<remote::HostResult> outcomes(peers.size());
  std::vector<remote::RemoteCommand> tasks;
  std::vector<std::size_t> task_peer; // task index -> peer index
  for (std::size_t i = 0; i < peers.size(); ++i) {
    auto command = zk_command(action, zoo_cfg, peers[i], settings, timeout);
    if (!command) {
      outcomes[i] = interpret_zk_result(action, peers[i], std::unexpected(command.error()));
      continue;
    }
    tasks.push_back(std::move(*command));
    task_peer.push_back(i);
  }
  remote::FanOutOptions fan_options;
  fan_options.window = options.window;
  for (auto& outcome : remote::fan_out(executor, tasks, fan_options)) {
    const auto peer = task_peer[outcome.index];
    outcomes[peer] = interpret_zk_result(action, peers[peer], outcome.result);
  }
  return outcomes;
}

} // namespace flinkha::cluster
