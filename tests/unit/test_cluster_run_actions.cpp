// The result model of daemon actions, over the FakeExecutor: per-host rows in plan order, start
// verified by the pid probe, stop verified by the gone probe, unreachable hosts and failing
// scripts reported with their error, stderr and exit status, duplicate hosts in waves; starts
// that failed although the script exited 0 (fixtures: the real scripts' output), the start lint,
// and find_gone for --wait.

#include "cluster/run_actions.hpp"
#include "remote/fake_executor.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>

using namespace flinkha;
using namespace flinkha::cluster;
using namespace std::chrono_literals;

namespace {

FlinkInstall install_2x() {
  FlinkInstall install;
  install.flink_home = "/opt/flink";
  install.conf_dir = "/opt/flink/conf";
  install.version = config::FlinkVersion{2, 3};
  return install;
}

remote::CommandResult ran(int status, std::string out, std::string err = {}) {
  remote::CommandResult result;
  result.exit_status = status;
  result.stdout_text = std::move(out);
  result.stderr_text = std::move(err);
  result.duration = 5ms;
  return result;
}

std::vector<PlannedAction> tm_starts(const std::vector<std::string>& hosts) {
  std::vector<PlannedAction> plan;
  for (const auto& host : hosts) {
    plan.push_back(taskmanager_start(install_2x(), host, 5s).value());
  }
  return plan;
}

// The fake answers every command to a host alike, so one canned output holds both what the
// script prints and what the pid probe prints afterwards (each parser ignores the other's lines).
std::string started_tm(const std::string& pid, const std::string& state = "alive") {
  std::string out = "Starting taskexecutor daemon on host box.\nflinkha-piddir /tmp\n";
  return out + "flinkha-pid taskmanager taskexecutor " + pid + " " + state +
         " /tmp/flink-u-taskexecutor.pid\n";
}

} // namespace

TEST_CASE("cluster run_actions: started, unreachable, failing script") {
  remote::FakeExecutor fake;
  fake.set_result("w1", ran(0, started_tm("101")));
  fake.set_error("w2", Error{"w2:22: connection refused", "is sshd running?"});
  fake.set_result("w3", ran(1, "Starting taskexecutor daemon on host box.\n",
                            "/opt/flink/bin/config.sh: line 3: java: command not found\n"));
  fake.set_result("w4", ran(0, started_tm("104", "dead")));
  const auto plan = tm_starts({"w1", "w2", "w3", "w4"});
  const auto rows = run_actions(fake, install_2x(), plan);
  REQUIRE(rows.size() == 4);

  CHECK(rows[0].ok);
  CHECK(rows[0].detail == "started (pid 101)");
  CHECK(rows[0].pids == std::vector<std::int64_t>{101});
  CHECK(rows[0].exit_status == 0);
  CHECK(rows[0].role == to_string(Role::taskmanager));

  CHECK_FALSE(rows[1].ok);
  CHECK_FALSE(rows[1].exit_status);
  CHECK(rows[1].error->find("connection refused") != std::string::npos);
  CHECK(rows[1].detail == "not reached");

  CHECK_FALSE(rows[2].ok);
  CHECK(rows[2].exit_status == 1);
  CHECK(rows[2].stderr_text.find("java: command not found") != std::string::npos);
  CHECK(rows[2].error->find("exited with status 1") != std::string::npos);

  CHECK_FALSE(rows[3].ok);
  CHECK(rows[3].detail == "exited");

  // The pid check is part of each start command: one command per host, nothing else.
  CHECK(fake.commands_ran().size() == 4);
  // The probe's lines are not part of the reported script output.
  CHECK(rows[0].stdout_text == "Starting taskexecutor daemon on host box.\n");
}

TEST_CASE("cluster run_actions: a host listed twice runs in two waves, pids assigned in order") {
  remote::FakeExecutor fake;
  std::string out = "Starting taskexecutor daemon on host box.\n"
                    "flinkha-pid taskmanager taskexecutor 7 alive /p\n"
                    "flinkha-pid taskmanager taskexecutor 8 alive /p\n"
                    "flinkha-pid taskmanager taskexecutor 9 alive /p\n";
  fake.set_result("w1", ran(0, out), 20ms);
  const auto rows = run_actions(fake, install_2x(), tm_starts({"w1", "w1"}));
  REQUIRE(rows.size() == 2);
  // Each start reads the pid file right after its own start: the newest line is its pid.
  CHECK(rows[0].detail == "started (pid 9)");
  CHECK(rows[1].ok);
  CHECK(fake.max_concurrency() == 1); // never two commands on w1 at once
}

TEST_CASE("cluster run_actions: the window bounds concurrency") {
  remote::FakeExecutor fake;
  fake.set_default({ran(0, started_tm("5")), 20ms});
  std::vector<std::string> hosts;
  for (int i = 0; i < 12; ++i) {
    hosts.push_back("h" + std::to_string(i));
  }
  RunOptions options;
  options.window = 4;
  const auto rows = run_actions(fake, install_2x(), tm_starts(hosts), options);
  CHECK(std::ranges::all_of(rows, &remote::HostResult::ok));
  CHECK(fake.max_concurrency() <= 4);
  CHECK(fake.max_concurrency() >= 2);
}

TEST_CASE("cluster run_actions: stop outcomes") {
  const auto install = install_2x();
  std::vector<PlannedAction> plan;
  for (const auto* host : {"s1", "s2", "s3", "s4"}) {
    plan.push_back(jobmanager_stop(install, host, false, 5s).value());
  }
  remote::FakeExecutor fake;
  fake.set_result("s1", ran(0, "Stopping standalonesession daemon (pid: 11) on host box.\n"
                               "flinkha-gone 11\n"));
  fake.set_result("s2", ran(0, "No standalonesession daemon to stop on host box.\n"));
  fake.set_result("s3", ran(0, "Stopping standalonesession daemon (pid: 13) on host box.\n"
                               "Daemon standalonesession didn't stop within 10 seconds. Killing "
                               "it.\nflinkha-gone 13\n"));
  fake.set_result("s4", ran(0, "Stopping standalonesession daemon (pid: 14) on host box.\n"
                               "flinkha-alive 14\n"));
  const auto rows = run_actions(fake, install, plan);
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].ok);
  CHECK(rows[0].detail == "stopped (pid 11)");
  CHECK(rows[1].ok);
  CHECK(rows[1].detail == "not running");
  CHECK(rows[2].ok);
  CHECK(rows[2].detail == "killed after timeout (pid 13)");
  CHECK_FALSE(rows[3].ok);
  CHECK(rows[3].detail == "still running");
  CHECK(rows[3].error->find("pid 14") != std::string::npos);
  CHECK(rows[0].action == to_string(DaemonAction::stop));
}

TEST_CASE("cluster run_actions: without verification only the scripts run") {
  remote::FakeExecutor fake;
  fake.set_default({ran(0, "Starting taskexecutor daemon on host box.\n"), 0ms});
  RunOptions options;
  options.verify = false;
  const auto rows = run_actions(fake, install_2x(), tm_starts({"a", "b"}), options);
  CHECK(rows[0].ok);
  CHECK(rows[0].detail == "started");
  CHECK(fake.commands_ran().size() == 2);
}

namespace {

std::vector<PlannedAction> jm_start(const std::string& host) {
  return {jobmanager_start(install_2x(), host, 8081, 5s).value()};
}

} // namespace

TEST_CASE("cluster run_actions: a start whose .out cannot be opened failed (real script output)") {
  // flink-daemon.sh printed "Starting …", bash the failed redirection; the script exited 0 and the
  // pid it recorded still answered kill -0 (a zombie) when the old probe looked.
  for (const auto* version : {"1.20", "2.3"}) {
    CAPTURE(version);
    const auto stdout_text =
        test::fixture(fmt::format("daemons/start-{}-log-dir-missing.stdout", version));
    const auto stderr_text =
        test::fixture(fmt::format("daemons/start-{}-log-dir-missing.stderr", version));
    remote::FakeExecutor fake;
    fake.set_result("m1", ran(0,
                              stdout_text + "flinkha-piddir /tmp\n"
                                            "flinkha-pid jobmanager standalonesession 77 alive "
                                            "/tmp/flink-u-standalonesession.pid\n",
                              stderr_text));
    const auto rows = run_actions(fake, install_2x(), jm_start("m1"));
    REQUIRE(rows.size() == 1);
    CHECK_FALSE(rows[0].ok);
    CHECK(rows[0].detail == "failed");
    REQUIRE(rows[0].error);
    CHECK(rows[0].error->find("exited with status 0") != std::string::npos);
    CHECK(rows[0].error->find("standalonesession-0-vm.out: No such file or directory") !=
          std::string::npos);
    CHECK(rows[0].stdout_text == "Starting standalonesession daemon on host vm.\n");
  }
  remote::FakeExecutor fake;
  fake.set_result("m1", ran(0, "Starting standalonesession daemon on host vm.\n",
                            test::fixture("daemons/start-2.3-out-is-a-directory.stderr")));
  const auto rows = run_actions(fake, install_2x(), jm_start("m1"));
  CHECK_FALSE(rows[0].ok);
  CHECK(rows[0].error->find("Is a directory") != std::string::npos);
}

TEST_CASE("cluster run_actions: a JVM that exited at once fails with the tail of its .out") {
  remote::FakeExecutor fake;
  fake.set_result("m1", ran(0, test::fixture("daemons/start-2.3-jvm-exited.stdout")));
  const auto rows = run_actions(fake, install_2x(), jm_start("m1"));
  REQUIRE(rows.size() == 1);
  CHECK_FALSE(rows[0].ok);
  CHECK(rows[0].detail == "exited");
  CHECK(rows[0].pids == std::vector<std::int64_t>{16674});
  REQUIRE(rows[0].error);
  CHECK(rows[0].error->find("pid 16674") != std::string::npos);
  CHECK(rows[0].error->find(
            "last lines of /srv/flink/log-2.3.0/flink-root-standalonesession-0-vm.out:") !=
        std::string::npos);
  CHECK(rows[0].error->find("\n  The Java thread stack size specified is too small") !=
        std::string::npos);
  CHECK(rows[0].error->find("Error: Could not create the Java Virtual Machine.") !=
        std::string::npos);
  // Only the script's own line is reported as its output.
  CHECK(rows[0].stdout_text == "Starting standalonesession daemon on host vm.\n");
}

TEST_CASE("cluster run_actions: the start lint fails the row, naming the dir, key and host") {
  remote::FakeExecutor fake;
  fake.set_result("m1", ran(1, "flinkha-piddir /tmp\n"
                               "flinkha-lint log-dir-missing conf /var/log/my flink\n"));
  fake.set_result("m2", ran(1, "flinkha-lint log-dir-not-writable env /srv/log\n"
                               "flinkha-lint pid-dir-not-creatable conf /srv/file/pid\n"));
  auto install = install_2x();
  install.log_dir = "/var/log/my flink";
  auto plan = jm_start("m1");
  plan.push_back(taskmanager_start(install, "m2", 5s).value());
  const auto rows = run_actions(fake, install, plan);
  REQUIRE(rows.size() == 2);
  CHECK_FALSE(rows[0].ok);
  CHECK(rows[0].detail == "not started");
  CHECK(rows[0].error->find("env.log.dir /var/log/my flink does not exist on m1") !=
        std::string::npos);
  CHECK(rows[0].error->find("does not create it") != std::string::npos);
  CHECK(rows[0].stdout_text.empty());
  CHECK_FALSE(rows[1].ok);
  CHECK(rows[1].error->find("FLINK_LOG_DIR /srv/log on m2 is not writable") != std::string::npos);
  CHECK(rows[1].error->find("env.pid.dir /srv/file/pid does not exist on m2 and cannot be "
                            "created") != std::string::npos);
}

TEST_CASE("cluster run_actions: a login profile's error line does not fail a good start") {
  remote::FakeExecutor fake;
  fake.set_result("w1", ran(0, started_tm("101"),
                            "/etc/profile.d/site.sh: line 3: /opt/site/env: No such file or "
                            "directory\nbash: warning: setlocale: LC_ALL: cannot change locale\n"));
  fake.set_result("w2", ran(0, started_tm("102"), "[ERROR] Flink distribution jar not found.\n"));
  const auto rows = run_actions(fake, install_2x(), tm_starts({"w1", "w2"}));
  CHECK(rows[0].ok);
  CHECK(rows[0].detail == "started (pid 101)");
  CHECK_FALSE(rows[1].ok);
  CHECK(rows[1].error->find("[ERROR] Flink distribution jar not found.") != std::string::npos);
}

TEST_CASE("cluster run_actions: find_gone reports started daemons that died, with their tail") {
  remote::FakeExecutor fake;
  fake.set_result("w1", ran(0, started_tm("101")));
  fake.set_result("w2", ran(0, started_tm("102")));
  fake.set_result("w3", ran(0, started_tm("103")));
  const auto rows = run_actions(fake, install_2x(), tm_starts({"w1", "w2", "w3"}));
  REQUIRE(std::ranges::all_of(rows, &remote::HostResult::ok));

  fake.set_result("w1", ran(0, "flinkha-alive 101\n"));
  fake.set_result("w2", ran(0, "flinkha-gone 102\n"
                               "flinkha-file 102 out /l/flink-u-taskexecutor-0-box.out\n"
                               "flinkha-tail 102 out java.lang.OutOfMemoryError: Metaspace\n"));
  fake.set_error("w3", Error{"w3:22: connection timed out", ""});
  const auto before = fake.commands_ran().size();
  const auto gone = find_gone(fake, install_2x(), rows);
  CHECK(fake.commands_ran().size() == before + 3); // one probe per host
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].host == "w2");
  CHECK(gone[0].pid == 102);
  CHECK(gone[0].role == "taskmanager");
  CHECK(gone[0].message.find("the taskmanager on w2 (pid 102) is gone") != std::string::npos);
  CHECK(gone[0].message.find("java.lang.OutOfMemoryError: Metaspace") != std::string::npos);
  // A pid the probe calls gone that no row started is not reported.
  fake.set_result("w1", ran(0, "flinkha-gone 999\n"));
  fake.set_result("w2", ran(0, "flinkha-alive 102\n"));
  fake.set_result("w3", ran(0, "flinkha-alive 103\n"));
  CHECK(find_gone(fake, install_2x(), rows).empty());
}
