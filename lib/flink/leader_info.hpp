#pragma once
// Leader connection info as Flink writes it into ZooKeeper (reference flink-ha-format.md §2.1):
// ObjectOutputStream.writeUTF(address) + writeObject(java.util.UUID session id), by
// ZooKeeperLeaderElectionService.writeLeaderInformation (1.0–1.11),
// ZooKeeperLeaderElectionDriver.writeLeaderInformation (1.12–1.14) and
// ZooKeeperUtils.writeLeaderInformationToZooKeeper (1.15+); read back by
// ZooKeeperUtils.readLeaderInformation.

#include "util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flinkha::flink {

struct LeaderInformation {
  std::string address; // RPC address (akka/pekko URL) or REST base URL, UTF-8
  // java.util.UUID.toString() of the leader session id: 36 lower-case chars; nullopt when the
  // writer wrote a null UUID.
  std::optional<std::string> session_id;
};

// Decodes a connection-info znode. An empty payload is "no leader" (Flink's
// LeaderInformation.empty(); 1.15+ publishes it as null data) and gives nullopt, not an error.
Result<std::optional<LeaderInformation>> decode_leader_information(std::string_view bytes);

// java.util.UUID.toString(): 8-4-4-4-12 lower-case hex digits of mostSigBits then leastSigBits.
std::string format_java_uuid(std::int64_t most_sig_bits, std::int64_t least_sig_bits);

} // namespace flinkha::flink
