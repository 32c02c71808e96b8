#pragma once
// A completedCheckpoint<12 hex> file of {storageDir}/{cluster-id}: what a checkpoint pointer
// znode points to (reference flink-ha-format.md §2.2, §4.1). Flink writes it with
// FileSystemStateStorageHelper.store → InstantiationUtil.serializeObject: one Java-serialized
// org.apache.flink.runtime.checkpoint.CompletedCheckpoint (DefaultCompletedCheckpointStore
// .addCheckpointAndSubsumeOldestOne through ZooKeeperStateHandleStore.addAndLock). The fields
// read here are the same in Flink 1.20.5 and 2.3.0 (javap of both flink-dist jars):
//   CompletedCheckpoint   job (JobID), checkpointID, timestamp, completionTimestamp (long, ms),
//                         props (CheckpointProperties), storageLocation
//                         (CompletedCheckpointStorageLocation), metadataHandle
//                         (StreamStateHandle), externalPointer (String)
//   JobID / AbstractID    upperPart, lowerPart (long); JobID.toString is the hex of
//                         AbstractID.getBytes(): lowerPart then upperPart, big-endian
//   CheckpointProperties  checkpointType (SnapshotType), forced, discardSubsumed,
//                         discardFinished, discardCancelled, discardFailed, discardSuspended,
//                         unclaimed (boolean)
//   CheckpointType        name ("Checkpoint", "Full Checkpoint"), sharingFilesStrategy (enum)
//   SavepointType         name, postCheckpointAction (enum), formatType (SavepointFormatType
//                         enum: CANONICAL, NATIVE)
//   FsCompletedCheckpointStorageLocation  exclusiveCheckpointDir (Path), metadataFileHandle
//                         (FileStateHandle), externalPointer
// The operator states are in the stream too; they are parsed (the reader models the whole
// stream, bounded by java_serial.hpp's limits) but not interpreted.

#include "flink/state_handle.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flinkha::flink {

// Largest completedCheckpoint file read (the Java reader's own limit). Flink keeps state that
// fits state.storage.fs.memory-threshold inline in it, so it can be larger than a job graph.
inline constexpr std::size_t kMaxCompletedCheckpointBytes = kJavaMaxStreamBytes;

struct CheckpointPropertiesInfo {
  // The SnapshotType's class: "org.apache.flink.runtime.checkpoint.CheckpointType" or
  // "org.apache.flink.runtime.checkpoint.SavepointType".
  std::string snapshot_class;
  std::string snapshot_name; // SnapshotType.name: "Checkpoint", "Full Checkpoint", "Savepoint", …
  bool savepoint = false;    // a SavepointType
  std::string savepoint_format; // SavepointType.formatType: "CANONICAL" / "NATIVE"; "" otherwise
  std::string sharing_files_strategy; // CheckpointType.sharingFilesStrategy; "" otherwise
  bool forced = false;
  bool discard_subsumed = false;
  bool discard_finished = false;
  bool discard_cancelled = false; // false: retained on cancellation (RETAIN_ON_CANCELLATION)
  bool discard_failed = false;
  bool discard_suspended = false;
  bool unclaimed = false;
};

struct CompletedCheckpointInfo {
  std::string job_id; // 32 lower-case hex characters (JobID.toString)
  std::int64_t checkpoint_id = 0;
  std::int64_t timestamp_ms = 0;            // trigger time, ms since the Unix epoch
  std::int64_t completion_timestamp_ms = 0; // completionTimestamp
  // externalPointer: the checkpoint's directory as a Flink Path string, e.g.
  // "file:/data/checkpoints/<job-id>/chk-42" (what `flink run -s` takes); "" when null.
  std::string external_pointer;
  // metadataHandle: the _metadata file (a FileStateHandle: path and size); nullopt when null or
  // not a file handle.
  std::optional<StateHandlePointer> metadata;
  // storageLocation.exclusiveCheckpointDir (FsCompletedCheckpointStorageLocation); "" when the
  // location is of another kind or null.
  std::string exclusive_checkpoint_dir;
  std::optional<CheckpointPropertiesInfo> properties; // nullopt when props is null
};

// Decodes a completedCheckpoint file. Errors name what is missing or of the wrong kind
// ("completedCheckpoint: the stream holds a java.util.UUID, not a …CompletedCheckpoint"); the
// caller adds the file's path.
Result<CompletedCheckpointInfo> decode_completed_checkpoint(std::string_view bytes);

} // namespace flinkha::flink
