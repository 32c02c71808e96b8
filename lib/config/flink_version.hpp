#pragma once
// Flink versions as flinkha needs them: major.minor decides key names, file formats and the
// ZooKeeper layout; the patch level is kept for display only.

#include "util/result.hpp"

#include <compare>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace flinkha::config {

struct FlinkVersion {
  int major = 0;
  int minor = 0;
  int patch = -1; // -1: not known (given as "1.20")

  // Ordering and equality ignore the patch level.
  friend constexpr std::strong_ordering operator<=>(const FlinkVersion& a, const FlinkVersion& b) {
    if (auto c = a.major <=> b.major; c != 0) {
      return c;
    }
    return a.minor <=> b.minor;
  }
  friend constexpr bool operator==(const FlinkVersion& a, const FlinkVersion& b) {
    return a.major == b.major && a.minor == b.minor;
  }

  std::string to_string() const;   // "1.20"
  std::string full_string() const; // "1.20.5", or "1.20" when the patch is unknown
};

inline constexpr FlinkVersion kOldestSupported{1, 0};
inline constexpr FlinkVersion kNewestSupported{2, 3};

// Parses "1.20", "1.20.5", "2.0-SNAPSHOT", "2.1.0-rc1". Errors name the text; versions outside
// [kOldestSupported, kNewestSupported] are an error too.
Result<FlinkVersion> parse_flink_version(std::string_view text);

// Looks for $flink_home/lib/flink-dist*.jar (e.g. flink-dist-1.20.5.jar,
// flink-dist_2.12-1.14.6.jar) and reads the version from its name. Empty when there is no such jar
// or its name has no version.
std::optional<FlinkVersion> detect_flink_version(const std::filesystem::path& flink_home);

// Where the Flink version came from, for the rules that depend on it (a forced era, the 2.x
// correction of the era detection) without comparing the human-readable source text.
enum class VersionSource {
  flag,           // --flink-version
  detected_dist,  // the flink-dist jar under FLINK_HOME/lib
  config_default, // none of them: the newest supported version
};

} // namespace flinkha::config
