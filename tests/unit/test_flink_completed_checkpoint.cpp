// lib/flink/completed_checkpoint: completedCheckpoint files captured from real Flink 1.20.5 and
// 2.3.0 (tests/integration/capture_checkpoint_fixtures.py), checked against what the same
// JobManager's REST API (/jobs/<id>/checkpoints) reported for them (manifest.json).
#include "flink/completed_checkpoint.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

using namespace flinkha;
using flinkha::test::fixture;

namespace {

constexpr const char* kVersions[] = {"flink-1.20.5", "flink-2.3.0"};

nlohmann::json manifest(const std::string& version) {
  return nlohmann::json::parse(fixture("checkpoints/" + version + "/manifest.json"));
}

const nlohmann::json* rest_entry(const nlohmann::json& m, std::int64_t id) {
  for (const auto& h : m["rest_history"]) {
    if (h["id"].get<std::int64_t>() == id) {
      return &h;
    }
  }
  return nullptr;
}

} // namespace

TEST_CASE("completedCheckpoint files of real Flink decode to what REST reported") {
  for (const std::string version : kVersions) {
    CAPTURE(version);
    const auto m = manifest(version);
    REQUIRE(m["completed_checkpoint_files"].size() == 3); // execution.checkpointing.num-retained 3
    std::set<std::int64_t> ids;
    for (const auto& f : m["completed_checkpoint_files"]) {
      const std::string name = f["file"];
      CAPTURE(name);
      const auto bytes = fixture("checkpoints/" + version + "/" + name);
      auto info = flink::decode_completed_checkpoint(bytes);
      REQUIRE_MESSAGE(info.has_value(), info.error().message);
      CHECK(info->job_id == m["job_id"].get<std::string>());
      const auto* rest = rest_entry(m, info->checkpoint_id);
      REQUIRE(rest != nullptr);
      ids.insert(info->checkpoint_id);
      CHECK(info->timestamp_ms == (*rest)["trigger_timestamp"].get<std::int64_t>());
      CHECK(info->completion_timestamp_ms >= info->timestamp_ms);
      CHECK(info->external_pointer == (*rest)["external_path"].get<std::string>());
      CHECK(info->exclusive_checkpoint_dir == info->external_pointer);
      REQUIRE(info->metadata.has_value());
      CHECK(info->metadata->path == info->external_pointer + "/_metadata");
      for (const auto& meta : m["metadata_files"]) {
        if (meta["checkpoint"] == "chk-" + std::to_string(info->checkpoint_id)) {
          CHECK(info->metadata->state_size == meta["size"].get<std::int64_t>());
        }
      }
      REQUIRE(info->properties.has_value());
      CHECK_FALSE(info->properties->savepoint);
      CHECK(info->properties->snapshot_class ==
            "org.apache.flink.runtime.checkpoint.CheckpointType");
      CHECK(info->properties->snapshot_name == "Checkpoint");
      CHECK(info->properties->sharing_files_strategy == "FORWARD_BACKWARD");
      // RETAIN_ON_CANCELLATION: CheckpointProperties.forCheckpoint(RETAIN_ON_CANCELLATION)
      CHECK(info->properties->discard_subsumed);
      CHECK(info->properties->discard_finished);
      CHECK_FALSE(info->properties->discard_cancelled);
      CHECK_FALSE(info->properties->discard_failed);
      CHECK_FALSE(info->properties->discard_suspended);
      CHECK_FALSE(info->properties->forced);
    }
    CHECK(ids.size() == 3);
    CHECK(ids.count(m["rest_latest_completed"]["id"].get<std::int64_t>()) == 1);
  }
}

TEST_CASE("completedCheckpoint: damaged and foreign bytes are errors, never a crash") {
  const auto bytes = fixture("checkpoints/flink-1.20.5/completedCheckpoint000ab710fb70");
  for (std::size_t cut :
       {std::size_t{0}, std::size_t{2}, std::size_t{4}, bytes.size() / 3, bytes.size() - 1}) {
    CAPTURE(cut);
    CHECK_FALSE(flink::decode_completed_checkpoint(bytes.substr(0, cut)).has_value());
  }
  // A state-handle pointer is a valid Java stream of another class.
  auto other =
      flink::decode_completed_checkpoint(fixture("java/state_handle_real_flink-1.20.5.bin"));
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().message.find(
            "not a org.apache.flink.runtime.checkpoint.CompletedCheckpoint") != std::string::npos);
  // Every single-byte change decodes or fails, nothing else.
  for (std::size_t i = 0; i < bytes.size(); i += 7) {
    std::string damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
    (void)flink::decode_completed_checkpoint(damaged);
  }
}
