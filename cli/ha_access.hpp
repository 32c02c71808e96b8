#pragma once
// What `inspect` and `cleanup` share: the cluster configuration loaded, the ZooKeeper client
// opened (zk_access.hpp), and the HA context (flink/ha_context.hpp: era, znode paths, storage
// sides, cluster-id and live-leader rules) built on it. Only the loading lives here. Errors
// are classified: what the library leaves unclassified while loading is configuration (78);
// ZooKeeper's own are unreachable (3) or refused (2) as zk::to_error says.

#include "context.hpp"
#include "flink/ha_context.hpp"
#include "progress_line.hpp"
#include "zk/client.hpp"
#include "zk_access.hpp"

#include <expected>
#include <memory>
#include <optional>
#include <string>

namespace flinkha::cli {

// --storage-timeout: the time one storage request may take, retries included (WebHDFS, S3).
struct StorageAccessOptions {
  std::string timeout = "30s"; // Flink's duration syntax; a bare number is milliseconds
};

void add_storage_access_options(CLI::App& app, StorageAccessOptions& options);

struct HaSession : flink::HaContext {
  std::unique_ptr<zk::ZkClient> zk;
  // The one progress line of the command (a long listing, a long cleanup); the storages call
  // it through StorageOptions::progress, so it lives as long as they do.
  std::unique_ptr<ProgressLine> progress;
};

// Errors: a bad --storage-timeout is usage (64). `cluster_id`: another cluster-id on the same
// configuration (config::ha_settings_for), e.g. the target of `ha restore --cluster-id`.
Result<std::unique_ptr<HaSession>>
open_ha_session(const Context& context, const ZkAccessOptions& access,
                const StorageAccessOptions& storage,
                const std::optional<std::string>& cluster_id = {});

// open_ha_session, then the cluster's HA inventory through a prefetching walk, the progress line
// cleared after it (inspect, checkpoints). Errors: open_ha_session's; ZooKeeper's during the
// walk, unclassified ones being unreachable (3).
struct HaRead {
  std::unique_ptr<HaSession> session;
  flink::HaInventory inventory;
};
Result<HaRead> read_ha_inventory(const Context& context, const ZkAccessOptions& access,
                                 const StorageAccessOptions& storage);

} // namespace flinkha::cli
