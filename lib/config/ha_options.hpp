#pragma once
// The option table: every configuration key flinkha reads, with the key names, deprecated keys
// (in Flink's declared order) and defaults of each Flink version, and resolution by Flink's
// ConfigOption rules (Configuration.getRawValueFromOption: main key first, then each deprecated
// key in order). Sources: HighAvailabilityOptions, ConfigConstants (≤1.1), SecurityOptions,
// JobResultStoreOptions, CleanupOptions and bin/config.sh per version (reference
// flink-ha-format.md §5, flink-scripts.md §1.7).

#include "config/diagnostics.hpp"
#include "config/flink_conf.hpp"
#include "config/flink_version.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::config {

// How one option is named in a range of Flink versions [from, to] (inclusive, major.minor).
struct OptionEra {
  FlinkVersion from;
  FlinkVersion to;
  // The main key first, then the deprecated keys in the order Flink declares them.
  std::vector<std::string_view> keys;
  // The default as Flink renders it as a string (e.g. "/flink", "60000", "60 s"); empty optional
  // when the option has no default.
  std::optional<std::string_view> default_value;
};

struct OptionSpec {
  std::string_view canonical_key; // the newest Flink's name; also the JSON key
  std::string_view description;   // one line, for `config show` and the man page
  std::vector<OptionEra> eras;    // non-overlapping, ascending; none covers versions without it
};

// The whole table, in a stable order (HA first, then ZooKeeper client, JobResultStore, env.*).
std::span<const OptionSpec> option_table();

// The spec for a canonical key; nullptr when unknown.
const OptionSpec* find_option(std::string_view canonical_key);

struct ResolvedOption {
  const OptionSpec* spec = nullptr;
  bool applicable = false;                // the option exists in this Flink version
  std::optional<std::string> value;       // as Flink would read it; empty when unset and no default
  std::optional<std::string> key_written; // the key the value came from; empty for a default
  SourceLocation where;                   // file:line of that key; empty for a default
  bool is_default = false;
  // Every key of this option that is set, in lookup order (the first one wins). Used to report
  // conflicting values given under several names.
  std::vector<ConfigEntry> candidates;
};

// Resolves every option of the table against the configuration, for the given version.
std::vector<ResolvedOption> resolve_options(const FlatConfig& config, FlinkVersion version);

// Resolves one option; an unknown canonical key yields an inapplicable, empty result.
ResolvedOption resolve_option(const FlatConfig& config, FlinkVersion version,
                              std::string_view canonical_key);

} // namespace flinkha::config
