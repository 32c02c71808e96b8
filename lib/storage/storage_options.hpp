#pragma once
// What opening a remote storage needs besides its URI: the cluster's Flink options (s3.*,
// fs.s3a.*, env.hadoop.conf.dir, …), the environment Flink's own file systems would read
// (HADOOP_CONF_DIR, HADOOP_HOME, HADOOP_USER_NAME, AWS_*, HOME), the time budget of one request
// (--storage-timeout) and where a long listing reports how far it got.

#include "config/cluster_config.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace flinkha::storage {

// Read by open_storage: a storage copies what it needs and keeps no pointer into `config` (the
// configuration moves with the HaContext after the storages are opened). `progress` is copied
// and called while the storage is used: whatever it refers to must outlive the storage.
struct StorageOptions {
  const config::ClusterConfig* config = nullptr; // null: no Flink options (defaults only)
  config::Environment environment;               // empty: the process environment
  std::int64_t timeout_ms = 30'000;              // --storage-timeout: one request, retries included
  // Called now and then during a long listing or batch ("12000 entries"); may be empty. The
  // caller decides whether and where to show it (a terminal only, never in -o json).
  std::function<void(std::string_view)> progress;
};

// options.environment, or the process environment when it is empty.
std::optional<std::string> environment_value(const StorageOptions& options, std::string_view name);

} // namespace flinkha::storage
