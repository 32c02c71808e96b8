#pragma once
// Check "leader-flapping": leadership revoked and granted again without the JobManager going
// away, seen as the leader session id of a cluster component changing between the two leader
// reads:
//   - leader-flapping (warning): a new leader session id, published by the same address from
//     the same ZooKeeper session (connection_info's ephemeral owner). That is what Flink does on
//     a suspended connection (Flink 2.3, flink-dist): ZooKeeperUtils.startCuratorFramework picks
//     Curator's StandardConnectionStateErrorPolicy unless
//     high-availability.zookeeper.client.tolerate-suspended-connections is true (then the
//     SessionConnectionStateErrorPolicy), so SUSPENDED is an error state; Curator's LeaderLatch
//     drops leadership (ZooKeeperLeaderElectionDriver.notLeader: revoked, jobs suspended), resets
//     on RECONNECTED with a new latch node, and the same JobManager wins again
//     (ZooKeeperLeaderElectionDriver.isLeader → DefaultLeaderElectionService.onGrantLeadership:
//     UUID.randomUUID(), written by publishLeaderInformation). FLINK-10052 added the option.
//     test_doctor.py produces it for real by restarting ZooKeeper between the two reads;
//   - leader-changed (info): a new leader session id from another session or address — a
//     failover between the two reads.
// Skipped without both leader reads.

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_leader_flapping(const Snapshot& snapshot,
                                                 std::vector<Finding>& out);

} // namespace flinkha::doctor
