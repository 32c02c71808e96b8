#pragma once
// The header of a checkpoint's or savepoint's _metadata file, as Flink's
// Checkpoints.storeCheckpointMetadata writes it (1.20 and 2.3, read back by
// Checkpoints.loadCheckpointMetadata): DataOutputStream.writeInt(HEADER_MAGIC_NUMBER 0x4960672d),
// writeInt(serializer version), then MetadataSerializer.serialize, which for versions 2 to 6
// (MetadataV2V3SerializerBase.serializeMetadata) starts with writeLong(checkpointId). All
// big-endian. Flink 1.20 writes version 4 (MetadataV4Serializer) and reads 1-4; Flink 2.3 writes
// version 6 (MetadataV6Serializer) and reads 1-6 (MetadataSerializers); version 1 (Flink 1.1 /
// 1.2) is no longer loadable by either ("This savepoint / checkpoint version (Flink 1.1 / 1.2) is
// no longer supported"). apache/flink main adds MetadataV7Serializer, with the same magic, version
// and checkpointId at the start: a version newer than kNewestMetadataVersion is read the same way
// (newer_than_known), up to kMaxPlausibleMetadataVersion; above that it is not a header.

#include "util/result.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace flinkha::flink {

inline constexpr std::uint32_t kCheckpointMetadataMagic =
    0x4960672d;                                           // Checkpoints.HEADER_MAGIC_NUMBER
inline constexpr std::int32_t kNewestMetadataVersion = 6; // MetadataV6Serializer (2.x)
// Above this a version is not one Flink will write any time soon: a damaged or foreign file.
inline constexpr std::int32_t kMaxPlausibleMetadataVersion = 100;
// Bytes of the header decoded here: magic, version, checkpoint id.
inline constexpr std::size_t kCheckpointMetadataHeaderBytes = 16;

struct CheckpointMetadataHeader {
  std::int32_t version = 0; // the MetadataSerializer version
  std::int64_t checkpoint_id = 0;
  // version > kNewestMetadataVersion: read as magic, version, checkpoint id like the known ones.
  bool newer_than_known = false;
};

// Decodes the first kCheckpointMetadataHeaderBytes of a _metadata file (more bytes are ignored).
// Errors: fewer bytes, a wrong magic number (not a _metadata file, or Flink 1.0's format), version
// 1 (Flink 1.1/1.2, no checkpoint id at that place), a version below 1 or above
// kMaxPlausibleMetadataVersion, a negative checkpoint id. All errors are ErrorCategory::failed (the
// file is there and is not a usable _metadata).
Result<CheckpointMetadataHeader> decode_checkpoint_metadata_header(std::string_view bytes);

} // namespace flinkha::flink
