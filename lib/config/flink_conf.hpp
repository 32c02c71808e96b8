#pragma once
// Reading Flink's configuration file the way Flink's GlobalConfiguration does:
//  - legacy `flink-conf.yaml` (all versions up to 1.20): a line parser, not YAML
//    (GlobalConfiguration.loadYAMLResource / loadLegacyYAMLResource; reference §5.1);
//  - standard `config.yaml` (1.19+): YAML 1.2 Core schema, nested maps flattened with '.',
//    lists rendered as YAML flow strings (YamlParserUtils.loadYamlFile / toYAMLString).
// Values are kept as the strings Flink's Configuration.toMap() would give.

#include "config/diagnostics.hpp"
#include "config/flink_version.hpp"
#include "util/result.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace flinkha::config {

enum class ConfigFormat { legacy, yaml };

std::string_view to_string(ConfigFormat format); // "legacy" | "yaml"

// One key as Flink holds it after loading, with where it was written.
struct ConfigEntry {
  std::string key;
  std::string value;
  SourceLocation where;
};

// Flink's flat key → value configuration. Setting an existing key replaces its value and
// location (Flink's "last duplicate wins") but keeps the key's first position, so iteration
// order is stable and close to the file. set and find are O(1) on average (keys are indexed by
// hash), so reading a file of n lines is O(n), as in Flink's HashMap-backed Configuration.
class FlatConfig {
public:
  void set(ConfigEntry entry);
  const ConfigEntry* find(std::string_view key) const;
  const std::vector<ConfigEntry>& entries() const { return m_entries; }
  bool empty() const { return m_entries.empty(); }

private:
  // Heterogeneous lookup: find(string_view) without building a std::string.
  struct KeyHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const noexcept {
      return std::hash<std::string_view>{}(key);
    }
  };
  std::vector<ConfigEntry> m_entries;
  std::unordered_map<std::string, std::size_t, KeyHash, std::equal_to<>> m_index; // key → entry
};

struct ParsedConfigFile {
  std::filesystem::path path; // as opened; may be empty for in-memory input
  ConfigFormat format = ConfigFormat::legacy;
  FlatConfig config;
  Diagnostics diagnostics; // e.g. skipped malformed lines (warnings, with file:line)
};

// A boolean option value as Flink reads it (ConfigurationUtils.convertToBoolean:
// "true".equalsIgnoreCase / "false".equalsIgnoreCase, the value trimmed as the parsers leave it);
// nullopt for anything else (Flink then fails with IllegalArgumentException).
std::optional<bool> flink_bool(std::string_view value);

// Flink's legacy line parser, byte for byte. Never fails: malformed lines become warnings.
// `display_name` is used in every SourceLocation (e.g. "flink-conf.yaml").
ParsedConfigFile parse_legacy_flink_conf(std::string_view text, std::string display_name);

// Standard YAML as Flink 1.19+ reads config.yaml. Fails where Flink fails to load the file:
// YAML syntax errors, duplicate keys in one map, keys YAML types as non-strings (numbers,
// booleans, collections), null values, '+.inf', and a top level that is not a map; the Error
// names display_name:line. Keys that collide only after flattening ("a.b: 1" and "a: {b: 2}") are
// not an error, as in Flink: the later one wins, with a warning "yaml-flattened-duplicate".
Result<ParsedConfigFile> parse_standard_yaml(std::string_view text, std::string display_name);

// The file a given Flink version reads from conf_dir, and how:
//  - <= 1.18: flink-conf.yaml (legacy);
//  - 1.19, 1.20: flink-conf.yaml (legacy) if it exists, else config.yaml (standard YAML);
//  - >= 2.0: config.yaml only (a leftover flink-conf.yaml yields a warning diagnostic
//    "legacy-file-ignored", because 2.x silently ignores it).
// Fails when the file the version would read does not exist or cannot be read.
Result<ParsedConfigFile> load_flink_conf(const std::filesystem::path& conf_dir,
                                         FlinkVersion version);

} // namespace flinkha::config
