#pragma once
// Flink's duration grammar, for every duration flinkha reads: configuration options and flags
// alike (--min-age, the ZooKeeper timeouts). Source: org.apache.flink.util.TimeUtils
// .parseDuration (flink-core, 1.x-2.x): the text is trimmed, a run of ASCII digits is the amount,
// the rest (trimmed, case-insensitive) is the unit; no unit means milliseconds. Units (with the
// plural forms TimeUtils.TimeUnit accepts): d day, h hour, min m minute, s sec second,
// ms milli millisecond, us µs micro microsecond, ns nano nanosecond.

#include "util/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace flinkha::util {

// "60000", "60 s", "1 min", "500ms", "2 H", "1d", "15 seconds" → milliseconds (sub-millisecond
// units truncate toward zero). Fails on an empty text, a missing or negative number, an unknown
// unit or an amount beyond ~285,000 years.
Result<std::int64_t> parse_duration_ms(std::string_view text);

// An age or a wait for people, coarse on purpose: "45 s" below 2 min, "17 min" below 2 h, "5 h"
// below 2 days, then "3 days" (whole units, truncated; negative counts as 0). What inspect and
// doctor print next to an orphan's or a node's age.
std::string describe_duration_ms(std::int64_t ms);

} // namespace flinkha::util
