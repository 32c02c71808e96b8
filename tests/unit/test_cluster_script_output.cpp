// Parsing the real output of flink-daemon.sh (lines copied from Flink 1.20.5 / 2.3.0 runs) and of
// flinkha's probe snippets.

#include "cluster/script_output.hpp"

#include <doctest/doctest.h>

using namespace flinkha::cluster;

TEST_CASE("cluster script output: start") {
  auto out = parse_start_output("[INFO] 1 instance(s) of taskexecutor are already running on box.\n"
                                "Starting taskexecutor daemon on host box.\n");
  CHECK(out.starting);
  CHECK(out.daemon == "taskexecutor");
  CHECK(out.reported_host == "box");
  CHECK(out.already_running == 1);
  CHECK_FALSE(out.error_starting);

  out = parse_start_output("Starting standalonesession daemon on host box.\r\n"
                           "Error starting standalonesession daemon.\n");
  CHECK(out.error_starting);
  CHECK(parse_start_output("profile noise\n").starting == false);
}

TEST_CASE("cluster script output: stop, stop-all and the 10 s kill") {
  auto out = parse_stop_output("Stopping taskexecutor daemon (pid: 4711) on host box.\n");
  CHECK(out.stopping == std::vector<int>{4711});
  CHECK(out.killed.empty());

  out = parse_stop_output("Stopping standalonesession daemon (pid: 12) on host box.\n"
                          "Daemon standalonesession didn't stop within 10 seconds. Killing it.\n"
                          "Skipping standalonesession daemon (pid: 13), because it is not running "
                          "anymore on box.\n");
  CHECK(out.stopping == std::vector<int>{12});
  CHECK(out.killed == std::vector<int>{12});
  CHECK(out.not_running == std::vector<int>{13});

  out = parse_stop_output("No taskexecutor daemon (pid: 77) is running anymore on box.\n");
  CHECK(out.not_running == std::vector<int>{77});
  CHECK(parse_stop_output("No taskexecutor daemon to stop on host box.\n").nothing_to_stop);
}

TEST_CASE("cluster script output: probes") {
  const auto probe =
      parse_pid_probe("motd line\nflinkha-piddir /tmp/p d\n"
                      "flinkha-pid jobmanager standalonesession 10 alive /tmp/p d/f.pid\n"
                      "flinkha-pid taskmanager taskexecutor x alive /f\n"
                      "flinkha-pid bogus taskexecutor 3 alive /f\n"
                      "flinkha-pid taskmanager taskexecutor 11 dead /f2\n");
  CHECK(probe.pid_dir == "/tmp/p d");
  REQUIRE(probe.processes.size() == 2);
  CHECK(probe.processes[0].pid_file == "/tmp/p d/f.pid");
  CHECK(probe.processes[1].pid == 11);
  CHECK_FALSE(probe.processes[1].alive);

  const auto gone = parse_gone_probe("flinkha-gone 1\nflinkha-alive 2\nflinkha-gone x\n");
  CHECK(gone.gone == std::vector<int>{1});
  CHECK(gone.alive == std::vector<int>{2});
}
