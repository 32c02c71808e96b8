// flink/ha_restore: the plan (refusals before anything is written, files first, then znodes parents
// before children), its execution, idempotent reruns, and crash injection: a restore stopped at
// every mutation, then rerun, ends equal to an uninterrupted one.

#include "fixtures/ha_inventory/ha_fixture_tree.hpp"
#include "flink/ha_restore.hpp"
#include "flink/state_handle.hpp"
#include "storage/fake_storage.hpp"
#include "util/sha256.hpp"
#include "zk/memory_tree.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <vector>

using namespace flinkha;
using namespace flinkha::flink;
using flinkha::test::HaFixtureTree;

namespace {

constexpr std::string_view kJob = "3d8f0e5c9b2a4f718e6d5c4b3a291f01";

Backup backup_of(HaFixtureTree& tree, bool with_files) {
  BackupOptions o;
  o.with_files = with_files;
  o.flink_version = "1.20";
  o.now_ms = HaFixtureTree::kNow;
  auto backup = take_backup(tree.zk(), tree.input(), o);
  REQUIRE_MESSAGE(backup.has_value(), (backup ? "" : backup.error().message));
  return std::move(*backup);
}

// A source cluster with one job (job graph, checkpoints, counter, leader nodes, dirty entry).
struct Source {
  HaFixtureTree tree{HaEra::v1_15};
  Source() {
    tree.add_dirty_job(kJob, 3);
    tree.zk().set_acl(tree.at("/jobgraphs"), {zk::AclEntry{31, "ip", "127.0.0.1"}});
    tree.zk().put_null(tree.at("/leader/resource_manager"));
  }
};

// The target: an empty ZooKeeper, the storage as the source left it (or emptied), an empty JRS.
struct Target {
  zk::MemoryTree zk;
  storage::FakeStorage storage{"fake:target-storage"};
  storage::FakeStorage jrs{"fake:target-jrs"};

  explicit Target(HaFixtureTree* files_from = nullptr) {
    if (files_from != nullptr) {
      for (const auto& path : files_from->storage().paths()) {
        auto content = files_from->storage().read_file(path, 1 << 20);
        if (content) {
          storage.add_file(path, *content);
        }
      }
    }
  }
  RestoreTargets targets() { return RestoreTargets{zk, &storage, &jrs, nullptr}; }
};

RestoreRequest request(std::string ns = "/flink/default") {
  RestoreRequest r;
  r.target_namespace = std::move(ns);
  r.flink_version = "1.20";
  r.layout = "1.15-1.20";
  return r;
}

// What a restore leaves: every znode with data, null-ness and ACL; every storage file.
using Snapshot = std::tuple<std::map<std::string, std::tuple<std::string, bool, zk::Acl>>,
                            std::map<std::string, std::string>, std::map<std::string, std::string>>;

Snapshot snapshot(Target& t) {
  Snapshot s;
  for (const auto& path : t.zk.paths()) {
    const auto* node = t.zk.find(path);
    std::get<0>(s)[path] = {node->data, node->null_data, t.zk.get_acl(path).value()};
  }
  for (const auto& path : t.storage.paths()) {
    if (auto content = t.storage.read_file(path, 1 << 20)) {
      std::get<1>(s)[path] = *content;
    }
  }
  for (const auto& path : t.jrs.paths()) {
    if (auto content = t.jrs.read_file(path, 1 << 20)) {
      std::get<2>(s)[path] = *content;
    }
  }
  return s;
}

Status restore(const Backup& backup, Target& t, const RestoreRequest& r = request()) {
  auto targets = t.targets();
  auto plan = plan_restore(backup, targets, r);
  if (!plan) {
    return std::unexpected(plan.error());
  }
  return execute_restore(backup, *plan, targets);
}

} // namespace

TEST_CASE("ha_restore: into an empty namespace: persistent znodes with data, null and ACL; no "
          "ephemeral one; the locks parents kept") {
  Source source;
  const auto backup = backup_of(source.tree, false);
  Target t(&source.tree);
  auto targets = t.targets();
  auto plan = plan_restore(backup, targets, request());
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
  CHECK(plan->files_present == 5); // job graph, three checkpoints, the job's blob
  CHECK(plan->ephemeral_skipped > 0);
  // The JobResultStore entry is written first, then /flink, then the namespace and its children.
  REQUIRE(plan->steps.size() > 2);
  CHECK(plan->steps[0].action == RestoreAction::write_file);
  CHECK(plan->steps[1].target == "/flink");
  CHECK(plan->steps[2].target == "/flink/default");
  REQUIRE(execute_restore(backup, *plan, targets).has_value());
  for (const auto& node : backup.manifest.znodes) {
    CAPTURE(node.path);
    const auto* restored = t.zk.find(node.path);
    if (node.ephemeral()) {
      CHECK(restored == nullptr);
      continue;
    }
    REQUIRE(restored != nullptr);
    CHECK(restored->data == node.data);
    CHECK(restored->null_data == node.null_data);
    CHECK(t.zk.get_acl(node.path).value() == node.acl);
    CHECK(restored->stat.ephemeral_owner == 0);
  }
  CHECK(t.zk.has(source.tree.at("/jobgraphs/") + std::string(kJob) + "/locks"));
  CHECK(t.zk.get_acl(source.tree.at("/jobgraphs")).value() ==
        zk::Acl{zk::AclEntry{31, "ip", "127.0.0.1"}});
  CHECK(t.zk.find(source.tree.at("/leader/resource_manager"))->null_data);
  CHECK(t.jrs.has(std::string(kJob) + "_DIRTY.json"));
  // A rerun has nothing to do.
  auto again = plan_restore(backup, targets, request());
  REQUIRE(again.has_value());
  CHECK(again->steps.empty());
  CHECK(again->files_present == 6);
}

TEST_CASE(
    "ha_restore: an existing empty namespace node (another data) is kept, the rest restored") {
  Source source;
  const auto backup = backup_of(source.tree, false);
  Target t(&source.tree);
  t.zk.put("/flink/default", "curator parent");
  REQUIRE(restore(backup, t).has_value());
  CHECK(t.zk.find("/flink/default")->data == "curator parent");
  CHECK(t.zk.has(source.tree.at("/jobgraphs/") + std::string(kJob)));
}

TEST_CASE("ha_restore: a file larger than 64 MiB (a job jar) still in storage is accepted") {
  Source source;
  auto backup = backup_of(source.tree, false);
  Target t(&source.tree);
  auto& file = backup.manifest.files.front();
  REQUIRE(file.side == BackupSide::cluster_storage);
  const std::string fat((65u << 20) + 7, 'j');
  t.storage.add_file(file.path, fat);
  file.status = FileStatus::present;
  file.size_bytes = static_cast<std::int64_t>(fat.size());
  file.sha256 = util::sha256_hex(fat);
  auto targets = t.targets();
  auto plan = plan_restore(backup, targets, request());
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
}

TEST_CASE("ha_restore: missing files are written back from the backup's copies, first") {
  Source source;
  const auto backup = backup_of(source.tree, true);
  Target t; // the storage lost everything
  auto targets = t.targets();
  auto plan = plan_restore(backup, targets, request());
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
  std::size_t writes = 0;
  bool znode_seen = false;
  for (const auto& step : plan->steps) {
    if (step.action == RestoreAction::write_file) {
      CHECK_FALSE(znode_seen); // files before every znode
      ++writes;
    } else {
      znode_seen = true;
    }
  }
  CHECK(writes == 6);
  REQUIRE(execute_restore(backup, *plan, targets).has_value());
  for (const auto& file : backup.manifest.files) {
    auto& store = file.side == BackupSide::cluster_storage ? t.storage : t.jrs;
    CHECK(store.read_file(file.path, 1 << 20).value() == backup.copies.at(file.copy));
  }
}

TEST_CASE("ha_restore: refusals change nothing and say what to do") {
  Source source;
  const auto backup = backup_of(source.tree, false);
  const auto refused = [&](Target& t, const RestoreRequest& r, std::string_view needle) {
    const auto before = snapshot(t);
    auto result = restore(backup, t, r);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().category == ErrorCategory::refused);
    CHECK_MESSAGE(result.error().message.find(needle) != std::string::npos, result.error().message);
    CHECK(result.error().message.find("nothing was written") != std::string::npos);
    CHECK_FALSE(result.error().hint.empty());
    CHECK(snapshot(t) == before);
  };
  SUBCASE("another Flink version of the same layout") {
    Target t(&source.tree);
    auto r = request();
    r.flink_version = "1.19";
    refused(t, r, "Flink 1.20");
    r.force_version = true;
    CHECK(restore(backup, t, r).has_value());
  }
  SUBCASE("another layout, even with --force-version") {
    Target t(&source.tree);
    auto r = request();
    r.flink_version = "2.3";
    r.layout = "2.x";
    refused(t, r, "Flink 1.20");
    r.force_version = true;
    refused(t, r, "layout 1.15-1.20");
  }
  SUBCASE("a namespace that is not empty") {
    Target t(&source.tree);
    t.zk.put("/flink/default/jobgraphs/ffeeddccbbaa99887766554433221100", "other");
    refused(t, request(), "not empty");
  }
  SUBCASE("a node of the backup's path with other data") {
    Target t(&source.tree);
    t.zk.put("/flink/default/jobgraphs", "changed");
    refused(t, request(), "/flink/default/jobgraphs");
  }
  SUBCASE("a missing referenced file without a copy") {
    Target t(&source.tree);
    const auto& file = backup.manifest.files.front();
    REQUIRE(t.storage.remove_file(file.path).has_value());
    refused(t, request(), file.path);
  }
  SUBCASE("an altered referenced file") {
    Target t(&source.tree);
    const auto& file = backup.manifest.files.front();
    REQUIRE(t.storage.remove_file(file.path).has_value());
    t.storage.add_file(file.path, "altered");
    refused(t, request(), "altered");
  }
  SUBCASE("--replace while a leader is registered") {
    Target t(&source.tree);
    auto r = request();
    r.replace = true;
    r.live_leader = "dispatcher at pekko.tcp://flink@127.0.0.1:6123/user/rpc/dispatcher_1";
    refused(t, r, "leader is registered");
  }
}

TEST_CASE("ha_restore: --replace deletes what is not the backup's, children first, then restores") {
  Source source;
  const auto backup = backup_of(source.tree, false);
  Target t(&source.tree);
  t.zk.put("/flink/default/jobgraphs", "changed");
  t.zk.put("/flink/default/jobgraphs/ffeeddccbbaa99887766554433221100/locks", "");
  t.zk.put("/flink/default/stranger", "x");
  auto r = request();
  r.replace = true;
  auto targets = t.targets();
  auto plan = plan_restore(backup, targets, r);
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
  std::vector<std::string> deleted;
  for (const auto& step : plan->steps) {
    if (step.action == RestoreAction::delete_znode) {
      deleted.push_back(step.target);
    }
  }
  CHECK(deleted ==
        std::vector<std::string>{"/flink/default/stranger",
                                 "/flink/default/jobgraphs/ffeeddccbbaa99887766554433221100/locks",
                                 "/flink/default/jobgraphs/ffeeddccbbaa99887766554433221100",
                                 "/flink/default/jobgraphs"});
  REQUIRE(execute_restore(backup, *plan, targets).has_value());
  Target clean(&source.tree);
  REQUIRE(restore(backup, clean).has_value());
  CHECK(std::get<0>(snapshot(t)) == std::get<0>(snapshot(clean)));
}

TEST_CASE("ha_restore: --cluster-id restores below another namespace, pointers unchanged") {
  Source source;
  const auto backup = backup_of(source.tree, false);
  Target t(&source.tree);
  REQUIRE(restore(backup, t, request("/flink/migrated")).has_value());
  for (const auto& node : backup.manifest.znodes) {
    if (node.ephemeral()) {
      continue;
    }
    const auto moved = "/flink/migrated" + node.path.substr(std::string("/flink/default").size());
    REQUIRE(t.zk.has(moved));
    CHECK(t.zk.find(moved)->data == node.data);
  }
  CHECK_FALSE(t.zk.has("/flink/default"));
}

TEST_CASE("ha_restore: stopped at every mutation, a rerun ends equal to an uninterrupted restore") {
  Source source;
  const auto backup = backup_of(source.tree, true);
  Target uninterrupted;
  REQUIRE(restore(backup, uninterrupted).has_value());
  const auto expected = snapshot(uninterrupted);
  const auto storage_entries = uninterrupted.storage.paths().size();
  const std::size_t total = uninterrupted.zk.creations() + uninterrupted.storage.mutations() +
                            uninterrupted.jrs.mutations();
  REQUIRE(total > 20);
  for (std::size_t n = 1; n <= total; ++n) {
    CAPTURE(n);
    Target t;
    std::size_t count = 0;
    bool file_missing_under_pointer = false;
    auto hook = [&](std::string_view operation) -> Status {
      // Files first: no znode is created while a file is still to be written.
      if (operation.starts_with("create ") && t.storage.paths().size() < storage_entries) {
        file_missing_under_pointer = true;
      }
      if (++count == n) {
        return failf("crash before mutation {} ({})", n, operation);
      }
      return {};
    };
    t.zk.set_mutation_hook(hook);
    t.storage.set_mutation_hook(hook);
    t.jrs.set_mutation_hook(hook);
    CHECK_FALSE(restore(backup, t).has_value());
    CHECK_FALSE(file_missing_under_pointer);
    t.zk.set_mutation_hook({});
    t.storage.set_mutation_hook({});
    t.jrs.set_mutation_hook({});
    REQUIRE(restore(backup, t).has_value());
    CHECK(snapshot(t) == expected);
  }
}

TEST_CASE("ha_restore: real Flink 1.20.5 backups (fixtures): ephemeral nodes stay out, locks "
          "parents and files come back, pointers name the recorded files") {
  for (const std::string name : {"running", "stopped"}) {
    CAPTURE(name);
    const auto dir = std::filesystem::path(FLINKHA_FIXTURES_DIR) / "ha_backup/flink-1.20.5" / name;
    auto backup = read_backup(dir);
    REQUIRE_MESSAGE(backup.has_value(), (backup ? "" : backup.error().message));
    const auto& m = backup->manifest;
    CHECK(m.flink_version == "1.20");
    CHECK(m.layout == "1.15-1.20");
    CHECK(m.with_files);
    CHECK(m.leader_registered.empty() == (name == "stopped"));
    std::size_t ephemeral = 0;
    std::size_t lock_parents = 0;
    for (const auto& node : m.znodes) {
      ephemeral += node.ephemeral() ? 1 : 0;
      lock_parents += node.role == ZnodeRole::lock_root ? 1 : 0;
      if (node.ephemeral()) {
        CHECK((node.role == ZnodeRole::lock || node.role == ZnodeRole::leader ||
               node.role == ZnodeRole::latch));
      }
    }
    CHECK(lock_parents == 2); // the job graph's and the checkpoint's
    CHECK((name == "running" ? ephemeral >= 7 : ephemeral == 0));

    Target t; // nothing left: ZooKeeper and the storage empty
    auto r = request("/flink/restored");
    REQUIRE(restore(*backup, t, r).has_value());
    for (const auto& node : m.znodes) {
      const auto moved = "/flink/restored" + node.path.substr(m.zk_namespace.size());
      CHECK(t.zk.has(moved) == !node.ephemeral());
    }
    std::size_t pointers = 0;
    for (const auto& node : m.znodes) {
      if (node.role != ZnodeRole::job_graph && node.role != ZnodeRole::checkpoint) {
        continue;
      }
      ++pointers;
      auto pointer = decode_state_handle_pointer(node.data);
      REQUIRE(pointer.has_value());
      const auto file = std::ranges::find(m.files, pointer->path, &BackupFile::uri);
      REQUIRE(file != m.files.end());
      CHECK(file->referenced_by == std::vector<std::string>{node.path});
      CHECK(t.storage.read_file(file->path, 1 << 20).value() == backup->copies.at(file->copy));
    }
    CHECK(pointers == 2);
    CHECK(std::ranges::any_of(m.files, [](const BackupFile& f) {
      return f.path.starts_with("blob/job_") && !f.copy.empty();
    }));
  }
}

TEST_CASE("ha_restore: with a blob storage of its own (--cluster-id), the job's blobs go there and "
          "the pointers' files stay in the backup's storage dir") {
  // Flink's BlobStore reads the running cluster's {storageDir}/{cluster-id}/blob
  // (BlobUtils.createFileSystemBlobStore); the pointers name their files where they were.
  Source source;
  const auto backup = backup_of(source.tree, true);
  Target t; // nothing in storage: every file comes from the backup's copies
  storage::FakeStorage blobs{"fake:other-cluster-storage"};
  auto targets = t.targets();
  targets.blob_storage = &blobs;
  auto plan = plan_restore(backup, targets, request());
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
  REQUIRE(execute_restore(backup, *plan, targets).has_value());
  std::size_t blob_files = 0;
  for (const auto& file : backup.manifest.files) {
    if (file.side != BackupSide::cluster_storage) {
      continue;
    }
    CAPTURE(file.path);
    const bool blob = file.path.starts_with("blob/");
    blob_files += blob ? 1 : 0;
    CHECK(blobs.has(file.path) == blob);
    CHECK(t.storage.has(file.path) == !blob);
  }
  CHECK(blob_files == 1);
}
