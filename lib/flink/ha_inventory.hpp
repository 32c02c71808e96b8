#pragma once
// Everything a Flink cluster keeps for HA, read from ZooKeeper and from storage and
// cross-referenced (what `flinkha inspect` reports and what the cleanup planner works from):
//  - ZooKeeper: every znode under the namespace {ns}, classified for the Flink layout era
//    (reference flink-ha-format.md §1.2): job graph / execution plan pointers, checkpoint
//    pointers, their lock nodes (§2.6), checkpoint ID counters (§2.4), the running-job registry
//    (§2.7), leader and latch nodes (§3, listed only), anything else listed raw;
//  - storage: {storageDir}/{cluster-id} (§4.1, §4.2): submittedJobGraph / submittedExecutionPlan
//    / completedCheckpoint files (prefix + 12 hex), blob/job_<jobid>/…, anything else;
//  - the JobResultStore (§4.3);
//  - Flink 2.3's applications: {ns}/applications/<appid> state-handle pointers with locks/<uuid>
//    (ZooKeeperUtils.createApplicationStore: a ZooKeeperStateHandleStore over
//    FileSystemStateStorageHelper(storageDir/cluster-id, "submittedApplication"), exactly like
//    the execution plans; DefaultApplicationStore.putApplication), their
//    submittedApplication<12 hex> files, blob/application_<appid> (BlobUtils, 2.3), and the
//    ApplicationResultStore (FileSystemApplicationResultStore, the JobResultStore's twin:
//    application-result-store.storage-path, default
//    {storageDir}/application-result-store/{cluster-id}, <appid>_DIRTY.json / <appid>.json);
//  - findings: dangling pointers (file missing: Flink fails recovery), orphan files, dirty
//    JobResultStore entries and what of their job remains, jobs in ZooKeeper that are already
//    clean in the JobResultStore, pointer nodes marked for deletion, other cluster-ids next to
//    this one.

#include "flink/ha_layout.hpp"
#include "flink/job_result_store.hpp"
#include "flink/state_handle.hpp"
#include "storage/storage.hpp"
#include "util/result.hpp"
#include "zk/reader.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::flink {

// The layout eras are flink::HaEra (flink/ha_layout.hpp; reference §1.2 A–G): 1.0-1.2 no locks,
// 1.3-1.13 ephemeral lock children, 1.14 /jobs/<jobid>/…, 1.15-1.20 locks/<uuid> and the
// JobResultStore, 2.x /execution-plans.

// Znode sub-paths below {ns}, each starting with '/'. Up to 1.13 most are configurable
// (high-availability.zookeeper.path.*); default_znode_paths gives Flink's defaults.
struct ZnodePaths {
  std::string job_graphs;         // …path.jobgraphs "/jobgraphs"; 2.x …path.execution-plans
  std::string checkpoints;        // ≤1.13 …path.checkpoints "/checkpoints"
  std::string checkpoint_counter; // ≤1.13 …path.checkpoint-counter "/checkpoint-counter"
  std::string running_registry;   // 1.3–1.14 …path.running-registry "/running_job_registry"
  std::string leader;             // ≤1.13 …path.leader "/leader"; fixed "/leader" from 1.14
  std::string latch;              // ≤1.13 …path.latch "/leaderlatch"; 1.14+ below leader
  std::string applications;       // 2.3+ …path.applications "/applications"; "" before 2.x
};

ZnodePaths default_znode_paths(HaEra era);

// What the builder reads. The storage pointers may be null: the storage side is then reported
// as unavailable with the given reason (e.g. "scheme gs:// is not supported …") and the
// ZooKeeper side is still inventoried.
struct InventoryInput {
  HaEra era = HaEra::v1_15;
  std::string zk_namespace; // {ns}, e.g. "/flink/default"
  std::string zk_root;      // high-availability.zookeeper.path.root; "" = do not look for siblings
  std::string cluster_id;   // as configured, e.g. "/default"
  ZnodePaths paths = default_znode_paths(HaEra::v1_15);

  std::string cluster_storage_uri; // {storageDir}/{cluster-id} as Flink renders it ("file:/x/y")
  storage::HaStorage* cluster_storage = nullptr;
  std::string cluster_storage_error; // why cluster_storage is null
  Error cluster_storage_failure;     // the same, with its hint and category (internal: none)

  storage::HaStorage* storage_root = nullptr; // {storageDir}: listed only, for sibling cluster-ids

  std::string job_result_store_uri;
  storage::HaStorage* job_result_store = nullptr; // null before 1.15 or when unavailable
  std::string job_result_store_error;
  Error job_result_store_failure; // with its hint and category (internal: none)

  // The ApplicationResultStore (2.3+; null before, or when unavailable).
  std::string application_result_store_uri;
  storage::HaStorage* application_result_store = nullptr;
  std::string application_result_store_error;
  Error application_result_store_failure;

  std::int64_t now_ms = 0; // for ages (ms since the Unix epoch)
};

enum class ZnodeRole {
  namespace_root,
  structure,          // a parent Flink creates on the way (jobgraphs, jobs/<id>, checkpoints, …)
  job_graph,          // state-handle pointer to a submittedJobGraph / submittedExecutionPlan file
  checkpoint,         // state-handle pointer to a completedCheckpoint file
  lock_root,          // 1.15+: <pointer>/locks
  lock,               // 1.3–1.14: <pointer>/<uuid>; 1.15+: <pointer>/locks/<uuid>
  checkpoint_counter, // 4-byte big-endian next checkpoint id
  running_registry,   // 1.3–1.14: "RUNNING" / "DONE"
  leader,             // connection info and its parents
  latch,              // Curator LeaderLatch participants and their parent
  application,        // 2.3+: state-handle pointer to a submittedApplication file
  unknown,
};

std::string_view to_string(ZnodeRole role);

struct ZnodeRecord {
  std::string path;
  zk::Stat stat;
  ZnodeRole role = ZnodeRole::unknown;
  std::string job_id; // the job this node belongs to (Flink's cleanup of that job removes it)
  std::string application_id; // the application this node belongs to (2.3+ applications/…)
};

// Where a pointer's file is, seen from the cluster storage dir.
enum class FileStatus {
  present, // inside the cluster storage dir and there
  missing, // inside and not there: a dangling pointer
  outside, // the pointer names a file outside the cluster storage dir (never deleted)
  // inside, but a directory on the way is a symlink, which flinkha does not follow: the file may
  // well exist (Flink follows the link); it is not checked and never deleted
  through_symlink,
  unknown, // the storage side is unavailable, or the pointer could not be decoded
};

std::string_view to_string(FileStatus status);

struct LockRecord {
  std::string path;
  std::int64_t owner = 0; // ephemeralOwner session id (0 for a persistent node)
};

struct PointerRecord {
  std::string znode;
  std::string job_id;
  std::string application_id;            // role application: the application's id
  ZnodeRole role = ZnodeRole::job_graph; // job_graph, checkpoint or application (unknown: stray)
  std::optional<std::int64_t> checkpoint_id;
  zk::Stat stat;
  std::optional<StateHandlePointer> pointer;
  std::string decode_error;         // why pointer is empty; "" when decoded
  std::vector<LockRecord> locks;    // lock nodes (1.3+)
  bool marked_for_deletion = false; // 1.15+: no children (its locks node was deleted)
  FileStatus file_status = FileStatus::unknown;
  std::string file;                      // relative to the cluster storage dir, when inside
  std::optional<std::int64_t> file_size; // of the file found there
  std::string symlink;                   // through_symlink: the link on the way (relative)
  std::string symlink_target;            // … and its target text
};

struct CounterRecord {
  std::string znode;
  std::optional<std::int32_t> next_checkpoint_id;
  std::string decode_error;
};

struct JobRecord {
  std::string job_id;
  std::optional<PointerRecord> job_graph;
  std::vector<PointerRecord> checkpoints; // by checkpoint id
  std::optional<CounterRecord> counter;
  std::optional<std::string> running_registry_status; // 1.3–1.14
  std::size_t znode_count = 0;                        // znodes that belong to this job
  std::string blob_dir;                               // "blob/job_<id>" when it exists
  std::vector<storage::Entry> blob_entries;           // everything below it
  std::optional<JrsFile> job_result_file;             // dirty, else clean
  std::optional<JobResultRecord> job_result;
  std::string job_result_error; // parse or read error of that file
  std::string application_id;   // 2.3: the application of the job (its JobResultStore entry)
};

// A Flink 2.3 application: its pointer and locks in ZooKeeper, its file, its blobs, its
// ApplicationResultStore entry and the jobs whose JobResultStore entry names it.
struct ApplicationRecord {
  std::string application_id;           // 32 lower-case hex (ApplicationID, an AbstractID)
  std::optional<PointerRecord> pointer; // {ns}/applications/<appid>
  std::size_t znode_count = 0;          // znodes that belong to this application
  std::vector<std::string> job_ids;     // jobs with "application-id" = this id (sorted)
  std::string blob_dir;                 // "blob/application_<id>" when it exists
  std::vector<storage::Entry> blob_entries;
  std::optional<JrsFile> result_file; // ApplicationResultStore entry (JrsFile::job_id = appid)
  std::optional<ApplicationResultRecord> result;
  std::string result_error; // parse or read error of that file

  bool dirty() const { return result_file && result_file->state == JrsState::dirty; }
};

enum class StorageFileKind { job_graph, execution_plan, checkpoint, blob, application, other };

std::string_view to_string(StorageFileKind kind);

struct StorageFileRecord {
  storage::Entry entry;
  // blob: the blob/ directory itself (of no one) and all below blob/job_<id>, application_<id>
  StorageFileKind kind = StorageFileKind::other;
  std::string job_id;                     // blob files: the job of blob/job_<id>
  std::string application_id;             // blob/application_<id> files
  std::vector<std::string> referenced_by; // pointer znodes naming this file
};

enum class Severity { info, warning, critical };

std::string_view to_string(Severity severity);

enum class FindingKind {
  dangling_pointer,        // critical: Flink fails recovery (FLINK-22502)
  size_mismatch,           // the file is not as long as the pointer says
  undecodable_pointer,     // a pointer node whose bytes do not decode
  pointer_outside_storage, // names a file outside the cluster storage dir
  stray_pointer,           // a pointer in a place this layout era does not use
  marked_for_deletion,     // 1.15+: Flink ignores it; the cleanup was interrupted
  empty_pointer,           // a pointer node without data
  orphan_file,             // a metadata file no pointer refers to
  orphan_blob_dir,         // blob/job_<id> of a job with nothing else left
  dirty_job,               // a dirty JobResultStore entry: Flink's global cleanup did not finish
  clean_job_in_zookeeper,  // already clean in the JobResultStore but still in ZooKeeper
  job_result_unreadable,   // a JobResultStore entry Flink could not read either
  symlink_in_storage,      // never followed; left alone by every cleanup
  unknown_storage_entry,   // a file flinkha does not know in the JobResultStore
  unknown_znode,
  sibling_cluster_id, // another cluster's data next to this one
  storage_unavailable,
  // 2.3 applications (the subject is the ApplicationResultStore entry name; job_id is empty and
  // the message names the application id)
  dirty_application,              // a dirty ApplicationResultStore entry: cleanup did not finish
  clean_application_in_zookeeper, // clean in the ApplicationResultStore but still in ZooKeeper
  application_result_unreadable,  // an ApplicationResultStore entry Flink could not read
};

std::string_view to_string(FindingKind kind);

struct Finding {
  Severity severity = Severity::info;
  FindingKind kind = FindingKind::unknown_znode;
  std::string job_id;  // "" when not about one job
  std::string subject; // the znode path or storage-relative file
  std::string message;
  std::optional<std::int64_t> age_ms; // orphans: now - mtime
  std::string application_id;         // 2.3: "" when not about one application
};

struct StorageSide {
  bool available = false;
  std::string uri;
  std::string error; // why not available
  // What kind of failure made it unavailable: unreachable (a NameNode or endpoint that does not
  // answer), refused (credentials, permissions), failed (safe mode, no such bucket, …); internal
  // when it is simply not configured or not supported. The first three make the finding
  // critical.
  ErrorCategory error_category = ErrorCategory::internal;
  std::string error_hint;
  std::vector<StorageFileRecord> files; // every entry of the cluster storage dir, by path
};

struct JobResultStoreSide {
  bool available = false;
  std::string uri;
  std::string error;
  ErrorCategory error_category = ErrorCategory::internal; // as StorageSide::error_category
  std::string error_hint;
  std::size_t dirty_entries = 0;
  std::size_t clean_entries = 0; // all of them, also those of jobs with nothing else left
  std::vector<JrsFile> entries;  // every entry, dirty and clean (job_id: the application id in
                                 // the ApplicationResultStore)
  std::vector<storage::Entry> unknown;
};

struct HaInventory {
  HaEra era = HaEra::v1_15;
  std::string zk_namespace;
  std::string zk_root;
  std::string cluster_id;
  ZnodePaths paths;
  std::int64_t now_ms = 0;
  bool namespace_exists = false;
  std::vector<ZnodeRecord> znodes;           // every znode under {ns}, {ns} included, by path
  std::map<std::string, JobRecord> jobs;     // jobs with ZooKeeper, storage or dirty JRS data
  std::vector<PointerRecord> stray_pointers; // decodable pointers outside the known places
  StorageSide storage;
  JobResultStoreSide job_result_store;
  std::map<std::string, ApplicationRecord> applications; // 2.3+, with ZooKeeper/storage/ARS data
  JobResultStoreSide application_result_store;           // 2.3+; available false before
  std::vector<std::string> zk_sibling_cluster_ids;       // children of zk_root but ours
  std::vector<std::string> storage_sibling_cluster_ids;  // directories in storageDir but ours
  std::vector<Finding> findings;

  // Every pointer (jobs', applications' and stray ones).
  std::vector<const PointerRecord*> all_pointers() const;
  Severity worst_severity() const; // info when there are no findings
  bool needs_attention() const;    // any warning or critical finding
};

// Metadata file names (reference §4.1): prefix + 12 lower-case hex characters.
std::optional<StorageFileKind> metadata_file_kind(std::string_view name);

// The relative path of `pointer_uri` inside the directory `base_uri` (both Flink Path strings,
// normalized first; "file:/x", "file:///x" and "/x" are the same place). nullopt when it is not
// strictly inside, or when either has a "." or ".." component.
std::optional<std::string> relative_inside(std::string_view base_uri, std::string_view pointer_uri);

// Walks the namespace, lists the storage side and the JobResultStore, cross-references. Fails
// only when ZooKeeper cannot be read; storage problems become findings.
Result<HaInventory> build_ha_inventory(zk::ZkReader& zk, const InventoryInput& input);

} // namespace flinkha::flink
