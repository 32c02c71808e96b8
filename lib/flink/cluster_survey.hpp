#pragma once
// Every Flink cluster of one ZooKeeper root (`flinkha clusters`): each child of
// high-availability.zookeeper.path.root is one cluster-id (a standalone cluster, a YARN or a
// session cluster each create one: ZooKeeperUtils.generateZookeeperPath joins root and
// cluster-id), surveyed with the same library code `leader show` and `inspect` run on the
// configured cluster-id:
//  - the configuration is the loaded one with the cluster-id replaced (cluster_config_for): the
//    namespace, {storageDir}/{cluster-id} and the default JobResultStore
//    {storageDir}/job-result-store/{cluster-id} are derived as Flink derives them
//    (config/ha_paths.hpp); a configured job-result-store.storage-path belongs to the configured
//    cluster-id only, so the others get Flink's default path;
//  - the era: choose_era (ha_context.hpp) on that namespace; the leaders: resolve_leaders with
//    that era forced; the jobs and the storage: build_ha_inventory on the HA context
//    open_ha_context opens for it, walked through a PrefetchingReader (pipelined, two rounds per
//    tree level).
// Read-only: nothing is created, changed or deleted, in ZooKeeper or in storage.

#include "config/cluster_config.hpp"
#include "flink/ha_inventory.hpp"
#include "flink/ha_layout.hpp"
#include "flink/leaders.hpp"
#include "storage/storage_options.hpp"
#include "util/result.hpp"
#include "zk/reader.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flinkha::flink {

struct SurveyLeader {
  // The first cluster component with a leader, in cluster_components order (resource_manager,
  // dispatcher, rest_server for 1.3+; job_manager for 1.0-1.2): the same rule as
  // find_live_leader. E.g. "pekko.tcp://flink@10.0.0.1:6123/user/rpc/resourcemanager_0".
  std::string address;
  std::string session_id; // the leader session id (UUID); "" when the node holds none
  std::string component;  // which component's connection_info it is
};

// The jobs of one cluster-id, each job counted once (first rule that applies):
//   dirty    a dirty entry in the JobResultStore (Flink's global cleanup of the job did not
//            finish; whatever else of it remains is that cleanup's to remove);
//   running  a job graph / execution plan pointer in ZooKeeper ({ns}/jobgraphs/<id>,
//            {ns}/execution-plans/<id} on 2.x): Flink recovers it on failover;
//   orphaned anything else of a job left behind (checkpoint or counter znodes, storage files,
//            blobs, a clean JobResultStore entry with znodes): nothing of Flink removes it.
struct SurveyJobs {
  int running = 0;
  int dirty = 0;
  int orphaned = 0;
};

struct ClusterSummary {
  std::string cluster_id; // "/" + the child's name, as high-availability.cluster-id spells it
  std::string zk_namespace;
  HaEra era = HaEra::v1_15;
  std::string era_source;             // choose_era's evidence
  std::optional<SurveyLeader> leader; // nullopt: no component has a leader
  int participants = 0;               // distinct sessions in the cluster latches
  SurveyJobs jobs;
  std::optional<std::int64_t> storage_bytes; // files of {storageDir}/{cluster-id}; nullopt when
                                             // that storage could not be listed
  std::string storage_error;                 // why storage_bytes is null ("" otherwise)
  // The mtime (ms since the epoch) of the znode with the newest mzxid under the namespace, the
  // namespace node included: when anything of this cluster last changed in ZooKeeper.
  std::int64_t last_change_ms = 0;
  std::int64_t last_change_mzxid = 0;
  std::string last_change_znode;
  bool configured = false; // the cluster-id of the loaded configuration
  // Why nothing else of this row is known: its znodes refuse this session (ZNOAUTH, another
  // tenant's ACLs); "" when surveyed.
  std::string error;
};

struct ClusterSurvey {
  std::string root;                     // high-availability.zookeeper.path.root, e.g. "/flink"
  std::vector<ClusterSummary> clusters; // by cluster-id; empty when the root does not exist
};

// The loaded configuration with another cluster-id, its HA paths derived as Flink derives them
// (see above). `cluster_id` as high-availability.cluster-id spells it ("/c1").
config::ClusterConfig cluster_config_for(const config::ClusterConfig& config,
                                         const std::string& cluster_id);

// The summary of one cluster-id from its inventory and leader report (pure; exposed for tests).
ClusterSummary summarize_cluster(const HaInventory& inventory, const LeaderReport& leaders);

// Surveys every child of the configured root. Fails only when ZooKeeper fails (category from
// zk::to_error: unreachable for a lost connection; a cluster-id that cannot be read — it refuses
// this session, its layout does not detect — is a row with its error, a root that refuses it
// fails the survey) or the configuration has no
// ZooKeeper HA (configuration); a storage that cannot be opened or listed gives that cluster a null
// storage_bytes with its reason. `options` as for open_ha_context (its config is set per
// cluster-id).
Result<ClusterSurvey> survey_clusters(const config::ClusterConfig& config, zk::ZkReader& reader,
                                      std::int64_t now_ms, storage::StorageOptions options = {});

} // namespace flinkha::flink
