// Daemon plans: command lines per Flink version, quoting of hostile paths, FLINK_CONF_DIR export,
// HA vs non-HA start-cluster plans, host validation, and the pid probe, start lint, start probe
// and started probe snippets run by a real shell against stub daemon scripts.

#include "cluster/daemons.hpp"
#include "cluster/plans.hpp"
#include "cluster/run_actions.hpp"
#include "cluster/script_output.hpp"
#include "remote/local_executor.hpp"
#include "remote/shell_quote.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace flinkha;
using namespace flinkha::cluster;
using flinkha::test::TempDir;
using namespace std::chrono_literals;

namespace {

FlinkInstall install_of(std::string_view version, std::string home = "/opt/flink") {
  FlinkInstall install;
  install.flink_home = home;
  install.conf_dir = std::filesystem::path(home) / "conf";
  install.version = config::parse_flink_version(version).value();
  return install;
}

config::ClusterConfig load(const TempDir& dir, std::string_view version,
                           std::string_view flink_home = "/opt/flink") {
  config::LoadRequest request;
  request.conf_dir = dir.path();
  request.flink_home = std::filesystem::path(flink_home);
  request.flink_version = config::parse_flink_version(version).value();
  request.environment = [](std::string_view) { return std::optional<std::string>(); };
  return config::load_cluster_config(request).value();
}

} // namespace

TEST_CASE("cluster plans: jobmanager start per version convention") {
  SUBCASE("1.1: start cluster HOST PORT") {
    auto a = jobmanager_start(install_of("1.1"), "m1", 8081, 5s).value();
    const auto& line = a.command.command_line;
    CHECK(line.starts_with(
        "nohup /bin/bash -l -c 'export FLINK_IDENT_STRING=\"${FLINK_IDENT_STRING:-${USER:-$(id "
        "-un)}}\"; "));
    // Lint, script, settle, probe: in this order, in one login shell.
    const auto lint = line.find("flinkha-lint log-dir-missing");
    const auto script = line.find("\"$0\" \"$@\"; rc=$?; sleep 1.000; ");
    const auto probe = line.find("flinkha_newest jobmanager");
    CHECK(lint != std::string::npos);
    CHECK(script != std::string::npos);
    CHECK(probe != std::string::npos);
    CHECK(lint < script);
    CHECK(script < probe);
    CHECK(a.command.command_line.ends_with(
        "exit $rc' /opt/flink/bin/jobmanager.sh start cluster m1 8081"));
    CHECK(a.command.command_line.find("flink-$u-jobmanager.pid") != std::string::npos);
  }
  SUBCASE("1.20 and 2.x: start HOST PORT") {
    for (const auto* version : {"1.5", "1.20", "2.3"}) {
      auto a = jobmanager_start(install_of(version), "m1", 8082, 5s).value();
      CHECK(a.command.command_line.ends_with("' /opt/flink/bin/jobmanager.sh start m1 8082"));
      CHECK(a.command.host == "m1");
      CHECK(a.command.timeout == 5s);
      CHECK(a.web_ui_port == 8082);
    }
  }
  SUBCASE("a masters line without port passes 0, as start-cluster.sh") {
    auto a = jobmanager_start(install_of("2.3"), "m1", 0, 5s).value();
    CHECK(a.command.command_line.ends_with("start m1 0"));
  }
  SUBCASE("no port: only the host") {
    auto a = jobmanager_start(install_of("2.3"), "m1", std::nullopt, 5s).value();
    CHECK(a.command.command_line.ends_with("jobmanager.sh start m1"));
  }
  SUBCASE("non-HA: local, no host and port") {
    auto a = jobmanager_start(install_of("2.3"), "", std::nullopt, 5s).value();
    CHECK(a.host == "localhost");
    CHECK(a.command.command_line.ends_with("jobmanager.sh start"));
  }
  SUBCASE("bad port") {
    CHECK_FALSE(jobmanager_start(install_of("2.3"), "m1", 70000, 5s));
  }
}

const std::string kStopPrefix =
    "nohup /bin/bash -l -c 'export FLINK_IDENT_STRING=\"${FLINK_IDENT_STRING:-${USER:-$(id "
    "-un)}}\"; \"$0\" \"$@\"; rc=$?; exit $rc' ";

TEST_CASE("cluster plans: stop and taskmanager commands") {
  const auto install = install_of("2.3");
  CHECK(jobmanager_stop(install, "m1", false, 5s)->command.command_line ==
        kStopPrefix + "/opt/flink/bin/jobmanager.sh stop");
  CHECK(jobmanager_stop(install, "m1", true, 5s)->command.command_line ==
        kStopPrefix + "/opt/flink/bin/jobmanager.sh stop-all");
  const auto start = taskmanager_start(install, "w1", 5s)->command.command_line;
  CHECK(start.ends_with("exit $rc' /opt/flink/bin/taskmanager.sh start"));
  CHECK(start.find("flink-$u-taskexecutor.pid") != std::string::npos);
  CHECK(start.find("standalonesession") == std::string::npos); // only the started daemon's file
  auto stop = taskmanager_stop(install, "w1", true, 5s).value();
  CHECK(stop.command.command_line == kStopPrefix + "/opt/flink/bin/taskmanager.sh stop-all");
  CHECK(stop.action == DaemonAction::stop_all);
  CHECK(stop.role == Role::taskmanager);
}

TEST_CASE("cluster plans: hostile hosts and paths are refused or quoted") {
  for (const auto* host :
       {"m1;rm -rf /", "$(reboot)", "a b", "m1\nx", "", "-oProxyCommand=x", "`id`"}) {
    const std::string name = host;
    CAPTURE(name);
    if (!name.empty()) { // empty means the local non-HA JobManager
      CHECK_FALSE(jobmanager_start(install_of("2.3"), host, 8081, 5s));
    }
    CHECK_FALSE(jobmanager_stop(install_of("2.3"), host, false, 5s));
    CHECK_FALSE(taskmanager_start(install_of("2.3"), host, 5s));
    CHECK_FALSE(pid_probe(install_of("2.3"), host, 5s));
  }
  auto install = install_of("2.3", "/opt/my flink's $HOME");
  install.conf_dir = "/etc/flink conf";
  install.conf_dir_is_default = false;
  auto a = taskmanager_start(install, "w1", 5s).value();
  CHECK(a.command.command_line.starts_with(
      "FLINK_CONF_DIR='/etc/flink conf' nohup /bin/bash -l -c "));
  CHECK(a.command.command_line.ends_with(" '/opt/my flink'\\''s $HOME/bin/taskmanager.sh' start"));
  install.flink_home = "/opt/fl\nink";
  CHECK_FALSE(taskmanager_start(install, "w1", 5s));
}

TEST_CASE("cluster plans: daemon names per version") {
  using V = config::FlinkVersion;
  CHECK(daemon_names(Role::jobmanager, V{1, 1}) == std::vector<std::string>{"jobmanager"});
  CHECK(daemon_names(Role::jobmanager, V{1, 5}) ==
        std::vector<std::string>{"standalonesession", "jobmanager"});
  CHECK(daemon_names(Role::jobmanager, V{2, 3}) == std::vector<std::string>{"standalonesession"});
  CHECK(daemon_names(Role::taskmanager, V{1, 4}) == std::vector<std::string>{"taskmanager"});
  CHECK(daemon_names(Role::taskmanager, V{1, 20}) == std::vector<std::string>{"taskexecutor"});
}

TEST_CASE("cluster plans: start-cluster in HA and non-HA mode") {
  TempDir dir;
  dir.write("masters", "m1:8081\nm2:8082\nm3\n");
  dir.write("workers", "w1\nw2\nw1\n");
  SUBCASE("HA (any case): one JobManager per masters line, one TaskManager per workers line") {
    dir.write("config.yaml", "high-availability.type: ZooKeeper\n"
                             "high-availability.zookeeper.quorum: z1:2181\n"
                             "high-availability.storageDir: file:///tmp/ha\n");
    const auto config = load(dir, "2.3");
    const auto install = make_install(config).value();
    CHECK_FALSE(install.conf_dir_is_default);
    const auto plan = start_cluster_plan(config, install, 5s).value();
    REQUIRE(plan.jobmanagers.size() == 3);
    CHECK(plan.jobmanagers[0].host == "m1");
    CHECK(plan.jobmanagers[1].command.command_line.ends_with("jobmanager.sh start m2 8082"));
    CHECK(plan.jobmanagers[2].command.command_line.ends_with("jobmanager.sh start m3 0"));
    CHECK(plan.jobmanagers[0].command.command_line.starts_with("FLINK_CONF_DIR="));
    REQUIRE(plan.taskmanagers.size() == 3);
    CHECK(plan.taskmanagers[2].host == "w1");
    CHECK(plan.warnings.empty());
    const auto stop = stop_cluster_plan(config, install, true, 5s).value();
    CHECK(stop.jobmanagers.size() == 3);
    CHECK(stop.jobmanagers[0].command.command_line.ends_with("jobmanager.sh stop-all"));
  }
  SUBCASE("no HA: one local JobManager and a warning") {
    dir.write("config.yaml", "jobmanager.rpc.address: localhost\n");
    const auto config = load(dir, "2.3");
    const auto plan = start_cluster_plan(config, make_install(config).value(), 5s).value();
    REQUIRE(plan.jobmanagers.size() == 1);
    CHECK(plan.jobmanagers[0].host == "localhost");
    CHECK(plan.jobmanagers[0].command.command_line.ends_with("jobmanager.sh start"));
    REQUIRE(plan.warnings.size() == 1);
    CHECK(plan.warnings[0].find("masters is ignored") != std::string::npos);
  }
  SUBCASE("no FLINK_HOME") {
    dir.write("config.yaml", "jobmanager.rpc.address: localhost\n");
    config::LoadRequest request;
    request.conf_dir = dir.path();
    request.environment = [](std::string_view) { return std::optional<std::string>(); };
    const auto config = config::load_cluster_config(request).value();
    CHECK_FALSE(make_install(config));
    CHECK(make_install(config, NeedFlinkHome::no));
  }
}

TEST_CASE("cluster plans: the pid probe reads pid files and checks pids on the host") {
  TempDir dir;
  const auto pid_dir = dir.path() / "pid dir";
  std::filesystem::create_directories(pid_dir);
  const std::string user = "probe'user";
  const auto self = std::to_string(getpid());
  dir.write("pid dir/flink-" + user + "-standalonesession.pid", self + "\n999999999\n");
  dir.write("pid dir/flink-" + user + "-taskexecutor.pid", self); // no final newline
  dir.write("pid dir/flinkha-" + user + "-zookeeper-3.pid", "junk\n" + self + "\n");
  auto install = install_of("2.3");
  install.pid_dir = "/nonexistent";
  auto command = pid_probe(install, "localhost", 10s).value();
  // The host's FLINK_PID_DIR wins over env.pid.dir; the user is FLINK_IDENT_STRING.
  command.command_line = "FLINK_PID_DIR=" + remote::shell_quote(pid_dir.string()).value() +
                         " FLINK_IDENT_STRING=" + remote::shell_quote(user).value() + " " +
                         command.command_line;
  remote::LocalExecutor local;
  const auto ran = local.run(command).value();
  REQUIRE(ran.exit_status == 0);
  const auto probe = parse_pid_probe(ran.stdout_text);
  CHECK(probe.pid_dir == pid_dir.string());
  REQUIRE(probe.processes.size() == 4);
  CHECK(probe.processes[0].role == Role::jobmanager);
  CHECK(probe.processes[0].alive);
  CHECK(probe.processes[1].pid == 999999999);
  CHECK_FALSE(probe.processes[1].alive);
  CHECK(probe.processes[2].role == Role::taskmanager);
  CHECK(probe.processes[2].alive);
  CHECK(probe.processes[3].role == Role::zookeeper);
  CHECK(probe.processes[3].daemon == "zookeeper-3");
  CHECK(probe.processes[3].pid_file.ends_with("flinkha-probe'user-zookeeper-3.pid"));
}

TEST_CASE("cluster plans: the gone probe waits for pids") {
  remote::LocalExecutor local;
  const auto command = pids_gone_probe("localhost", {getpid(), 999999999}, 400ms, 10s).value();
  const auto ran = local.run(command).value();
  const auto probe = parse_gone_probe(ran.stdout_text);
  CHECK(probe.alive == std::vector<int>{getpid()});
  CHECK(probe.gone == std::vector<int>{999999999});
  CHECK_FALSE(pids_gone_probe("localhost", {0}, 1s, 1s));
}

namespace {

// A Flink home whose bin/<script> is `body` (bash), for running start command lines for real.
FlinkInstall stub_install(const TempDir& dir, const std::string& script, const std::string& body) {
  const auto path = dir.write("flink/bin/" + script, "#!/bin/bash\n" + body);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all);
  auto install = install_of("2.3", (dir.path() / "flink").string());
  install.pid_dir = (dir.path() / "pid").string();
  install.log_dir = (dir.path() / "log").string();
  return install;
}

// The host's environment as the test wants it (the test process may have FLINK_* set).
remote::RemoteCommand with_env(remote::RemoteCommand command, const std::string& log_dir = "",
                               const std::string& pid_dir = "") {
  command.command_line = "FLINK_LOG_DIR=" + remote::shell_quote(log_dir).value() +
                         " FLINK_PID_DIR=" + remote::shell_quote(pid_dir).value() +
                         " FLINK_IDENT_STRING=tester " + command.command_line;
  return command;
}

} // namespace

TEST_CASE("cluster plans: the start lint stops a start before the script runs") {
  TempDir dir;
  const auto marker = dir.path() / "script ran";
  auto install = stub_install(dir, "jobmanager.sh",
                              "touch " + remote::shell_quote(marker.string()).value() + "\n");
  remote::LocalExecutor local;
  SUBCASE("env.log.dir does not exist") {
    install.log_dir = (dir.path() / "no such log").string();
    const auto ran =
        local.run(with_env(jobmanager_start(install, "localhost", 8081, 5s, 0ms).value().command))
            .value();
    CHECK(ran.exit_status == 1);
    const auto lint = parse_start_lint(ran.stdout_text);
    REQUIRE(lint.size() == 1);
    CHECK(lint[0].kind == "log-dir-missing");
    CHECK_FALSE(lint[0].from_environment);
    CHECK(lint[0].dir == install.log_dir);
    CHECK_FALSE(std::filesystem::exists(marker));
  }
  SUBCASE("the host's FLINK_LOG_DIR wins, and is named as the source") {
    std::filesystem::create_directories(install.log_dir);
    const auto missing = (dir.path() / "env log").string();
    const auto ran =
        local
            .run(
                with_env(taskmanager_start(install, "localhost", 5s, 0ms).value().command, missing))
            .value();
    const auto lint = parse_start_lint(ran.stdout_text);
    REQUIRE(lint.size() == 1);
    CHECK(lint[0].from_environment);
    CHECK(lint[0].dir == missing);
  }
  SUBCASE("a log dir that is a file, a pid dir below a file") {
    dir.write("log", "not a dir");
    dir.write("file", "x");
    install.pid_dir = (dir.path() / "file" / "pid").string();
    const auto ran =
        local.run(with_env(jobmanager_start(install, "localhost", 8081, 5s, 0ms).value().command))
            .value();
    const auto lint = parse_start_lint(ran.stdout_text);
    REQUIRE(lint.size() == 2);
    CHECK(lint[0].kind == "log-dir-not-a-directory");
    CHECK(lint[1].kind == "pid-dir-not-creatable");
    CHECK(lint[1].dir == install.pid_dir);
    CHECK_FALSE(std::filesystem::exists(marker));
  }
  SUBCASE("a log dir that exists and a pid dir that can be created: the script runs") {
    std::filesystem::create_directories(install.log_dir);
    const auto ran =
        local.run(with_env(jobmanager_start(install, "localhost", 8081, 5s, 0ms).value().command))
            .value();
    CHECK(parse_start_lint(ran.stdout_text).empty());
    CHECK(std::filesystem::exists(marker));
  }
}

TEST_CASE("cluster plans: the start probe tails the .out of a daemon that died at once") {
  TempDir dir;
  // As flink-daemon.sh: the log files are named after the pid file's line count before the new
  // pid is appended (here 1: an older, dead entry); the "JVM" writes its error and exits.
  auto install = stub_install(dir, "jobmanager.sh", R"(
pid="$FLINK_PID_DIR/flink-$FLINK_IDENT_STRING-standalonesession.pid"
mkdir -p "$FLINK_PID_DIR"
id=$([ -f "$pid" ] && echo $(wc -l < "$pid") || echo "0")
out="$FLINK_LOG_DIR/flink-$FLINK_IDENT_STRING-standalonesession-$id-$HOSTNAME.out"
echo "Starting standalonesession daemon on host $HOSTNAME."
log="${out%.out}.log"
printf '%s\n' "2026-12-02 01:00:00,000 INFO  Entrypoint [] - Starting" \
  "2026-12-02 01:00:01,000 ERROR Entrypoint [] - Could not start cluster entrypoint." \
  "java.lang.Exception: startup" "Caused by: java.net.BindException: Address already in use" \
  "2026-12-02 01:00:02,000 INFO  Remoting [] - Remoting shut down." > "$log"
(echo "Error: Could not create the Java Virtual Machine."; exit 1) > "$out" 2>&1 < /dev/null &
mypid=$!
wait $mypid
echo $mypid >> "$pid"
)");
  std::filesystem::create_directories(install.log_dir);
  dir.write("pid/flink-tester-standalonesession.pid", "999999999\n");
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  dir.write(std::string("log/flink-tester-standalonesession-0-") + host + ".out", "older run\n");
  auto plan = jobmanager_start(install, "localhost", 8081, 5s, 0ms).value();
  plan.command = with_env(plan.command, install.log_dir, install.pid_dir);
  remote::LocalExecutor local;
  const auto rows = run_actions(local, install, std::vector<PlannedAction>{plan});
  REQUIRE(rows.size() == 1);
  CHECK_FALSE(rows[0].ok);
  CHECK(rows[0].detail == "exited");
  REQUIRE(rows[0].error);
  CHECK(rows[0].error->find(std::string("standalonesession-1-") + host + ".out:") !=
        std::string::npos);
  CHECK(rows[0].error->find("\n  Error: Could not create the Java Virtual Machine.") !=
        std::string::npos);
  CHECK(rows[0].error->find("older run") == std::string::npos);
  CHECK(rows[0].error->find(std::string("error lines of ") + install.log_dir) != std::string::npos);
  CHECK(rows[0].stdout_text.starts_with("Starting standalonesession daemon on host"));

  // The same daemon looked at again (start-cluster --wait): gone, with the same tail.
  const auto pid = static_cast<int>(rows[0].pids.at(0));
  const auto command = started_probe(install, "localhost", {{Role::jobmanager, pid}}, 5s).value();
  const auto again = local.run(with_env(command, install.log_dir, install.pid_dir)).value();
  CHECK(parse_gone_probe(again.stdout_text).gone == std::vector<int>{pid});
  const auto tails = parse_tails(again.stdout_text);
  REQUIRE(tails.size() == 2);
  CHECK(tails[0].kind == "out");
  CHECK(tails[0].lines == std::vector<std::string>{"Error: Could not create the Java Virtual "
                                                   "Machine."});
  // Of the .log only the ERROR and "Caused by:" lines: the cause, not the shutdown after it.
  CHECK(tails[1].kind == "err");
  CHECK(tails[1].lines ==
        std::vector<std::string>{
            "2026-12-02 01:00:01,000 ERROR Entrypoint [] - Could not start cluster entrypoint.",
            "Caused by: java.net.BindException: Address already in use"});
}

TEST_CASE("cluster plans: a zombie is not alive for the pid probe") {
  // A child that exited and is not reaped yet is a zombie: kill -0 succeeds on it, as on the
  // daemon flink-daemon.sh forked when PID 1 has not reaped it yet.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::_exit(0);
  }
  const auto stat_path = "/proc/" + std::to_string(child) + "/stat";
  for (;;) { // until the kernel reports the zombie state; no time bound is asserted
    std::ifstream in(stat_path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    if (close != std::string::npos && text.substr(close, 3) == ") Z") {
      break;
    }
    ::usleep(1000);
  }
  TempDir dir;
  dir.write("flink-tester-taskexecutor.pid", std::to_string(child) + "\n");
  auto install = install_of("2.3");
  auto command = pid_probe(install, "localhost", 10s).value();
  command = with_env(command, dir.path().string(), dir.path().string());
  remote::LocalExecutor local;
  const auto probe = parse_pid_probe(local.run(command).value().stdout_text);
  const auto gone = parse_gone_probe(
      local.run(pids_gone_probe("localhost", {child}, 0ms, 10s).value()).value().stdout_text);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(probe.processes.size() == 1);
  CHECK(probe.processes[0].pid == child);
  CHECK_FALSE(probe.processes[0].alive);
  CHECK(gone.gone == std::vector<int>{child});
}
