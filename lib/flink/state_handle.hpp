#pragma once
// What Flink stores in the per-job HA znodes (reference flink-ha-format.md §2.2, §2.4):
//  - state-handle pointers in jobgraphs / execution-plans / checkpoints nodes:
//    InstantiationUtil.serializeObject(handle). 1.2+: RetrievableStreamStateHandle wrapping a
//    FileStateHandle(Path filePath, long stateSize), from FileSystemStateStorageHelper.store();
//    1.0–1.1: FileSerializableStateHandle (extends AbstractFileStateHandle, filePath, no size);
//  - the checkpoint ID counter: Curator SharedCount, a 4-byte big-endian int.

#include "flink/java_serial.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::flink {

struct StateHandlePointer {
  // The file in high-availability.storageDir: the java.net.URI string of the handle's
  // org.apache.flink.core.fs.Path (as Flink wrote it, e.g. "file:///…" or "hdfs://nn:8020/…").
  std::string path;
  // FileStateHandle.stateSize (the file length) when the handle has one (1.2+).
  std::optional<std::int64_t> state_size;
  // Classes from the outermost handle to the one holding filePath, e.g.
  // {"org.apache.flink.runtime.state.RetrievableStreamStateHandle",
  //  "org.apache.flink.runtime.state.filesystem.FileStateHandle"}.
  std::vector<std::string> handle_classes;
};

// Decodes a pointer znode by walking the object graph by field name: wrappers through
// `wrappedStreamStateHandle`, the file handle by `filePath` (and `stateSize`), then
// Path.uri → URI.string. Subclasses of the known handles are accepted as long as the fields are.
Result<StateHandlePointer> decode_state_handle_pointer(std::string_view bytes);

// The same walk on an object of an already parsed stream (a handle held in a field of a larger
// object, e.g. CompletedCheckpoint.metadataHandle).
Result<StateHandlePointer> state_handle_pointer_of(const JavaStream& stream,
                                                   const JavaValue& handle);

// The java.net.URI string of an org.apache.flink.core.fs.Path object (Path.uri → URI.string);
// `holder` names the class whose field holds it, for messages.
Result<std::string> flink_path_uri(const JavaStream& stream, const JavaValue& path,
                                   std::string_view holder);

// The checkpoint ID counter znode: the next checkpoint ID to hand out.
Result<std::int32_t> decode_checkpoint_counter(std::string_view bytes);

} // namespace flinkha::flink
