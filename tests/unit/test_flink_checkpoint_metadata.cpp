// lib/flink/checkpoint_metadata: _metadata headers captured from real Flink 1.20.5 (version 4)
// and 2.3.0 (version 6), checkpoints and a savepoint (capture_checkpoint_fixtures.py).
#include "flink/checkpoint_metadata.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace flinkha;
using flinkha::test::fixture;

TEST_CASE("_metadata headers of real Flink: magic, serializer version, checkpoint id") {
  struct Case {
    std::string version;
    std::int32_t serializer;
  };
  for (const auto& c : {Case{"flink-1.20.5", 4}, Case{"flink-2.3.0", 6}}) {
    CAPTURE(c.version);
    const auto m = nlohmann::json::parse(fixture("checkpoints/" + c.version + "/manifest.json"));
    REQUIRE(m["metadata_files"].size() >= 1);
    for (const auto& f : m["metadata_files"]) {
      const std::string name = f["file"];
      CAPTURE(name);
      auto header = flink::decode_checkpoint_metadata_header(
          fixture("checkpoints/" + c.version + "/" + name));
      REQUIRE_MESSAGE(header.has_value(), header.error().message);
      CHECK(header->version == c.serializer);
      CHECK("chk-" + std::to_string(header->checkpoint_id) == f["checkpoint"].get<std::string>());
    }
    auto savepoint = flink::decode_checkpoint_metadata_header(
        fixture("checkpoints/" + c.version + "/savepoint_metadata"));
    REQUIRE(savepoint.has_value());
    CHECK(savepoint->version == c.serializer);
    CHECK(savepoint->checkpoint_id == m["savepoint_id"].get<std::int64_t>());
  }
}

TEST_CASE("_metadata header errors") {
  const auto real = fixture("checkpoints/flink-1.20.5/chk-13_metadata");
  SUBCASE("truncated") {
    auto h = flink::decode_checkpoint_metadata_header(real.substr(0, 15));
    REQUIRE_FALSE(h.has_value());
    CHECK(h.error().message.find("truncated") != std::string::npos);
  }
  SUBCASE("another magic number") {
    std::string bytes = real;
    bytes[0] = '\xac';
    auto h = flink::decode_checkpoint_metadata_header(bytes);
    REQUIRE_FALSE(h.has_value());
    CHECK(h.error().message.find("0xac60672d") != std::string::npos);
  }
  SUBCASE("version 1, 0, negative and absurd versions") {
    for (char v : {'\x01', '\x00', '\x7f'}) {
      std::string bytes = real;
      bytes[7] = v;
      CHECK_FALSE(flink::decode_checkpoint_metadata_header(bytes).has_value());
    }
    std::string negative = real;
    negative[4] = '\xff';
    CHECK_FALSE(flink::decode_checkpoint_metadata_header(negative).has_value());
  }
  SUBCASE("a version newer than known (MetadataV7Serializer, apache/flink main) is read") {
    std::string bytes = real;
    bytes[7] = '\x07';
    auto h = flink::decode_checkpoint_metadata_header(bytes);
    REQUIRE(h.has_value());
    CHECK(h->version == 7);
    CHECK(h->newer_than_known);
    CHECK(h->checkpoint_id == 13);
    bytes[7] = '\x06';
    CHECK_FALSE(flink::decode_checkpoint_metadata_header(bytes)->newer_than_known);
  }
  SUBCASE("negative checkpoint id") {
    std::string bytes = real;
    bytes[8] = '\x80';
    CHECK_FALSE(flink::decode_checkpoint_metadata_header(bytes).has_value());
  }
  SUBCASE("only the first 16 bytes matter") {
    auto h = flink::decode_checkpoint_metadata_header(real.substr(0, 16));
    REQUIRE(h.has_value());
    CHECK(h->checkpoint_id == 13);
  }
}
