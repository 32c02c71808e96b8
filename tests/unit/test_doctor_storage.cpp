// doctor check "storage" (lib/doctor/check_storage.hpp): bytes per job, old orphans and
// JobResultStore entries, on inventories built from captured pointer and JobResultStore bytes.
#include "doctor/check_storage.hpp"
#include "doctor/checks.hpp"
#include "doctor_test_support.hpp"

#include <doctest/doctest.h>

using namespace flinkha;
using flinkha::test::HaFixtureTree;
using flinkha::test::with_code;

namespace {

constexpr std::string_view kJob = "3d8f0e5c9b2a4f718e6d5c4b3a291f01";
constexpr std::string_view kDirty = "a0b1c2d3e4f5061728394a5b6c7d8e9f";

std::vector<doctor::Finding> run(const doctor::Snapshot& snapshot) {
  std::vector<doctor::Finding> out;
  CHECK_FALSE(doctor::check_storage(snapshot, out).has_value());
  return out;
}

// A running job: job graph, two checkpoints, blobs; the sizes are the fixture tree's.
void running_job(HaFixtureTree& tree) {
  const std::string job(kJob);
  tree.add_job_graph(job);
  tree.add_checkpoint(job, 1);
  tree.add_checkpoint(job, 2);
  tree.add_counter(job, 3);
  tree.add_blobs(job);
  tree.add_leaders(job);
}

std::int64_t storage_bytes(HaFixtureTree& tree) {
  std::int64_t bytes = 0;
  // Held by name: a range-for over a temporary's value() dangles (P2718 is C++23, not GCC 12's).
  const auto entries = tree.storage().list("", storage::Recursive::yes);
  for (const auto& entry : entries.value()) {
    if (entry.type == storage::EntryType::file) {
      bytes += entry.size_bytes;
    }
  }
  return bytes;
}

} // namespace

TEST_CASE("doctor storage: a healthy cluster gets the totals as one info finding") {
  HaFixtureTree tree(flink::HaEra::v2_0);
  running_job(tree);
  const auto snapshot = test::snapshot_of(tree, flink::HaEra::v2_0);
  const auto findings = run(snapshot);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].code == "storage-usage");
  CHECK(findings[0].severity == doctor::Severity::info);
  CHECK(findings[0].subject == "file:/tmp/flink/ha/default");
  const auto bytes = storage_bytes(tree);
  CHECK(test::contains(findings[0].message, fmt::format("{} bytes in 4 files for 1 jobs", bytes)));
  CHECK(test::contains(findings[0].message,
                       fmt::format("the largest job {} with {} bytes", kJob, bytes)));
  CHECK(test::contains(findings[0].message, "JobResultStore: 0 dirty, 0 clean entries"));
  CHECK(test::verdict_of_row(snapshot, "storage") == doctor::Verdict::ok);
}

TEST_CASE("doctor storage: a job above the bytes threshold") {
  HaFixtureTree tree(flink::HaEra::v1_15);
  running_job(tree);
  auto snapshot = test::snapshot_of(tree, flink::HaEra::v1_15);
  const auto bytes = storage_bytes(tree);
  snapshot.thresholds.storage_bytes_per_job = bytes;
  CHECK(with_code(run(snapshot), "storage-per-job").empty());
  snapshot.thresholds.storage_bytes_per_job = bytes - 1;
  const auto findings = with_code(run(snapshot), "storage-per-job");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].subject == kJob);
  CHECK(findings[0].severity == doctor::Severity::warning);
  CHECK(test::contains(findings[0].message, fmt::format("{} bytes in 4 files", bytes)));
}

TEST_CASE("doctor storage: orphans older than the threshold, counted with bytes and age") {
  HaFixtureTree tree(flink::HaEra::v1_15);
  running_job(tree);
  tree.storage().add_file("completedCheckpoint0123456789ab", std::string(300, 'x'),
                          HaFixtureTree::kNow - 30 * HaFixtureTree::kHour);
  tree.storage().add_file("completedCheckpoint0123456789ac", std::string(20, 'x'),
                          HaFixtureTree::kNow - 5 * HaFixtureTree::kHour); // younger
  const std::string gone = "ffeeddccbbaa99887766554433221100";
  tree.add_blobs(gone, HaFixtureTree::kNow - 50 * HaFixtureTree::kHour); // "jar bytes": 9
  auto snapshot = test::snapshot_of(tree, flink::HaEra::v1_15);
  auto findings = with_code(run(snapshot), "orphans-old");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].severity == doctor::Severity::warning);
  CHECK(test::contains(findings[0].message, "2 orphans"));
  CHECK(test::contains(findings[0].message, "309 bytes"));
  CHECK(test::contains(findings[0].message, "blob/job_" + gone + ", is 2 days old"));
  CHECK(test::contains(findings[0].remedy, "flinkha cleanup orphans --min-age 86400s"));

  snapshot.thresholds.orphan_age_ms = 4 * HaFixtureTree::kHour;
  findings = with_code(run(snapshot), "orphans-old");
  REQUIRE(findings.size() == 1);
  CHECK(test::contains(findings[0].message, "3 orphans"));
  snapshot.thresholds.orphan_age_ms = 60 * HaFixtureTree::kHour;
  CHECK(with_code(run(snapshot), "orphans-old").empty());
}

TEST_CASE("doctor storage: JobResultStore entries above the threshold") {
  HaFixtureTree tree(flink::HaEra::v1_15);
  running_job(tree);
  tree.add_dirty_job(kDirty, 1);
  auto snapshot = test::snapshot_of(tree, flink::HaEra::v1_15);
  CHECK(with_code(run(snapshot), "result-store-entries").empty());
  snapshot.thresholds.result_store_entries = 0;
  const auto findings = with_code(run(snapshot), "result-store-entries");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].subject == "file:/tmp/flink/ha/job-result-store/default");
  CHECK(test::contains(findings[0].message, "1 entries (1 dirty, 0 clean"));
  CHECK(test::contains(findings[0].remedy, "flinkha cleanup dirty-jobs"));
}

TEST_CASE("doctor storage: skipped when neither the storage nor the JobResultStore was read") {
  HaFixtureTree tree(flink::HaEra::v1_15);
  running_job(tree);
  auto input = tree.input();
  input.cluster_storage = nullptr;
  input.cluster_storage_error = "scheme gs:// is not supported";
  input.job_result_store = nullptr;
  auto inventory = flink::build_ha_inventory(tree.zk(), input);
  REQUIRE(inventory.has_value());
  doctor::Snapshot snapshot;
  snapshot.inventory = std::move(*inventory);
  std::vector<doctor::Finding> out;
  const auto skipped = doctor::check_storage(snapshot, out);
  REQUIRE(skipped.has_value());
  CHECK(test::contains(*skipped, "gs://"));
  CHECK(out.empty());
}

TEST_CASE("doctor storage: Flink 2.3's ApplicationResultStore is counted on its own") {
  HaFixtureTree tree(flink::HaEra::v2_0);
  running_job(tree);
  storage::FakeStorage ars("fake:ars");
  // Entries as Flink 2.3.0 wrote them (fixtures/flink23, capture_application_fixtures.py).
  for (const std::string name :
       {"258a0a07deb0b9c03b6ba74413015212_DIRTY.json", "f3d07e01496f7a3431bb55d30d01c80d.json"}) {
    ars.add_file(name, test::fixture("flink23/application-result-store/" + name),
                 HaFixtureTree::kNow);
  }
  auto input = tree.input();
  input.application_result_store_uri = "file:/tmp/flink/ha/application-result-store/default";
  input.application_result_store = &ars;
  auto inventory = flink::build_ha_inventory(tree.zk(), input);
  REQUIRE(inventory.has_value());
  auto snapshot = test::snapshot_of(tree, flink::HaEra::v2_0);
  snapshot.inventory = std::move(*inventory);
  auto findings = run(snapshot);
  const auto usage = with_code(findings, "storage-usage");
  REQUIRE(usage.size() == 1);
  CHECK(test::contains(usage[0].message, "JobResultStore: 0 dirty, 0 clean entries"));
  CHECK(test::contains(usage[0].message, "ApplicationResultStore: 1 dirty, 1 clean entries"));
  CHECK(with_code(findings, "result-store-entries").empty());

  snapshot.thresholds.result_store_entries = 1;
  findings = with_code(run(snapshot), "result-store-entries");
  REQUIRE(findings.size() == 1); // the JobResultStore is empty
  CHECK(findings[0].subject == "file:/tmp/flink/ha/application-result-store/default");
  CHECK(test::contains(findings[0].message, "the ApplicationResultStore holds 2 entries"));
  CHECK(test::contains(findings[0].remedy, "application-result-store.delete-on-commit"));
}
