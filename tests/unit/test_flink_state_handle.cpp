#include "flink/state_handle.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using flinkha::flink::decode_checkpoint_counter;
using flinkha::flink::decode_state_handle_pointer;

namespace {

std::string java_fixture(std::string_view name) {
  return flinkha::test::fixture("java/" + std::string(name));
}

const std::vector<std::string> kRetrievable = {
    "org.apache.flink.runtime.state.RetrievableStreamStateHandle",
    "org.apache.flink.runtime.state.filesystem.FileStateHandle"};

} // namespace

TEST_CASE("state_handle: 1.2+ pointers (RetrievableStreamStateHandle → FileStateHandle)") {
  struct Case {
    std::string_view fixture;
    std::string path;
    std::int64_t size;
  };
  const std::vector<Case> cases = {
      {"state_handle_file.bin", "file:///tmp/flink/ha/default/completedCheckpoint3fa0c1b2d4e5",
       1234},
      {"state_handle_hdfs.bin", "hdfs://nn:8020/flink/ha/default/submittedJobGraph7e4a0b1c2d3f",
       98765432109},
      {"state_handle_non_ascii.bin", "file:///tmp/flink/ha/défaut/completedCheckpoint0a1b2c3d4e5f",
       0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.fixture);
    const auto pointer = decode_state_handle_pointer(java_fixture(c.fixture));
    REQUIRE_MESSAGE(pointer.has_value(), (pointer ? "" : pointer.error().message));
    CHECK(pointer->path == c.path);
    CHECK(pointer->state_size == c.size);
    CHECK(pointer->handle_classes == kRetrievable);
  }
}

TEST_CASE("state_handle: pointers written by the real Flink classes") {
  // RealFlinkFixture.java with flink-dist on the classpath; the stubs write the same bytes.
  for (const std::string version : {"1.20.5", "2.3.0"}) {
    CAPTURE(version);
    const std::string real = java_fixture("state_handle_real_flink-" + version + ".bin");
    CHECK(real == java_fixture("state_handle_file.bin"));
    const auto pointer = decode_state_handle_pointer(real);
    REQUIRE(pointer.has_value());
    CHECK(pointer->path == "file:///tmp/flink/ha/default/completedCheckpoint3fa0c1b2d4e5");
    CHECK(pointer->state_size == 1234);
    CHECK(pointer->handle_classes == kRetrievable);
  }
}

TEST_CASE("state_handle: 1.0-1.1 FileSerializableStateHandle has no size") {
  const auto pointer = decode_state_handle_pointer(java_fixture("state_handle_legacy_1_1.bin"));
  REQUIRE_MESSAGE(pointer.has_value(), (pointer ? "" : pointer.error().message));
  CHECK(pointer->path == "file:///tmp/flink/recovery/completedCheckpoint9a8b7c6d5e4f");
  CHECK_FALSE(pointer->state_size.has_value());
  CHECK(pointer->handle_classes ==
        std::vector<std::string>{
            "org.apache.flink.runtime.state.filesystem.FileSerializableStateHandle"});
}

TEST_CASE("state_handle: other streams and damaged bytes are errors") {
  const auto leader = decode_state_handle_pointer(java_fixture("leader_rest.bin"));
  REQUIRE_FALSE(leader.has_value());
  CHECK(leader.error().message.find("does not start with an object") != std::string::npos);

  const auto other = decode_state_handle_pointer(java_fixture("java_primitives.bin"));
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().message.find("neither a filePath nor a wrappedStreamStateHandle") !=
        std::string::npos);

  CHECK_FALSE(decode_state_handle_pointer("").has_value());

  const std::string bytes = java_fixture("state_handle_hdfs.bin");
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    CAPTURE(size);
    const auto pointer = decode_state_handle_pointer(std::string_view(bytes).substr(0, size));
    REQUIRE_FALSE(pointer.has_value());
    CHECK(pointer.error().message.starts_with("state handle pointer: "));
  }
  // A Path class renamed: the walk checks class names, not byte positions.
  std::string renamed = java_fixture("state_handle_file.bin");
  const auto at = renamed.find("org.apache.flink.core.fs.Path");
  REQUIRE(at != std::string::npos);
  renamed[at + 25] = 'X';
  const auto wrong = decode_state_handle_pointer(renamed);
  REQUIRE_FALSE(wrong.has_value());
  CHECK(wrong.error().message.find("not a org.apache.flink.core.fs.Path") != std::string::npos);
}

TEST_CASE("state_handle: checkpoint counter (Curator SharedCount)") {
  CHECK(decode_checkpoint_counter(std::string("\0\0\0\x01", 4)) == 1);
  CHECK(decode_checkpoint_counter(std::string("\x7f\xff\xff\xff", 4)) == INT32_MAX);
  CHECK(decode_checkpoint_counter(std::string("\xff\xff\xff\xfe", 4)) == -2);
  CHECK(decode_checkpoint_counter(std::string("\x00\x01\x00\x00", 4)) == 65536);
  CHECK_FALSE(decode_checkpoint_counter("").has_value());
  CHECK_FALSE(decode_checkpoint_counter(std::string("\0\0\0\0\0", 5)).has_value());
}
