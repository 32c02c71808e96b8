#include "config/lint_s3.hpp"

#include "config/sensitive_keys.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace flinkha::config {

namespace {

// The prefixes Flink's S3 plugins copy into their own configuration (S3FileSystemFactory of
// flink-s3-fs-hadoop: "s3.", "s3a.", "fs.s3a."; of flink-s3-fs-presto: "s3.", "presto.s3.").
constexpr std::array<std::string_view, 4> kPrefixes = {"s3.", "s3a.", "fs.s3a.", "presto.s3."};
constexpr std::array<std::string_view, 2> kAccessKeys = {"access-key", "access.key"};
constexpr std::array<std::string_view, 2> kSecretKeys = {"secret-key", "secret.key"};

const ConfigEntry* first_of(const ClusterConfig& config,
                            const std::array<std::string_view, 2>& names, std::string_view prefix) {
  for (const auto name : names) {
    if (const auto* entry = config.flink_conf.config.find(fmt::format("{}{}", prefix, name))) {
      return entry;
    }
  }
  return nullptr;
}

bool readable_by_others(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  return !error && (status.permissions() & std::filesystem::perms::others_read) !=
                       std::filesystem::perms::none;
}

bool s3_key(std::string_view key) {
  return std::ranges::any_of(kPrefixes,
                             [&](std::string_view prefix) { return key.starts_with(prefix); });
}

} // namespace

void lint_s3(const ClusterConfig& config, Diagnostics& out) {
  const auto file = config.flink_conf.path.filename().string();
  if (!config.flink_conf.path.empty() && readable_by_others(config.flink_conf.path)) {
    // Flink's own rule for what is a secret (GlobalConfiguration.isSensitive): s3.secret-key,
    // fs.s3a.secret.key, fs.s3a.session.token, presto.s3.secret-key, …
    for (const auto& entry : config.flink_conf.config.entries()) {
      if (!s3_key(entry.key) || !is_sensitive_key(entry.key)) {
        continue;
      }
      out.push_back({Severity::warning, "s3-secret-in-world-readable-config", entry.where,
                     fmt::format("{} is written in {}, which every user of this host can read",
                                 entry.key, file),
                     fmt::format("chmod 600 {} (or 640 with the group that runs Flink), or move "
                                 "the keys to AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or a "
                                 "profile in ~/.aws/credentials",
                                 file)});
    }
  }
  for (const auto prefix : kPrefixes) {
    const auto* access = first_of(config, kAccessKeys, prefix);
    const auto* secret = first_of(config, kSecretKeys, prefix);
    if ((access == nullptr) != (secret == nullptr)) {
      const auto* set = access != nullptr ? access : secret;
      out.push_back({Severity::warning, "s3-key-without-secret", set->where,
                     fmt::format("{} is set without {}; Flink's S3 file system then takes its "
                                 "credentials from elsewhere (environment, profile files, an "
                                 "instance profile)",
                                 set->key,
                                 access != nullptr ? fmt::format("{}secret-key", prefix)
                                                   : fmt::format("{}access-key", prefix)),
                     "set both keys, or neither"});
    }
  }
}

} // namespace flinkha::config
