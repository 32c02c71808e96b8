// Check "shared-cluster-id" (doctor/check_shared_cluster.hpp) on hand-built Snapshots: the leader
// addresses as real Flink 2.3 JobManagers publish them (the REST URL and the pekko RPC URLs of
// tests/unit/fixtures/flink_ha/2.3.0), conf/masters as written by an operator.

#include "doctor/check_shared_cluster.hpp"
#include "doctor/checks.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace flinkha;
using flinkha::test::TempDir;

namespace {

constexpr std::int64_t kOurs = 0x100000a1b2c0001;
constexpr std::int64_t kTheirs = 0x100000a1b2c0002;

struct Setup {
  TempDir dir;
  config::ClusterConfig config;
  doctor::Snapshot snapshot;

  explicit Setup(std::string_view masters) {
    dir.write("conf/config.yaml", "high-availability.type: zookeeper\n"
                                  "high-availability.zookeeper.quorum: 127.0.0.1:2181\n"
                                  "high-availability.storageDir: file:///tmp/ha\n"
                                  "high-availability.cluster-id: /shared\n");
    dir.write("conf/masters", masters);
    config::LoadRequest request;
    request.conf_dir = dir.path() / "conf";
    request.environment = [](std::string_view) { return std::optional<std::string>(); };
    config = config::load_cluster_config(request).value();
    snapshot.config = &config;
    snapshot.zookeeper_reached = true;
  }

  // A 1.15+ report: one latch, the three components led by `rest_port` / `rpc_port` on `host`.
  void leaders(std::string_view host, int rest_port, int rpc_port,
               std::vector<std::int64_t> sessions) {
    flink::LeaderReport report;
    report.ns = "/flink/shared";
    report.era = flink::HaEra::v2_0;
    const std::string latch = "/flink/shared/leader/latch";
    const std::pair<std::string, std::string> components[] = {
        {"resource_manager",
         fmt::format("pekko.tcp://flink@{}:{}/user/rpc/resourcemanager_0", host, rpc_port)},
        {"dispatcher",
         fmt::format("pekko.tcp://flink@{}:{}/user/rpc/dispatcher_1", host, rpc_port)},
        {"rest_server", fmt::format("http://{}:{}", host, rest_port)}};
    for (const auto& [name, address] : components) {
      flink::ComponentLeader leader;
      leader.component = name;
      leader.connection_info_path = "/flink/shared/leader/" + name + "/connection_info";
      leader.latch_path = latch;
      leader.address = address;
      leader.session_id = "5f2c1b7e-8a43-4c1d-9e0f-2b3a4c5d6e7f";
      leader.owner = sessions.front();
      leader.latch_owner = sessions.front();
      report.leaders.push_back(leader);
    }
    int seq = 0;
    for (const auto session : sessions) {
      flink::LatchParticipant participant;
      participant.latch = latch;
      participant.node = fmt::format("_c_0b7c{}-latch-{:010}", seq, seq);
      participant.owner = session;
      participant.leader = seq == 0;
      ++seq;
      report.latch.push_back(participant);
    }
    snapshot.first_leaders = report;
  }

  std::vector<doctor::Finding> run() const {
    std::vector<doctor::Finding> out;
    const auto skipped = doctor::check_shared_cluster(snapshot, out);
    REQUIRE_FALSE(skipped.has_value());
    return out;
  }
};

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("shared-cluster-id: the other cluster leads — its REST address and ours are named") {
  Setup s("127.0.0.1:18081\n");
  s.leaders("127.0.0.1", 18082, 36001, {kTheirs, kOurs});
  const auto findings = s.run();
  REQUIRE(findings.size() == 1);
  const auto& f = findings[0];
  CHECK(f.code == "shared-cluster-id");
  CHECK(f.severity == doctor::Severity::critical);
  CHECK(f.subject == "/flink/shared/leader/rest_server/connection_info");
  CAPTURE(f.message);
  CHECK(contains(f.message, "http://127.0.0.1:18082"));
  CHECK(contains(f.message, "127.0.0.1:18081"));
  CHECK(contains(f.message, "2 JobManager sessions"));
  CHECK(contains(f.message, "/shared"));
  // RPC addresses on a masters host are not evidence (their port is in no file).
  CHECK_FALSE(contains(f.message, "the dispatcher leader"));
  CHECK(contains(f.remedy, "high-availability.cluster-id"));
  CHECK(contains(f.remedy, "flinkha clusters"));
}

TEST_CASE("shared-cluster-id: this cluster leads — the extra latch session is named") {
  Setup s("localhost:18081\n");
  s.leaders("127.0.0.1", 18081, 36001, {kOurs, kTheirs});
  SUBCASE("without cons") {
    const auto findings = s.run();
    REQUIRE(findings.size() == 1);
    CAPTURE(findings[0].message);
    CHECK(findings[0].subject == "/flink/shared/leader/latch");
    CHECK(contains(findings[0].message, "leader http://127.0.0.1:18081"));
    CHECK(contains(findings[0].message, zk::format_session_id(kTheirs)));
    CHECK(contains(findings[0].message, "conf/masters has 1 JobManager (localhost:18081)"));
    // Unconfirmed: the extra session may be a dead JobManager's, not expired yet.
    CHECK(findings[0].severity == doctor::Severity::warning);
    CHECK(contains(findings[0].message, "died less than a session timeout ago"));
  }
  SUBCASE("with the sessions' client addresses from cons") {
    s.snapshot.zk_client_addresses =
        std::map<std::int64_t, std::string>{{kOurs, "127.0.0.1:40100"}, {kTheirs, "10.1.2.3:5100"}};
    const auto findings = s.run();
    REQUIRE(findings.size() == 1);
    CAPTURE(findings[0].message);
    CHECK(contains(findings[0].message, zk::format_session_id(kTheirs) + " from 10.1.2.3:5100"));
    CHECK(contains(findings[0].message, "2 connected JobManager sessions"));
    CHECK(findings[0].severity == doctor::Severity::critical);
  }
  SUBCASE("cons shows no connection for the extra session: a dead JobManager's, no finding") {
    s.snapshot.zk_client_addresses =
        std::map<std::int64_t, std::string>{{kOurs, "127.0.0.1:40100"}};
    CHECK(s.run().empty());
  }
}

TEST_CASE("shared-cluster-id: a leader on another host, by its RPC address") {
  Setup s("jm1:8081\njm2:8081\n");
  s.leaders("jm9", 8081, 6123, {kTheirs});
  const auto findings = s.run();
  REQUIRE(findings.size() == 1);
  CAPTURE(findings[0].message);
  CHECK(findings[0].subject == "/flink/shared/leader/resource_manager/connection_info");
  CHECK(contains(findings[0].message, "pekko.tcp://flink@jm9:6123"));
  CHECK(contains(findings[0].message, "jm1:8081, jm2:8081"));
  CHECK_FALSE(contains(findings[0].message, "sessions are in the leader latch"));
}

TEST_CASE("shared-cluster-id: a healthy HA pair is no finding; missing inputs skip the check") {
  SUBCASE("two JobManagers of conf/masters, one leading") {
    Setup s("JM1:8081\njm2:8081\n");
    s.leaders("jm1", 8081, 6123, {kOurs, kTheirs});
    CHECK(s.run().empty());
  }
  SUBCASE("a leader without a port in conf/masters (rest.port, 8081)") {
    Setup s("127.0.0.1\n");
    s.leaders("127.0.0.1", 8081, 6123, {kOurs});
    CHECK(s.run().empty());
  }
  SUBCASE("ZooKeeper not read") {
    Setup s("127.0.0.1:8081\n");
    s.snapshot.leaders_error = "ZCONNECTIONLOSS: connection lost";
    std::vector<doctor::Finding> out;
    const auto skipped = doctor::check_shared_cluster(s.snapshot, out);
    REQUIRE(skipped.has_value());
    CHECK(contains(*skipped, "ZCONNECTIONLOSS"));
    CHECK(out.empty());
  }
  SUBCASE("the check is a row of the doctor's table") {
    Setup s("127.0.0.1:18081\n");
    s.leaders("127.0.0.1", 18082, 36001, {kTheirs, kOurs});
    const auto report = doctor::diagnose(s.snapshot);
    CHECK(report.verdict == doctor::Verdict::critical);
    bool listed = false;
    for (const auto& check : report.checks) {
      listed = listed || (check.name == "shared-cluster-id" && check.findings == 1);
    }
    CHECK(listed);
  }
}

TEST_CASE("shared-cluster-id: leader addresses as Flink writes them") {
  const auto rest = doctor::parse_leader_address("http://127.0.0.1:51099");
  REQUIRE(rest);
  CHECK(rest->kind == doctor::LeaderAddress::Kind::rest);
  CHECK(rest->host == "127.0.0.1");
  CHECK(rest->port == 51099);
  const auto rpc =
      doctor::parse_leader_address("pekko.tcp://flink@127.0.0.1:32837/user/rpc/dispatcher_1");
  REQUIRE(rpc);
  CHECK(rpc->kind == doctor::LeaderAddress::Kind::rpc);
  CHECK(rpc->port == 32837);
  const auto v6 = doctor::parse_leader_address("https://[::1]/");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 443);
  CHECK_FALSE(doctor::parse_leader_address("127.0.0.1:8081"));
  CHECK_FALSE(doctor::parse_leader_address("pekko.tcp://127.0.0.1:1/user"));
  CHECK_FALSE(doctor::parse_leader_address("http://h:99999"));
}
