#include "util/duration.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <doctest/doctest.h>

#include <string>

using flinkha::util::append_utf8;
using flinkha::util::parse_duration_ms;

TEST_CASE("duration: Flink's TimeUtils grammar, for config options and --min-age alike") {
  CHECK(parse_duration_ms("90s") == 90'000);
  CHECK(parse_duration_ms("30m") == 1'800'000);
  CHECK(parse_duration_ms("30 min") == 1'800'000);
  CHECK(parse_duration_ms("1h") == 3'600'000);
  CHECK(parse_duration_ms("2d") == 172'800'000);
  CHECK(parse_duration_ms("2 DAYS") == 172'800'000);
  CHECK(parse_duration_ms("0s") == 0);
  CHECK(parse_duration_ms("1500") == 1'500); // no unit: milliseconds, as Flink reads it
  CHECK(parse_duration_ms("1500 us") == 1);
  CHECK(parse_duration_ms("1500 µs") == 1);
  CHECK(parse_duration_ms("10 ns") == 0);
  CHECK_FALSE(parse_duration_ms("-1s").has_value());
  CHECK_FALSE(parse_duration_ms("1h30m").has_value()); // TimeUtils has no compound durations
  CHECK_FALSE(parse_duration_ms("1 week").has_value());
}

TEST_CASE("utf8: append_utf8 writes 1 to 4 bytes") {
  std::string out;
  append_utf8(out, U'A');
  append_utf8(out, U'\u00e9');
  append_utf8(out, U'\u20ac');
  append_utf8(out, U'\U0001F600');
  CHECK(out == "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

TEST_CASE("flink_path: the one splitter and the one component guard") {
  using flinkha::util::parse_flink_path;
  using flinkha::util::unsafe_component;
  const auto hdfs = parse_flink_path("hdfs://nn:8020//flink/ha/");
  CHECK(hdfs.scheme == "hdfs");
  CHECK(hdfs.authority == "nn:8020");
  CHECK(hdfs.path == "/flink/ha");
  const auto file = parse_flink_path("file:///x//y");
  CHECK(file.scheme == "file");
  CHECK(file.authority.empty());
  CHECK(file.path == "/x/y");
  CHECK(parse_flink_path("/a:b").scheme.empty());       // the ':' after the first '/' is no scheme
  CHECK(parse_flink_path("file://").authority.empty()); // "//" alone is no authority

  CHECK_FALSE(unsafe_component("").has_value());
  CHECK_FALSE(unsafe_component("a/b.c/..d").has_value());
  CHECK(unsafe_component("a/../b") == "..");
  CHECK(unsafe_component("./a") == ".");
  CHECK(unsafe_component("a//b") == "");
  CHECK(unsafe_component("a/b\x01") == "b\x01");
  CHECK(unsafe_component(std::string_view("a\0b", 3)).has_value());
}

TEST_CASE("util: trim_slashes as ZooKeeperUtils.trimSlashes, without_trailing_slashes keeps /") {
  CHECK(flinkha::util::trim_slashes("/a/b/") == "a/b");
  CHECK(flinkha::util::trim_slashes("//") == "");
  CHECK(flinkha::util::trim_slashes("a") == "a");
  CHECK(flinkha::util::without_trailing_slashes("/a/b//") == "/a/b");
  CHECK(flinkha::util::without_trailing_slashes("/") == "/");
  CHECK(flinkha::util::without_trailing_slashes("///") == "/");
}

TEST_CASE("utf8: invalid_utf8_at follows RFC 3629") {
  using flinkha::util::invalid_utf8_at;
  CHECK_FALSE(invalid_utf8_at(""));
  CHECK_FALSE(invalid_utf8_at("plain"));
  CHECK_FALSE(invalid_utf8_at("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
  CHECK(invalid_utf8_at("ab\xff") == 2);           // never a UTF-8 byte
  CHECK(invalid_utf8_at("a\x80") == 1);            // a lone continuation byte
  CHECK(invalid_utf8_at("a\xc3") == 1);            // cut short
  CHECK(invalid_utf8_at("\xc0\xaf") == 0);         // overlong '/'
  CHECK(invalid_utf8_at("\xe0\x80\xaf") == 0);     // overlong '/'
  CHECK(invalid_utf8_at("\xed\xa0\x80") == 0);     // a surrogate, U+D800
  CHECK(invalid_utf8_at("\xf4\x90\x80\x80") == 0); // above U+10FFFF
  CHECK(invalid_utf8_at("ok\xe2\x82x") == 2);      // bad third byte
}

TEST_CASE("file_system_kind: the schemes flinkha reaches, case-insensitively") {
  using flinkha::util::file_system_kind;
  using flinkha::util::FileSystemKind;
  CHECK(file_system_kind("") == FileSystemKind::local);
  CHECK(file_system_kind("file") == FileSystemKind::local);
  CHECK(file_system_kind("FILE") == FileSystemKind::local);
  CHECK(file_system_kind("hdfs") == FileSystemKind::hdfs);
  CHECK(file_system_kind("webhdfs") == FileSystemKind::hdfs);
  CHECK(file_system_kind("SWebHdfs") == FileSystemKind::hdfs);
  CHECK(file_system_kind("s3") == FileSystemKind::s3);
  CHECK(file_system_kind("S3A") == FileSystemKind::s3);
  CHECK(file_system_kind("s3p") == FileSystemKind::s3);
  CHECK(file_system_kind("s3n") == FileSystemKind::other);
  CHECK(file_system_kind("gs") == FileSystemKind::other);
  CHECK(file_system_kind("oss") == FileSystemKind::other);
}

TEST_CASE("duration: describe_duration_ms words an age coarsely, whole units truncated") {
  using flinkha::util::describe_duration_ms;
  CHECK(describe_duration_ms(-5) == "0 s");
  CHECK(describe_duration_ms(119'999) == "119 s");
  CHECK(describe_duration_ms(120'000) == "2 min");
  CHECK(describe_duration_ms(2 * 3'600'000 - 1) == "119 min");
  CHECK(describe_duration_ms(5 * 3'600'000) == "5 h");
  CHECK(describe_duration_ms(2 * 86'400'000) == "2 days");
}
