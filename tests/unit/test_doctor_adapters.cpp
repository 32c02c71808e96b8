// The verdicts of zk status, leader show, status and inspect as doctor findings
// (lib/doctor/check_adapters), on hand-built Snapshots.
#include "doctor/check_adapters.hpp"
#include "doctor/checks.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using flinkha::doctor::Finding;
using flinkha::doctor::Severity;
using flinkha::doctor::Snapshot;

TEST_CASE("zk-status: nothing reached is zookeeper-unreachable, critical, with the reason") {
  Snapshot snapshot;
  snapshot.leaders_error = "127.0.0.1:2181: connection refused";
  snapshot.quorum_error = "no conf/zoo.cfg: the ensemble's peers are not known";
  std::vector<Finding> out;
  const auto skipped = flinkha::doctor::check_zk_status(snapshot, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "zookeeper-unreachable");
  CHECK(out[0].severity == Severity::critical);
  CHECK(out[0].message.find("connection refused") != std::string::npos);
  REQUIRE(skipped);
  CHECK(*skipped == snapshot.quorum_error);
  // The verdict stays unknown: nothing was reached to decide.
  CHECK(flinkha::doctor::diagnose(snapshot).verdict == flinkha::doctor::Verdict::unknown);

  // srvr answered, the session did not open (refused credentials): critical, not unknown.
  snapshot.zookeeper_reached = true;
  snapshot.leaders_error = "ZAUTHFAILED: digest refused";
  out.clear();
  flinkha::doctor::check_zk_status(snapshot, out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].message.find("no ZooKeeper session could be opened: ZAUTHFAILED") == 0);
  CHECK(flinkha::doctor::diagnose(snapshot).verdict == flinkha::doctor::Verdict::critical);
}

TEST_CASE("zk-status: the quorum verdict as quorum-lost / quorum-degraded") {
  Snapshot snapshot;
  snapshot.zookeeper_reached = true;
  flinkha::zk::QuorumHealth health;
  health.reachable = 2;
  health.voting_members = 3;
  health.serving = 2;
  health.verdict = flinkha::zk::Verdict::degraded;
  health.reasons = {"peer 3 (127.0.0.1:2183) is down: connection refused"};
  snapshot.quorum = health;
  std::vector<Finding> out;
  CHECK_FALSE(flinkha::doctor::check_zk_status(snapshot, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "quorum-degraded");
  CHECK(out[0].severity == Severity::warning);
  CHECK(out[0].message.find("(2 of 3 voters serving): peer 3") != std::string::npos);

  out.clear();
  snapshot.quorum->verdict = flinkha::zk::Verdict::lost;
  snapshot.quorum->serving = 1;
  CHECK_FALSE(flinkha::doctor::check_zk_status(snapshot, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "quorum-lost");
  CHECK(out[0].severity == Severity::critical);

  out.clear();
  snapshot.quorum->verdict = flinkha::zk::Verdict::healthy;
  CHECK_FALSE(flinkha::doctor::check_zk_status(snapshot, out));
  CHECK(out.empty());
}

TEST_CASE("leaders: no leader is critical; an inconsistency in both reads a warning") {
  Snapshot snapshot;
  snapshot.zookeeper_reached = true;
  flinkha::flink::LeaderReport none;
  none.ns = "/flink/default";
  none.verdict = flinkha::flink::LeaderVerdict::none;
  snapshot.first_leaders = none;
  snapshot.second_leaders = none;
  std::vector<Finding> out;
  CHECK_FALSE(flinkha::doctor::check_leaders(snapshot, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "no-leader");
  CHECK(out[0].severity == Severity::critical);
  CHECK(out[0].subject == "/flink/default");

  flinkha::flink::ComponentLeader stale;
  stale.component = "dispatcher";
  stale.connection_info_path = "/flink/default/leader/dispatcher/connection_info";
  stale.note = "connection_info owned by 0x1, the latch by 0x2";
  auto inconsistent = none;
  inconsistent.verdict = flinkha::flink::LeaderVerdict::inconsistent;
  inconsistent.leaders.push_back(stale);
  snapshot.second_leaders = inconsistent;
  out.clear();
  CHECK_FALSE(flinkha::doctor::check_leaders(snapshot, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "leader-inconsistent");
  CHECK(out[0].severity == Severity::info); // the first read did not see it: a failover
  snapshot.first_leaders = inconsistent;
  out.clear();
  CHECK_FALSE(flinkha::doctor::check_leaders(snapshot, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].severity == Severity::warning);
  CHECK(out[0].message.find("owned by 0x1") != std::string::npos);
}

TEST_CASE("status: a JobManager whose REST does not answer; critical when none answers") {
  Snapshot snapshot;
  snapshot.zookeeper_reached = true;
  flinkha::cluster::ClusterStatus status;
  flinkha::cluster::RestStatus up;
  up.endpoint = {"127.0.0.1", 8081};
  up.reachable = true;
  flinkha::cluster::RestStatus down;
  down.endpoint = {"127.0.0.1", 8082};
  down.error = "connection refused";
  status.rest = {up, down};
  snapshot.status = status;
  std::vector<Finding> out;
  CHECK_FALSE(flinkha::doctor::check_status(snapshot, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].code == "jobmanager-unreachable");
  CHECK(out[0].severity == Severity::warning);
  CHECK(out[0].subject == "127.0.0.1:8082");
  CHECK(out[0].remedy == "flinkha status; flinkha jobmanager start 127.0.0.1:8082");

  snapshot.status->rest = {down};
  out.clear();
  CHECK_FALSE(flinkha::doctor::check_status(snapshot, out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].severity == Severity::critical);

  Snapshot skipped;
  skipped.status_error = "--no-status";
  CHECK(flinkha::doctor::check_status(skipped, out).value_or("") == "--no-status");
}

TEST_CASE("inspect: every finding kept with its kind as code and the cleanup as remedy") {
  Snapshot snapshot;
  snapshot.zookeeper_reached = true;
  flinkha::flink::HaInventory inventory;
  flinkha::flink::Finding dirty;
  dirty.kind = flinkha::flink::FindingKind::dirty_job;
  dirty.severity = Severity::warning;
  dirty.job_id = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
  dirty.subject = "a1b2c3d4e5f60718293a4b5c6d7e8f90_DIRTY.json";
  dirty.message = "the JobResultStore entry is dirty";
  flinkha::flink::Finding dangling;
  dangling.kind = flinkha::flink::FindingKind::dangling_pointer;
  dangling.severity = Severity::critical;
  dangling.subject = "/flink/default/jobgraphs/x";
  dangling.message = "points to a missing file";
  inventory.findings = {dirty, dangling};
  snapshot.inventory = inventory;
  const auto report = flinkha::doctor::diagnose(snapshot);
  CHECK(report.verdict == flinkha::doctor::Verdict::critical);
  REQUIRE(report.findings.size() == 2);
  CHECK(report.findings[0].code == "dangling-pointer");
  CHECK(report.findings[0].flink_issue == "FLINK-22502");
  CHECK(report.findings[1].code == "dirty-job");
  CHECK(report.findings[1].remedy == "flinkha cleanup dirty-jobs a1b2c3d4e5f60718293a4b5c6d7e8f90");
  CHECK(report.findings[1].message.find("job a1b2c3d4e5f60718293a4b5c6d7e8f90: ") == 0);
}

TEST_CASE("inspect: a young orphan is info, an old one keeps inspect's warning") {
  Snapshot snapshot;
  snapshot.zookeeper_reached = true;
  snapshot.thresholds.orphan_age_ms = 3'600'000;
  flinkha::flink::HaInventory inventory;
  flinkha::flink::Finding young;
  young.kind = flinkha::flink::FindingKind::orphan_file;
  young.severity = Severity::warning;
  young.subject = "completedCheckpoint0123456789ab";
  young.age_ms = 400; // a checkpoint's file written a moment before its pointer
  auto old = young;
  old.subject = "completedCheckpointba9876543210";
  old.age_ms = 7'200'000;
  inventory.findings = {young};
  snapshot.inventory = inventory;
  auto report = flinkha::doctor::diagnose(snapshot);
  CHECK(report.verdict == flinkha::doctor::Verdict::ok);
  REQUIRE(report.findings.size() == 1);
  CHECK(report.findings[0].severity == Severity::info);
  inventory.findings = {young, old};
  snapshot.inventory = inventory;
  report = flinkha::doctor::diagnose(snapshot);
  CHECK(report.verdict == flinkha::doctor::Verdict::warning);
  const auto kept = std::ranges::find(report.findings, std::string(old.subject),
                                      &flinkha::doctor::Finding::subject);
  REQUIRE(kept != report.findings.end());
  CHECK(kept->severity == Severity::warning);
}
