#pragma once
// Check "shared-cluster-id": another Flink cluster uses this cluster's cluster-id on the same
// ensemble (two clusters left at the default high-availability.cluster-id `/default` is the usual
// cause). They then elect ONE leader between them, and each recovers the other's jobs.
//
// What ZooKeeper shows of it (reference flink-ha-format.md §3): the latch children
// (`_c_<uuid>-latch-<seq>`) carry no address, only their owner session; only the leader
// publishes addresses, in each component's connection_info (writeUTF(address) +
// writeObject(UUID), ZooKeeperUtils.writeLeaderInformationToZooKeeper): the REST URL
// ("http://host:port", rest_server) and the RPC URLs ("pekko.tcp://flink@host:port/user/rpc/…").
// So the check judges two things (Snapshot::first_leaders, Snapshot::config's conf/masters):
//  1. a leader address that belongs to no JobManager of conf/masters: a REST URL whose host and
//     port are no masters line's (its web UI port, or rest.port: cluster::rest_endpoints, as
//     bin/start-cluster.sh passes it as --webui-port), or an RPC URL whose host is no masters
//     host (the RPC port comes from high-availability.jobmanager.port and is in no file). Hosts
//     are compared case-insensitively, "localhost", "127.0.0.1" and "::1" as one; a name in
//     conf/masters is not resolved, so masters should name the hosts as Flink advertises them;
//  2. more JobManager sessions in the cluster latch than conf/masters has lines: the other
//     cluster's JobManager is a participant (a standby), even while this cluster's leads. A
//     JobManager that died keeps its latch node until its session expires, so when
//     Snapshot::zk_client_addresses is there (the `cons` four-letter word) only sessions with a
//     connection count, each named with its client address; without it the count alone may be
//     a dead JobManager's lingering session.
// One finding (code shared-cluster-id) naming the leader's address, the configured JobManagers
// and the sessions: critical with a foreign leader address or a count of connected sessions,
// warning on an unconfirmed count alone; skipped when ZooKeeper was not read or there is no
// conf/masters.

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_shared_cluster(const Snapshot& snapshot,
                                                std::vector<Finding>& out);

// A leader address split as the check compares it: "http://h:8081/" → {rest, "h", 8081};
// "pekko.tcp://flink@h:6123/user/rpc/x" (also akka.tcp, pekko.ssl.tcp) → {rpc, "h", 6123};
// IPv6 literals in brackets come back without them. nullopt for anything else.
struct LeaderAddress {
  enum class Kind { rest, rpc };
  Kind kind = Kind::rest;
  std::string host;
  int port = 0;
};
std::optional<LeaderAddress> parse_leader_address(std::string_view address);

} // namespace flinkha::doctor
