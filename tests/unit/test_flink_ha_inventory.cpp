#include "fixtures/ha_inventory/ha_fixture_tree.hpp"
#include "flink/ha_inventory.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace flinkha::flink;
using flinkha::test::HaFixtureTree;

namespace {

constexpr std::string_view kJob = "3d8f0e5c9b2a4f718e6d5c4b3a291f01";
constexpr std::string_view kOther = "a0b1c2d3e4f5061728394a5b6c7d8e9f";

std::vector<const Finding*> findings_of(const HaInventory& inventory, FindingKind kind) {
  std::vector<const Finding*> result;
  for (const auto& finding : inventory.findings) {
    if (finding.kind == kind) {
      result.push_back(&finding);
    }
  }
  return result;
}

HaInventory build(HaFixtureTree& tree) {
  auto inventory = build_ha_inventory(tree.zk(), tree.input());
  REQUIRE_MESSAGE(inventory.has_value(), (inventory ? "" : inventory.error().message));
  return std::move(*inventory);
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

} // namespace

TEST_CASE("ha_inventory: a running 1.15+ / 2.x job is decoded and needs no attention") {
  for (const auto era : {HaEra::v1_15, HaEra::v2_0}) {
    CAPTURE(layout_label(era));
    HaFixtureTree tree(era);
    const std::string job(kJob);
    tree.add_job_graph(job);
    tree.add_checkpoint(job, 2);
    tree.add_checkpoint(job, 1);
    tree.add_counter(job, 3);
    tree.add_leaders(job);
    tree.add_blobs(job);

    const HaInventory inventory = build(tree);
    CHECK(inventory.namespace_exists);
    CHECK_FALSE(inventory.needs_attention());
    REQUIRE(inventory.jobs.size() == 1);
    const JobRecord& record = inventory.jobs.at(job);
    REQUIRE(record.job_graph.has_value());
    const std::string root = era == HaEra::v2_0 ? "/execution-plans/" : "/jobgraphs/";
    CHECK(record.job_graph->znode == tree.at(root + job));
    REQUIRE(record.job_graph->pointer.has_value());
    CHECK(record.job_graph->file_status == FileStatus::present);
    CHECK(record.job_graph->file.starts_with(era == HaEra::v2_0 ? "submittedExecutionPlan"
                                                                : "submittedJobGraph"));
    CHECK(record.job_graph->file_size == record.job_graph->pointer->state_size);
    REQUIRE(record.job_graph->locks.size() == 1);
    CHECK(record.job_graph->locks[0].owner == HaFixtureTree::kSession);
    CHECK_FALSE(record.job_graph->marked_for_deletion);
    REQUIRE(record.checkpoints.size() == 2);
    CHECK(record.checkpoints[0].checkpoint_id == 1);
    CHECK(record.checkpoints[1].znode == tree.checkpoint_znode(job, 2));
    CHECK(record.checkpoints[1].file_status == FileStatus::present);
    REQUIRE(record.counter.has_value());
    CHECK(record.counter->next_checkpoint_id == 3);
    CHECK(record.blob_dir == "blob/job_" + job);
    CHECK(record.blob_entries.size() == 1);
    CHECK(role_of(inventory, tree.at("/leader/dispatcher/connection_info")) == ZnodeRole::leader);
    CHECK(role_of(inventory, tree.at("/leader/latch")) == ZnodeRole::latch);
    CHECK(role_of(inventory, tree.at(root + job + "/locks")) == ZnodeRole::lock_root);
    CHECK(role_of(inventory, tree.at("/jobs/" + job)) == ZnodeRole::structure);
    CHECK(findings_of(inventory, FindingKind::orphan_file).empty());
  }
}

TEST_CASE("ha_inventory: dangling pointers are critical, orphans carry their age") {
  HaFixtureTree tree(HaEra::v1_15);
  const std::string job(kJob);
  tree.add_job_graph(job);
  tree.add_checkpoint(job, 7);
  const std::string gone = tree.last_file();
  REQUIRE(tree.storage().remove_file(gone).has_value());
  tree.storage().add_file("completedCheckpoint0123456789ab", "old",
                          HaFixtureTree::kNow - 5 * HaFixtureTree::kHour);
  tree.storage().add_file("notes.txt", "an operator's file");

  const HaInventory inventory = build(tree);
  CHECK(inventory.worst_severity() == Severity::critical);
  const auto dangling = findings_of(inventory, FindingKind::dangling_pointer);
  REQUIRE(dangling.size() == 1);
  CHECK(dangling[0]->subject == tree.checkpoint_znode(job, 7));
  CHECK(dangling[0]->job_id == job);
  CHECK(inventory.jobs.at(job).checkpoints[0].file_status == FileStatus::missing);

  const auto orphans = findings_of(inventory, FindingKind::orphan_file);
  REQUIRE(orphans.size() == 1); // notes.txt is not a metadata file
  CHECK(orphans[0]->subject == "completedCheckpoint0123456789ab");
  CHECK(orphans[0]->age_ms == 5 * HaFixtureTree::kHour);
}

TEST_CASE("ha_inventory: checkpoints written and subsumed during the read are no findings") {
  // A running job checkpoints between the ZooKeeper walk and the storage listing, in Flink's
  // order: the new checkpoint's file, then its pointer; the subsumed one's locks node, its file,
  // then its pointer (ZooKeeperStateHandleStore.releaseAndTryRemove). What stays dangling or
  // orphaned after that is still reported.
  HaFixtureTree tree(HaEra::v2_0);
  const std::string job(kJob);
  tree.add_job_graph(job);
  const std::string subsumed = tree.add_checkpoint(job, 5, HaFixtureTree::kNow - 60'000);
  const std::string subsumed_file = tree.last_file();
  tree.add_checkpoint(job, 6, HaFixtureTree::kNow - 30'000);
  const std::string stays_dangling = tree.add_checkpoint(job, 4, HaFixtureTree::kNow - 90'000);
  REQUIRE(tree.storage().remove_file(tree.last_file()).has_value());
  std::string written_file;
  bool moved = false;
  tree.storage().set_list_hook([&] {
    if (std::exchange(moved, true)) {
      return;
    }
    tree.add_checkpoint(job, 7, HaFixtureTree::kNow);
    written_file = tree.last_file();
    tree.zk().remove(subsumed + "/locks/8d3b6f1e-2c4a-4f0b-9e7d-1a2b3c4d5e6f");
    tree.zk().remove(subsumed + "/locks");
    REQUIRE(tree.storage().remove_file(subsumed_file).has_value());
    tree.zk().remove(subsumed);
    // A young file no pointer will ever name (a JobManager killed between the two writes).
    tree.storage().add_file("completedCheckpoint00000000beef", "x", HaFixtureTree::kNow);
  });

  const HaInventory inventory = build(tree);
  const JobRecord& record = inventory.jobs.at(job);
  std::vector<std::int64_t> ids;
  for (const auto& checkpoint : record.checkpoints) {
    ids.push_back(checkpoint.checkpoint_id.value_or(-1));
  }
  CHECK(ids == std::vector<std::int64_t>{4, 6}); // 5 went, 7 came after the walk
  const auto dangling = findings_of(inventory, FindingKind::dangling_pointer);
  REQUIRE(dangling.size() == 1);
  CHECK(dangling[0]->subject == stays_dangling);
  const auto orphans = findings_of(inventory, FindingKind::orphan_file);
  REQUIRE(orphans.size() == 1);
  CHECK(orphans[0]->subject == "completedCheckpoint00000000beef");
  for (const auto& file : inventory.storage.files) {
    if (file.entry.relative_path == written_file) {
      CHECK(file.referenced_by == std::vector<std::string>{tree.checkpoint_znode(job, 7)});
    }
  }
  for (const auto& node : inventory.znodes) {
    CHECK_FALSE(node.path.starts_with(subsumed));
  }
  std::size_t own = 0;
  for (const auto& node : inventory.znodes) {
    own += node.job_id == job ? 1 : 0;
  }
  CHECK(record.znode_count == own);
}

TEST_CASE("ha_inventory: a removal stopped after the file is marked for deletion, not dangling") {
  // releaseAndTryRemove deleted the locks node and the file, then the JobManager died before it
  // deleted the pointer: Flink's readers skip the pointer, so recovery does not fail on it.
  HaFixtureTree tree(HaEra::v1_15);
  const std::string job(kJob);
  tree.add_job_graph(job);
  const std::string stopped = tree.add_checkpoint(job, 3);
  tree.zk().remove(stopped + "/locks/8d3b6f1e-2c4a-4f0b-9e7d-1a2b3c4d5e6f");
  tree.zk().remove(stopped + "/locks");
  REQUIRE(tree.storage().remove_file(tree.last_file()).has_value());
  const std::string dangling = tree.add_checkpoint(job, 4); // locks kept, file gone: dangling
  REQUIRE(tree.storage().remove_file(tree.last_file()).has_value());

  const HaInventory inventory = build(tree);
  const auto found = findings_of(inventory, FindingKind::dangling_pointer);
  REQUIRE(found.size() == 1);
  CHECK(found[0]->subject == dangling);
  const auto marked = findings_of(inventory, FindingKind::marked_for_deletion);
  REQUIRE(marked.size() == 1);
  CHECK(marked[0]->subject == stopped);
  CHECK(marked[0]->message.find("after its file was deleted") != std::string::npos);
}

TEST_CASE("ha_inventory: an old orphan is no race: ZooKeeper is walked once") {
  HaFixtureTree tree(HaEra::v1_15);
  const std::string job(kJob);
  tree.add_job_graph(job);
  tree.storage().add_file("completedCheckpoint0123456789ab", "old",
                          HaFixtureTree::kNow - HaFixtureTree::kHour);
  std::size_t listings = 0;
  tree.storage().set_list_hook([&] {
    ++listings;
    // Had the builder walked again, it would have found this pointer and taken the file for
    // referenced.
    tree.zk().put(tree.checkpoint_znode(job, 1),
                  flinkha::test::pointer_bytes(
                      "file:/tmp/flink/ha/default/completedCheckpoint0123456789ab", 3));
  });
  const HaInventory inventory = build(tree);
  CHECK(listings == 1);
  CHECK(findings_of(inventory, FindingKind::orphan_file).size() == 1);
}

TEST_CASE("ha_inventory: dirty entries, clean jobs still in ZooKeeper, marked and empty nodes") {
  HaFixtureTree tree(HaEra::v1_15);
  const std::string job(kJob);
  const std::string other(kOther);
  tree.add_dirty_job(job, 2);
  // A job that is clean in the JobResultStore, yet its job graph is still in ZooKeeper.
  tree.add_job_graph(other);
  tree.jrs().add_file(other + ".json", flinkha::test::job_result_json(other));
  // An interrupted releaseAndTryRemove: the locks node is gone.
  tree.zk().remove(tree.checkpoint_znode(job, 2) + "/locks/8d3b6f1e-2c4a-4f0b-9e7d-1a2b3c4d5e6f");
  tree.zk().remove(tree.checkpoint_znode(job, 2) + "/locks");
  tree.zk().put(tree.at("/jobgraphs/ffeeddccbbaa99887766554433221100"));
  tree.zk().put(tree.at("/mystery/node"), "x");
  tree.jrs().add_file("leftover.tmp", "x");

  const HaInventory inventory = build(tree);
  const auto dirty = findings_of(inventory, FindingKind::dirty_job);
  REQUIRE(dirty.size() == 1);
  CHECK(dirty[0]->job_id == job);
  CHECK(dirty[0]->message.find("2 checkpoints") != std::string::npos);
  CHECK(dirty[0]->message.find("blob dir") != std::string::npos);
  const JobRecord& record = inventory.jobs.at(job);
  REQUIRE(record.job_result.has_value());
  CHECK(record.job_result->application_status == "SUCCEEDED");

  const auto clean = findings_of(inventory, FindingKind::clean_job_in_zookeeper);
  REQUIRE(clean.size() == 1);
  CHECK(clean[0]->job_id == other);

  const auto marked = findings_of(inventory, FindingKind::marked_for_deletion);
  REQUIRE(marked.size() == 2); // the checkpoint, and the empty job-graph node (no locks either)
  CHECK(record.checkpoints[1].marked_for_deletion);
  CHECK(findings_of(inventory, FindingKind::empty_pointer).size() == 1);
  const auto unknown = findings_of(inventory, FindingKind::unknown_znode);
  REQUIRE(unknown.size() == 1);
  CHECK(unknown[0]->subject == tree.at("/mystery"));
  CHECK(findings_of(inventory, FindingKind::unknown_storage_entry).size() == 1);
  CHECK(inventory.job_result_store.dirty_entries == 1);
  CHECK(inventory.job_result_store.clean_entries == 1);
}

TEST_CASE("ha_inventory: 1.3-1.13 and 1.0-1.2 layouts") {
  const std::string job(kJob);
  {
    HaFixtureTree tree(HaEra::v1_3);
    tree.add_job_graph(job);
    tree.add_checkpoint(job, 42);
    tree.add_counter(job, 43);
    tree.zk().put(tree.at("/running_job_registry/") + job, "RUNNING");
    tree.zk().put_owned(tree.at("/leader/") + job + "/job_manager_lock", "",
                        HaFixtureTree::kSession);
    tree.zk().put_owned(tree.at("/leaderlatch/dispatcher_lock/_c_x-latch-0000000001"), "",
                        HaFixtureTree::kSession);
    const HaInventory inventory = build(tree);
    const JobRecord& record = inventory.jobs.at(job);
    REQUIRE(record.checkpoints.size() == 1);
    CHECK(record.checkpoints[0].znode == tree.at("/checkpoints/") + job + "/0000000000000000042");
    CHECK(record.checkpoints[0].locks.size() == 1);
    CHECK_FALSE(record.checkpoints[0].marked_for_deletion); // no such state before 1.15
    CHECK(record.counter->znode == tree.at("/checkpoint-counter/") + job);
    CHECK(record.counter->next_checkpoint_id == 43);
    CHECK(record.running_registry_status == "RUNNING");
    CHECK(role_of(inventory, tree.at("/leader/") + job + "/job_manager_lock") == ZnodeRole::leader);
    CHECK(role_of(inventory, tree.at("/leaderlatch/dispatcher_lock")) == ZnodeRole::latch);
    CHECK_FALSE(inventory.needs_attention());
  }
  {
    HaFixtureTree tree(HaEra::v1_0);
    tree.add_checkpoint(job, 5);
    const HaInventory inventory = build(tree);
    REQUIRE(inventory.jobs.at(job).checkpoints.size() == 1);
    CHECK(inventory.jobs.at(job).checkpoints[0].checkpoint_id == 5);
    CHECK(inventory.jobs.at(job).checkpoints[0].znode == tree.at("/checkpoints/") + job + "/5");
  }
  {
    HaFixtureTree tree(HaEra::v1_14);
    tree.add_checkpoint(job, 9);
    tree.zk().put_owned(tree.at("/jobs/") + job + "/leader/latch/_c_x-latch-0000000000", "",
                        HaFixtureTree::kSession);
    const HaInventory inventory = build(tree);
    CHECK(inventory.jobs.at(job).checkpoints[0].locks.size() == 1);
    CHECK(role_of(inventory, tree.at("/jobs/") + job + "/leader/latch") == ZnodeRole::latch);
  }
}

TEST_CASE("ha_inventory: a 1.x job graph left under a 2.x cluster keeps its file referenced") {
  HaFixtureTree tree(HaEra::v2_0);
  const std::string job(kJob);
  tree.add_pointer(tree.at("/jobgraphs/") + job, "submittedJobGraph");
  const HaInventory inventory = build(tree);
  CHECK(findings_of(inventory, FindingKind::stray_pointer).size() == 1);
  CHECK(findings_of(inventory, FindingKind::orphan_file).empty());
}

TEST_CASE("ha_inventory: storage unavailable, pointers outside, siblings") {
  HaFixtureTree tree(HaEra::v1_15);
  const std::string job(kJob);
  tree.add_job_graph(job);
  tree.zk().put(tree.at("/jobgraphs/") + std::string(kOther),
                flinkha::test::pointer_bytes("file:/elsewhere/submittedJobGraph0123456789ab", 9));
  tree.zk().put_owned(tree.at("/jobgraphs/") + std::string(kOther) + "/locks/u", "", 1);
  tree.zk().put("/flink/other-cluster/jobs");
  flinkha::storage::FakeStorage root("fake:/tmp/flink/ha");
  root.add_dir("default");
  root.add_dir("other-cluster");
  root.add_dir("job-result-store/default");

  auto input = tree.input();
  input.storage_root = &root;
  {
    auto inventory = build_ha_inventory(tree.zk(), input);
    REQUIRE(inventory.has_value());
    CHECK(inventory->zk_sibling_cluster_ids == std::vector<std::string>{"other-cluster"});
    CHECK(inventory->storage_sibling_cluster_ids == std::vector<std::string>{"other-cluster"});
    const auto outside = findings_of(*inventory, FindingKind::pointer_outside_storage);
    REQUIRE(outside.size() == 1);
    CHECK(inventory->jobs.at(std::string(kOther)).job_graph->file_status == FileStatus::outside);
  }
  input.cluster_storage = nullptr;
  input.cluster_storage_uri = "gs://bucket/flink/ha/default";
  input.cluster_storage_error =
      "scheme gs:// is not supported for the storage side (the ZooKeeper side still works)";
  auto inventory = build_ha_inventory(tree.zk(), input);
  REQUIRE(inventory.has_value());
  CHECK_FALSE(inventory->storage.available);
  const auto unavailable = findings_of(*inventory, FindingKind::storage_unavailable);
  REQUIRE(unavailable.size() == 1);
  CHECK(unavailable[0]->severity == Severity::warning); // not supported: an incomplete report
  CHECK(inventory->jobs.at(job).job_graph->pointer.has_value());
  CHECK(findings_of(*inventory, FindingKind::dangling_pointer).empty());

  // A configured storage that is broken is what the operator has to fix: critical, with its
  // category and hint kept for the command.
  input.cluster_storage_uri = "hdfs://nn:8020/flink/ha/default";
  input.cluster_storage_error = "GETFILESTATUS /flink/ha/default: http://nn:9870: refused";
  input.cluster_storage_failure =
      flinkha::Error{input.cluster_storage_error, "check dfs.namenode.http-address",
                     flinkha::ErrorCategory::unreachable};
  auto broken = build_ha_inventory(tree.zk(), input);
  REQUIRE(broken.has_value());
  const auto critical = findings_of(*broken, FindingKind::storage_unavailable);
  REQUIRE(critical.size() == 1);
  CHECK(critical[0]->severity == Severity::critical);
  CHECK(broken->storage.error_category == flinkha::ErrorCategory::unreachable);
  CHECK(broken->storage.error_hint == "check dfs.namenode.http-address");
}

TEST_CASE("ha_inventory: a namespace that does not exist is empty") {
  HaFixtureTree tree(HaEra::v1_15, "/flink/nothing-here");
  auto inventory = build_ha_inventory(tree.zk(), tree.input());
  REQUIRE(inventory.has_value());
  CHECK_FALSE(inventory->namespace_exists);
  CHECK(inventory->znodes.empty());
}

TEST_CASE("ha_inventory: pointer paths map into the storage dir only when inside it") {
  CHECK(relative_inside("file:/x/ha/default", "file:///x/ha/default/completedCheckpoint1") ==
        "completedCheckpoint1");
  CHECK(relative_inside("/x/ha/default/", "file:/x/ha/default/blob/job_1/b") == "blob/job_1/b");
  CHECK(relative_inside("hdfs://nn:8020/ha/default", "hdfs://nn:8020/ha/default/f") == "f");
  CHECK_FALSE(relative_inside("hdfs://nn:8020/ha/default", "hdfs://other/ha/default/f"));
  CHECK_FALSE(relative_inside("file:/x/ha/default", "file:/x/ha/default"));
  CHECK_FALSE(relative_inside("file:/x/ha/default", "file:/x/ha/defaultother/f"));
  CHECK_FALSE(relative_inside("file:/x/ha/default", "file:/x/ha/default/../other/f"));
  CHECK_FALSE(relative_inside("file:/x/ha/default", "hdfs:/x/ha/default/f"));
  CHECK(metadata_file_kind("completedCheckpoint3fa0c1b2d4e5") == StorageFileKind::checkpoint);
  CHECK(metadata_file_kind("submittedExecutionPlan3fa0c1b2d4e5") ==
        StorageFileKind::execution_plan);
  CHECK_FALSE(metadata_file_kind("completedCheckpoint3fa0c1b2d4e"));
  CHECK_FALSE(metadata_file_kind("completedCheckpoint3FA0C1B2D4E5"));
}

TEST_CASE("ha_inventory: a pointer whose file is behind a symlinked directory is not dangling") {
  HaFixtureTree tree(HaEra::v1_15);
  const std::string job(kJob);
  tree.add_job_graph(job);
  tree.add_checkpoint(job, 7);
  // Checkpoint 7 now names a file below "moved", a symlink the listing never enters.
  tree.storage().add_symlink("moved", "/mnt/disk2/default");
  const auto uri = tree.input().cluster_storage_uri;
  const auto znode = tree.checkpoint_znode(job, 7);
  tree.zk().put_owned(
      znode, flinkha::test::pointer_bytes(uri + "/moved/completedCheckpoint00000000abcd", 120), 0,
      HaFixtureTree::kNow);

  const HaInventory inventory = build(tree);
  CHECK(findings_of(inventory, FindingKind::dangling_pointer).empty());
  const auto& pointer = inventory.jobs.at(job).checkpoints.at(0);
  CHECK(pointer.file_status == FileStatus::through_symlink);
  CHECK(to_string(pointer.file_status) == "through-symlink");
  CHECK(pointer.symlink == "moved");
  CHECK(pointer.symlink_target == "/mnt/disk2/default");
  bool found = false;
  for (const auto* finding : findings_of(inventory, FindingKind::symlink_in_storage)) {
    if (finding->subject == znode) {
      found = true;
      CHECK(finding->severity == Severity::warning);
      CHECK(finding->message.find(uri +
                                  "/moved/completedCheckpoint00000000abcd: reached through the "
                                  "symlink " +
                                  uri +
                                  "/moved \u2192 /mnt/disk2/default; flinkha does not "
                                  "follow symlinks inside storageDir") != std::string::npos);
    }
  }
  CHECK(found);
}

TEST_CASE("ha_inventory: an oversized checkpoint counter is reported with its real size") {
  // The walk does not keep data above 64 KiB; the counter's error must still say how big it is
  // (it said "got 0 bytes").
  HaFixtureTree tree(HaEra::v2_0);
  const std::string job(kJob);
  tree.add_job_graph(job);
  tree.zk().put(tree.counter_znode(job), std::string(std::size_t{1} << 20, 'x'));
  const HaInventory inventory = build(tree);
  const JobRecord& record = inventory.jobs.at(job);
  REQUIRE(record.counter.has_value());
  CHECK_FALSE(record.counter->next_checkpoint_id.has_value());
  CHECK(record.counter->decode_error ==
        "checkpoint counter: expected 4 bytes (a big-endian int of Curator SharedCount), got "
        "1048576 bytes");
}

TEST_CASE("ha_inventory: the HA blob store's own blob/ directory is a blob entry of no job") {
  // Real Flink 1.20.5 and 2.3.0 create {storageDir}/{cluster-id}/blob with the first job's jar
  // (BlobUtils.createFileSystemBlobStore); test_flink_lifecycle.py saw it listed as "other".
  for (const auto era : {HaEra::v1_15, HaEra::v2_0}) {
    CAPTURE(layout_label(era));
    HaFixtureTree tree(era);
    const std::string job(kJob);
    tree.add_job_graph(job);
    tree.add_blobs(job);
    tree.storage().add_dir("blobs"); // not Flink's: stays other
    const HaInventory inventory = build(tree);
    auto kind_of = [&](std::string_view path) -> std::optional<StorageFileKind> {
      for (const auto& file : inventory.storage.files) {
        if (file.entry.relative_path == path) {
          return file.kind;
        }
      }
      return std::nullopt;
    };
    CHECK(kind_of("blob") == StorageFileKind::blob);
    CHECK(kind_of("blob/job_" + job) == StorageFileKind::blob);
    CHECK(kind_of("blobs") == StorageFileKind::other);
    for (const auto& file : inventory.storage.files) {
      if (file.entry.relative_path == "blob") {
        CHECK(file.job_id.empty());
      }
    }
    CHECK_FALSE(inventory.needs_attention());
  }
}

TEST_CASE("ha_inventory: a file named blob at the top of the storage dir is not the blob store") {
  HaFixtureTree tree(HaEra::v2_0);
  tree.storage().add_file("blob", "not a directory");
  const HaInventory inventory = build(tree);
  bool found = false;
  for (const auto& file : inventory.storage.files) {
    if (file.entry.relative_path == "blob") {
      found = true;
      CHECK(file.kind == StorageFileKind::other);
    }
  }
  CHECK(found);
}
