#include "util/duration.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace flinkha::util {

namespace {

// TimeUtils.TimeUnit labels, as Flink spells them.
struct Unit {
  std::string_view label;
  double ms;
};
constexpr Unit kUnits[] = {
    {"d", 86'400'000.0},
    {"day", 86'400'000.0},
    {"days", 86'400'000.0},
    {"h", 3'600'000.0},
    {"hour", 3'600'000.0},
    {"hours", 3'600'000.0},
    {"min", 60'000.0},
    {"m", 60'000.0},
    {"minute", 60'000.0},
    {"minutes", 60'000.0},
    {"s", 1'000.0},
    {"sec", 1'000.0},
    {"secs", 1'000.0},
    {"second", 1'000.0},
    {"seconds", 1'000.0},
    {"ms", 1.0},
    {"milli", 1.0},
    {"millis", 1.0},
    {"millisecond", 1.0},
    {"milliseconds", 1.0},
    {"us", 0.001},
    {"µs", 0.001},
    {"micro", 0.001},
    {"micros", 0.001},
    {"microsecond", 0.001},
    {"microseconds", 0.001},
    {"ns", 0.000001},
    {"nano", 0.000001},
    {"nanos", 0.000001},
    {"nanosecond", 0.000001},
    {"nanoseconds", 0.000001},
};

} // namespace

Result<std::int64_t> parse_duration_ms(std::string_view text) {
  const auto trimmed = util::trim(text);
  std::size_t digits = 0;
  while (digits < trimmed.size() && std::isdigit(static_cast<unsigned char>(trimmed[digits]))) {
    ++digits;
  }
  if (digits == 0) {
    return fail(fmt::format("\"{}\" is not a duration (a number and an optional unit such as "
                            "ms, s, min, h, d)",
                            text));
  }
  std::int64_t amount = 0;
  const auto [end, ec] = std::from_chars(trimmed.data(), trimmed.data() + digits, amount);
  if (ec != std::errc{} || end != trimmed.data() + digits) {
    return fail(fmt::format("\"{}\": the number is too large", text));
  }
  const auto unit = util::to_lower(util::trim(trimmed.substr(digits)));
  if (unit.empty()) {
    return amount; // a bare number is ms, as in every Flink version
  }
  for (const auto& u : kUnits) {
    if (u.label == unit) {
      const double ms = static_cast<double>(amount) * u.ms;
      if (ms > 9.0e15) {
        return fail(fmt::format("\"{}\": the duration is too long", text));
      }
      return static_cast<std::int64_t>(ms);
    }
  }
  return fail(fmt::format("\"{}\": unknown time unit \"{}\"", text, unit));
}

std::string describe_duration_ms(std::int64_t ms) {
  const std::int64_t seconds = std::max<std::int64_t>(0, ms) / 1000;
  if (seconds < 120) {
    return fmt::format("{} s", seconds);
  }
  if (seconds < 2 * 3600) {
    return fmt::format("{} min", seconds / 60);
  }
  if (seconds < 2 * 86400) {
    return fmt::format("{} h", seconds / 3600);
  }
  return fmt::format("{} days", seconds / 86400);
}

} // namespace flinkha::util
