#include "flink/leader_info.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using flinkha::flink::decode_leader_information;
using flinkha::flink::format_java_uuid;

namespace {

std::string java_fixture(std::string_view name) {
  return flinkha::test::fixture("java/" + std::string(name));
}

struct Expected {
  std::string_view fixture;
  std::string address;
  std::string session_id;
};

} // namespace

TEST_CASE("leader_info: fixtures written by the JDK as Flink writes them") {
  const std::vector<Expected> cases = {
      {"leader_pekko_dispatcher.bin", "pekko.tcp://flink@127.0.0.1:6123/user/rpc/dispatcher_1",
       "c0a3e1f2-5b6d-4e7f-8a9b-0c1d2e3f4a5b"},
      {"leader_rest.bin", "http://localhost:8081", "ffffffff-ffff-ffff-ffff-fffffffffffe"},
      {"leader_akka_negative.bin", "akka.tcp://flink@10.0.0.7:6123/user/jobmanager_0",
       "80000000-0000-0000-8000-000000000001"},
      {"leader_non_ascii.bin", "pekko.tcp://flink@hôst-ü.example:6123/user/rpc/résumé_€_😀",
       "01234567-89ab-cdef-fedc-ba9876543210"},
      {"leader_empty_address.bin", "", "00000000-0000-0000-0000-000000000000"},
      {"leader_nul_char.bin", std::string("pekko.tcp://flink@a\0b:6123/user/rpc/x", 37),
       "00000000-0000-0001-0000-000000000002"},
      {"leader_long_address.bin", "http://" + std::string(3000, 'a') + ":8081",
       "11111111-1111-1111-2222-222222222222"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.fixture);
    const auto leader = decode_leader_information(java_fixture(c.fixture));
    REQUIRE_MESSAGE(leader.has_value(), (leader ? "" : leader.error().message));
    REQUIRE(leader->has_value());
    CHECK((*leader)->address == c.address);
    CHECK((*leader)->session_id == c.session_id);
  }
}

TEST_CASE("leader_info: an empty payload is no leader, not an error") {
  const auto empty = decode_leader_information(java_fixture("leader_empty.bin"));
  REQUIRE(empty.has_value());
  CHECK_FALSE(empty->has_value());
  const auto null_session = decode_leader_information(java_fixture("leader_null_session.bin"));
  REQUIRE(null_session.has_value());
  REQUIRE(null_session->has_value());
  CHECK((*null_session)->address == "http://localhost:8081");
  CHECK_FALSE((*null_session)->session_id.has_value());
}

TEST_CASE("leader_info: format_java_uuid matches java.util.UUID.toString") {
  CHECK(format_java_uuid(0, 0) == "00000000-0000-0000-0000-000000000000");
  CHECK(format_java_uuid(-1, -1) == "ffffffff-ffff-ffff-ffff-ffffffffffff");
  CHECK(format_java_uuid(INT64_MIN, 1) == "80000000-0000-0000-0000-000000000001");
  CHECK(format_java_uuid(0x0123456789abcdefLL, static_cast<std::int64_t>(0xfedcba9876543210ULL)) ==
        "01234567-89ab-cdef-fedc-ba9876543210");
}

TEST_CASE("leader_info: other streams and damaged bytes are errors") {
  const auto pointer = decode_leader_information(java_fixture("state_handle_file.bin"));
  REQUIRE_FALSE(pointer.has_value());
  CHECK(pointer.error().message.find("does not start with the address") != std::string::npos);

  const std::string bytes = java_fixture("leader_pekko_dispatcher.bin");
  for (std::size_t size = 1; size < bytes.size(); ++size) {
    CAPTURE(size);
    const auto leader = decode_leader_information(std::string_view(bytes).substr(0, size));
    REQUIRE_FALSE(leader.has_value());
    CHECK(leader.error().message.starts_with("leader information: "));
  }
  // The UTF length claims one byte more than the block holds.
  std::string longer = bytes;
  longer[7] = static_cast<char>(longer[7] + 1);
  const auto mismatch = decode_leader_information(longer);
  REQUIRE_FALSE(mismatch.has_value());
  CHECK(mismatch.error().message.find("the address is") != std::string::npos);
}
