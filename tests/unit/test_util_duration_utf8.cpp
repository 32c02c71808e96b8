#include "util/duration.hpp"
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
