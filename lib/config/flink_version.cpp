#include "config/flink_version.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>
#include <vector>

namespace flinkha::config {

namespace {

// Version components never need more than a few digits; the bound keeps from_chars away from
// overflow and makes "1.99999999999" an error instead of a wrapped number.
constexpr std::size_t kMaxComponentDigits = 4;

// Reads one decimal component at the front of `text`; returns the number of chars used.
std::size_t read_component(std::string_view text, int& out) {
  std::size_t n = 0;
  while (n < text.size() && text[n] >= '0' && text[n] <= '9') {
    ++n;
  }
  if (n == 0 || n > kMaxComponentDigits) {
    return 0;
  }
  std::from_chars(text.data(), text.data() + n, out);
  return n;
}

// MAJOR.MINOR[.PATCH][-SUFFIX]; the suffix (SNAPSHOT, rc1, ...) is accepted and dropped.
std::optional<FlinkVersion> parse_components(std::string_view text) {
  FlinkVersion v;
  std::size_t used = read_component(text, v.major);
  if (used == 0 || used >= text.size() || text[used] != '.') {
    return std::nullopt;
  }
  text.remove_prefix(used + 1);
  used = read_component(text, v.minor);
  if (used == 0) {
    return std::nullopt;
  }
  text.remove_prefix(used);
  if (!text.empty() && text.front() == '.') {
    text.remove_prefix(1);
    used = read_component(text, v.patch);
    if (used == 0) {
      return std::nullopt;
    }
    text.remove_prefix(used);
  }
  if (text.empty()) {
    return v;
  }
  if (text.front() != '-' || text.size() == 1) {
    return std::nullopt;
  }
  for (const char c : text.substr(1)) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '.' || c == '-' || c == '_';
    if (!ok) {
      return std::nullopt;
    }
  }
  return v;
}

} // namespace

std::string FlinkVersion::to_string() const {
  return fmt::format("{}.{}", major, minor);
}

std::string FlinkVersion::full_string() const {
  return patch < 0 ? to_string() : fmt::format("{}.{}.{}", major, minor, patch);
}

Result<FlinkVersion> parse_flink_version(std::string_view text) {
  const auto trimmed = util::trim(text);
  const auto parsed = parse_components(trimmed);
  if (!parsed) {
    return fail(fmt::format("invalid Flink version '{}': expected MAJOR.MINOR[.PATCH][-SUFFIX]",
                            util::printable(text)),
                "give the version like 1.20, 1.20.1 or 2.0-SNAPSHOT");
  }
  if (*parsed < kOldestSupported || kNewestSupported < *parsed) {
    return fail(fmt::format("unsupported Flink version '{}': flinkha supports {} to {}",
                            util::printable(text), kOldestSupported.to_string(),
                            kNewestSupported.to_string()));
  }
  return *parsed;
}

std::optional<FlinkVersion> detect_flink_version(const std::filesystem::path& flink_home) {
  constexpr std::string_view kPrefix = "flink-dist";
  constexpr std::string_view kSuffix = ".jar";
  std::error_code ec;
  std::filesystem::directory_iterator it(flink_home / "lib", ec);
  if (ec) {
    return std::nullopt;
  }
  std::vector<FlinkVersion> found;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) {
      break;
    }
    const std::string name = it->path().filename().string();
    std::string_view rest = name;
    if (!rest.starts_with(kPrefix) || !rest.ends_with(kSuffix)) {
      continue;
    }
    rest.remove_prefix(kPrefix.size());
    rest.remove_suffix(kSuffix.size());
    // Up to 1.14 the jar carries the Scala version first: flink-dist_2.12-1.14.6.jar. That
    // "_2.12" is not the Flink version, so skip it up to the '-' that starts the real one.
    if (rest.starts_with('_')) {
      const auto dash = rest.find('-');
      if (dash == std::string_view::npos) {
        continue;
      }
      rest.remove_prefix(dash);
    }
    if (!rest.starts_with('-')) {
      continue;
    }
    rest.remove_prefix(1);
    if (auto v = parse_flink_version(rest)) {
      found.push_back(*v);
    }
  }
  if (found.empty()) {
    return std::nullopt;
  }
  // Several dist jars is a broken install; take the newest so the answer is at least stable.
  return *std::max_element(found.begin(), found.end(), [](const auto& a, const auto& b) {
    return a < b || (a == b && a.patch < b.patch);
  });
}

} // namespace flinkha::config
