#pragma once
// Check "quorum": what the running ensemble says beyond the zk status verdict (whose
// quorum-lost / quorum-degraded findings come from the verdict adapter; these codes are the
// specific conditions).
//
// Sources: the answers of ZooKeeper 3.8's four-letter words as zk::QuorumHealth holds them —
// `srvr` (StatCommand: "Zxid: 0x…" the last processed zxid, "Mode: …", "Outstanding: n"; the
// refusal "This ZooKeeper instance is not currently serving requests" of a peer without a
// quorum) and `mntr` (MonitorCommand: zk_outstanding_requests, and on quorum peers
// zk_quorum_size, the voters of the running configuration).
//
// Findings (subject "host:port" of the peer):
//  - even-voters (warning): the running ensemble has an even number of voters (the leader's
//    zk_quorum_size). Not reported when `config check` already reports even-voters for
//    zoo.cfg (Snapshot::lint): one condition, one finding;
//  - peer-behind (warning): a serving peer in the leader's epoch whose zxid counter is more
//    than Thresholds::zxid_lag transactions behind the leader's (another epoch is the
//    verdict's degraded reason already);
//  - outstanding-requests (warning): a serving peer's queued requests (mntr
//    zk_outstanding_requests, else srvr Outstanding) above Thresholds::outstanding_requests;
//  - peer-not-serving (warning; the verdict finding says what it costs the quorum): a peer
//    whose ZooKeeper answered srvr yet does not serve — it refused ("not currently serving
//    requests": no quorum), serves read-only, runs standalone inside an ensemble, or runs as an
//    observer while zoo.cfg makes it a voter (PeerState::not_serving with reachable).
// Skipped without zoo.cfg, or when no peer answered.

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_quorum(const Snapshot& snapshot, std::vector<Finding>& out);

} // namespace flinkha::doctor
