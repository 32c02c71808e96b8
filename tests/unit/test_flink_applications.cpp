// Flink 2.3's applications and ApplicationResultStore, on the bytes real Flink 2.3.0 wrote
// (fixtures/flink23/, captured by tests/integration/capture_application_fixtures.py): decode,
// classify, cross-reference, and the cleanup plan's order.

#include "fixtures/ha_inventory/ha_fixture_tree.hpp"
#include "flink/cleanup.hpp"
#include "flink/ha_inventory.hpp"
#include "flink/job_result_store.hpp"
#include "flink/state_handle.hpp"
#include "storage/fake_storage.hpp"
#include "test_support.hpp"
#include "zk/memory_tree.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace flinkha::flink;
using flinkha::test::fixture;
using flinkha::test::HaFixtureTree;

namespace {

// The ids of the capture (tree-running.json / tree-dirty.json name them too).
constexpr std::string_view kCleanApp = "f3d07e01496f7a3431bb55d30d01c80d";
constexpr std::string_view kDirtyApp = "258a0a07deb0b9c03b6ba74413015212";
constexpr std::int64_t kNow = 1'796'309'400'000; // shortly after the capture (ms)

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return bytes;
}

// A captured ZooKeeper tree, a storage dir listing and the result stores, as the inventory reads
// them.
struct CapturedCluster {
  nlohmann::json tree;
  flinkha::zk::MemoryTree zk;
  flinkha::storage::FakeStorage storage{"fake:storage"};
  flinkha::storage::FakeStorage jrs{"fake:jrs"};
  flinkha::storage::FakeStorage ars{"fake:ars"};
  std::string storage_uri;

  CapturedCluster(const std::string& tree_file, const std::string& storage_file) {
    tree = nlohmann::json::parse(fixture("flink23/" + tree_file));
    for (const auto& node : tree["nodes"]) {
      if (node.contains("missing")) {
        continue; // gone between the listing of its parent and its read
      }
      flinkha::zk::Stat stat;
      stat.ephemeral_owner = node["stat"]["ephemeralOwner"].get<std::int64_t>();
      stat.mtime_ms = node["stat"]["mtime"].get<std::int64_t>();
      stat.ctime_ms = node["stat"]["ctime"].get<std::int64_t>();
      const auto data = node["data_hex"].is_string() ? from_hex(node["data_hex"]) : std::string();
      zk.put(node["path"].get<std::string>(), data, stat);
    }
    // The application pointer names its file: the cluster storage dir is its directory.
    auto pointer = decode_state_handle_pointer(fixture("flink23/application.bin"));
    REQUIRE(pointer.has_value());
    storage_uri = pointer->path.substr(0, pointer->path.rfind('/'));
    for (const auto& file : nlohmann::json::parse(fixture("flink23/" + storage_file))) {
      storage.add_file(file["name"].get<std::string>(),
                       std::string(file["size"].get<std::size_t>(), 'x'), kNow - 60'000);
    }
  }

  std::string ns() const { return tree["namespace"]; }

  InventoryInput input() {
    InventoryInput in;
    in.era = HaEra::v2_0;
    in.zk_namespace = ns();
    in.zk_root = "/flink";
    in.cluster_id = ns().substr(std::string("/flink").size());
    in.paths = default_znode_paths(HaEra::v2_0);
    in.cluster_storage_uri = storage_uri;
    in.cluster_storage = &storage;
    in.job_result_store_uri = "file:/jrs";
    in.job_result_store = &jrs;
    in.application_result_store_uri = "file:/ars";
    in.application_result_store = &ars;
    in.now_ms = kNow;
    return in;
  }

  HaInventory build() {
    auto inventory = build_ha_inventory(zk, input());
    REQUIRE_MESSAGE(inventory.has_value(), (inventory ? "" : inventory.error().message));
    return std::move(*inventory);
  }
};

std::vector<const Finding*> findings_of(const HaInventory& inventory, FindingKind kind) {
  std::vector<const Finding*> result;
  for (const auto& finding : inventory.findings) {
    if (finding.kind == kind) {
      result.push_back(&finding);
    }
  }
  return result;
}

ZnodeRole role_of(const HaInventory& inventory, const std::string& path) {
  for (const auto& node : inventory.znodes) {
    if (node.path == path) {
      return node.role;
    }
  }
  FAIL("no znode " << path);
  return ZnodeRole::unknown;
}

CleanupRequest dirty_jobs(std::vector<std::string> ids = {}) {
  CleanupRequest request;
  request.what = DirtyJobsRequest{std::move(ids)};
  return request;
}

std::string dirty_entry(std::string_view app) {
  return replace_all(
      fixture("flink23/application-result-store/" + std::string(kDirtyApp) + "_DIRTY.json"),
      kDirtyApp, app);
}

// The 2.3 JobResultStore entry Flink wrote (with "application-id"), for another job and
// application.
std::string job_entry(std::string_view job, std::string_view app) {
  std::string json = fixture("flink23/job-result-store/" + std::string(kCleanApp) + ".json");
  const auto app_at = json.find("\"application-id\":\"");
  REQUIRE(app_at != std::string::npos);
  json.replace(app_at + 18, 32, app);
  return replace_all(json, kCleanApp, job);
}

} // namespace

TEST_CASE("flink23: the application pointer is a RetrievableStreamStateHandle like an execution "
          "plan's") {
  auto pointer = decode_state_handle_pointer(fixture("flink23/application.bin"));
  REQUIRE(pointer.has_value());
  CHECK(pointer->handle_classes ==
        std::vector<std::string>{"org.apache.flink.runtime.state.RetrievableStreamStateHandle",
                                 "org.apache.flink.runtime.state.filesystem.FileStateHandle"});
  const std::string name = pointer->path.substr(pointer->path.rfind('/') + 1);
  CHECK(metadata_file_kind(name) == StorageFileKind::application);
  // The stateSize is the file's length as the storage listing saw it.
  for (const auto& file : nlohmann::json::parse(fixture("flink23/storage-running.json"))) {
    if (file["name"] == name) {
      CHECK(pointer->state_size == file["size"].get<std::int64_t>());
    }
  }
}

TEST_CASE("flink23: ApplicationResultStore entries parse as ApplicationResultDeserializer reads") {
  const std::string dirty_name = std::string(kDirtyApp) + "_DIRTY.json";
  auto dirty = parse_application_result(fixture("flink23/application-result-store/" + dirty_name),
                                        dirty_name);
  REQUIRE_MESSAGE(dirty.has_value(), (dirty ? "" : dirty.error().message));
  CHECK(dirty->application_id == kDirtyApp);
  CHECK(dirty->application_state == "CANCELED");
  CHECK(dirty->name == "SlowJob");
  REQUIRE(dirty->start_time_ms.has_value());
  CHECK(dirty->end_time_ms > dirty->start_time_ms);
  CHECK(dirty->version == 1);

  const std::string json = dirty_entry(kDirtyApp);
  // valueOf is case-sensitive (the JobResultStore's status is upper-cased first; this is not).
  auto lower = parse_application_result(replace_all(json, "CANCELED", "canceled"), dirty_name);
  REQUIRE_FALSE(lower.has_value());
  CHECK(lower.error().message.find("not an ApplicationState") != std::string::npos);
  auto no_state =
      parse_application_result(replace_all(json, "application-state", "x-state"), dirty_name);
  REQUIRE_FALSE(no_state.has_value());
  CHECK(no_state.error().message.find("application-state is missing") != std::string::npos);
  auto bad_id = parse_application_result(replace_all(json, kDirtyApp, "not-hex"), dirty_name);
  REQUIRE_FALSE(bad_id.has_value());
  CHECK(bad_id.error().message.find("not an application id") != std::string::npos);
  auto bad_time =
      parse_application_result(replace_all(json, "\"end-time\":", "\"end-time\":\"x"), dirty_name);
  CHECK_FALSE(bad_time.has_value());

  // 2.3's JobResultStore entry names the job's application.
  const std::string job_name = std::string(kCleanApp) + ".json";
  auto job = parse_job_result(fixture("flink23/job-result-store/" + job_name), job_name);
  REQUIRE(job.has_value());
  CHECK(job->application_id == kCleanApp);
  CHECK(job->application_status == "CANCELED");
}

TEST_CASE("flink23: a running application is classified, cross-referenced, nothing unknown") {
  CapturedCluster cluster("tree-running.json", "storage-running.json");
  const HaInventory inventory = cluster.build();
  const std::string app(kCleanApp);
  const std::string znode = cluster.ns() + "/applications/" + app;
  CHECK(findings_of(inventory, FindingKind::unknown_znode).empty());
  CHECK(role_of(inventory, cluster.ns() + "/applications") == ZnodeRole::structure);
  CHECK(role_of(inventory, znode) == ZnodeRole::application);
  CHECK(role_of(inventory, znode + "/locks") == ZnodeRole::lock_root);

  REQUIRE(inventory.applications.contains(app));
  const ApplicationRecord& record = inventory.applications.at(app);
  REQUIRE(record.pointer.has_value());
  CHECK(record.pointer->role == ZnodeRole::application);
  CHECK(record.pointer->application_id == app);
  CHECK(record.pointer->file_status == FileStatus::present);
  CHECK(record.pointer->file.starts_with("submittedApplication"));
  REQUIRE(record.pointer->locks.size() == 1);
  CHECK(record.pointer->locks[0].owner != 0); // the leader's session holds it
  CHECK_FALSE(record.pointer->marked_for_deletion);
  CHECK(record.blob_dir == "blob/application_" + app);
  CHECK(record.blob_entries.size() == 1);
  CHECK(record.znode_count == 3); // the pointer, locks, locks/<uuid>
  CHECK_FALSE(record.result_file.has_value());
  // Its file and its blobs are no orphans.
  for (const auto* finding : findings_of(inventory, FindingKind::orphan_file)) {
    CHECK_FALSE(finding->subject.starts_with("submittedApplication"));
  }
  CHECK(findings_of(inventory, FindingKind::orphan_blob_dir).empty());
  const auto pointers = inventory.all_pointers();
  CHECK(std::any_of(pointers.begin(), pointers.end(),
                    [&](const PointerRecord* p) { return p->znode == znode; }));
  // A 1.15-1.20 layout has no applications: the node is listed raw.
  auto input = cluster.input();
  input.era = HaEra::v1_15;
  input.paths = default_znode_paths(HaEra::v1_15);
  auto old = build_ha_inventory(cluster.zk, input);
  REQUIRE(old.has_value());
  for (const auto& [id, application] : old->applications) {
    CHECK_FALSE(application.pointer.has_value()); // its blobs are still attributed
  }
  CHECK_FALSE(findings_of(*old, FindingKind::unknown_znode).empty());
}

TEST_CASE("flink23: the real dirty application is reported and cleaned in Flink's order") {
  CapturedCluster cluster("tree-dirty.json", "storage-dirty.json");
  const std::string app(kDirtyApp);
  const std::string dirty_name = app + "_DIRTY.json";
  cluster.ars.add_file(dirty_name, fixture("flink23/application-result-store/" + dirty_name),
                       kNow - 60'000);
  // The clean entry of the first application stays (delete-on-commit false in the capture).
  const std::string clean_name = std::string(kCleanApp) + ".json";
  cluster.ars.add_file(clean_name, fixture("flink23/application-result-store/" + clean_name),
                       kNow - 120'000);
  const HaInventory inventory = cluster.build();
  CHECK(findings_of(inventory, FindingKind::unknown_znode).empty());
  CHECK(inventory.application_result_store.available);
  CHECK(inventory.application_result_store.dirty_entries == 1);
  CHECK(inventory.application_result_store.clean_entries == 1);
  REQUIRE(inventory.applications.size() == 1); // the clean one has nothing left: not listed
  const ApplicationRecord& record = inventory.applications.at(app);
  CHECK(record.dirty());
  REQUIRE(record.result.has_value());
  CHECK(record.result->application_state == "CANCELED");
  REQUIRE(record.pointer.has_value());
  CHECK(record.pointer->file_status == FileStatus::present);
  const auto dirty = findings_of(inventory, FindingKind::dirty_application);
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0]->application_id == app);
  CHECK(dirty[0]->subject == dirty_name);
  CHECK(dirty[0]->message.find("FLINK-40467") != std::string::npos);
  CHECK(inventory.needs_attention());

  auto plan = plan_cleanup(inventory, dirty_jobs());
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
  const std::string znode = cluster.ns() + "/applications/" + app;
  REQUIRE(plan->steps.size() == 4);
  CHECK(plan->steps[0].target == znode + "/locks");
  CHECK(plan->steps[1].target == znode);
  CHECK(plan->steps[2].action == StepAction::delete_file);
  CHECK(plan->steps[2].target == record.pointer->file);
  CHECK(plan->steps[3].action == StepAction::mark_jrs_clean);
  CHECK(plan->steps[3].scope == StepScope::application_result_store);
  CHECK(plan->steps[3].target == app);
  for (const auto& step : plan->steps) {
    CHECK(step.application_id == app);
  }

  flinkha::zk::MemoryTree& zk = cluster.zk;
  CleanupTargets targets{zk, &cluster.storage, &cluster.jrs, &cluster.ars};
  auto executed = execute_plan(*plan, targets);
  REQUIRE_MESSAGE(executed.has_value(), (executed ? "" : executed.error().message));
  CHECK_FALSE(zk.has(znode));
  CHECK_FALSE(cluster.storage.exists(record.pointer->file).value_or(true));
  CHECK_FALSE(cluster.ars.exists(dirty_name).value_or(true));
  CHECK(cluster.ars.exists(clean_name).value_or(false));
  const HaInventory after = cluster.build();
  CHECK(after.applications.empty());
  auto again = plan_cleanup(after, dirty_jobs());
  REQUIRE(again.has_value());
  CHECK(again->steps.empty());
}

TEST_CASE("flink23: an application is cleaned after its jobs, and waits for a dirty one") {
  HaFixtureTree tree(HaEra::v2_0);
  flinkha::storage::FakeStorage ars("fake:ars");
  const std::string job = "3d8f0e5c9b2a4f718e6d5c4b3a291f01";
  const std::string app = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
  tree.add_dirty_job(job, 2);
  REQUIRE(tree.jrs().remove_file(job + "_DIRTY.json").has_value());
  tree.jrs().add_file(job + "_DIRTY.json", job_entry(job, app), HaFixtureTree::kNow);
  const std::string znode =
      tree.add_pointer(tree.at("/applications/" + app), "submittedApplication");
  const std::string app_file = tree.last_file();
  ars.add_file(app + "_DIRTY.json", dirty_entry(app), HaFixtureTree::kNow);
  auto input = tree.input();
  input.application_result_store_uri = "file:/ars";
  input.application_result_store = &ars;
  auto inventory = build_ha_inventory(tree.zk(), input);
  REQUIRE(inventory.has_value());
  REQUIRE(inventory->applications.contains(app));
  CHECK(inventory->applications.at(app).job_ids == std::vector<std::string>{job});
  CHECK(inventory->jobs.at(job).application_id == app);

  auto plan = plan_cleanup(*inventory, dirty_jobs());
  REQUIRE(plan.has_value());
  const auto index_of = [&](std::string_view target, StepScope scope) {
    const auto it = std::find_if(plan->steps.begin(), plan->steps.end(), [&](const CleanupStep& s) {
      return s.target == target && s.scope == scope;
    });
    REQUIRE(it != plan->steps.end());
    return static_cast<std::size_t>(it - plan->steps.begin());
  };
  const auto job_marked = index_of(job, StepScope::job_result_store);
  const auto pointer = index_of(znode, StepScope::zookeeper);
  const auto file = index_of(app_file, StepScope::cluster_storage);
  const auto app_marked = index_of(app, StepScope::application_result_store);
  CHECK(job_marked < pointer); // every job step first
  CHECK(pointer < file);       // never a pointer to a missing file
  CHECK(file < app_marked);    // the mark last
  CHECK(app_marked + 1 == plan->steps.size());

  // Only the application asked for: its job stays dirty, so it is left, with a note.
  auto only_app = plan_cleanup(*inventory, dirty_jobs({app}));
  REQUIRE(only_app.has_value());
  CHECK(only_app->steps.empty());
  REQUIRE(only_app->notes.size() == 1);
  CHECK(only_app->notes[0].find(job) != std::string::npos);
  // A dirty job whose entry cannot be read may be the application's: the application waits.
  {
    HaFixtureTree other(HaEra::v2_0);
    const std::string unreadable = "5e4d3c2b1a0918273645546372819a0b";
    other.add_dirty_job(unreadable, 1);
    REQUIRE(other.jrs().remove_file(unreadable + "_DIRTY.json").has_value());
    other.jrs().add_file(unreadable + "_DIRTY.json", "{not json", HaFixtureTree::kNow);
    other.add_pointer(other.at("/applications/" + app), "submittedApplication");
    flinkha::storage::FakeStorage other_ars("fake:ars");
    other_ars.add_file(app + "_DIRTY.json", dirty_entry(app), HaFixtureTree::kNow);
    auto other_input = other.input();
    other_input.application_result_store_uri = "file:/ars";
    other_input.application_result_store = &other_ars;
    auto other_inventory = build_ha_inventory(other.zk(), other_input);
    REQUIRE(other_inventory.has_value());
    REQUIRE_FALSE(other_inventory->jobs.at(unreadable).job_result_error.empty());
    auto waits = plan_cleanup(*other_inventory, dirty_jobs({app}));
    REQUIRE(waits.has_value());
    CHECK(waits->steps.empty());
    REQUIRE(waits->notes.size() == 1);
    CHECK(waits->notes[0].find(unreadable) != std::string::npos);
  }
  // An id with neither entry is refused, naming both stores.
  auto neither = plan_cleanup(*inventory, dirty_jobs({"00000000000000000000000000000001"}));
  REQUIRE_FALSE(neither.has_value());
  CHECK(neither.error().message.find("ApplicationResultStore") != std::string::npos);

  // delete-on-commit false: the entry is renamed to <appid>.json.
  auto request = dirty_jobs();
  request.application_delete_on_commit = DeleteOnCommit::no;
  auto keep = plan_cleanup(*inventory, request);
  REQUIRE(keep.has_value());
  CleanupTargets targets{tree.zk(), &tree.storage(), &tree.jrs(), &ars};
  REQUIRE(execute_plan(*keep, targets).has_value());
  CHECK(ars.exists(app + ".json").value_or(false));
  CHECK_FALSE(ars.exists(app + "_DIRTY.json").value_or(true));
  CHECK_FALSE(tree.zk().has(znode));
}

TEST_CASE("flink23: an unreferenced application file is an orphan; cluster cleanup takes ARS "
          "entries") {
  HaFixtureTree tree(HaEra::v2_0);
  flinkha::storage::FakeStorage ars("fake:ars");
  tree.storage().add_file("submittedApplication0123456789ab", "old",
                          HaFixtureTree::kNow - 5 * HaFixtureTree::kHour);
  tree.storage().add_file("blob/application_a0b1c2d3e4f5061728394a5b6c7d8e9f/blob_p-1", "jar",
                          HaFixtureTree::kNow - 5 * HaFixtureTree::kHour);
  ars.add_file("a0b1c2d3e4f5061728394a5b6c7d8e9f.json",
               dirty_entry("a0b1c2d3e4f5061728394a5b6c7d8e9f"));
  tree.zk().put(tree.at("/applications"));
  auto input = tree.input();
  input.application_result_store_uri = "file:/ars";
  input.application_result_store = &ars;
  auto inventory = build_ha_inventory(tree.zk(), input);
  REQUIRE(inventory.has_value());
  const auto orphans = findings_of(*inventory, FindingKind::orphan_file);
  REQUIRE(orphans.size() == 1);
  CHECK(orphans[0]->subject == "submittedApplication0123456789ab");
  const auto blobs = findings_of(*inventory, FindingKind::orphan_blob_dir);
  REQUIRE(blobs.size() == 1);
  CHECK(blobs[0]->application_id == "a0b1c2d3e4f5061728394a5b6c7d8e9f");

  CleanupRequest orphan_request;
  orphan_request.what = OrphansRequest{HaFixtureTree::kHour};
  auto orphan_plan = plan_cleanup(*inventory, orphan_request);
  REQUIRE(orphan_plan.has_value());
  std::vector<std::string> targets;
  for (const auto& step : orphan_plan->steps) {
    targets.push_back(step.target);
  }
  CHECK(std::find(targets.begin(), targets.end(), "submittedApplication0123456789ab") !=
        targets.end());
  CHECK(std::find(targets.begin(), targets.end(),
                  "blob/application_a0b1c2d3e4f5061728394a5b6c7d8e9f") != targets.end());

  CleanupRequest whole;
  whole.what = ClusterRequest{"default"};
  auto cluster_plan = plan_cleanup(*inventory, whole);
  REQUIRE_MESSAGE(cluster_plan.has_value(), (cluster_plan ? "" : cluster_plan.error().message));
  CHECK(
      std::any_of(cluster_plan->steps.begin(), cluster_plan->steps.end(), [](const CleanupStep& s) {
        return s.scope == StepScope::application_result_store &&
               s.target == "a0b1c2d3e4f5061728394a5b6c7d8e9f.json";
      }));
  // Targets outside the ApplicationResultStore entries are refused.
  CleanupPlan bad;
  bad.zk_namespace = "/flink/default";
  bad.steps.push_back(
      {StepAction::delete_file, StepScope::application_result_store, "notes.txt", "", "", ""});
  CHECK_FALSE(check_plan_scope(bad).has_value());
}
