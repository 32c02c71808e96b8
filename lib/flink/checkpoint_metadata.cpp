#include "flink/checkpoint_metadata.hpp"

#include <fmt/format.h>

namespace flinkha::flink {

namespace {

std::uint64_t big_endian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (const char byte : bytes) {
    value = (value << 8) | static_cast<unsigned char>(byte);
  }
  return value;
}

} // namespace

Result<CheckpointMetadataHeader> decode_checkpoint_metadata_header(std::string_view bytes) {
  if (bytes.size() < kCheckpointMetadataHeaderBytes) {
    return failf(ErrorCategory::failed,
                 "_metadata: {} bytes, fewer than the {} of its header (magic number, version, "
                 "checkpoint id): a truncated file",
                 bytes.size(), kCheckpointMetadataHeaderBytes);
  }
  const auto magic = static_cast<std::uint32_t>(big_endian(bytes.substr(0, 4)));
  if (magic != kCheckpointMetadataMagic) {
    return failf(ErrorCategory::failed,
                 "_metadata: magic number 0x{:08x}, not Flink's 0x{:08x} "
                 "(Checkpoints.HEADER_MAGIC_NUMBER): not a checkpoint or savepoint _metadata file",
                 magic, kCheckpointMetadataMagic);
  }
  CheckpointMetadataHeader header;
  header.version = static_cast<std::int32_t>(big_endian(bytes.substr(4, 4)));
  if (header.version == 1) {
    return fail(ErrorCategory::failed,
                "_metadata: version 1 (Flink 1.1 / 1.2), which Flink 1.20 and 2.x no longer load");
  }
  if (header.version < 1 || header.version > kMaxPlausibleMetadataVersion) {
    return failf(ErrorCategory::failed,
                 "_metadata: impossible metadata version {} (Flink 1.20 writes 4, 2.3 writes 6): "
                 "a damaged file",
                 header.version);
  }
  header.newer_than_known = header.version > kNewestMetadataVersion;
  header.checkpoint_id = static_cast<std::int64_t>(big_endian(bytes.substr(8, 8)));
  if (header.checkpoint_id < 0) {
    return failf(ErrorCategory::failed, "_metadata: negative checkpoint id {}",
                 header.checkpoint_id);
  }
  return header;
}

} // namespace flinkha::flink
