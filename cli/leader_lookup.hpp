#pragma once
// The leader as `status` and `start-cluster --wait` see it: resolved from ZooKeeper the way
// `leader show` does (lib/flink/leaders), summarized for the cluster status.

#include "cluster/status.hpp"
#include "config/cluster_config.hpp"
#include "context.hpp"
#include "flink/ha_context.hpp"

namespace flinkha::cli {

// A LeaderLookup for a ZooKeeper-HA cluster, or an empty function when HA is not ZooKeeper.
// It connects lazily on first use with short timeouts (a status check must not hang for
// minutes on a dead ensemble) and reuses the connection for later calls (--wait polls).
cluster::LeaderLookup make_leader_lookup(const Context& context,
                                         const config::ClusterConfig& config);

} // namespace flinkha::cli
