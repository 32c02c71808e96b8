#include "config/flink_version.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using flinkha::config::detect_flink_version;
using flinkha::config::FlinkVersion;
using flinkha::config::parse_flink_version;

TEST_CASE("flink_version: parse accepts release, patch and suffixed versions") {
  struct Case {
    std::string_view text;
    int major, minor, patch;
    std::string_view short_form, full_form;
  };
  const Case cases[] = {
      {"1.20", 1, 20, -1, "1.20", "1.20"},       {"1.20.5", 1, 20, 5, "1.20", "1.20.5"},
      {"2.0-SNAPSHOT", 2, 0, -1, "2.0", "2.0"},  {"2.1.0-rc1", 2, 1, 0, "2.1", "2.1.0"},
      {"1.0", 1, 0, -1, "1.0", "1.0"},           {"2.3.9", 2, 3, 9, "2.3", "2.3.9"},
      {" 1.14.6\n", 1, 14, 6, "1.14", "1.14.6"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto v = parse_flink_version(c.text);
    REQUIRE(v.has_value());
    CHECK(v->major == c.major);
    CHECK(v->minor == c.minor);
    CHECK(v->patch == c.patch);
    CHECK(v->to_string() == c.short_form);
    CHECK(v->full_string() == c.full_form);
  }
}

TEST_CASE("flink_version: parse rejects malformed and unsupported versions, naming the text") {
  struct Case {
    std::string_view text;
    std::string_view fragment;
  };
  const Case cases[] = {
      {"", "invalid Flink version ''"},
      {"1", "invalid Flink version '1'"},
      {"1.", "invalid Flink version '1.'"},
      {"1.x", "invalid Flink version '1.x'"},
      {"1.20.", "invalid Flink version '1.20.'"},
      {"1.20-", "invalid Flink version '1.20-'"},
      {"1.20 beta", "invalid Flink version '1.20 beta'"},
      {"v1.20", "invalid Flink version 'v1.20'"},
      {"1.99999", "invalid Flink version '1.99999'"},
      {"0.10", "unsupported Flink version '0.10': flinkha supports 1.0 to 2.3"},
      {"2.4", "unsupported Flink version '2.4'"},
      {"3.0.0", "unsupported Flink version '3.0.0'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto v = parse_flink_version(c.text);
    REQUIRE_FALSE(v.has_value());
    CHECK(v.error().message.find(c.fragment) != std::string::npos);
  }
}

TEST_CASE("flink_version: ordering ignores the patch level") {
  CHECK(FlinkVersion{1, 20, 5} == FlinkVersion{1, 20, -1});
  CHECK(FlinkVersion{1, 9} < FlinkVersion{1, 10});
  CHECK(FlinkVersion{1, 20} < FlinkVersion{2, 0});
}

TEST_CASE("flink_version: detect reads lib/flink-dist*.jar names") {
  struct Case {
    std::string_view jar;
    int major, minor, patch;
  };
  const Case cases[] = {
      {"flink-dist-1.20.5.jar", 1, 20, 5},
      {"flink-dist_2.12-1.14.6.jar", 1, 14, 6}, // the _2.12 Scala suffix is not the version
      {"flink-dist_2.11-1.9.0.jar", 1, 9, 0},
      {"flink-dist-2.0-SNAPSHOT.jar", 2, 0, -1},
      {"flink-dist-2.1.0.jar", 2, 1, 0},
  };
  for (const auto& c : cases) {
    CAPTURE(c.jar);
    flinkha::test::TempDir home;
    home.write("lib/flink-table.jar", "");
    home.write(std::string("lib/") + std::string(c.jar), "PK");
    const auto v = detect_flink_version(home.path());
    REQUIRE(v.has_value());
    CHECK(v->major == c.major);
    CHECK(v->minor == c.minor);
    CHECK(v->patch == c.patch);
  }
}

TEST_CASE("flink_version: detect gives nothing without a usable dist jar") {
  const std::string_view names[] = {"flink-dist.jar", "flink-dist_2.12.jar", "flink-dist-x.jar",
                                    "flink-dist-1.20.5.jar.bak", "flink-dist-9.9.jar"};
  for (const auto name : names) {
    CAPTURE(name);
    flinkha::test::TempDir home;
    home.write(std::string("lib/") + std::string(name), "");
    CHECK_FALSE(detect_flink_version(home.path()).has_value());
  }
  flinkha::test::TempDir empty;
  CHECK_FALSE(detect_flink_version(empty.path()).has_value());
  CHECK_FALSE(detect_flink_version(empty.path() / "missing").has_value());
}
