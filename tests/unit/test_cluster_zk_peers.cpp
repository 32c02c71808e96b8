// lib/cluster zk_peers + zk_launch: per-peer config rendering, default dataDirs, pid file names,
// the generated start/stop scripts (quoting of hostile paths, run for real where harmless), and
// the interpretation of script results, also through run_zk_action over the FakeExecutor.

#include "cluster/zk_launch.hpp"
#include "cluster/zk_peers.hpp"
#include "config/zoo_cfg.hpp"
#include "remote/fake_executor.hpp"
#include "remote/local_executor.hpp"
#include "remote/shell_quote.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pwd.h>
#include <string>
#include <unistd.h>

using namespace flinkha;
using namespace flinkha::cluster;
using namespace std::chrono_literals;

namespace {

config::ZooCfg zoo(std::string_view text) {
  auto parsed = config::parse_zoo_cfg(text, "zoo.cfg");
  REQUIRE(parsed);
  REQUIRE_FALSE(config::has_errors(parsed->diagnostics));
  return std::move(*parsed);
}

constexpr std::string_view kShipped = R"(tickTime=2000
initLimit=10
syncLimit=5
dataDir=/tmp/flinkha-local/zookeeper
4lw.commands.whitelist=srvr,mntr
admin.enableServer=false
server.1=localhost:2888:3888;2181
server.2=localhost:2889:3889;2182
server.3=localhost:2890:3890;2183
)";

std::string source_file(std::string_view relative) {
  // FLINKHA_FIXTURES_DIR is <source>/tests/unit/fixtures.
  const auto path =
      std::filesystem::path(FLINKHA_FIXTURES_DIR).parent_path().parent_path().parent_path() /
      relative;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

remote::CommandResult ran(int status, std::string out, std::string err = {}) {
  remote::CommandResult r;
  r.exit_status = status;
  r.stdout_text = std::move(out);
  r.stderr_text = std::move(err);
  return r;
}

} // namespace

TEST_CASE("cluster_zk: the compiled-in template is templates/zoo-peer.cfg.in") {
  CHECK(std::string(default_peer_template()) == source_file("templates/zoo-peer.cfg.in"));
}

TEST_CASE("cluster_zk: render_template substitutes, drops empty placeholder lines, refuses "
          "unknown names") {
  const TemplateValues values{{"a", "1"}, {"empty", ""}, {"multi", "x=1\ny=2"}};
  CHECK(render_template("a={{a}}\n{{empty}}\n{{ multi }}\nend\n", values).value() ==
        "a=1\nx=1\ny=2\nend\n");
  CHECK(render_template("no newline {{a}}", values).value() == "no newline 1");
  CHECK(render_template("k={{empty}}\n", values).value() == "k=\n"); // not a placeholder-only line
  const auto unknown = render_template("{{nope}}\n", values);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("'{{nope}}'") != std::string::npos);
  CHECK_FALSE(render_template("x {{a\n", values));
}

TEST_CASE("cluster_zk: each peer of the shipped example gets its own dataDir and ;clientPort") {
  const auto cfg = zoo(kShipped);
  REQUIRE(cfg.servers.size() == 3);
  for (const auto& server : cfg.servers) {
    CAPTURE(server.id);
    const auto data_dir = data_dir_of(cfg, server.id);
    REQUIRE(data_dir);
    CHECK(*data_dir == fmt::format("/tmp/flinkha-local/zookeeper/peer-{}", server.id));
    const auto text = render_peer_config(default_peer_template(), cfg, server, *data_dir).value();
    CHECK(text.find(fmt::format("# ZooKeeper peer {}, rendered by flinkha from zoo.cfg.\n",
                                server.id)) == 0);
    CHECK(text.find("tickTime=2000\ninitLimit=10\nsyncLimit=5\n") != std::string::npos);
    CHECK(text.find("4lw.commands.whitelist=srvr,mntr\n") != std::string::npos);
    CHECK(text.find("admin.enableServer=false\n") != std::string::npos);
    CHECK(text.find("dataDir=" + *data_dir + "\n") != std::string::npos);
    CHECK(text.find("dataDir=/tmp/flinkha-local/zookeeper\n") == std::string::npos);
    // The server lines carry the client ports, so no clientPort line (not even an empty one).
    CHECK(text.find("clientPort=") == std::string::npos);
    CHECK(text.find("\n\n") == std::string::npos);
    CHECK(text.ends_with("server.1=localhost:2888:3888;2181\nserver.2=localhost:2889:3889;2182\n"
                         "server.3=localhost:2890:3890;2183\n"));
  }
}

TEST_CASE("cluster_zk: a server line without ;clientPort gets the clientPort line") {
  const auto cfg = zoo("clientPort=2999\nserver.1=zk1:2888:3888\nserver.2=[::1]:2889:3889:"
                       "observer;127.0.0.1:2182\nserver.3=zk3\n");
  const auto one = render_peer_config(default_peer_template(), cfg, cfg.servers[0], "/d/1");
  REQUIRE(one);
  CHECK(one->find("\nclientPort=2999\n") != std::string::npos);
  CHECK(one->find("server.2=[::1]:2889:3889:observer;127.0.0.1:2182\n") != std::string::npos);
  // Flink's defaults for a bare host, written out in full.
  CHECK(one->find("server.3=zk3:2888:3888\n") != std::string::npos);
  const auto two = render_peer_config(default_peer_template(), cfg, cfg.servers[1], "/d/2");
  CHECK(two->find("clientPort=") == std::string::npos);
}

TEST_CASE("cluster_zk: property values are written back escaped; control characters refused") {
  const auto cfg = zoo("a\\ b=c\\\\d\nserver.1=h:1:2\n");
  const auto text = render_peer_config("{{properties}}\n", cfg, cfg.servers[0], "/d").value();
  CHECK(text.find("a\\ b=c\\\\d\n") != std::string::npos);
  const auto bad = zoo("x=a\\tb\nserver.1=h:1:2\n"); // \t escape decodes to a TAB
  CHECK_FALSE(render_peer_config("{{properties}}\n", bad, bad.servers[0], "/d"));
}

TEST_CASE("cluster_zk: default dataDirs and pid file names") {
  CHECK(data_dir_of(zoo("dataDir=/var/zk/\nserver.7=h:1:2\n"), 7) == "/var/zk/peer-7");
  CHECK_FALSE(data_dir_of(zoo("server.1=h:1:2\n"), 1));
  CHECK(pid_file_name("alice", 2) == "flinkha-alice-zookeeper-2.pid");
  CHECK(flink_pid_file_name("alice") == "flink-alice-zookeeper.pid");
  CHECK(parse_zk_launcher(" Flink ").value() == ZkLauncher::flink);
  CHECK(parse_zk_launcher("zookeeper").value() == ZkLauncher::zookeeper);
  CHECK_FALSE(parse_zk_launcher("zkServer.sh"));
}

TEST_CASE("cluster_zk: the scripts quote hostile paths and name the pid files") {
  const auto cfg = zoo("dataDir=/tmp/it's $(touch pwned) `x`\nserver.1=localhost:2888:3888;2181\n");
  ZkLaunchSettings settings;
  settings.pid_dir = "/run/p d;rm -rf /";
  settings.zookeeper_home = "/opt/zk $HOME";
  const auto start = zk_start_script(cfg, cfg.servers[0], settings).value();
  CHECK(start.find(remote::shell_quote("/tmp/it's $(touch pwned) `x`/peer-1").value()) !=
        std::string::npos);
  CHECK(start.find("piddir=${FLINK_PID_DIR:-'/run/p d;rm -rf /'}") != std::string::npos);
  CHECK(start.find("pid_file=\"$piddir\"/flinkha-\"$u\"-zookeeper-1.pid") != std::string::npos);
  CHECK(start.find("zkh='/opt/zk $HOME'") != std::string::npos);
  CHECK(start.find("org.apache.zookeeper.server.quorum.QuorumPeerMain \"$cfg\"") !=
        std::string::npos);
  CHECK(start.find("\"dataDir=$d\"") != std::string::npos);
  CHECK(start.find('\n') == std::string::npos);
  const auto stop = zk_stop_script(cfg.servers[0], settings).value();
  CHECK(stop.find("flinkha-\"$u\"-zookeeper-1.pid") != std::string::npos);
  CHECK(stop.find("stop_pid \"$p\" 10") != std::string::npos);

  settings.launcher = ZkLauncher::flink;
  settings.flink_home = "/opt/fl'ink";
  settings.conf_dir = "/etc/flink conf";
  const auto flink_start = zk_start_script(cfg, cfg.servers[0], settings).value();
  CHECK(flink_start.find("flink-\"${FLINK_IDENT_STRING:-$USER}\"-zookeeper.pid") !=
        std::string::npos);
  CHECK(flink_start.find("piddir=${FLINK_PID_DIR:-'/run/p d;rm -rf /'}") != std::string::npos);
  CHECK(flink_start.find("FLINK_CONF_DIR='/etc/flink conf' '/opt/fl'\\''ink/bin/zookeeper.sh' "
                         "start 1") != std::string::npos);
  CHECK(flink_start.find("--peerId 1 *$") != std::string::npos);

  // A newline cannot be quoted: the command is refused, never sent.
  settings.pid_dir = "/tmp\nrm -rf /";
  CHECK_FALSE(zk_stop_script(cfg.servers[0], settings));
}

TEST_CASE("cluster_zk: without dataDir the peer's host picks a per-user default") {
  const auto cfg = zoo("server.4=localhost:2888:3888;2181\n");
  const auto start = zk_start_script(cfg, cfg.servers[0], {}).value();
  CHECK(start.find("d=/var/lib/flinkha/zookeeper/peer-4") != std::string::npos);
  CHECK(start.find("d=\"$HOME\"/.local/share/flinkha/zookeeper/peer-4") != std::string::npos);
}

TEST_CASE("cluster_zk: the stop script really runs: no pid file, a stale one, a hostile dir") {
  test::TempDir dir;
  const auto pid_dir = (dir.path() / "it's a $(dir)").string();
  std::filesystem::create_directories(pid_dir);
  const auto cfg = zoo("server.1=localhost:2888:3888;2181\n");
  ZkLaunchSettings settings;
  settings.pid_dir = pid_dir;
  remote::LocalExecutor local;
  const auto run = [&] {
    auto command = zk_command(ZkAction::stop, cfg, cfg.servers[0], settings, 30s).value();
    return interpret_zk_result(ZkAction::stop, cfg.servers[0], local.run(command));
  };
  auto outcome = run();
  CHECK(outcome.ok);
  CHECK(outcome.detail == "not running");

  const char* user = std::getenv("USER");
  const std::string name = pid_file_name(user != nullptr && *user != '\0' ? user : "root", 1);
  // A pid that cannot be a live ZooKeeper (pid_max is far below this).
  dir.write((std::filesystem::path("it's a $(dir)") / name).string(), "999999999\n");
  outcome = run();
  CHECK(outcome.ok);
  CHECK(outcome.detail == "not running (stale pid file removed)");
  CHECK_FALSE(std::filesystem::exists(std::filesystem::path(pid_dir) / name));
}

// The user name the scripts use: $USER, else the login name of the uid (id -un).
std::string script_user() {
  const char* user = std::getenv("USER");
  if (user != nullptr && *user != '\0') {
    return user;
  }
  const auto* entry = getpwuid(getuid());
  return entry != nullptr ? entry->pw_name : "root";
}

TEST_CASE("cluster_zk: zk stop escalates from SIGTERM to SIGKILL after the timeout") {
  test::TempDir dir;
  const auto cfg = zoo("server.3=localhost:2888:3888;2181\n");
  const auto pid_file = dir.path() / pid_file_name(script_user(), 3);
  // A process that ignores SIGTERM and whose command line names ZooKeeper, as a hung peer.
  const auto spawn = fmt::format("bash -c 'trap \"\" TERM; while :; do sleep 0.1; done' "
                                 "fake-zookeeper-peer </dev/null >/dev/null 2>&1 & echo $! > {}",
                                 remote::shell_quote(pid_file.string()).value());
  REQUIRE(std::system(spawn.c_str()) == 0);
  ZkLaunchSettings settings;
  settings.pid_dir = dir.path().string();
  settings.stop_timeout_s = 1;
  remote::LocalExecutor local;
  auto command = zk_command(ZkAction::stop, cfg, cfg.servers[0], settings, 30s).value();
  const auto outcome = interpret_zk_result(ZkAction::stop, cfg.servers[0], local.run(command));
  CHECK(outcome.ok);
  CHECK(outcome.detail.starts_with("killed after 1 s (pid "));
  CHECK_FALSE(std::filesystem::exists(pid_file));
}

TEST_CASE("cluster_zk: interpreting script results") {
  config::ZkServer server;
  server.id = 2;
  server.host = "zk2";
  struct Row {
    ZkAction action;
    remote::CommandResult result;
    bool ok;
    std::string detail;
    std::string error;
  };
  const Row rows[] = {
      {ZkAction::start, ran(0, "flinkha-zk: started 4711\n"), true, "started (pid 4711)", ""},
      {ZkAction::start, ran(0, "motd from .profile\nflinkha-zk: already-running 12\n"), true,
       "already running (pid 12)", ""},
      {ZkAction::stop, ran(0, "flinkha-zk: stopped 4711\n"), true, "stopped (pid 4711)", ""},
      {ZkAction::stop, ran(0, "flinkha-zk: killed 4711 10\n"), true, "killed after 10 s (pid 4711)",
       ""},
      {ZkAction::stop, ran(0, "flinkha-zk: not-running\n"), true, "not running", ""},
      {ZkAction::stop, ran(0, "flinkha-zk: not-running stale 5\n"), true,
       "not running (stale pid file removed)", ""},
      {ZkAction::start,
       ran(1, "",
           "flinkha-zk: error: ZooKeeper peer 2 exited right after its start; the end "
           "of /d/x.log:\nAddress already in use\n"),
       false, "failed", "ZooKeeper peer 2 exited right after its start; the end of /d/x.log:"},
      {ZkAction::start, ran(127, "", "bash: not found\n"), false, "failed",
       "the start script exited with status 127"},
      {ZkAction::start, ran(0, "hello\n"), false, "failed",
       "the start script reported nothing (exit status 0)"},
      {ZkAction::stop, ran(0, "flinkha-zk: started 1\n"), false, "failed",
       "unexpected report 'started' from the stop script"},
  };
  for (const auto& row : rows) {
    CAPTURE(row.result.stdout_text);
    CAPTURE(row.result.stderr_text);
    const auto outcome = interpret_zk_result(row.action, server, row.result);
    CHECK(outcome.ok == row.ok);
    CHECK(outcome.detail == row.detail);
    CHECK(outcome.error.value_or("") == row.error);
    CHECK(outcome.role == "zookeeper"); // the peer id is the caller's: rows follow `peers`
    CHECK(outcome.action == to_string(row.action));
    CHECK(outcome.host == "zk2");
    CHECK(outcome.exit_status == row.result.exit_status);
  }
  const auto unreachable = interpret_zk_result(
      ZkAction::stop, server, std::unexpected(Error{"zk2: connection refused", "start sshd"}));
  CHECK_FALSE(unreachable.ok);
  // As a daemon row: the Error's hint in parentheses (it used to be dropped for peers only).
  CHECK(unreachable.error == "zk2: connection refused (start sshd)");
  CHECK_FALSE(unreachable.exit_status);
}

TEST_CASE("cluster_zk: run_zk_action fans out one command per peer and keeps peer order") {
  const auto cfg = zoo("dataDir=/z\nserver.1=zk1:2888:3888\nserver.2=zk2:2888:3888\n"
                       "server.3=zk3:2888:3888\n");
  remote::FakeExecutor fake;
  fake.set_result("zk1", ran(0, "flinkha-zk: started 11\n"), 30ms);
  fake.set_result("zk2", ran(1, "", "flinkha-zk: error: java not found\n"), 30ms);
  fake.set_error("zk3", Error{"zk3: connection timed out", ""}, 30ms);
  const auto outcomes = run_zk_action(fake, ZkAction::start, cfg, cfg.servers, {});
  REQUIRE(outcomes.size() == 3);
  CHECK(outcomes[0].ok);
  CHECK(outcomes[0].pids == std::vector<std::int64_t>{11});
  CHECK_FALSE(outcomes[1].ok);
  CHECK(outcomes[1].error == "java not found");
  CHECK_FALSE(outcomes[2].ok);
  CHECK(outcomes[2].error == "zk3: connection timed out");
  const auto commands = fake.commands_ran();
  REQUIRE(commands.size() == 3);
  for (const auto& command : commands) {
    CHECK(command.command_line.starts_with("exec /bin/bash -l -c '"));
  }
  CHECK(fake.max_concurrency() >= 2);
}
