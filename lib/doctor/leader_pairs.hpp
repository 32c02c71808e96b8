#pragma once
// The components present in both leader reads of a Snapshot, paired by connection_info path
// (what the churn and flapping checks compare).

#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flinkha::doctor {

struct LeaderPair {
  const flink::ComponentLeader* first = nullptr;
  const flink::ComponentLeader* second = nullptr;
};

// Why the two reads are missing ("ZooKeeper not reachable: …"), or nullopt when both are there.
std::optional<std::string> missing_leader_reads(const Snapshot& snapshot);

// Pairs of components whose connection_info exists in both reads, in the first read's order.
std::vector<LeaderPair> leader_pairs(const Snapshot& snapshot);

} // namespace flinkha::doctor
