#pragma once
// The cleanup of Flink's HA data: a planner (pure: inventory + request → ordered steps) and an
// executor (runs the steps against ZooKeeper, the cluster storage dir and the JobResultStore).
//
// What each request removes:
//  - dirty-jobs [ids]: for each dirty JobResultStore entry, what Flink's own global cleanup
//    removes (reference flink-ha-format.md §4.3): checkpoints and their files, the checkpoint
//    counter, the job graph / execution plan pointer and its file, blob/job_<id>, every other
//    znode of the job ({ns}/jobs/<id>, its leader nodes, the running-job registry entry), then
//    the entry is marked clean (deleted, or renamed to <jobid>.json without delete-on-commit);
//    then (Flink 2.3) for each dirty ApplicationResultStore entry what Dispatcher
//    .removeApplication removes: DispatcherApplicationResourceCleanerFactory's
//    "ApplicationStore" (DefaultApplicationStore.globalCleanupAsync →
//    ZooKeeperStateHandleStore.releaseAndTryRemove: {ns}/applications/<appid> with its locks,
//    then its submittedApplication file) and "BlobServer" (blob/application_<appid>); then,
//    only once every job of the application is marked clean in the JobResultStore (it waits on
//    jobMarkResultCleanFutures), ApplicationResultStore.markResultAsCleanAsync. So an
//    application is cleaned on its own, after its jobs: after every dirty job of the plan, and
//    not at all (a note says why) while one of its jobs keeps a dirty entry the plan does not
//    clean. The ids of dirty-jobs may name applications as well as jobs;
//  - orphans {min_age}: metadata files no pointer refers to, blob dirs of jobs with nothing else
//    left, pointer nodes that are empty or marked for deletion (and their files), all older than
//    min_age;
//  - cluster: all HA data of the cluster-id (a decommissioned cluster).
//
// Safety rules (DESIGN.md "Safety"):
//  - a pointer znode is deleted before the file it points to, checkpoints before the counter,
//    everything before the JobResultStore entry is marked clean: a crash (even SIGKILL) between
//    two steps leaves at worst an orphan file, never a dangling pointer, and a rerun finishes;
//  - every target is inside {ns}, the cluster storage dir or the JobResultStore dir, else the
//    plan fails naming the target; symlinks are never followed or removed;
//  - only dirty or orphaned jobs are touched; refused while a live leader is registered
//    (Flink is then cleaning up itself) unless forced.

#include "flink/ha_inventory.hpp"
#include "flink/job_result_store.hpp"
#include "storage/storage.hpp"
#include "util/result.hpp"
#include "zk/reader.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace flinkha::flink {

enum class Force { yes, no };

struct DirtyJobsRequest {
  // Job ids or (2.3) application ids; empty: every dirty entry of both stores.
  std::vector<std::string> job_ids;
};

struct OrphansRequest {
  std::int64_t min_age_ms = 3'600'000; // --min-age, default 1 h
};

struct ClusterRequest {
  std::string confirm_cluster_id; // the cluster-id typed again; must equal the inventory's
};

struct CleanupRequest {
  std::variant<DirtyJobsRequest, OrphansRequest, ClusterRequest> what;
  bool live_leader = false; // the caller looked: a leader holds the latch right now
  Force force = Force::no;
  DeleteOnCommit delete_on_commit = DeleteOnCommit::yes; // job-result-store.delete-on-commit
  std::string live_leader_description; // what it found ("dispatcher at …"), for the refusal
  // A dry run: the live-leader refusal (the one refusal that depends on the moment, not on the
  // data) does not fail the planning; the plan is made and `refused` says why a real run would
  // be refused.
  bool plan_only = false;
  // application-result-store.delete-on-commit (2.3)
  DeleteOnCommit application_delete_on_commit = DeleteOnCommit::yes;
};

enum class StepAction {
  delete_znode,   // one znode (the plan lists children before their parent)
  delete_file,    // a regular file
  delete_dir,     // an empty directory
  mark_jrs_clean, // target = the job (or application) id; delete or rename the dirty entry
};

// application_result_store: 2.3's ApplicationResultStore (its steps mark or delete entries of
// applications, as job_result_store's do for jobs).
enum class StepScope { zookeeper, cluster_storage, job_result_store, application_result_store };

std::string_view to_string(StepAction action);
std::string_view to_string(StepScope scope);

struct CleanupStep {
  StepAction action = StepAction::delete_znode;
  StepScope scope = StepScope::zookeeper;
  std::string target; // znode path, path relative to the scope's directory, or job id
  std::string job_id; // "" for steps not about one job
  std::string reason;
  std::string application_id; // 2.3: "" for steps not about one application
};

struct CleanupPlan {
  std::string zk_namespace;
  DeleteOnCommit delete_on_commit = DeleteOnCommit::yes;
  DeleteOnCommit application_delete_on_commit = DeleteOnCommit::yes;
  std::vector<CleanupStep> steps;
  // What the plan leaves on purpose, for the operator: files outside the storage dir, symlinks,
  // the storage side when it is unavailable, …
  std::vector<std::string> notes;
  std::string refused; // plan_only: why a real run of this request is refused; empty if it is not
};

// Plans a cleanup. Errors: a storage side that is configured but broken (its error_category is
// not internal: unreachable, refused credentials, a missing bucket; the error keeps that
// category), a live leader without Force::yes, a requested job that is not dirty,
// an unsafe cluster-id for ClusterRequest ("/", "..", empty, or not confirmed), undecodable
// pointers when orphan files would be removed (their files cannot be told from orphans), or a
// target outside the allowed scopes.
Result<CleanupPlan> plan_cleanup(const HaInventory& inventory, const CleanupRequest& request);

// Every target inside its scope: znodes strictly below {ns} (or {ns} itself as the last step of
// a cluster cleanup), storage paths relative without "..", JobResultStore targets job ids or
// entry names. plan_cleanup runs it on every plan; the executor runs it again.
Status check_plan_scope(const CleanupPlan& plan);

// Where the steps are carried out. A null storage is allowed when the plan has no step for it.
struct CleanupTargets {
  zk::ZkStore& zk;
  storage::HaStorage* cluster_storage = nullptr;
  storage::HaStorage* job_result_store = nullptr;
  storage::HaStorage* application_result_store = nullptr; // 2.3
};

enum class StepOutcome { done, already_gone };

// Called after each step that took effect (or found its target gone); `index` is the step's
// index in plan.steps.
using StepProgress =
    std::function<void(std::size_t index, const CleanupStep& step, StepOutcome outcome)>;

struct ExecutionSummary {
  std::size_t steps_done = 0; // steps completed (removed now or already gone)
};

// Runs the steps in order, after HaStorage::check_writable of every storage the plan changes
// (a NameNode in safe mode, read-only credentials: the error, and nothing was changed).
// Consecutive znode deletions are sent together with
// zk::ZkStore::remove_many (the real client pipelines them), at most kZkBatch at a time; a
// batch never contains a file step, so every pointer is gone before its file is touched.
// Consecutive file removals of one scope go together through HaStorage::remove_files, at most
// kFileBatch at a time (a batch holds file steps only, so the same order holds). Stops at the
// first error (in step order, also inside a batch; files after it in that batch may be gone
// already, which a rerun finds as already_gone): the message names the step and says that a
// rerun finishes the job.
inline constexpr std::size_t kZkBatch = 500;
inline constexpr std::size_t kFileBatch = 1000;
Result<ExecutionSummary> execute_plan(const CleanupPlan& plan, const CleanupTargets& targets,
                                      const StepProgress& progress = {});

} // namespace flinkha::flink
