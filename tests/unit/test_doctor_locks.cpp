// doctor check "locks" (lib/doctor/check_locks.hpp): stale locks and pointers stuck marked for
// deletion, on inventories and leader reports built by the real builders from captured bytes.
#include "doctor/check_locks.hpp"
#include "doctor/checks.hpp"
#include "doctor_test_support.hpp"

#include <doctest/doctest.h>

using namespace flinkha;
using flinkha::test::HaFixtureTree;
using flinkha::test::with_code;

namespace {

constexpr std::string_view kJob = "3d8f0e5c9b2a4f718e6d5c4b3a291f01";
constexpr std::int64_t kStandby = 0x2000000fedcba02;
constexpr std::string_view kOtherLock = "/locks/5f0e4d3c-2b1a-4c9d-8e7f-6a5b4c3d2e1f";

std::vector<doctor::Finding> run(const doctor::Snapshot& snapshot) {
  std::vector<doctor::Finding> out;
  CHECK_FALSE(doctor::check_locks(snapshot, out).has_value());
  return out;
}

} // namespace

TEST_CASE("doctor locks: a running job locked by the leader's session has no finding") {
  for (const auto era : {flink::HaEra::v1_15, flink::HaEra::v2_0}) {
    CAPTURE(flink::layout_label(era));
    HaFixtureTree tree(era);
    const std::string job(kJob);
    tree.add_job_graph(job);
    tree.add_checkpoint(job, 1);
    tree.add_leaders(job);
    CHECK(run(test::snapshot_of(tree, era)).empty());
  }
}

TEST_CASE("doctor locks: a standby's lock on a checkpoint is stale, naming session and latch") {
  HaFixtureTree tree(flink::HaEra::v2_0);
  const std::string job(kJob);
  tree.add_job_graph(job);
  const auto checkpoint = tree.add_checkpoint(job, 4);
  tree.add_leaders(job);
  // A former leader now standing by: a later latch participant, still locking checkpoint 4.
  tree.zk().put_owned(
      tree.at("/leader/latch/_c_9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d-latch-0000000001"), "",
      kStandby);
  const std::string lock = checkpoint + std::string(kOtherLock);
  tree.zk().put_owned(lock, "127.0.0.1", kStandby, HaFixtureTree::kNow);

  const auto snapshot = test::snapshot_of(tree, flink::HaEra::v2_0);
  const auto stale = with_code(run(snapshot), "stale-lock");
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].subject == lock);
  CHECK(stale[0].severity == doctor::Severity::warning);
  CHECK(stale[0].flink_issue == "FLINK-26284");
  CHECK(test::contains(stale[0].message, zk::format_session_id(kStandby)));
  CHECK(test::contains(stale[0].message, "standby JobManager"));
  CHECK(test::contains(stale[0].message, "checkpoint 4"));
  CHECK(test::contains(stale[0].remedy, "flinkha jobmanager stop"));

  // Through the table: a warning verdict, exit 1.
  const auto verdict = test::verdict_of_row(snapshot, "locks");
  CHECK(verdict == doctor::Verdict::warning);
  CHECK(doctor::exit_status_of(verdict) == 1);
}

TEST_CASE("doctor locks: job graph locks; before 1.15 a stale one is critical (FLINK-10011)") {
  HaFixtureTree tree(flink::HaEra::v1_15);
  const std::string job(kJob);
  const auto graph = tree.add_job_graph(job);
  tree.add_leaders(job);
  tree.zk().put_owned(graph + std::string(kOtherLock), "127.0.0.1", kStandby);
  auto snapshot = test::snapshot_of(tree, flink::HaEra::v1_15);
  auto stale = with_code(run(snapshot), "stale-lock");
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].flink_issue == "FLINK-10011");
  CHECK(stale[0].severity == doctor::Severity::warning); // the JobResultStore guards 1.15+
  CHECK(test::contains(stale[0].message, "no latch participant has it"));

  snapshot.inventory->era = flink::HaEra::v1_14;
  stale = with_code(run(snapshot), "stale-lock");
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].severity == doctor::Severity::critical);
}

TEST_CASE("doctor locks: a persistent lock node is stale; a leader of either read is not") {
  HaFixtureTree tree(flink::HaEra::v1_15);
  const std::string job(kJob);
  const auto checkpoint = tree.add_checkpoint(job, 2);
  tree.add_leaders(job);
  tree.zk().put_owned(checkpoint + std::string(kOtherLock), "127.0.0.1", 0);
  auto snapshot = test::snapshot_of(tree, flink::HaEra::v1_15);
  auto stale = with_code(run(snapshot), "stale-lock");
  REQUIRE(stale.size() == 1);
  CHECK(test::contains(stale[0].message, "persistent lock node"));

  // A failover between the two reads: the first read's leader (kSession) still counts, and a
  // lock of the new leader (second read) too.
  tree.zk().put_owned(checkpoint + std::string(kOtherLock), "127.0.0.1", kStandby);
  snapshot = test::snapshot_of(tree, flink::HaEra::v1_15);
  for (auto& leader : snapshot.second_leaders->leaders) {
    leader.owner = kStandby;
  }
  for (auto& participant : snapshot.second_leaders->latch) {
    participant.owner = kStandby;
  }
  CHECK(with_code(run(snapshot), "stale-lock").empty());
}

TEST_CASE("doctor locks: a pointer marked for deletion for longer than the threshold is stuck") {
  HaFixtureTree tree(flink::HaEra::v1_15);
  const std::string job(kJob);
  tree.add_checkpoint(job, 1, HaFixtureTree::kNow - 3 * HaFixtureTree::kHour);
  const auto checkpoint =
      tree.add_checkpoint(job, 2, HaFixtureTree::kNow - 3 * HaFixtureTree::kHour);
  tree.add_leaders(job);
  // An interrupted releaseAndTryRemove: the locks node is gone, the pointer stays.
  tree.zk().remove(checkpoint + "/locks/8d3b6f1e-2c4a-4f0b-9e7d-1a2b3c4d5e6f");
  tree.zk().remove(checkpoint + "/locks");
  auto snapshot = test::snapshot_of(tree, flink::HaEra::v1_15);
  auto stuck = with_code(run(snapshot), "deletion-stuck");
  REQUIRE(stuck.size() == 1);
  CHECK(stuck[0].subject == checkpoint);
  CHECK(stuck[0].severity == doctor::Severity::warning);
  CHECK(test::contains(stuck[0].message, "3 h ago"));
  CHECK(test::contains(stuck[0].message, "completedCheckpoint"));
  CHECK(test::contains(stuck[0].remedy, "flinkha cleanup orphans --min-age 3600s"));

  // The whole doctor says it once: deletion-stuck, not also inspect's marked-for-deletion.
  const auto both = [&](const doctor::Report& report) {
    std::vector<std::string> codes;
    for (const auto& finding : report.findings) {
      if (finding.subject == checkpoint) {
        codes.push_back(finding.code);
      }
    }
    return codes;
  };
  CHECK(both(doctor::diagnose(snapshot)) == std::vector<std::string>{"deletion-stuck"});

  snapshot.thresholds.marked_for_deletion_age_ms = 4 * HaFixtureTree::kHour;
  CHECK(with_code(run(snapshot), "deletion-stuck").empty());
  // Younger than the threshold: inspect's own finding is kept.
  CHECK(both(doctor::diagnose(snapshot)) == std::vector<std::string>{"marked-for-deletion"});
}

TEST_CASE("doctor locks: skipped without an inventory or without a leader read") {
  doctor::Snapshot snapshot;
  snapshot.inventory_error = "ZooKeeper not reachable";
  std::vector<doctor::Finding> out;
  const auto skipped = doctor::check_locks(snapshot, out);
  REQUIRE(skipped.has_value());
  CHECK(test::contains(*skipped, "ZooKeeper not reachable"));

  HaFixtureTree tree(flink::HaEra::v1_15);
  tree.add_checkpoint(std::string(kJob), 1);
  snapshot = test::snapshot_of(tree, flink::HaEra::v1_15);
  snapshot.first_leaders.reset();
  snapshot.second_leaders.reset();
  CHECK(doctor::check_locks(snapshot, out).has_value());
  CHECK(out.empty());
}

TEST_CASE("doctor locks: a standby's lock on a Flink 2.3 application pointer is stale") {
  HaFixtureTree tree(flink::HaEra::v2_0);
  const std::string job(kJob);
  const std::string app = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
  tree.add_job_graph(job);
  tree.add_leaders(job);
  const auto pointer = tree.add_pointer(tree.at("/applications/" + app), "submittedApplication");
  tree.zk().put_owned(pointer + std::string(kOtherLock), "127.0.0.1", kStandby);
  const auto stale = with_code(run(test::snapshot_of(tree, flink::HaEra::v2_0)), "stale-lock");
  REQUIRE(stale.size() == 1);
  CHECK(stale[0].subject == pointer + std::string(kOtherLock));
  CHECK(test::contains(stale[0].message, "application " + app + " cannot be removed"));
}
