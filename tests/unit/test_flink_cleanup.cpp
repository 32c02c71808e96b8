#include "fixtures/ha_inventory/ha_fixture_tree.hpp"
#include "flink/cleanup.hpp"
#include "flink/state_handle.hpp"
#include "storage/local_storage.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using namespace flinkha::flink;
using flinkha::test::HaFixtureTree;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kJob = "3d8f0e5c9b2a4f718e6d5c4b3a291f01";
constexpr std::string_view kOther = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
constexpr std::string_view kLock = "8d3b6f1e-2c4a-4f0b-9e7d-1a2b3c4d5e6f";

HaInventory inventory_of(HaFixtureTree& tree, std::int64_t now = HaFixtureTree::kNow) {
  auto inventory = build_ha_inventory(tree.zk(), tree.input(now));
  REQUIRE_MESSAGE(inventory.has_value(), (inventory ? "" : inventory.error().message));
  return std::move(*inventory);
}

CleanupRequest dirty_jobs(std::vector<std::string> ids = {}) {
  return CleanupRequest{DirtyJobsRequest{std::move(ids)},
                        false,
                        Force::no,
                        DeleteOnCommit::yes,
                        {},
                        false,
                        DeleteOnCommit::yes};
}

CleanupRequest orphans(std::int64_t min_age_ms) {
  return CleanupRequest{OrphansRequest{min_age_ms}, false, Force::no,
                        DeleteOnCommit::yes,        {},    false,
                        DeleteOnCommit::yes};
}

CleanupRequest cluster(std::string confirm) {
  return CleanupRequest{ClusterRequest{std::move(confirm)},
                        false,
                        Force::no,
                        DeleteOnCommit::yes,
                        {},
                        false,
                        DeleteOnCommit::yes};
}

CleanupPlan plan_of(const HaInventory& inventory, const CleanupRequest& request) {
  auto plan = plan_cleanup(inventory, request);
  REQUIRE_MESSAGE(plan.has_value(), (plan ? "" : plan.error().message));
  return std::move(*plan);
}

std::vector<std::string> rendered(const CleanupPlan& plan) {
  std::vector<std::string> lines;
  for (const auto& step : plan.steps) {
    lines.push_back(std::string(to_string(step.action)) + " " + step.target);
  }
  return lines;
}

flinkha::Result<ExecutionSummary> run(const CleanupPlan& plan, HaFixtureTree& tree) {
  return execute_plan(plan, CleanupTargets{tree.zk(), &tree.storage(), &tree.jrs()});
}

// The safety invariant: no znode holds a pointer to a file of the storage dir that is gone.
std::vector<std::string> dangling_pointers(HaFixtureTree& tree) {
  std::vector<std::string> dangling;
  for (const auto& path : tree.zk().paths()) {
    const flinkha::zk::Node* node = tree.zk().find(path);
    if (node->data.empty() || !node->data.starts_with("\xAC\xED")) {
      continue;
    }
    auto pointer = decode_state_handle_pointer(node->data);
    if (!pointer) {
      continue;
    }
    const auto file = relative_inside(tree.input().cluster_storage_uri, pointer->path);
    if (file && !tree.storage().has(*file)) {
      dangling.push_back(path);
    }
  }
  return dangling;
}

// Fails the n-th mutation across ZooKeeper, the storage dir and the JobResultStore (a crash
// between two steps) and checks the invariant before every mutation.
struct CrashAt {
  std::size_t n = 0;
  std::size_t count = 0;
  HaFixtureTree* tree = nullptr;
  bool check_invariant = true;
  std::size_t violations = 0;

  void install() {
    auto hook = [this](std::string_view operation) -> flinkha::Status {
      if (check_invariant && !dangling_pointers(*tree).empty()) {
        ++violations;
      }
      if (++count == n) {
        return flinkha::failf("crash before mutation {} ({})", n, operation);
      }
      return {};
    };
    tree->zk().set_mutation_hook(hook);
    tree->storage().set_mutation_hook(hook);
    tree->jrs().set_mutation_hook(hook);
  }
};

void no_crash(HaFixtureTree& tree) {
  tree.zk().set_mutation_hook({});
  tree.storage().set_mutation_hook({});
  tree.jrs().set_mutation_hook({});
}

std::vector<std::string> expected_dirty_plan(HaFixtureTree& tree, HaEra era) {
  const std::string j(kJob);
  const std::string lock(kLock);
  const std::string graph_root = era == HaEra::v2_0 ? "/execution-plans/" : "/jobgraphs/";
  const std::string graph_file =
      era == HaEra::v2_0 ? "submittedExecutionPlan000000000001" : "submittedJobGraph000000000001";
  const std::string cp1 = tree.checkpoint_znode(j, 1);
  const std::string cp2 = tree.checkpoint_znode(j, 2);
  return {
      "delete znode " + cp1 + "/locks/" + lock,
      "delete znode " + cp1 + "/locks",
      "delete znode " + cp1,
      "delete znode " + cp2 + "/locks/" + lock,
      "delete znode " + cp2 + "/locks",
      "delete znode " + cp2,
      "delete file completedCheckpoint000000000002",
      "delete file completedCheckpoint000000000003",
      "delete znode " + tree.at("/jobs/" + j + "/checkpoint_id_counter"),
      "delete znode " + tree.at(graph_root + j + "/locks/" + lock),
      "delete znode " + tree.at(graph_root + j + "/locks"),
      "delete znode " + tree.at(graph_root + j),
      "delete file " + graph_file,
      "delete file blob/job_" + j +
          "/blob_p-3a5f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b-0123456789abcdef0123456789abcdef",
      "delete dir blob/job_" + j,
      "delete znode " + tree.at("/jobs/" + j + "/checkpoints"),
      "delete znode " + tree.at("/leader/" + j + "/connection_info"),
      "delete znode " + tree.at("/jobs/" + j),
      "delete znode " + tree.at("/leader/" + j),
      "mark clean " + j,
  };
}

} // namespace

TEST_CASE("cleanup: the exact dirty-job plan per era, and its execution") {
  for (const auto era : {HaEra::v1_15, HaEra::v2_0}) {
    CAPTURE(layout_label(era));
    HaFixtureTree tree(era);
    tree.add_dirty_job(kJob, 2);
    // A running job next to it: never touched.
    tree.add_job_graph(kOther);
    tree.add_checkpoint(kOther, 1);
    const auto before_other = tree.zk().paths().size();

    const HaInventory inventory = inventory_of(tree);
    const CleanupPlan plan = plan_of(inventory, dirty_jobs());
    CHECK(rendered(plan) == expected_dirty_plan(tree, era));
    for (const auto& step : plan.steps) {
      CHECK(step.job_id == kJob);
      CHECK_FALSE(step.reason.empty());
    }

    auto summary = run(plan, tree);
    REQUIRE_MESSAGE(summary.has_value(), (summary ? "" : summary.error().message));
    CHECK(summary->steps_done == plan.steps.size());
    CHECK(tree.zk().remove_many_calls() > 0);
    CHECK_FALSE(tree.jrs().has(std::string(kJob) + "_DIRTY.json"));
    for (const auto& path : tree.zk().paths()) {
      CHECK(path.find(kJob) == std::string::npos);
    }
    CHECK(tree.zk().paths().size() < before_other);
    CHECK(tree.zk().has(
        tree.at((era == HaEra::v2_0 ? "/execution-plans/" : "/jobgraphs/") + std::string(kOther))));
    CHECK(dangling_pointers(tree).empty());
    CHECK_FALSE(inventory_of(tree).needs_attention());

    // Nothing left to do: a rerun plans nothing.
    CHECK(plan_of(inventory_of(tree), dirty_jobs()).steps.empty());
  }
}

TEST_CASE("cleanup: delete-on-commit false renames the entry") {
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_dirty_job(kJob, 1);
  auto request = dirty_jobs({std::string(kJob)});
  request.delete_on_commit = DeleteOnCommit::no;
  const CleanupPlan plan = plan_of(inventory_of(tree), request);
  REQUIRE(run(plan, tree).has_value());
  CHECK(tree.jrs().has(std::string(kJob) + ".json"));
  CHECK_FALSE(tree.jrs().has(std::string(kJob) + "_DIRTY.json"));
}

TEST_CASE("cleanup: refusals") {
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_dirty_job(kJob, 1);
  tree.add_job_graph(kOther);
  const HaInventory inventory = inventory_of(tree);

  auto live = dirty_jobs();
  live.live_leader = true;
  auto refused = plan_cleanup(inventory, live);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("live leader") != std::string::npos);
  // A dry run (plan_only) gets the plan, with the refusal a real run would make noted.
  live.live_leader_description = "dispatcher at pekko://x";
  auto refused_named = plan_cleanup(inventory, live);
  REQUIRE_FALSE(refused_named.has_value());
  CHECK(refused_named.error().message.find("dispatcher at pekko://x") != std::string::npos);
  live.plan_only = true;
  auto planned = plan_cleanup(inventory, live);
  REQUIRE(planned.has_value());
  CHECK(planned->refused.find("live leader") != std::string::npos);
  CHECK_FALSE(planned->steps.empty());
  live.plan_only = false;
  live.force = Force::yes;
  CHECK(plan_cleanup(inventory, live).has_value());
  CHECK(plan_cleanup(inventory, live)->refused.empty());

  auto not_dirty = plan_cleanup(inventory, dirty_jobs({std::string(kOther)}));
  REQUIRE_FALSE(not_dirty.has_value());
  CHECK(not_dirty.error().message.find(kOther) != std::string::npos);
  CHECK_FALSE(plan_cleanup(inventory, dirty_jobs({"../../x"})).has_value());

  CHECK_FALSE(plan_cleanup(inventory, cluster("other")).has_value());
  CHECK(plan_cleanup(inventory, cluster("default")).has_value());
  CHECK(plan_cleanup(inventory, cluster("/default")).has_value());

  for (const std::string bad : {"/", "..", "a/../b", "//", "."}) {
    CAPTURE(bad);
    HaInventory copy = inventory;
    copy.cluster_id = bad;
    CHECK_FALSE(plan_cleanup(copy, cluster(bad)).has_value());
  }
  HaInventory root = inventory;
  root.zk_namespace = "/";
  CHECK_FALSE(plan_cleanup(root, dirty_jobs()).has_value());
}

TEST_CASE("cleanup: every target must be inside its scope") {
  CleanupPlan plan;
  plan.zk_namespace = "/flink/default";
  const std::vector<CleanupStep> bad = {
      {StepAction::delete_znode, StepScope::zookeeper, "/flink/other/jobs", "", "", ""},
      {StepAction::delete_znode, StepScope::zookeeper, "/flink/default/../other", "", "", ""},
      {StepAction::delete_znode, StepScope::zookeeper, "/flink/defaultx", "", "", ""},
      {StepAction::delete_file, StepScope::cluster_storage, "../default2/f", "", "", ""},
      {StepAction::delete_file, StepScope::cluster_storage, "/etc/passwd", "", "", ""},
      {StepAction::delete_file, StepScope::job_result_store, "notes.txt", "", "", ""},
      {StepAction::mark_jrs_clean, StepScope::job_result_store, "../x", "", "", ""},
  };
  for (const auto& step : bad) {
    CAPTURE(step.target);
    plan.steps = {step};
    auto checked = check_plan_scope(plan);
    REQUIRE_FALSE(checked.has_value());
    CHECK(checked.error().message.find(step.target) != std::string::npos);
    flinkha::zk::MemoryTree zk;
    CHECK_FALSE(execute_plan(plan, CleanupTargets{zk, nullptr, nullptr}).has_value());
  }
  // The namespace itself only as the very last step.
  plan.steps = {{StepAction::delete_znode, StepScope::zookeeper, "/flink/default", "", "", ""},
                {StepAction::delete_znode, StepScope::zookeeper, "/flink/default/x", "", "", ""}};
  CHECK_FALSE(check_plan_scope(plan).has_value());
}

TEST_CASE("cleanup: orphans respect the minimum age") {
  HaFixtureTree tree(HaEra::v1_15);
  const std::int64_t hour = HaFixtureTree::kHour;
  const std::int64_t now = HaFixtureTree::kNow;
  tree.add_job_graph(kOther); // a running job: its file is referenced
  tree.storage().add_file("completedCheckpoint00000000aaaa", "old", now - 2 * hour);
  tree.storage().add_file("completedCheckpoint00000000bbbb", "young", now - hour / 2);
  tree.storage().add_file("notes.txt", "not Flink's", now - 100 * hour);
  // A checkpoint marked for deletion (its locks node is gone) and a job graph node without data.
  const std::string marked = tree.add_checkpoint(kJob, 3, now - 3 * hour);
  const std::string marked_file = tree.last_file();
  REQUIRE(tree.zk().remove(marked + "/locks/" + std::string(kLock)).has_value());
  REQUIRE(tree.zk().remove(marked + "/locks").has_value());
  tree.zk().put_owned(tree.at("/jobgraphs/ffeeddccbbaa99887766554433221100"), "", 0,
                      now - 3 * hour);
  tree.add_blobs("00000000000000000000000000000001", now - 5 * hour);
  tree.add_blobs("00000000000000000000000000000002", now - hour / 4);

  const HaInventory inventory = inventory_of(tree);
  const CleanupPlan plan = plan_of(inventory, orphans(hour));
  CHECK(rendered(plan) ==
        std::vector<std::string>{
            "delete znode " + marked,
            "delete file " + marked_file,
            "delete znode " + tree.at("/jobgraphs/ffeeddccbbaa99887766554433221100"),
            "delete file completedCheckpoint00000000aaaa",
            "delete file blob/job_00000000000000000000000000000001/blob_p-"
            "3a5f0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b-0123456789abcdef0123456789abcdef",
            "delete dir blob/job_00000000000000000000000000000001",
        });
  REQUIRE(run(plan, tree).has_value());
  CHECK(tree.storage().has("completedCheckpoint00000000bbbb"));
  CHECK(tree.storage().has("notes.txt"));
  CHECK(dangling_pointers(tree).empty());

  // With min-age 0 the young ones go too.
  const CleanupPlan all = plan_of(inventory_of(tree), orphans(0));
  CHECK(all.steps.size() == 3);

  // An undecodable pointer makes every file a possible referent: no orphan file is removed.
  tree.zk().put(tree.at("/jobgraphs/") + std::string(kJob), "garbage");
  tree.zk().put_owned(tree.at("/jobgraphs/") + std::string(kJob) + "/locks/x", "", 1);
  auto refused = plan_cleanup(inventory_of(tree), orphans(0));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("does not decode") != std::string::npos);
}

TEST_CASE("cleanup: cluster cleanup removes everything, namespace last") {
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_dirty_job(kJob, 2);
  tree.add_job_graph(kOther);
  tree.add_leaders(kOther);
  tree.jrs().add_file(std::string(kOther) + ".json", flinkha::test::job_result_json(kOther));
  tree.zk().put("/flink/neighbour/jobs");
  const CleanupPlan plan = plan_of(inventory_of(tree), cluster("default"));
  REQUIRE_FALSE(plan.steps.empty());
  CHECK(plan.steps.back().target == tree.ns());
  bool files_started = false;
  for (std::size_t i = 0; i + 1 < plan.steps.size(); ++i) {
    if (plan.steps[i].scope != StepScope::zookeeper) {
      files_started = true;
    } else {
      CHECK_FALSE(files_started); // every znode before any file
    }
  }
  REQUIRE(run(plan, tree).has_value());
  CHECK(tree.zk().paths() ==
        std::vector<std::string>{"/flink", "/flink/neighbour", "/flink/neighbour/jobs"});
  CHECK(tree.storage().paths().empty());
  CHECK(tree.jrs().paths().empty());
  // Idempotent: a rerun has nothing left but nothing fails.
  CHECK(plan_of(inventory_of(tree), cluster("default")).steps.empty());
}

TEST_CASE("cleanup: a crash before any mutation, then a rerun, finishes; never a dangling "
          "pointer") {
  for (const auto era : {HaEra::v1_15, HaEra::v2_0}) {
    CAPTURE(layout_label(era));
    std::size_t length = 0;
    {
      HaFixtureTree tree(era);
      tree.add_dirty_job(kJob, 3);
      length = plan_of(inventory_of(tree), dirty_jobs()).steps.size();
    }
    for (std::size_t n = 1; n <= length; ++n) {
      CAPTURE(n);
      HaFixtureTree tree(era);
      tree.add_dirty_job(kJob, 3);
      tree.add_job_graph(kOther);
      CrashAt crash{n, 0, &tree};
      crash.install();
      const CleanupPlan plan = plan_of(inventory_of(tree), dirty_jobs());
      auto crashed = run(plan, tree);
      REQUIRE_FALSE(crashed.has_value());
      CHECK(crashed.error().message.find("cleanup stopped at step") != std::string::npos);
      CHECK(crash.violations == 0);
      CHECK(dangling_pointers(tree).empty());

      // The rerun (a new process: a new inventory and plan) finishes the job.
      no_crash(tree);
      const CleanupPlan rerun = plan_of(inventory_of(tree), dirty_jobs());
      REQUIRE(run(rerun, tree).has_value());
      CHECK_FALSE(tree.jrs().has(std::string(kJob) + "_DIRTY.json"));
      for (const auto& path : tree.zk().paths()) {
        CHECK(path.find(kJob) == std::string::npos);
      }
      // A crash between a pointer and its file leaves at worst orphan files: orphans removes them.
      REQUIRE(run(plan_of(inventory_of(tree), orphans(0)), tree).has_value());
      const HaInventory after = inventory_of(tree);
      CHECK_FALSE(after.needs_attention());
      CHECK(after.jobs.size() == 1);
      CHECK(after.jobs.contains(std::string(kOther)));
      CHECK(dangling_pointers(tree).empty());
    }
  }
}

TEST_CASE("cleanup: 3000 checkpoints, crashes sampled across the plan") {
  constexpr int kCheckpoints = 3000;
  std::size_t length = 0;
  {
    HaFixtureTree tree(HaEra::v1_15);
    tree.add_dirty_job(kJob, kCheckpoints);
    const CleanupPlan plan = plan_of(inventory_of(tree), dirty_jobs());
    length = plan.steps.size();
    CHECK(length == 3 * kCheckpoints + kCheckpoints + 12);
    auto done = run(plan, tree);
    REQUIRE(done.has_value());
    // Pipelined: at most kZkBatch deletions per call, far fewer calls than znodes.
    CHECK(tree.zk().remove_many_calls() < 40);
    CHECK(tree.storage().paths() == std::vector<std::string>{"blob"});
  }
  for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{500}, std::size_t{769},
                              std::size_t{770}, std::size_t{4321}, length - 1, length}) {
    CAPTURE(n);
    HaFixtureTree tree(HaEra::v1_15);
    tree.add_dirty_job(kJob, kCheckpoints);
    CrashAt crash{n, 0, &tree, /*check_invariant=*/false};
    crash.install();
    REQUIRE_FALSE(run(plan_of(inventory_of(tree), dirty_jobs()), tree).has_value());
    CHECK(dangling_pointers(tree).empty());
    no_crash(tree);
    REQUIRE(run(plan_of(inventory_of(tree), dirty_jobs()), tree).has_value());
    REQUIRE(run(plan_of(inventory_of(tree), orphans(0)), tree).has_value());
    for (const auto& path : tree.zk().paths()) {
      CHECK(path.find(kJob) == std::string::npos);
    }
    CHECK(tree.storage().paths() == std::vector<std::string>{"blob"});
    CHECK(tree.jrs().paths().empty());
  }
}

TEST_CASE("cleanup: a symlink inside the storage dir is never followed") {
  flinkha::test::TempDir outside;
  outside.write("precious/data.bin", "do not delete");
  outside.write("precious/completedCheckpoint0123456789ab", "looks like ours");
  flinkha::test::TempDir base;
  base.write("completedCheckpoint00000000aaaa", "orphan");
  base.write("blob/job_00000000000000000000000000000001/blob_p-1", "blob");
  fs::create_directory_symlink(outside.path() / "precious", base.path() / "blob" / "link");
  fs::create_directory_symlink(outside.path() / "precious",
                               base.path() / "blob" / "job_00000000000000000000000000000001" /
                                   "link");
  fs::create_symlink(outside.path() / "precious" / "completedCheckpoint0123456789ab",
                     base.path() / "completedCheckpoint0123456789ab");

  auto opened = flinkha::storage::LocalStorage::open(base.path().string());
  REQUIRE(opened.has_value());
  auto& storage = **opened;
  flinkha::zk::MemoryTree zk;
  zk.put("/flink/default/jobs");
  InventoryInput input;
  input.zk_namespace = "/flink/default";
  input.zk_root = "/flink";
  input.cluster_id = "default";
  input.cluster_storage_uri = "file://" + base.path().string();
  input.cluster_storage = &storage;
  input.now_ms = HaFixtureTree::kNow * 2;
  flinkha::storage::FakeStorage jrs;
  input.job_result_store = &jrs;

  for (const auto& request : {orphans(0), cluster("default")}) {
    auto inventory = build_ha_inventory(zk, input);
    REQUIRE(inventory.has_value());
    const CleanupPlan plan = plan_of(*inventory, request);
    for (const auto& step : plan.steps) {
      CHECK(step.target.find("/link") == std::string::npos);
      CHECK(step.target != "completedCheckpoint0123456789ab");
    }
    auto done = execute_plan(plan, CleanupTargets{zk, &storage, &jrs});
    REQUIRE_MESSAGE(done.has_value(), (done ? "" : done.error().message));
    CHECK(fs::exists(outside.path() / "precious" / "data.bin"));
    CHECK(fs::exists(outside.path() / "precious" / "completedCheckpoint0123456789ab"));
  }
  CHECK_FALSE(fs::exists(base.path() / "completedCheckpoint00000000aaaa"));
  CHECK(fs::is_symlink(base.path() / "blob" / "link"));
  CHECK(fs::is_symlink(base.path() / "completedCheckpoint0123456789ab"));
  CHECK_FALSE(
      fs::exists(base.path() / "blob" / "job_00000000000000000000000000000001" / "blob_p-1"));
}

TEST_CASE("cleanup: a pointer's file behind a symlinked directory is left alone, with a note") {
  HaFixtureTree tree(HaEra::v1_15);
  const std::string job(kJob);
  tree.add_dirty_job(job, 1);
  const std::string behind = "moved/completedCheckpoint00000000abcd";
  tree.storage().add_symlink("moved", "/mnt/disk2/default");
  const auto znode = tree.checkpoint_znode(job, 1);
  tree.zk().put_owned(
      znode, flinkha::test::pointer_bytes(tree.input().cluster_storage_uri + "/" + behind, 120), 0,
      HaFixtureTree::kNow - HaFixtureTree::kHour);

  const CleanupPlan plan = plan_of(inventory_of(tree), dirty_jobs());
  const auto lines = rendered(plan);
  CHECK(std::ranges::none_of(
      lines, [&](const std::string& line) { return line.find("moved") != std::string::npos; }));
  CHECK(std::ranges::any_of(lines, [&](const std::string& line) {
    return line.find(znode) != std::string::npos; // the znode itself is still cleaned up
  }));
  CHECK(std::ranges::any_of(plan.notes, [&](const std::string& note) {
    return note.find("reached through the symlink moved, which flinkha does not follow") !=
           std::string::npos;
  }));
}

TEST_CASE("cleanup: file removals go as one batch; the first failure stops the run at its step "
          "with the storage's category") {
  HaFixtureTree tree(HaEra::v2_0);
  tree.storage().add_file("completedCheckpoint000000000001", "a");
  tree.storage().add_file("completedCheckpoint000000000002", "b");
  tree.storage().add_file("completedCheckpoint000000000003", "c");
  CleanupPlan plan;
  plan.zk_namespace = "/flink/default";
  for (const char* name : {"completedCheckpoint000000000001", "completedCheckpoint000000000002",
                           "completedCheckpoint000000000003"}) {
    plan.steps.push_back(
        {StepAction::delete_file, StepScope::cluster_storage, name, "", "test", ""});
  }
  tree.storage().set_mutation_hook([](std::string_view operation) -> flinkha::Status {
    if (operation.ends_with("000000000002")) {
      return flinkha::fail(flinkha::ErrorCategory::refused, "AccessDenied on it", "fix the ACL");
    }
    return {};
  });
  std::vector<std::size_t> reported;
  auto result = execute_plan(
      plan, CleanupTargets{tree.zk(), &tree.storage(), &tree.jrs()},
      [&](std::size_t index, const CleanupStep&, StepOutcome) { reported.push_back(index); });
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().category == flinkha::ErrorCategory::refused);
  CHECK(result.error().message.find("step 2 of 3") != std::string::npos);
  CHECK(result.error().message.find("AccessDenied on it") != std::string::npos);
  CHECK(result.error().hint.find("fix the ACL") != std::string::npos);
  CHECK(result.error().hint.find("run the same cleanup again") != std::string::npos);
  CHECK(reported == std::vector<std::size_t>{0});
  CHECK_FALSE(tree.storage().has("completedCheckpoint000000000001"));
  CHECK(tree.storage().has("completedCheckpoint000000000002"));
}

TEST_CASE("cleanup: a storage that refuses changes stops the run before its first step") {
  HaFixtureTree tree(HaEra::v2_0);
  tree.add_dirty_job(kJob, 3);
  const CleanupPlan plan = plan_of(inventory_of(tree), dirty_jobs());
  REQUIRE_FALSE(plan.steps.empty());
  const auto znodes_before = tree.zk().paths();
  tree.storage().set_writable(
      flinkha::fail(flinkha::ErrorCategory::failed, "NameNode 127.0.0.1:9870 is in safe mode"));
  auto result = run(plan, tree);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().category == flinkha::ErrorCategory::failed);
  CHECK(result.error().message.find("safe mode; nothing was changed") != std::string::npos);
  CHECK(tree.zk().paths() == znodes_before); // not one pointer removed
  CHECK(tree.storage().mutations() == 0);
}

TEST_CASE("cleanup: a configured storage side that is broken refuses the plan with its "
          "category; an unconfigured one only leaves notes") {
  HaFixtureTree tree(HaEra::v2_0);
  tree.add_dirty_job(kJob, 3);
  HaInventory inventory = inventory_of(tree);
  inventory.storage.available = false;
  inventory.storage.error = "GETFILESTATUS /flink/ha/default: http://127.0.0.1:1: refused";
  inventory.storage.error_category = flinkha::ErrorCategory::unreachable;
  inventory.storage.error_hint = "check dfs.namenode.http-address";
  auto refused = plan_cleanup(inventory, dirty_jobs());
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().category == flinkha::ErrorCategory::unreachable);
  CHECK(refused.error().message.find("nothing was changed") != std::string::npos);
  CHECK(refused.error().hint == "check dfs.namenode.http-address");

  inventory.storage.error_category = flinkha::ErrorCategory::internal; // e.g. gs:// unsupported
  auto noted = plan_cleanup(inventory, dirty_jobs());
  REQUIRE(noted.has_value());
  CHECK_FALSE(noted->notes.empty());
}

TEST_CASE("cleanup orphans: a file named by a pointer under another file system name is kept") {
  // The storage dir is s3://bucket/flink/ha/default; one job's pointer was written as s3a://
  // (the same bucket, the same object): "outside" by its name, yet its file must not go.
  HaFixtureTree tree(HaEra::v2_0, "/flink/default", "s3://bucket/flink/ha/default");
  const std::string kept = "completedCheckpoint0000000000aa";
  const std::string orphan = "completedCheckpoint0000000000bb";
  tree.storage().add_file(kept, "x", 0);
  tree.storage().add_file(orphan, "y", 0);
  tree.zk().put(tree.at("/jobgraphs/") + std::string(kOther),
                flinkha::test::pointer_bytes("s3a://bucket/flink/ha/default/" + kept, 1));
  const CleanupPlan plan = plan_of(inventory_of(tree), orphans(0));
  const auto steps = rendered(plan);
  CHECK(std::find(steps.begin(), steps.end(), "delete file " + orphan) != steps.end());
  CHECK(std::find(steps.begin(), steps.end(), "delete file " + kept) == steps.end());
  bool noted = false;
  for (const auto& note : plan.notes) {
    noted = noted || (note.find(kept + " is kept") != std::string::npos &&
                      note.find("s3a://bucket") != std::string::npos);
  }
  CHECK(noted);
}
