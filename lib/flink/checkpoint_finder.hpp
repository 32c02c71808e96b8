#pragma once
// `flinkha checkpoints`: per job, the completed checkpoints a job can be restarted from, the
// latest one whose _metadata still exists, and the command that restarts the job from it.
//  - From the HA data (find_checkpoints_in_ha): the checkpoint pointers of the HA inventory
//    (ha_inventory.hpp), each pointer's completedCheckpoint file decoded
//    (completed_checkpoint.hpp) for the checkpoint id, the trigger time and the externalPointer
//    (the chk-<n> directory), then <externalPointer>/_metadata looked up and its header read
//    (checkpoint_metadata.hpp), through the storage of the pointer's own scheme.
//  - From the storage alone (find_checkpoints_in_storage), when the HA data is gone: the layout
//    Flink's FsCheckpointStorageAccess writes (AbstractFsCheckpointStorageAccess
//    .getCheckpointDirectoryForJob and createCheckpointDirectory, 1.20 and 2.3):
//    {execution.checkpointing.dir}/<job-id>/chk-<n>/_metadata (CHECKPOINT_DIR_PREFIX "chk-",
//    METADATA_FILE_NAME "_metadata"); a chk-<n> without _metadata is a checkpoint that never
//    completed (aborted, or still being written). Savepoints:
//    {execution.checkpointing.savepoint-dir}/savepoint-<first 6 hex of the job id>-<12 hex>/
//    _metadata (createSavepointDirectory), matched to a job by that prefix (the _metadata does not
//    name the job: every savepoint carries a note saying so, and one whose prefix matches several
//    listed jobs names them).
// Checking: every _metadata is looked up (stat) up front; its header is read only on the way to
// the restore point, newest first, stopping at the first usable entry (older ones stay "not
// checked"): HaStorage reads whole files, so memory stays bounded by one _metadata at a time. A
// check that could not decide (the storage unreachable, a refused or failed read, a _metadata too
// large to read for its header) is never fallen back past: there is then no restore point and the
// job says which path could not be checked and why (blocked). Only a definitive answer (no
// _metadata, not a valid _metadata, another checkpoint's) moves on to an older entry.
// Nothing is written and nothing is run: the restore command is text.

#include "config/flink_version.hpp"
#include "flink/ha_inventory.hpp"
#include "storage/storage.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::flink {

// Largest _metadata read to check its header (the header is 16 bytes; HaStorage reads whole
// files). A larger file exists but its header is not checked: not a verified restore point, and a
// check that could not decide (see above).
inline constexpr std::size_t kMaxMetadataReadBytes = 64 * 1024 * 1024;

// NonPersistentMetadataCheckpointStorageLocation.EXTERNAL_POINTER (1.20, 2.3): the externalPointer
// of a checkpoint taken without a checkpoint directory (JobManager-only metadata). Not a path.
inline constexpr std::string_view kNotExternallyAddressable =
    "<checkpoint-not-externally-addressable>";

enum class CheckpointSource { ha, storage };
std::string_view to_string(CheckpointSource source);

struct CheckpointEntry {
  std::int64_t checkpoint_id = 0;
  bool savepoint =
      false; // CheckpointProperties of a SavepointType, or found under the savepoint dir
  // HA: CompletedCheckpoint.timestamp (trigger time); storage: the _metadata file's mtime. 0 when
  // unknown. Milliseconds since the Unix epoch.
  std::int64_t timestamp_ms = 0;
  std::optional<std::int64_t> completion_timestamp_ms; // HA only
  // The directory to restore from (what `flink run -s` takes), a Flink Path string:
  // CompletedCheckpoint.externalPointer, or the chk-<n> / savepoint directory found.
  std::string external_pointer;
  std::string metadata_path; // external_pointer + "/_metadata"
  bool metadata_exists = false;
  std::optional<std::int64_t> metadata_size;
  std::optional<std::int32_t> metadata_version; // the MetadataSerializer version of its header
  // Why metadata_exists is false or the header does not fit (a storage error, a bad magic
  // number, another checkpoint id); "" when all is well. An entry with a problem here is not a
  // restore point.
  std::string metadata_error;
  bool aborted = false; // storage: chk-<n> without _metadata
  // Whether the _metadata header was read (lazily, see above): false for entries older than the
  // restore point or than a check that could not decide ("not checked").
  bool header_checked = false;
  // The check could not decide (its storage's category: unreachable, refused, failed, internal);
  // metadata_error says why. Never fallen back past.
  std::optional<ErrorCategory> check_failure;
  // Warnings that do not make the entry unusable: a metadata version newer than flinkha knows, a
  // savepoint matched to its job by the name prefix only.
  std::vector<std::string> notes;
  // HA only: the pointer znode and its completedCheckpoint file (relative to the cluster
  // storage dir), and why that file could not be read or decoded.
  std::string znode;
  std::string completed_checkpoint_file;
  std::string error;

  // A restore point: decoded, its _metadata there, its header read and as expected.
  bool usable() const {
    return error.empty() && metadata_exists && header_checked && metadata_error.empty() &&
           !check_failure;
  }
};

struct RestoreCommand {
  std::string command;    // "bin/flink run -s <pointer> <job-jar> [<arguments>]"
  std::string option_key; // execution.state-recovery.path (1.20+), execution.savepoint.path
  std::string option_value;
};

struct JobCheckpoints {
  std::string job_id;
  CheckpointSource source = CheckpointSource::ha;
  std::vector<CheckpointEntry> checkpoints; // newest (highest id) first
  std::vector<CheckpointEntry> savepoints;  // storage: newest first; HA: none (not in the store)
  // The restore point: the newest usable checkpoint, else the newest usable savepoint.
  std::optional<CheckpointEntry> latest;
  // The newest completed checkpoint is not usable (its _metadata is missing or unreadable) and
  // latest is an older one.
  bool fell_back = false;
  std::optional<RestoreCommand> restore;
  std::string note; // why there is nothing to restore from, or what was not looked at
  // Set when a check that could not decide stopped the search (the entry's check_failure): no
  // restore point although an older entry may be one; note names the path and why.
  std::optional<ErrorCategory> blocked;
};

struct CheckpointReport {
  CheckpointSource source = CheckpointSource::ha;
  std::vector<JobCheckpoints> jobs; // by job id; requested jobs in the order asked
  // Directories scanned (storage) or the cluster storage dir (HA), for the text output.
  std::vector<std::string> searched;
};

// Opens the storage whose base is the directory `uri` (a Flink Path string, e.g.
// "file:/data/checkpoints/<job>/chk-5", "hdfs://nn/…", "s3://bucket/…"): open_storage in the
// CLI, a fake in tests.
using StorageOpener =
    std::function<Result<std::unique_ptr<storage::HaStorage>>(std::string_view uri)>;

// The restore command for a pointer, per Flink version: `flink run -s` is the same option in
// every version (CliFrontendParser SAVEPOINT_PATH_OPTION); the configuration key is
// StateRecoveryOptions.SAVEPOINT_PATH "execution.state-recovery.path" from 1.20 (with the
// deprecated "execution.savepoint.path", SavepointConfigOptions before 1.20). The pointer is
// shell-quoted when it needs to be. Errors (failed): a pointer that cannot be quoted (control
// characters, a NUL byte).
Result<RestoreCommand> restore_command(std::string_view external_pointer,
                                       config::FlinkVersion version);

// Per job of the inventory (jobs with checkpoint pointers or a job graph), `job_ids` when not
// empty (a requested job without any is listed with a note). `cluster_storage` is the storage
// the inventory's pointer files are relative to (null: not readable, every entry has an error).
Result<CheckpointReport> find_checkpoints_in_ha(const HaInventory& inventory,
                                                storage::HaStorage* cluster_storage,
                                                const std::vector<std::string>& job_ids,
                                                const StorageOpener& open,
                                                config::FlinkVersion version);

struct StorageScanInput {
  std::string checkpoints_dir;      // execution.checkpointing.dir (Flink Path string); "" = none
  std::string savepoints_dir;       // execution.checkpointing.savepoint-dir; "" = none
  bool create_subdir = true;        // execution.checkpointing.create-subdir
  std::vector<std::string> job_ids; // empty: every <job-id> directory found
};

// The storage scan described above. Errors: no directory given (configuration, naming the keys),
// create_subdir false without exactly one job id (the directory then holds one job's chk-<n>
// and which job is not written anywhere), a storage that cannot be opened or listed (its own
// category: unreachable, refused, failed).
Result<CheckpointReport> find_checkpoints_in_storage(const StorageScanInput& input,
                                                     const StorageOpener& open,
                                                     config::FlinkVersion version);

// The number in a "chk-<n>" name (AbstractFsCheckpointStorageAccess.CHECKPOINT_DIR_PREFIX);
// nullopt for anything else.
std::optional<std::int64_t> checkpoint_dir_number(std::string_view name);

} // namespace flinkha::flink
