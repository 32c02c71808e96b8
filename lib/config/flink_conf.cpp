#include "config/flink_conf.hpp"

#include "util/files.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <system_error>

// The choice of file (flink-conf.yaml or config.yaml per Flink version) and FlatConfig. The two
// parsers live in flink_conf_legacy.cpp and flink_conf_yaml.cpp (with the YAML graph, scalar
// typing and SnakeYAML emitter rules in yaml_graph.cpp, yaml_scalars.cpp, snakeyaml_emit.cpp).

namespace flinkha::config {

// ---------------------------------------------------------------------------------------------
// FlatConfig

void FlatConfig::set(ConfigEntry entry) {
  const auto [it, inserted] = m_index.try_emplace(entry.key, m_entries.size());
  if (!inserted) {
    auto& existing = m_entries[it->second];
    existing.value = std::move(entry.value);
    existing.where = std::move(entry.where);
    return;
  }
  m_entries.push_back(std::move(entry));
}

const ConfigEntry* FlatConfig::find(std::string_view key) const {
  const auto it = m_index.find(key);
  return it == m_index.end() ? nullptr : &m_entries[it->second];
}

std::string_view to_string(ConfigFormat format) {
  return format == ConfigFormat::legacy ? "legacy" : "yaml";
}

namespace {

constexpr std::string_view kLegacyFileName = "flink-conf.yaml";
constexpr std::string_view kYamlFileName = "config.yaml";

// Defensive bound for reading a config file from disk; real files are a few KiB.
constexpr std::uintmax_t kMaxFileBytes = 64u * 1024 * 1024;

} // namespace

// ---------------------------------------------------------------------------------------------
// load_flink_conf

namespace {

// Whether `path` exists, following symlinks as Flink's File.exists() does. A path that exists
// but cannot be resolved (a symlink loop: ELOOP, a directory without search permission: EACCES)
// is an Error naming the path and errno's text, not "missing": the operator must fix the link,
// not create a file. A dangling symlink counts as missing, with its target named.
Result<bool> probe_config_file(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) {
    return false;
  }
  if (ec) {
    return fail(ErrorCategory::configuration,
                fmt::format("cannot resolve {}: {}{}", path.string(), ec.message(),
                            ec == std::errc::too_many_symbolic_link_levels
                                ? " (ELOOP: a loop of symlinks)"
                                : ""),
                ec == std::errc::too_many_symbolic_link_levels
                    ? "point the symlink at the real file (ls -l shows each link), or remove it"
                    : "check the permissions of the file and of each directory above it");
  }
  return true;
}

// " (a symlink to TARGET, which does not exist)" for a dangling link, else "".
std::string dangling_note(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_symlink(path, ec)) {
    return {};
  }
  const auto target = std::filesystem::read_symlink(path, ec);
  return ec ? std::string{}
            : fmt::format(" ({} is a symlink to {}, which does not exist)",
                          path.filename().string(), target.string());
}

} // namespace

Result<ParsedConfigFile> load_flink_conf(const std::filesystem::path& conf_dir,
                                         FlinkVersion version) {
  const auto legacy_path = conf_dir / kLegacyFileName;
  const auto yaml_path = conf_dir / kYamlFileName;
  constexpr FlinkVersion kFirstStandardYaml{1, 19};
  constexpr FlinkVersion kFirstYamlOnly{2, 0};
  // A file this version may read must resolve; one it never reads (flink-conf.yaml for 2.x,
  // config.yaml before 1.19) only feeds a warning, so an unresolvable one counts as present.
  const auto legacy_exists = probe_config_file(legacy_path);
  if (!legacy_exists && version < kFirstYamlOnly) {
    return std::unexpected(legacy_exists.error());
  }
  const auto yaml_exists = probe_config_file(yaml_path);
  if (!yaml_exists && !(version < kFirstStandardYaml)) {
    return std::unexpected(yaml_exists.error());
  }
  const bool has_legacy = legacy_exists.value_or(true);
  const bool has_yaml = yaml_exists.value_or(true);
  const std::string dangling = dangling_note(legacy_path) + dangling_note(yaml_path);
  const std::string hint = "pass --conf-dir or set FLINK_CONF_DIR";

  ConfigFormat format = ConfigFormat::legacy;
  Diagnostics extra;
  if (version < kFirstStandardYaml) {
    if (!has_legacy) {
      return fail(fmt::format("no {} in {} (Flink {} reads only that file{}){}", kLegacyFileName,
                              conf_dir.string(), version.to_string(),
                              has_yaml ? "; config.yaml is read from Flink 1.19 on" : "", dangling),
                  has_yaml ? "pass --flink-version if this is Flink 1.19 or newer, or " + hint
                           : hint);
    }
  } else if (version < kFirstYamlOnly) {
    if (has_legacy) {
      if (has_yaml) {
        // GlobalConfiguration 1.19/1.20: flink-conf.yaml exists, so config.yaml is never read.
        extra.push_back(
            {Severity::warning,
             "config-yaml-ignored",
             {std::string(kYamlFileName), 0},
             fmt::format("Flink {} reads {} and ignores {} when both exist", version.to_string(),
                         kLegacyFileName, kYamlFileName),
             "remove one of them; bin/migrate-config-file.sh converts the legacy file"});
      }
    } else if (has_yaml) {
      format = ConfigFormat::yaml;
    } else {
      return fail(fmt::format("no {} or {} in {}{}", kLegacyFileName, kYamlFileName,
                              conf_dir.string(), dangling),
                  hint);
    }
  } else {
    format = ConfigFormat::yaml;
    if (!has_yaml) {
      return fail(fmt::format("no {} in {} (Flink {} reads only that file{}){}", kYamlFileName,
                              conf_dir.string(), version.to_string(),
                              has_legacy ? " and ignores flink-conf.yaml" : "", dangling),
                  has_legacy ? "convert flink-conf.yaml with Flink's bin/migrate-config-file.sh, "
                               "pass --flink-version if this is Flink 1.x, or " +
                                   hint
                             : hint);
    }
    if (has_legacy) {
      extra.push_back({Severity::warning,
                       "legacy-file-ignored",
                       {std::string(kLegacyFileName), 0},
                       fmt::format("Flink {} ignores {}; only {} is read", version.to_string(),
                                   kLegacyFileName, kYamlFileName),
                       "migrate its settings with bin/migrate-config-file.sh and remove it"});
    }
  }

  const auto& path = format == ConfigFormat::legacy ? legacy_path : yaml_path;
  const std::string name(format == ConfigFormat::legacy ? kLegacyFileName : kYamlFileName);
  auto text = util::read_file(path, kMaxFileBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  ParsedConfigFile parsed;
  if (format == ConfigFormat::legacy) {
    parsed = parse_legacy_flink_conf(*text, name);
  } else {
    auto yaml = parse_standard_yaml(*text, name);
    if (!yaml) {
      return std::unexpected(yaml.error());
    }
    parsed = std::move(*yaml);
  }
  parsed.path = path;
  parsed.diagnostics.insert(parsed.diagnostics.begin(), extra.begin(), extra.end());
  return parsed;
}

std::optional<bool> flink_bool(std::string_view value) {
  const auto trimmed = util::java_trim(value);
  if (util::iequals(trimmed, "true")) {
    return true;
  }
  if (util::iequals(trimmed, "false")) {
    return false;
  }
  return std::nullopt;
}

} // namespace flinkha::config
