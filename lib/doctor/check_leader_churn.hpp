#pragma once
// Check "leader-churn" (FLINK-27848: a JobManager that keeps rewriting its leader information,
// each write a ZooKeeper transaction — zxids used up, watchers of every standby woken):
//   - leader-churn (warning): a component's connection_info Stat.version rose by more than
//     Thresholds::leader_version_churn between the two leader reads (same node: its ephemeral
//     owner did not change, so the rise is rewrites, not a new leader);
//   - leader-rewrites (info): in one read, a connection_info written more than
//     leader_version_churn times since it was created (Flink writes it once per leadership:
//     ZooKeeperLeaderElectionDriver.publishLeaderInformation, Flink 2.3), with how far its mzxid is
//     past the czxid of the latch node that won the election.
// Skipped without both leader reads.

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_leader_churn(const Snapshot& snapshot, std::vector<Finding>& out);

} // namespace flinkha::doctor
