#pragma once
// `flinkha ha backup DIR`: a snapshot of one cluster's Flink HA state, taken before an upgrade or
// a migration, that `ha restore` (ha_restore.hpp) can put back. The on-disk format is
// docs/ha-backup-format.md: one directory holding manifest.json and files/, readable without
// flinkha (JSON, base64 znode data, plain copies of files).
//
// What a backup holds:
//  - every znode of the cluster's namespace {root}/{cluster-id} (the namespace node included),
//    parents before children, with its data (or null), its ACL (getACL) and its Stat. Ephemeral
//    nodes (leader connection_info, latch participants, the locks/<uuid> children of the 1.15+
//    ZooKeeperStateHandleStore, the <uuid> lock children of 1.3-1.14) are recorded but never
//    restored: they belong to a session that no longer exists. The persistent `locks` parent of a
//    1.15+ pointer is restored: Flink's recovery (ZooKeeperStateHandleStore.getAllAndLock →
//    getAndLock) creates its own EPHEMERAL locks/<uuid> below it, and without it that creation
//    fails with NoNodeException, which getAndLock turns into NotExistException and getAllAndLock
//    skips: the pointer is ignored as "marked for deletion" (FLINK-26284; isNotMarkedForDeletion
//    is Stat.numChildren > 0). Read in Flink's ZooKeeperStateHandleStore (1.15+); checked on the
//    real 1.20.5 cluster by integration.ha_backup (the job is recovered after a restore);
//  - a manifest of the storage files the pointers reference (job graphs / execution plans /
//    completedCheckpoint files / 2.3 submittedApplication files, as the inventory decoded them
//    from the RetrievableStreamStateHandle → FileStateHandle pointers): path, size, mtime, SHA-256;
//    with --with-files also their content (never the checkpoint data itself: a completedCheckpoint
//    file names the _metadata, which stays where it is);
//  - the same for each job's HA blobs, {storageDir}/{cluster-id}/blob/job_<id>/blob_p-… (2.3 also
//    blob/application_<id>/): the user jars the job graph names by BlobKey, which Flink's
//    recovery needs (FileSystemBlobStore, 1.x and 2.x; seen on the real 1.20.5 cluster:
//    without them the Dispatcher fails with "Could not start recovered job");
//  - the JobResultStore entries (<jobid>_DIRTY.json / <jobid>.json,
//    FileSystemJobResultStore, 1.15+) and the 2.3 ApplicationResultStore entries, always copied;
//  - stamped with the Flink version (major.minor), the layout era (layout_label), the cluster-id,
//    the namespace, the storage URIs and the time.
// Consistency: the caller refuses while a leader is registered unless --force
// (find_live_leader); take_backup reads the persistent znodes again after the files and fails
// when one changed, appeared or disappeared in the meantime.

#include "flink/ha_inventory.hpp"
#include "util/result.hpp"
#include "zk/reader.hpp"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::flink {

// manifest.json's "format" and "format_version": a reader refuses a version it does not know.
inline constexpr std::string_view kBackupFormatName = "flinkha-ha-backup";
inline constexpr int kBackupFormatVersion = 1;
inline constexpr std::string_view kBackupManifestName = "manifest.json";

// Where a backed-up file lives: below the cluster storage dir ({storageDir}/{cluster-id}), the
// JobResultStore or the ApplicationResultStore.
enum class BackupSide { cluster_storage, job_result_store, application_result_store };

// "cluster_storage", "job_result_store", "application_result_store" (the manifest's "side").
std::string_view to_string(BackupSide side);
// The directory of its copies inside the backup: "files/cluster-storage", "files/job-result-store",
// "files/application-result-store".
std::string_view copies_dir(BackupSide side);

// The storage of `side` among the three pointers a struct holds under these names
// (InventoryInput, RestoreTargets): cluster_storage, job_result_store, application_result_store.
template <typename Sides>
storage::HaStorage* storage_of(const Sides& sides, BackupSide side) {
  switch (side) {
  case BackupSide::cluster_storage:
    return sides.cluster_storage;
  case BackupSide::job_result_store:
    return sides.job_result_store;
  case BackupSide::application_result_store:
    return sides.application_result_store;
  }
  return nullptr;
}

struct BackupZnode {
  std::string path; // absolute, e.g. "/flink/default/jobgraphs/<jobid>"
  std::string data; // the bytes as stored (empty when null_data)
  bool null_data = false;
  zk::Acl acl;
  zk::Stat stat; // as read; ephemeral_owner names a session for ephemeral nodes
  ZnodeRole role = ZnodeRole::unknown;

  // Owned by a session (never restored). Container and TTL nodes are not: they are restored as
  // persistent nodes (zk::is_session_owner).
  bool ephemeral() const { return zk::is_session_owner(stat.ephemeral_owner); }
};

struct BackupFile {
  BackupSide side = BackupSide::cluster_storage;
  std::string path; // relative to the side's base ("submittedJobGraph3f1c…", "<jobid>.json")
  std::string uri;  // the pointer's file URI as Flink wrote it, or the side's base + path
  FileStatus status = FileStatus::present; // at backup time (only present files are checked)
  std::int64_t size_bytes = 0;             // bytes
  std::int64_t mtime_ms = 0;               // ms since the Unix epoch
  std::string sha256;                      // lower-case hex; "" unless present
  std::vector<std::string> referenced_by;  // pointer znodes (absolute); empty for result entries
  std::string copy; // relative to the backup dir ("files/cluster-storage/…"); "" when not copied
};

struct BackupManifest {
  int format_version = kBackupFormatVersion;
  std::string flinkha_version;
  std::string flink_version;                // major.minor, "1.20"
  std::string flink_version_source;         // where it came from ("lib/flink-dist-1.20.5.jar")
  std::string layout;                       // layout_label(era), "1.15-1.20"
  std::string cluster_id;                   // "/default" as configured
  std::string zk_root;                      // high-availability.zookeeper.path.root
  std::string zk_namespace;                 // {root}/{cluster-id}
  std::string cluster_storage_uri;          // {storageDir}/{cluster-id} as Flink renders it
  std::string job_result_store_uri;         // "" before 1.15
  std::string application_result_store_uri; // "" before 2.3
  std::int64_t created_ms = 0;              // ms since the Unix epoch
  bool with_files = false;
  std::string leader_registered;   // "" none; the leader that --force went past
  std::vector<BackupZnode> znodes; // sorted by path: parents before children
  std::vector<BackupFile> files;   // sorted by side, then path
  std::vector<std::string> notes;  // what the operator should know (dangling pointers, …)
};

// The manifest as JSON (docs/ha-backup-format.md), 2-space indented.
std::string manifest_to_json(const BackupManifest& manifest);
// Parses and checks a manifest (format name and version, every field's type, znode paths absolute
// inside the namespace, file paths relative without "." / ".."; at most 1,000,000 znodes and
// files). Errors name `file_name` and the field.
Result<BackupManifest> parse_manifest(std::string_view json, std::string_view file_name);

// A backup in memory: the manifest and the content of its copies (key: BackupFile::copy).
struct Backup {
  BackupManifest manifest;
  std::map<std::string, std::string> copies;
};

struct BackupOptions {
  bool with_files = false;
  std::string leader_registered; // the live leader the caller went past with --force, or ""
  std::string flinkha_version;
  std::string flink_version; // major.minor
  std::string flink_version_source;
  std::int64_t now_ms = 0;
  std::size_t max_file_bytes = 64u << 20;  // a referenced metadata file larger: an error
  std::size_t max_blob_bytes = 512u << 20; // a blob (user jar) larger: an error
};

// Takes the backup: the inventory (build_ha_inventory on `zk`), every znode's data and ACL, the
// referenced files' sizes and checksums (content with with_files), the result-store entries, then
// the consistency re-read. `zk` must read ACLs (ZkClient, MemoryTree). Errors: ZooKeeper
// (unreachable / refused), a storage side that is unavailable or a file that cannot be read
// (failed, naming the file), a change during the backup (failed: "run it again").
Result<Backup> take_backup(zk::ZkReader& zk, const InventoryInput& input,
                           const BackupOptions& options);

// Writes the backup into `dir` (created; it must not exist or be empty): the copies first, then
// manifest.json atomically, so a directory without manifest.json is an incomplete backup.
Status write_backup(const std::filesystem::path& dir, const Backup& backup);

// Reads `dir`/manifest.json and every copy it names, checking each copy's size and SHA-256
// against the manifest. Errors name the file: missing, unreadable, altered.
Result<Backup> read_backup(const std::filesystem::path& dir);

} // namespace flinkha::flink
