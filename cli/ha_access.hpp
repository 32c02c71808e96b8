#pragma once
// What `inspect` and `cleanup` share: from the cluster configuration to a built HA inventory.
//  - the ZooKeeper client (zk_access.hpp) and the layout era: --flink-version forces it, else
//    detection from the namespace (ha_layout.hpp), corrected by the distribution's version (a
//    2.x cluster without jobs looks like 1.15+ in ZooKeeper), else the configured version;
//  - the znode paths of that era, with the configured high-availability.zookeeper.path.* values;
//  - the storage side: {storageDir}/{cluster-id} (1.10+) or storageDir itself (before 1.10), the
//    storageDir (for sibling cluster-ids) and the JobResultStore (1.15+), each opened with
//    storage::open_storage; a scheme that is not supported yet becomes the side's error and the
//    ZooKeeper side still works;
//  - the live leader, from the leader resolution (leaders.hpp).
// Errors carry the exit code: 78 configuration, 3 ZooKeeper unreachable.

#include "context.hpp"
#include "flink/cleanup.hpp"
#include "flink/ha_inventory.hpp"
#include "flink/ha_layout.hpp"
#include "flink/leaders.hpp"
#include "storage/storage.hpp"
#include "zk/client.hpp"
#include "zk_access.hpp"

#include <expected>
#include <memory>
#include <optional>
#include <string>

namespace flinkha::cli {

struct HaSession {
  config::ClusterConfig config;
  std::unique_ptr<zk::ZkClient> zk;
  flink::HaEra era = flink::HaEra::v1_15;
  std::string era_source; // detection evidence, "--flink-version", or the configured version
  std::unique_ptr<storage::HaStorage> cluster_storage;
  std::unique_ptr<storage::HaStorage> storage_root;
  std::unique_ptr<storage::HaStorage> job_result_store;
  flink::InventoryInput input; // points into the storages above
  flink::DeleteOnCommit delete_on_commit = flink::DeleteOnCommit::yes;
};

std::expected<std::unique_ptr<HaSession>, ZkAccessError>
open_ha_session(const Context& context, const ZkAccessOptions& access);

flink::LayoutEra layout_era_of(flink::HaEra era);

// A cluster-id whose storage dir would be the storageDir itself or above it ("", "/", ".",
// "..", "a/../b"): the error says why cleanup refuses it.
Status check_cluster_id(std::string_view cluster_id);

// The leader registered for the cluster right now: the address of a component with a leader
// ("dispatcher at pekko.tcp://…"), or nullopt when no latch participant and no leader exist.
struct LiveLeader {
  std::string description;
};
zk::ZkResult<std::optional<LiveLeader>> find_live_leader(HaSession& session);

} // namespace flinkha::cli
