#pragma once
// `flinkha ha restore DIR`: puts an HA backup (ha_backup.hpp) back, so that the cluster, once
// started, recovers its jobs itself (Flink's Dispatcher reads the job graphs / execution plans,
// each JobMaster its completed checkpoints, from ZooKeeper as it left them).
//
// The plan is made and checked before anything is written; every refusal changes nothing:
//  - the same Flink major.minor and layout era as the backup, unless force_version;
//  - only into an empty namespace: nodes already there are accepted only when they are this
//    backup's own (same path below the namespace, same data: the leftovers of an interrupted
//    restore, so a rerun finishes it), or with `replace` on a stopped cluster (no leader
//    registered), which first deletes every node that is not the backup's, children first;
//  - every file the backup references exists in the storage with the recorded SHA-256, or is
//    missing there and the backup holds a copy (written back); a file that is there with other
//    bytes is never replaced.
// Execution order: files first (HaStorage::write_file: whole or not at all), then the deletions
// of `replace`, then the znodes, parents before children (so a pointer appears only after its file
// and a 1.15+ pointer's `locks` child right after it), created with their recorded data and ACL.
// Ephemeral nodes are not restored (their session is gone: Flink's leader election and
// ZooKeeperStateHandleStore.getAndLock create their own). A rerun after a crash at any step plans
// only what is still missing and ends with the same tree as an uninterrupted restore.
// `target_namespace` may differ from the backup's (--cluster-id: migration between cluster-ids);
// the pointers are written unchanged: they name storage paths, which stay where they are.

#include "flink/ha_backup.hpp"
#include "storage/storage.hpp"
#include "util/result.hpp"
#include "zk/reader.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace flinkha::flink {

struct RestoreRequest {
  std::string target_namespace; // {root}/{cluster-id} of the target cluster
  std::string flink_version;    // major.minor of the target cluster
  std::string layout;           // layout_label of the target's era
  bool replace = false;
  bool force_version = false;
  std::string live_leader; // the leader registered in the target namespace, or ""
};

// Where the files go: `cluster_storage` is where the pointers' files are (the backup's
// {storageDir}/{cluster-id}, which a --cluster-id migration keeps); the result stores are the
// target cluster's. Null: that side is not available (a plan that needs it refuses).
struct RestoreTargets {
  zk::ZkStore& zk;
  storage::HaStorage* cluster_storage = nullptr;
  storage::HaStorage* job_result_store = nullptr;
  storage::HaStorage* application_result_store = nullptr;
  // Where blob/… entries go: the target cluster's own {storageDir}/{cluster-id}, for Flink's
  // BlobStore reads the running cluster's path (BlobUtils.createFileSystemBlobStore); with
  // --cluster-id it differs from cluster_storage, where the pointers' files stay. Null: the
  // same as cluster_storage.
  storage::HaStorage* blob_storage = nullptr;
};

enum class RestoreAction { write_file, delete_znode, create_znode };

std::string_view to_string(RestoreAction action); // "write-file", "delete-znode", "create-znode"

struct RestoreStep {
  RestoreAction action = RestoreAction::create_znode;
  std::string target; // the znode path, or the storage's description + "/" + relative path
  std::string reason;
  BackupSide side = BackupSide::cluster_storage; // write_file
  std::size_t index = 0; // into manifest.files (write_file) or manifest.znodes (create_znode)
  std::string znode;     // create_znode / delete_znode: the path in the target namespace
};

struct RestorePlan {
  std::string target_namespace;
  std::vector<RestoreStep> steps;
  std::vector<std::string> notes;
  std::size_t znodes_present = 0; // the backup's znodes already there (an interrupted restore)
  std::size_t files_present = 0;  // referenced files already there with the recorded checksum
  std::size_t ephemeral_skipped = 0;
};

// Makes the plan, reading the target namespace and the storages. Errors: a refusal (category
// refused: another version or layout, a namespace that is not empty, a leader registered with
// replace, a referenced file missing without a copy or altered), each naming the znode or file
// and what to do; ZooKeeper or storage failures as they come.
Result<RestorePlan> plan_restore(const Backup& backup, RestoreTargets& targets,
                                 const RestoreRequest& request);

// Carries the plan out in order; `progress` is called after each step. Then reads every restored
// znode back and compares its data. Errors: the first failing step (the steps before it are done;
// rerun the restore to finish).
using RestoreProgress = std::function<void(std::size_t index, const RestoreStep& step)>;
Status execute_restore(const Backup& backup, const RestorePlan& plan, RestoreTargets& targets,
                       const RestoreProgress& progress = {});

} // namespace flinkha::flink
