#include "flink/completed_checkpoint.hpp"

#include "flink/java_serial.hpp"

#include <fmt/format.h>

namespace flinkha::flink {

namespace {

constexpr std::string_view kCompletedCheckpointClass =
    "org.apache.flink.runtime.checkpoint.CompletedCheckpoint";
constexpr std::string_view kSavepointTypeClass =
    "org.apache.flink.runtime.checkpoint.SavepointType";

std::optional<std::int64_t> long_field(const JavaStream& stream, const JavaObject& object,
                                       std::string_view name) {
  const auto value = stream.field(object, name);
  if (!value) {
    return std::nullopt;
  }
  if (const auto* v = std::get_if<std::int64_t>(&*value)) {
    return *v;
  }
  return std::nullopt;
}

bool bool_field(const JavaStream& stream, const JavaObject& object, std::string_view name) {
  const auto value = stream.field(object, name);
  const auto* v = value ? std::get_if<bool>(&*value) : nullptr;
  return v != nullptr && *v;
}

std::string string_field(const JavaStream& stream, const JavaObject& object,
                         std::string_view name) {
  const auto value = stream.field(object, name);
  const std::string* text = value ? stream.string(*value) : nullptr;
  return text != nullptr ? *text : std::string();
}

std::string enum_field(const JavaStream& stream, const JavaObject& object, std::string_view name) {
  const auto value = stream.field(object, name);
  const JavaEnum* constant = value ? stream.get<JavaEnum>(*value) : nullptr;
  return constant != nullptr ? constant->constant : std::string();
}

// JobID.toString (AbstractID.toString): lower-case hex of lowerPart then upperPart, big-endian.
Result<std::string> job_id_of(const JavaStream& stream, const JavaObject& checkpoint) {
  const auto value = stream.field(checkpoint, "job");
  const JavaObject* id = value ? stream.object(*value) : nullptr;
  if (id == nullptr) {
    return fail("completedCheckpoint: CompletedCheckpoint.job is not a JobID object");
  }
  // AbstractID's fields (JobID declares none of its own).
  const auto upper_long = long_field(stream, *id, "upperPart");
  const auto lower_long = long_field(stream, *id, "lowerPart");
  if (!upper_long || !lower_long) {
    return failf("completedCheckpoint: CompletedCheckpoint.job ({}) has no "
                 "AbstractID.upperPart/lowerPart",
                 stream.class_name(*id));
  }
  // AbstractID.toString → toHexString of getBytes(): lowerPart's 8 bytes first, then upperPart's.
  return fmt::format("{:016x}{:016x}", static_cast<std::uint64_t>(*lower_long),
                     static_cast<std::uint64_t>(*upper_long));
}

CheckpointPropertiesInfo properties_of(const JavaStream& stream, const JavaObject& props) {
  CheckpointPropertiesInfo info;
  info.forced = bool_field(stream, props, "forced");
  info.discard_subsumed = bool_field(stream, props, "discardSubsumed");
  info.discard_finished = bool_field(stream, props, "discardFinished");
  info.discard_cancelled = bool_field(stream, props, "discardCancelled");
  info.discard_failed = bool_field(stream, props, "discardFailed");
  info.discard_suspended = bool_field(stream, props, "discardSuspended");
  info.unclaimed = bool_field(stream, props, "unclaimed");
  const auto type_value = stream.field(props, "checkpointType");
  if (const JavaObject* type = type_value ? stream.object(*type_value) : nullptr) {
    info.snapshot_class = std::string(stream.class_name(*type));
    info.snapshot_name = string_field(stream, *type, "name");
    info.savepoint = info.snapshot_class == kSavepointTypeClass;
    if (info.savepoint) {
      info.savepoint_format = enum_field(stream, *type, "formatType");
    } else {
      info.sharing_files_strategy = enum_field(stream, *type, "sharingFilesStrategy");
    }
  }
  return info;
}

} // namespace

Result<CompletedCheckpointInfo> decode_completed_checkpoint(std::string_view bytes) {
  auto parsed = parse_java_stream(bytes);
  if (!parsed) {
    return fail("completedCheckpoint: " + parsed.error().message);
  }
  const JavaStream& stream = *parsed;
  const JavaObject* checkpoint =
      stream.contents.empty() ? nullptr : stream.object(stream.contents.front());
  if (checkpoint == nullptr) {
    return fail("completedCheckpoint: the stream does not start with an object");
  }
  if (stream.class_name(*checkpoint) != kCompletedCheckpointClass) {
    return failf("completedCheckpoint: the stream holds a {}, not a {}",
                 stream.class_name(*checkpoint), kCompletedCheckpointClass);
  }
  CompletedCheckpointInfo info;
  auto job = job_id_of(stream, *checkpoint);
  if (!job) {
    return std::unexpected(job.error());
  }
  info.job_id = std::move(*job);
  const auto id = long_field(stream, *checkpoint, "checkpointID");
  const auto timestamp = long_field(stream, *checkpoint, "timestamp");
  if (!id || !timestamp) {
    return fail("completedCheckpoint: CompletedCheckpoint without its long checkpointID and "
                "timestamp fields");
  }
  info.checkpoint_id = *id;
  info.timestamp_ms = *timestamp;
  info.completion_timestamp_ms =
      long_field(stream, *checkpoint, "completionTimestamp").value_or(*timestamp);
  info.external_pointer = string_field(stream, *checkpoint, "externalPointer");
  if (const auto handle = stream.field(*checkpoint, "metadataHandle");
      handle && stream.object(*handle) != nullptr) {
    if (auto metadata = state_handle_pointer_of(stream, *handle)) {
      info.metadata = std::move(*metadata);
    }
  }
  if (const auto location = stream.field(*checkpoint, "storageLocation")) {
    if (const JavaObject* object = stream.object(*location)) {
      if (const auto dir = stream.field(*object, "exclusiveCheckpointDir");
          dir && stream.object(*dir) != nullptr) {
        if (auto path = flink_path_uri(stream, *dir, stream.class_name(*object))) {
          info.exclusive_checkpoint_dir = std::move(*path);
        }
      }
    }
  }
  if (const auto props = stream.field(*checkpoint, "props")) {
    if (const JavaObject* object = stream.object(*props)) {
      info.properties = properties_of(stream, *object);
    }
  }
  return info;
}

} // namespace flinkha::flink
