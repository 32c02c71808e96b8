// doctor check "counter" (lib/doctor/check_counter.hpp): a checkpoint ID counter at or below
// the highest completed checkpoint, on inventories built from captured pointer bytes and the
// counter's 4-byte format.
#include "doctor/check_counter.hpp"
#include "doctor/checks.hpp"
#include "doctor_test_support.hpp"

#include <doctest/doctest.h>

using namespace flinkha;
using flinkha::test::HaFixtureTree;
using flinkha::test::with_code;

namespace {

constexpr std::string_view kJob = "3d8f0e5c9b2a4f718e6d5c4b3a291f01";

std::vector<doctor::Finding> run(HaFixtureTree& tree, flink::HaEra era) {
  std::vector<doctor::Finding> out;
  CHECK_FALSE(doctor::check_counter(test::snapshot_of(tree, era), out).has_value());
  return out;
}

void job_with_checkpoints(HaFixtureTree& tree, std::int32_t next) {
  const std::string job(kJob);
  tree.add_job_graph(job);
  tree.add_checkpoint(job, 6);
  tree.add_checkpoint(job, 7);
  tree.add_counter(job, next);
  tree.add_leaders(job);
}

} // namespace

TEST_CASE("doctor counter: next id past the highest completed checkpoint is fine") {
  for (const auto era : {flink::HaEra::v1_15, flink::HaEra::v2_0}) {
    CAPTURE(flink::layout_label(era));
    HaFixtureTree tree(era);
    job_with_checkpoints(tree, 8);
    CHECK(run(tree, era).empty());
  }
}

TEST_CASE("doctor counter: a counter at or below the highest checkpoint is critical") {
  for (const std::int32_t next : {7, 3}) {
    CAPTURE(next);
    HaFixtureTree tree(flink::HaEra::v2_0);
    job_with_checkpoints(tree, next);
    const auto findings = with_code(run(tree, flink::HaEra::v2_0), "counter-behind");
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].severity == doctor::Severity::critical);
    CHECK(findings[0].subject == tree.counter_znode(kJob));
    CHECK(findings[0].flink_issue == "FLINK-14091");
    CHECK(test::contains(findings[0].message, fmt::format("next checkpoint is {}", next)));
    CHECK(test::contains(findings[0].message, "checkpoint 7 is already completed"));
    CHECK(test::contains(findings[0].remedy, "set the counter to 8"));
  }
  HaFixtureTree tree(flink::HaEra::v1_15);
  job_with_checkpoints(tree, 7);
  const auto verdict =
      test::verdict_of_row(test::snapshot_of(tree, flink::HaEra::v1_15), "counter");
  CHECK(verdict == doctor::Verdict::critical);
  CHECK(doctor::exit_status_of(verdict) == 2);
}

TEST_CASE("doctor counter: a job without checkpoints, and an undecodable counter") {
  HaFixtureTree tree(flink::HaEra::v1_15);
  const std::string job(kJob);
  tree.add_job_graph(job);
  tree.add_counter(job, 1);
  CHECK(run(tree, flink::HaEra::v1_15).empty());

  tree.zk().put(tree.counter_znode(job), std::string("\x00\x01\x02", 3));
  const auto findings = run(tree, flink::HaEra::v1_15);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == "counter-unreadable");
  CHECK(findings[0].severity == doctor::Severity::warning);
  CHECK(test::contains(findings[0].message, "4 bytes"));
}

TEST_CASE("doctor counter: a counter that moved on after the walk read it is read again") {
  HaFixtureTree tree(flink::HaEra::v2_0);
  job_with_checkpoints(tree, 7); // the walk saw 7 while checkpoint 7 completed
  auto snapshot = test::snapshot_of(tree, flink::HaEra::v2_0);
  REQUIRE(snapshot.inventory.has_value());
  tree.add_counter(kJob, 9); // by now Flink has handed out 7 and 8
  CHECK(doctor::reread_counters_behind(tree.zk(), *snapshot.inventory) == 1);
  std::vector<doctor::Finding> out;
  CHECK_FALSE(doctor::check_counter(snapshot, out).has_value());
  CHECK(with_code(out, "counter-behind").empty());
  // One that stays behind is still reported after the second read.
  tree.add_counter(kJob, 5);
  auto behind = test::snapshot_of(tree, flink::HaEra::v2_0);
  CHECK(doctor::reread_counters_behind(tree.zk(), *behind.inventory) == 1);
  out.clear();
  CHECK_FALSE(doctor::check_counter(behind, out).has_value());
  CHECK(with_code(out, "counter-behind").size() == 1);
  // A counter ahead of its checkpoints is not read again.
  tree.add_counter(kJob, 8);
  auto fine = test::snapshot_of(tree, flink::HaEra::v2_0);
  CHECK(doctor::reread_counters_behind(tree.zk(), *fine.inventory) == 0);
}
