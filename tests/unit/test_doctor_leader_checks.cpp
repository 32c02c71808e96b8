// The doctor's leader checks (lib/doctor/check_leader_churn, check_leader_flapping,
// check_session_timeout) on hand-built Snapshots of two leader reads.
#include "doctor/check_leader_churn.hpp"
#include "doctor/check_leader_flapping.hpp"
#include "doctor/check_session_timeout.hpp"
#include "doctor/checks.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using flinkha::doctor::Finding;
using flinkha::doctor::Severity;
using flinkha::doctor::Snapshot;
using flinkha::flink::ComponentLeader;
using flinkha::flink::LeaderReport;

namespace {

constexpr const char* kInfo = "/flink/default/leader/dispatcher/connection_info";

ComponentLeader dispatcher(int version, std::string session_id, std::int64_t owner = 0x100) {
  ComponentLeader c;
  c.component = "dispatcher";
  c.connection_info_path = kInfo;
  c.latch_path = "/flink/default/leader/latch";
  c.address = "pekko.tcp://flink@127.0.0.1:6123/user/rpc/dispatcher_1";
  c.session_id = std::move(session_id);
  c.owner = owner;
  c.latch_owner = owner;
  c.version = version;
  c.mzxid = 0x2000 + version;
  c.latch_czxid = 0x2000;
  return c;
}

LeaderReport report_of(ComponentLeader leader) {
  LeaderReport report;
  report.ns = "/flink/default";
  report.verdict = flinkha::flink::LeaderVerdict::consistent;
  report.leaders.push_back(std::move(leader));
  return report;
}

Snapshot two_reads(ComponentLeader first, ComponentLeader second) {
  Snapshot snapshot;
  snapshot.zookeeper_reached = true;
  snapshot.first_leaders = report_of(std::move(first));
  snapshot.second_leaders = report_of(std::move(second));
  snapshot.leader_read_interval_ms = 3000;
  return snapshot;
}

const std::string kSession = "5c5c1a0e-7b1f-4c1e-9d35-3f0e2a1b4c6d";
const std::string kOther = "0b9a3c2d-1e4f-4a5b-8c7d-6e5f4a3b2c1d";

} // namespace

TEST_CASE("leader-churn: versions gained between the two reads above the threshold") {
  std::vector<Finding> out;
  auto quiet = two_reads(dispatcher(1, kSession), dispatcher(3, kSession));
  CHECK_FALSE(flinkha::doctor::check_leader_churn(quiet, out));
  CHECK(out.empty()); // 2 writes: not above the default 3

  auto churning = two_reads(dispatcher(1, kSession), dispatcher(41, kSession));
  CHECK_FALSE(flinkha::doctor::check_leader_churn(churning, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "leader-churn");
  CHECK(out[0].severity == Severity::warning);
  CHECK(out[0].subject == kInfo);
  CHECK(out[0].flink_issue == "FLINK-27848");
  CHECK(out[0].message.find("40 times in 3000 ms") != std::string::npos);

  out.clear();
  churning.thresholds.leader_version_churn = 40;
  CHECK_FALSE(flinkha::doctor::check_leader_churn(churning, out));
  REQUIRE(out.size() == 1); // no longer churn, but still many rewrites of one leadership
  CHECK(out[0].code == "leader-rewrites");
  CHECK(out[0].severity == Severity::info);
  CHECK(out[0].message.find("41 zxids after the latch") != std::string::npos);
}

TEST_CASE("leader-churn: a node recreated by a new leader is no churn; skipped without reads") {
  std::vector<Finding> out;
  auto recreated = two_reads(dispatcher(0, kSession), dispatcher(8, kOther, 0x200));
  recreated.thresholds.leader_version_churn = 10;
  CHECK_FALSE(flinkha::doctor::check_leader_churn(recreated, out));
  CHECK(out.empty());

  Snapshot none;
  none.leaders_error = "connection loss";
  const auto skipped = flinkha::doctor::check_leader_churn(none, out);
  REQUIRE(skipped);
  CHECK(skipped->find("connection loss") != std::string::npos);
}

TEST_CASE("leader-flapping: a new leader session id from the same JobManager and session") {
  std::vector<Finding> out;
  auto same = two_reads(dispatcher(0, kSession), dispatcher(0, kSession));
  CHECK_FALSE(flinkha::doctor::check_leader_flapping(same, out));
  CHECK(out.empty());

  auto flapping = two_reads(dispatcher(0, kSession), dispatcher(1, kOther));
  CHECK_FALSE(flinkha::doctor::check_leader_flapping(flapping, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "leader-flapping");
  CHECK(out[0].severity == Severity::warning);
  CHECK(out[0].message.find(kSession + " -> " + kOther) != std::string::npos);
  CHECK(out[0].remedy.find("tolerate-suspended-connections") != std::string::npos);

  out.clear();
  auto failover = two_reads(dispatcher(0, kSession), dispatcher(0, kOther, 0x200));
  failover.second_leaders->leaders[0].address = "pekko.tcp://flink@127.0.0.2:6123/user/rpc/d";
  CHECK_FALSE(flinkha::doctor::check_leader_flapping(failover, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "leader-changed");
  CHECK(out[0].severity == Severity::info);
}

TEST_CASE("leader-flapping: job components are not judged (their leaders follow the cluster's)") {
  std::vector<Finding> out;
  auto a = dispatcher(0, kSession);
  auto b = dispatcher(1, kOther);
  a.kind = b.kind = flinkha::flink::ComponentKind::job;
  auto snapshot = two_reads(a, b);
  CHECK_FALSE(flinkha::doctor::check_leader_flapping(snapshot, out));
  CHECK(out.empty());
}

TEST_CASE("session-timeout: granted below asked is a warning naming both and the remedy") {
  std::vector<Finding> out;
  Snapshot snapshot;
  CHECK(flinkha::doctor::check_session_timeout(snapshot, out)); // no session: skipped
  snapshot.zookeeper_reached = true;
  snapshot.requested_session_timeout_ms = 60000;
  snapshot.negotiated_session_timeout_ms = 60000;
  CHECK_FALSE(flinkha::doctor::check_session_timeout(snapshot, out));
  CHECK(out.empty());

  snapshot.negotiated_session_timeout_ms = 8000;
  CHECK_FALSE(flinkha::doctor::check_session_timeout(snapshot, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "session-timeout-capped");
  CHECK(out[0].severity == Severity::warning);
  CHECK(out[0].message.find("asks for a 60000 ms") != std::string::npos);
  CHECK(out[0].message.find("grants 8000 ms") != std::string::npos);
  CHECK(out[0].remedy.find("maxSessionTimeout to at least 60000") != std::string::npos);
  CHECK(out[0].remedy.find("session-timeout: 8000") != std::string::npos);

  out.clear();
  snapshot.requested_session_timeout_ms = 1000;
  snapshot.negotiated_session_timeout_ms = 4000;
  CHECK_FALSE(flinkha::doctor::check_session_timeout(snapshot, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "session-timeout-raised");
  CHECK(out[0].severity == Severity::info);
}

TEST_CASE("diagnose: churn and a capped session timeout make a warning verdict, exit 1") {
  auto snapshot = two_reads(dispatcher(0, kSession), dispatcher(30, kSession));
  snapshot.requested_session_timeout_ms = 60000;
  snapshot.negotiated_session_timeout_ms = 40000;
  const auto report = flinkha::doctor::diagnose(snapshot);
  CHECK(report.verdict == flinkha::doctor::Verdict::warning);
  CHECK(flinkha::doctor::exit_status_of(report.verdict) == 1);
  std::vector<std::string> codes;
  for (const auto& f : report.findings) {
    codes.push_back(f.code);
  }
  CHECK(codes == std::vector<std::string>{"leader-churn", "session-timeout-capped"});
}
