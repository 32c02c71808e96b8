// Status: which hosts are looked at, the verdict rules, the /overview parser, and a whole
// collect_status over the FakeExecutor.

#include "cluster/status.hpp"
#include "remote/fake_executor.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

using namespace flinkha;
using namespace flinkha::cluster;
using flinkha::test::TempDir;

namespace {

config::ClusterConfig load(const TempDir& dir) {
  config::LoadRequest request;
  request.conf_dir = dir.path();
  request.flink_version = config::FlinkVersion{2, 3};
  request.environment = [](std::string_view) { return std::optional<std::string>(); };
  return config::load_cluster_config(request).value();
}

HostStatus host(std::string name, int jm_expected, int tm_expected, int jm_alive, int tm_alive) {
  HostStatus h;
  h.expected = StatusHost{std::move(name), jm_expected, tm_expected, false};
  h.reachable = true;
  for (int i = 0; i < jm_alive; ++i) {
    h.processes.push_back({Role::jobmanager, "standalonesession", 100 + i, true, "/p"});
  }
  for (int i = 0; i < tm_alive; ++i) {
    h.processes.push_back({Role::taskmanager, "taskexecutor", 200 + i, true, "/p"});
  }
  return h;
}

RestStatus rest(bool reachable, int taskmanagers) {
  RestStatus r;
  r.endpoint = {"m", 8081};
  r.reachable = reachable;
  r.taskmanagers = taskmanagers;
  return r;
}

} // namespace

TEST_CASE("cluster status: hosts and expectations from the config") {
  TempDir dir;
  dir.write("config.yaml", "high-availability.type: zookeeper\n"
                           "high-availability.zookeeper.quorum: z1:2181\n"
                           "high-availability.storageDir: file:///tmp/ha\nrest.port: 9000\n");
  dir.write("masters", "m1:8081\nm2\n");
  dir.write("workers", "w1\nm1\nw1\n");
  const auto config = load(dir);
  const auto hosts = status_hosts(config);
  REQUIRE(hosts.size() == 3);
  CHECK(hosts[0].host == "m1");
  CHECK(hosts[0].jobmanagers_expected == 1);
  CHECK(hosts[0].taskmanagers_expected == 1);
  CHECK(hosts[2].host == "w1");
  CHECK(hosts[2].taskmanagers_expected == 2);
  const auto endpoints = rest_endpoints(config);
  REQUIRE(endpoints.size() == 2);
  CHECK(endpoints[0].url() == "http://m1:8081/overview");
  CHECK(endpoints[1].port == 9000); // a masters line without port: rest.port
  CHECK(RestEndpoint{"::1", 1}.url() == "http://[::1]:1/overview");
}

TEST_CASE("cluster status: verdicts") {
  ClusterStatus status;
  status.hosts = {host("m1", 1, 0, 1, 0), host("w1", 0, 2, 0, 2)};
  status.rest = {rest(true, 2)};
  judge(status);
  CHECK(status.verdict == Verdict::healthy);
  CHECK(status.problems.empty());

  status.hosts[1] = host("w1", 0, 2, 0, 1);
  status.rest = {rest(true, 1)};
  judge(status);
  CHECK(status.verdict == Verdict::degraded);
  CHECK(status.problems.size() == 2);

  status.rest = {rest(false, 0)};
  judge(status);
  CHECK(status.verdict == Verdict::down);

  status.hosts[0].reachable = false;
  status.hosts[1].reachable = false;
  judge(status);
  CHECK(status.verdict == Verdict::unknown);

  // The leader seam: checked and none registered means down.
  status.hosts = {host("m1", 1, 0, 1, 0)};
  status.rest = {rest(true, 0)};
  status.leader_checked = true;
  judge(status);
  CHECK(status.verdict == Verdict::down);
}

TEST_CASE("cluster status: /overview") {
  const auto ok = parse_overview(R"({"taskmanagers":2,"slots-total":4,"slots-available":3,)"
                                 R"("jobs-running":0,"flink-version":"2.3.0"})");
  REQUIRE(ok);
  CHECK(ok->taskmanagers == 2);
  CHECK(ok->slots_total == 4);
  CHECK(ok->slots_available == 3);
  CHECK(ok->flink_version == "2.3.0");
  CHECK_FALSE(parse_overview("<html>"));
  CHECK_FALSE(parse_overview("[1]"));
  // Nothing listens on port 1 of 127.0.0.1: refused quickly, an error, no exception.
  const auto refused = probe_overview({"127.0.0.1", 1});
  CHECK_FALSE(refused.reachable);
  CHECK(refused.error);
}

TEST_CASE("cluster status: collect_status over the fake executor") {
  TempDir dir;
  dir.write("config.yaml", "high-availability.type: zookeeper\n"
                           "high-availability.zookeeper.quorum: z1:2181\n"
                           "high-availability.storageDir: file:///tmp/ha\n");
  dir.write("masters", "127.0.0.1:1\n");
  dir.write("workers", "w1\nw2\n");
  const auto config = load(dir);
  remote::FakeExecutor fake;
  fake.set_result("127.0.0.1",
                  {0,
                   "flinkha-piddir /p\nflinkha-pid jobmanager standalonesession 5 alive /p/f\n",
                   "",
                   std::chrono::milliseconds(1),
                   {}});
  fake.set_result("w1", {0,
                         "flinkha-pid taskmanager taskexecutor 6 alive /p/t\n",
                         "",
                         std::chrono::milliseconds(1),
                         {}});
  fake.set_error("w2", Error{"w2: connection refused", ""});
  StatusOptions options;
  int lookups = 0;
  options.leader_lookup = [&]() -> Result<std::optional<LeaderSummary>> {
    ++lookups;
    return LeaderSummary{"pekko.tcp://flink@127.0.0.1:6123/user/rpc/dispatcher_1", ""};
  };
  const auto status =
      collect_status(fake, config, make_install(config, NeedFlinkHome::no).value(), options);
  REQUIRE(status.hosts.size() == 3);
  CHECK(status.hosts[0].alive(Role::jobmanager) == 1);
  CHECK(status.hosts[1].alive(Role::taskmanager) == 1);
  CHECK_FALSE(status.hosts[2].reachable);
  CHECK(lookups == 1);
  CHECK(status.leader);
  // REST on 127.0.0.1:1 is refused: no JobManager answers.
  CHECK(status.verdict == Verdict::down);
}

TEST_CASE("cluster status: a gone daemon ends the wait at once") {
  // Nothing listens on port 1 of loopback: the endpoint never answers, so only the gone check
  // can end this wait before its (long) timeout.
  const std::vector<RestEndpoint> endpoints{{"127.0.0.1", 1}};
  WaitOptions options;
  options.timeout = std::chrono::milliseconds(600000);
  options.interval = std::chrono::milliseconds(10);
  options.rest.connect_timeout = std::chrono::milliseconds(500);
  int asked = 0;
  options.gone_check = [&]() -> std::optional<std::string> {
    return ++asked < 3 ? std::nullopt
                       : std::optional<std::string>("the jobmanager on m1 (pid 7) is gone");
  };
  const auto outcome = wait_until_ready(endpoints, options);
  CHECK_FALSE(outcome.ready);
  CHECK(asked == 3);
  REQUIRE(outcome.gave_up);
  CHECK(*outcome.gave_up == "the jobmanager on m1 (pid 7) is gone");
  REQUIRE(outcome.waiting_for);
  CHECK(outcome.waiting_for->find("REST 127.0.0.1:1") != std::string::npos);
}
