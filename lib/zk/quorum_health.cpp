#include "zk/quorum_health.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <thread>
#include <utility>

namespace flinkha::zk {

namespace {

using Clock = std::chrono::steady_clock;

// Errors raised before a TCP connection existed: the peer is down (or not where zoo.cfg says).
bool is_connect_failure(FourLetterErrorKind kind) {
  switch (kind) {
  case FourLetterErrorKind::invalid_request:
  case FourLetterErrorKind::dns:
  case FourLetterErrorKind::refused:
  case FourLetterErrorKind::unreachable:
  case FourLetterErrorKind::connect_timeout:
    return true;
  default:
    return false;
  }
}

// A peer is on another epoch than the leader. Until the first write of a new epoch the leader's
// zxid is epoch<<32 (counter 0) while its followers still show the previous epoch's last zxid
// (ZooKeeper 3.8.0: leader 0x200000000, follower 0x100000004 right after a re-election; fixtures
// reelected_*.srvr), so an older epoch counts only once the leader has written in its own.
bool lags_behind(const Zxid& peer, const Zxid& leader) {
  if (peer.epoch() > leader.epoch()) {
    return true;
  }
  return peer.epoch() < leader.epoch() && leader.counter() > 0;
}

std::string name_of(const PeerTarget& peer) {
  return fmt::format("{} {} ({})", peer.is_voter ? "peer" : "observer", peer.id, peer.address());
}

PeerProbe probe_one(const PeerTarget& peer, const ProbeOptions& options) {
  const auto start = Clock::now();
  PeerProbe probe{peer, std::unexpected(FourLetterError{}), std::nullopt};
  auto answer = send_four_letter(peer.host, peer.client_port, "srvr", options.four_letter);
  if (!answer) {
    probe.srvr = std::unexpected(std::move(answer.error()));
    return probe;
  }
  auto stats = parse_srvr(*answer);
  if (!stats) {
    probe.srvr = std::unexpected(FourLetterError{FourLetterErrorKind::malformed,
                                                 std::move(stats.error().message), peer.address()});
    return probe;
  }
  probe.srvr = std::move(*stats);
  if (!options.ask_mntr) {
    return probe;
  }
  // mntr gets what is left of this peer's total budget, so a peer costs at most one timeout.
  const auto spent =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  FourLetterOptions rest = options.four_letter;
  rest.total_timeout_ms = options.four_letter.total_timeout_ms - static_cast<int>(spent);
  if (rest.total_timeout_ms <= 0) {
    return probe;
  }
  auto monitor = send_four_letter(peer.host, peer.client_port, "mntr", rest);
  if (!monitor) {
    probe.mntr = std::unexpected(std::move(monitor.error()));
    return probe;
  }
  auto parsed = parse_mntr(*monitor);
  if (!parsed) {
    probe.mntr = std::unexpected(FourLetterError{
        FourLetterErrorKind::malformed, std::move(parsed.error().message), peer.address()});
    return probe;
  }
  probe.mntr = std::move(*parsed);
  return probe;
}

// Classifies one peer (state, reachability) without looking at the others except for
// `voters`, which decides whether "standalone" is the expected mode.
PeerHealth assess_peer(const PeerProbe& probe, int voters, std::vector<std::string>& problems) {
  PeerHealth health;
  health.peer = probe.peer;
  const auto name = name_of(probe.peer);
  if (!probe.srvr) {
    const auto& error = probe.srvr.error();
    health.error = error;
    const bool connected = !is_connect_failure(error.kind);
    health.state = connected ? PeerState::not_serving : PeerState::down;
    // Reached means a ZooKeeper server answered, if only to refuse: an endpoint that answers
    // srvr with bytes that are not ZooKeeper's, not at all, or breaks the connection mid-answer
    // decides nothing (exit 3 when no peer was reached).
    const bool impostor = error.kind == FourLetterErrorKind::malformed;
    const bool mute =
        error.kind == FourLetterErrorKind::read_timeout || error.kind == FourLetterErrorKind::io;
    health.reachable = connected && !impostor && !mute;
    if (impostor) {
      problems.push_back(fmt::format("{} is not a ZooKeeper server: {}", name, error.message));
    } else if (mute) {
      problems.push_back(fmt::format("{} is not answering: {}", name, error.message));
    } else {
      problems.push_back(
          fmt::format("{} is {}: {}", name, connected ? "not serving" : "down", error.message));
    }
    return health;
  }
  health.reachable = true;
  health.srvr = *probe.srvr;
  if (probe.mntr) {
    if (*probe.mntr) {
      health.mntr = **probe.mntr;
    } else {
      health.mntr_error = probe.mntr->error();
    }
  }
  health.state = PeerState::serving;
  switch (probe.srvr->mode) {
  case ServerMode::standalone:
    if (voters > 1 || !probe.peer.is_voter) {
      health.state = PeerState::not_serving;
      problems.push_back(
          fmt::format("{} runs standalone, outside the ensemble of {} voters", name, voters));
    }
    break;
  case ServerMode::read_only:
    health.state = PeerState::not_serving;
    problems.push_back(fmt::format("{} serves read-only clients only (it has no quorum)", name));
    break;
  case ServerMode::observer:
    if (probe.peer.is_voter) {
      // Serving, but not a vote: zoo.cfg and the running peer disagree.
      health.state = PeerState::not_serving;
      problems.push_back(fmt::format("{} is a voter in zoo.cfg but runs as an observer", name));
    }
    break;
  case ServerMode::leader:
  case ServerMode::follower:
    break;
  }
  return health;
}

} // namespace

std::string PeerTarget::address() const {
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, client_port);
  }
  return fmt::format("{}:{}", host, client_port);
}

std::vector<PeerTarget> peer_targets(const config::ZooCfg& zoo_cfg) {
  std::vector<PeerTarget> targets;
  targets.reserve(zoo_cfg.servers.size());
  for (const auto& server : zoo_cfg.servers) {
    targets.push_back(
        PeerTarget{server.id, server.host, zoo_cfg.client_port_of(server), server.is_voter()});
  }
  return targets;
}

std::vector<PeerProbe> probe_ensemble(std::span<const PeerTarget> peers,
                                      const ProbeOptions& options) {
  std::vector<std::optional<PeerProbe>> slots(peers.size());
  {
    // Ensembles are small (3 to 9 peers): one thread each keeps every timeout independent.
    std::vector<std::jthread> threads;
    threads.reserve(peers.size());
    for (std::size_t i = 0; i < peers.size(); ++i) {
      threads.emplace_back([&, i] { slots[i] = probe_one(peers[i], options); });
    }
  } // jthreads join here
  std::vector<PeerProbe> probes;
  probes.reserve(slots.size());
  for (auto& slot : slots) {
    probes.push_back(std::move(*slot));
  }
  return probes;
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
  case Verdict::healthy:
    return "healthy";
  case Verdict::degraded:
    return "degraded";
  case Verdict::lost:
    return "lost";
  }
  return "lost";
}

std::string_view to_string(PeerState state) {
  switch (state) {
  case PeerState::serving:
    return "serving";
  case PeerState::not_serving:
    return "not-serving";
  case PeerState::down:
    return "down";
  }
  return "down";
}

QuorumHealth assess_quorum(std::span<const PeerProbe> probes) {
  QuorumHealth result;
  result.voting_members = static_cast<int>(
      std::ranges::count_if(probes, [](const PeerProbe& probe) { return probe.peer.is_voter; }));
  const int voters = result.voting_members;

  std::vector<std::string> voter_problems;
  std::vector<const PeerHealth*> leaders;
  for (const auto& probe : probes) {
    std::vector<std::string> problems;
    auto health = assess_peer(probe, voters, problems);
    // An observer's trouble never costs the quorum anything: a note, not a reason.
    auto& sink = probe.peer.is_voter ? voter_problems : result.notes;
    sink.insert(sink.end(), problems.begin(), problems.end());
    result.reachable += health.reachable ? 1 : 0;
    result.servers.push_back(std::move(health));
  }
  for (const auto& health : result.servers) {
    if (health.state != PeerState::serving) {
      continue;
    }
    if (health.peer.is_voter) {
      ++result.serving;
    }
    if (health.srvr->mode == ServerMode::leader || health.srvr->mode == ServerMode::standalone) {
      leaders.push_back(&health);
    }
  }

  // Lost: the quorum cannot commit writes.
  std::vector<std::string> fatal;
  const int majority = voters / 2 + 1;
  if (voters == 0) {
    fatal.emplace_back("zoo.cfg lists no voting member");
  } else if (result.serving < majority) {
    fatal.push_back(fmt::format("only {} of {} voters serve; a quorum needs {}", result.serving,
                                voters, majority));
  }
  if (leaders.empty() && voters > 0) {
    fatal.emplace_back("no peer is leader");
  } else if (leaders.size() > 1) {
    std::vector<std::string> names;
    for (const auto* leader : leaders) {
      names.push_back(name_of(leader->peer));
    }
    fatal.push_back(
        fmt::format("{} peers claim to lead: {}", leaders.size(), fmt::join(names, ", ")));
  }
  if (leaders.size() == 1) {
    result.leader_id = leaders.front()->peer.id;
  }

  // Degraded: the quorum holds, but with less margin or with a lagging peer.
  std::vector<std::string> lag;
  if (leaders.size() == 1) {
    const auto& leader = *leaders.front();
    const auto& leader_zxid = leader.srvr->zxid;
    for (const auto& health : result.servers) {
      if (&health == &leader || health.state != PeerState::serving || !health.srvr->zxid ||
          !leader_zxid) {
        continue;
      }
      if (lags_behind(*health.srvr->zxid, *leader_zxid)) {
        auto& sink = health.peer.is_voter ? lag : result.notes;
        sink.push_back(fmt::format("{} is on epoch {} (zxid {}), the leader {} on epoch {} "
                                   "(zxid {})",
                                   name_of(health.peer), health.srvr->zxid->epoch(),
                                   health.srvr->zxid->hex, leader.peer.id, leader_zxid->epoch(),
                                   leader_zxid->hex));
      }
    }
    if (leader.mntr) {
      const auto synced = leader.mntr->synced_followers();
      if (synced && voters > 1 && *synced < voters - 1) {
        lag.push_back(fmt::format("leader {} has {} of {} followers in sync "
                                  "(zk_synced_followers)",
                                  name_of(leader.peer), *synced, voters - 1));
      }
    } else if (leader.mntr_error && voters > 1) {
      result.notes.push_back(fmt::format("leader {}: no mntr ({}), follower sync not checked",
                                         name_of(leader.peer), leader.mntr_error->message));
    }
  }

  if (!fatal.empty()) {
    result.verdict = Verdict::lost;
  } else if (!voter_problems.empty() || !lag.empty()) {
    result.verdict = Verdict::degraded;
  } else {
    result.verdict = Verdict::healthy;
  }
  for (auto* list : {&fatal, &voter_problems, &lag}) {
    std::ranges::move(*list, std::back_inserter(result.reasons));
  }
  return result;
}

} // namespace flinkha::zk
