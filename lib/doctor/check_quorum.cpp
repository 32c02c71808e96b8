#include "doctor/check_quorum.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace flinkha::doctor {

namespace {

std::string peer_name(const zk::PeerHealth& peer) {
  return fmt::format("peer {} ({})", peer.peer.id, peer.peer.address());
}

const zk::PeerHealth* leader_of(const zk::QuorumHealth& quorum) {
  if (!quorum.leader_id) {
    return nullptr;
  }
  const auto it = std::ranges::find_if(quorum.servers, [&](const zk::PeerHealth& peer) {
    return peer.peer.id == *quorum.leader_id && peer.state == zk::PeerState::serving;
  });
  return it == quorum.servers.end() ? nullptr : &*it;
}

void even_voters(const Snapshot& snapshot, const zk::QuorumHealth& quorum,
                 std::vector<Finding>& out) {
  const bool linted = std::ranges::any_of(
      snapshot.lint, [](const config::Diagnostic& d) { return d.code == "even-voters"; });
  if (linted) {
    return;
  }
  const auto* leader = leader_of(quorum);
  std::optional<std::int64_t> running;
  if (leader && leader->mntr) {
    running = leader->mntr->quorum_size();
  }
  const std::int64_t voters = running.value_or(quorum.voting_members);
  if (voters < 2 || voters % 2 != 0) {
    return;
  }
  Finding finding;
  finding.code = "even-voters";
  finding.severity = Severity::warning;
  finding.subject = leader ? leader->peer.address() : std::string("zoo.cfg");
  finding.message = fmt::format(
      "the ensemble runs with {} voters ({}): it tolerates no more failures than {} and needs "
      "{} of them for a quorum",
      voters,
      running ? fmt::format("zk_quorum_size of leader {}", peer_name(*leader))
              : std::string("zoo.cfg"),
      voters - 1, voters / 2 + 1);
  finding.remedy = "use an odd number of voters (3 or 5); extra servers can be observers";
  out.push_back(std::move(finding));
}

void peer_behind(const Snapshot& snapshot, const zk::QuorumHealth& quorum,
                 std::vector<Finding>& out) {
  const auto* leader = leader_of(quorum);
  if (!leader || !leader->srvr || !leader->srvr->zxid) {
    return;
  }
  const auto& leader_zxid = *leader->srvr->zxid;
  for (const auto& peer : quorum.servers) {
    if (&peer == leader || peer.state != zk::PeerState::serving || !peer.srvr->zxid ||
        peer.srvr->zxid->epoch() != leader_zxid.epoch()) {
      continue;
    }
    const auto lag = static_cast<std::int64_t>(leader_zxid.counter()) -
                     static_cast<std::int64_t>(peer.srvr->zxid->counter());
    if (lag <= snapshot.thresholds.zxid_lag) {
      continue;
    }
    Finding finding;
    finding.code = "peer-behind";
    finding.severity = Severity::warning;
    finding.subject = peer.peer.address();
    finding.message = fmt::format(
        "{} is {} transactions behind leader {}: zxid {} against {} (threshold {}); its "
        "clients read older data and it is not ready to take over",
        peer_name(peer), lag, peer_name(*leader), peer.srvr->zxid->hex, leader_zxid.hex,
        snapshot.thresholds.zxid_lag);
    finding.remedy = fmt::format(
        "check the peer's disk (fsync time: zk_fsync_threshold_exceed_count in mntr) and network "
        "to the leader; flinkha zk status shows every peer's zxid; restart it with flinkha zk "
        "stop --peer {} and flinkha zk start --peer {} if it does not catch up",
        peer.peer.id, peer.peer.id);
    out.push_back(std::move(finding));
  }
}

void outstanding(const Snapshot& snapshot, const zk::QuorumHealth& quorum,
                 std::vector<Finding>& out) {
  for (const auto& peer : quorum.servers) {
    if (peer.state != zk::PeerState::serving) {
      continue;
    }
    std::optional<std::int64_t> queued;
    std::string source = "mntr zk_outstanding_requests";
    if (peer.mntr) {
      queued = peer.mntr->outstanding_requests();
    }
    if (!queued && peer.srvr) {
      queued = peer.srvr->outstanding;
      source = "srvr Outstanding";
    }
    if (!queued || *queued <= snapshot.thresholds.outstanding_requests) {
      continue;
    }
    Finding finding;
    finding.code = "outstanding-requests";
    finding.severity = Severity::warning;
    finding.subject = peer.peer.address();
    finding.message = fmt::format(
        "{} has {} requests queued ({}; threshold {}): it processes requests slower than "
        "clients send them, so session heartbeats wait too and sessions may expire",
        peer_name(peer), *queued, source, snapshot.thresholds.outstanding_requests);
    finding.remedy = "find the client that floods it (echo cons | nc HOST PORT lists each "
                     "connection's queued requests) and check the peer's disk and GC pauses";
    out.push_back(std::move(finding));
  }
}

void not_serving(const zk::QuorumHealth& quorum, std::vector<Finding>& out) {
  for (const auto& peer : quorum.servers) {
    if (peer.state != zk::PeerState::not_serving || !peer.reachable) {
      continue;
    }
    std::string why;
    if (peer.error) {
      why = peer.error->message;
    } else if (peer.srvr) {
      why = fmt::format("srvr says Mode: {}", zk::to_string(peer.srvr->mode));
    }
    Finding finding;
    finding.code = "peer-not-serving";
    finding.severity = Severity::warning;
    finding.subject = peer.peer.address();
    finding.message =
        fmt::format("{} answers but does not serve clients{}: {}", peer_name(peer),
                    peer.peer.is_voter ? std::string() : std::string(" (an observer)"), why);
    finding.remedy = fmt::format(
        "a peer without a quorum cannot reach the other peers on their quorum and election "
        "ports (zoo.cfg server.N lines), or runs with another configuration; read its log, then "
        "flinkha zk stop --peer {} and flinkha zk start --peer {}",
        peer.peer.id, peer.peer.id);
    out.push_back(std::move(finding));
  }
}

} // namespace

std::optional<std::string> check_quorum(const Snapshot& snapshot, std::vector<Finding>& out) {
  if (!snapshot.quorum) {
    return "no ensemble to ask: " +
           (snapshot.quorum_error.empty() ? std::string("no conf/zoo.cfg") : snapshot.quorum_error);
  }
  const auto& quorum = *snapshot.quorum;
  if (quorum.reachable == 0) {
    return "no ZooKeeper peer answered";
  }
  even_voters(snapshot, quorum, out);
  peer_behind(snapshot, quorum, out);
  outstanding(snapshot, quorum, out);
  not_serving(quorum, out);
  return std::nullopt;
}

} // namespace flinkha::doctor
