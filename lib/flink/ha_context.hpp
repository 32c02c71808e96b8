#pragma once
// The HA context of one cluster: everything `leader show`, `status`, `inspect` and `cleanup`
// decide from the cluster configuration before they read or touch HA data. One place, so the
// commands cannot disagree about it:
//  - the layout era: --flink-version forces it; else detection from the namespace
//    (ha_layout.hpp), corrected by the distribution's version (a 2.x cluster that never ran a
//    job looks like 1.15-1.20 in ZooKeeper); else the configured version;
//  - the znode paths of that era with the configured high-availability.zookeeper.path.* values
//    (most are configurable up to 1.13 only; Flink ignores them later, and so do we);
//  - the storage sides: {storageDir}/{cluster-id} (1.10+) or storageDir itself (before 1.10),
//    the storageDir (for sibling cluster-ids) and the JobResultStore (1.15+), each opened with
//    storage::open_storage; a storage that cannot be opened (an unsupported scheme, an unreachable
//    NameNode or endpoint, refused credentials) becomes the side's error (with its category) and
//    the ZooKeeper side still works;
//  - the cluster-id safety rule (config::check_cluster_id) and the live-leader rule
//    (find_live_leader).
// Nothing here connects to ZooKeeper: the caller passes the reader (the real client or a fake).

#include "config/cluster_config.hpp"
#include "flink/cleanup.hpp"
#include "flink/ha_inventory.hpp"
#include "flink/ha_layout.hpp"
#include "flink/leaders.hpp"
#include "storage/storage.hpp"
#include "storage/storage_options.hpp"
#include "util/result.hpp"
#include "zk/reader.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace flinkha::flink {

// Namespace and the ≤1.13 latch and leader roots (high-availability.zookeeper.path.latch /
// .leader) as the leader code reads them.
LayoutOptions layout_options(const config::ClusterConfig& config);

// How `leader show` and `status` resolve leaders: layout_options, the configured version as
// the fallback era, and forced when the version came from --flink-version.
ResolveOptions leader_resolve_options(const config::ClusterConfig& config);

struct EraChoice {
  HaEra era = HaEra::v1_15;
  std::string source; // detection evidence, "--flink-version", or "Flink 1.x from <source>"
};
// The era rule above. A ZooKeeper error during detection falls back to the configured version
// (the commands then fail on their own reads, with the error in context).
EraChoice choose_era(const config::ClusterConfig& config, zk::ZkReader& reader);

// The era's znode sub-paths with the configured high-availability.zookeeper.path.* values
// ('/' prefixed when missing, trailing '/' dropped; empty values ignored).
ZnodePaths znode_paths(const config::ClusterConfig& config, HaEra era);

struct HaContext {
  config::ClusterConfig config;
  HaEra era = HaEra::v1_15;
  std::string era_source;
  std::unique_ptr<storage::HaStorage> cluster_storage;
  std::unique_ptr<storage::HaStorage> storage_root;
  std::unique_ptr<storage::HaStorage> job_result_store;
  std::unique_ptr<storage::HaStorage> application_result_store; // 2.3+
  InventoryInput input; // points into the storages above (heap objects: moving is safe)
  DeleteOnCommit delete_on_commit = DeleteOnCommit::yes; // job-result-store.delete-on-commit
  // application-result-store.delete-on-commit (2.3+)
  DeleteOnCommit application_delete_on_commit = DeleteOnCommit::yes;
};

// A configuration error when the cluster does not use ZooKeeper HA (nothing to read then).
Status check_zookeeper_ha(const config::ClusterConfig& config);

// Fails with check_zookeeper_ha's error when the cluster does not use ZooKeeper HA. Storage sides
// that cannot be opened do not fail it: their error is in input.*_error.
// `options` carries --storage-timeout and the progress callback; its config is set here.
Result<HaContext> open_ha_context(config::ClusterConfig config, zk::ZkReader& reader,
                                  std::int64_t now_ms, storage::StorageOptions options = {});

// The leader registered for the cluster right now: the address of a component with a leader
// ("dispatcher at pekko.tcp://…"), else a leading latch participant; nullopt when no latch
// participant and no leader exist (verdict none). Cleanup refuses while one is registered.
struct LiveLeader {
  std::string description;
};
zk::ZkResult<std::optional<LiveLeader>> find_live_leader(const HaContext& context,
                                                         zk::ZkReader& reader);

} // namespace flinkha::flink
