#pragma once
// Where Flink keeps its leader election nodes in ZooKeeper, per era (reference
// flink-ha-format.md §1.2 and §3), and which era a namespace holds:
//   1.0-1.2   {ns}/leaderlatch (LeaderLatch) + {ns}/leader (connection info), one JobManager
//   1.3-1.13  {ns}/leaderlatch/<x>_lock + {ns}/leader/<x>_lock for resource_manager, dispatcher,
//             rest_server, and <jobid>/job_manager_lock (ZooKeeperHaServices; both roots
//             configurable: high-availability.zookeeper.path.latch / .leader)
//   1.14      {ns}/leader/<component>/{latch,connection_info},
//             {ns}/jobs/<jobid>/leader/{latch,connection_info} (FLINK-22636)
//   1.15+     one latch {ns}/leader/latch for the whole JobManager process,
//             {ns}/leader/<component or jobid>/connection_info (FLINK-24038)
//   2.x       as 1.15+; the job store moved to {ns}/execution-plans (FLINK-36158); 2.3 adds
//             {ns}/applications/<appid> (the ApplicationStore; flink/ha_inventory.hpp)
// Every path here is absolute ({ns} included); nothing touches ZooKeeper except detect_era().

#include "config/flink_version.hpp"
#include "zk/reader.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::flink {

enum class HaEra { v1_0, v1_3, v1_14, v1_15, v2_0 };

// The one vocabulary for an era, the `layout` of every JSON output (`leader show`, `inspect`,
// `cleanup`): "1.0-1.2", "1.3-1.13", "1.14", "1.15-1.20", "2.x".
std::string_view layout_label(HaEra era);
// The label `leader show` printed before the vocabularies were merged ("1.15+" for v1_15, else
// as layout_label), kept as `leader show`'s "layout_compat" field for one release (CHANGELOG.md).
std::string_view legacy_leader_layout_label(HaEra era);
HaEra era_of(const config::FlinkVersion& version);

struct LayoutOptions {
  std::string ns;                          // {path.root}/{cluster-id}, e.g. "/flink/default"
  std::string latch_root = "/leaderlatch"; // high-availability.zookeeper.path.latch (≤1.13)
  std::string leader_root = "/leader";     // high-availability.zookeeper.path.leader (≤1.13)
};

enum class ComponentKind { cluster, job };

// One leader election: who may lead (the latch) and where the leader publishes its address.
struct ComponentPaths {
  std::string component; // "dispatcher", "resource_manager", "rest_server", "job_manager" (1.0-1.2)
                         // or a job id
  ComponentKind kind = ComponentKind::cluster;
  std::string latch;           // the LeaderLatch parent whose children are the participants
  std::string connection_info; // the node holding writeUTF(address) + writeObject(UUID)
};

// The fixed components of an era (jobs come from job_ids_parent()).
std::vector<ComponentPaths> cluster_components(HaEra era, const LayoutOptions& options);
// The node whose children include the job ids that have leader nodes; empty for 1.0-1.2.
std::string job_ids_parent(HaEra era, const LayoutOptions& options);
ComponentPaths job_component(HaEra era, const LayoutOptions& options, std::string_view job_id);

// A Flink JobID as AbstractID.toString renders it: 32 lower-case hex digits.
bool is_job_id(std::string_view name);

struct Detection {
  HaEra era = HaEra::v1_15;
  std::string evidence; // "/flink/default/leader/latch exists", "--flink-version 1.14"
};

// Detects the era from the nodes under the namespace (first match wins):
//   {ns}/leader/latch → 1.15+, and 2.x when {ns}/execution-plans (or, 2.3, {ns}/applications)
//   exists too;
//   {ns}/leader/{dispatcher,resource_manager,rest_server}/latch or {ns}/jobs/*/leader → 1.14;
//   {ns}{latch_root} with *_lock or job-id children → 1.3-1.13, with latch- children → 1.0-1.2;
//   {ns}/execution-plans → 2.x.
// nullopt when nothing identifies an era (an empty or missing namespace).
zk::ZkResult<std::optional<Detection>> detect_era(zk::ZkReader& reader,
                                                  const LayoutOptions& options);

} // namespace flinkha::flink
