#pragma once
// Health of a ZooKeeper ensemble as `zk status` reports it (DESIGN.md contract: verdict
// healthy|degraded|lost, exit 0/1/2). Two parts:
//   1. probe_ensemble(): asks every peer, all at once, for `srvr` and then `mntr` (I/O);
//   2. assess_quorum(): the verdict, a pure function of the answers (table-tested).
// The rules follow how ZooKeeper itself decides (reference flink-scripts.md §6): a peer without
// quorum answers "not currently serving requests"; exactly one peer reports Mode: leader; the
// leader's mntr counts the voting followers in sync (zk_synced_followers). `srvr` is always
// whitelisted (3.5.3+ adds it unconditionally), `mntr` is optional.

#include "config/zoo_cfg.hpp"
#include "zk/four_letter.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::zk {

// One peer to ask, as zoo.cfg names it.
struct PeerTarget {
  std::int64_t id = 0;
  std::string host;
  int client_port = 2181;
  bool is_voter = true; // false for observers

  // "zk1:2181" (IPv6 literals bracketed).
  std::string address() const;
};

// Every server.N of zoo.cfg, with its client port resolved as ZooKeeper does (ZooCfg).
std::vector<PeerTarget> peer_targets(const config::ZooCfg& zoo_cfg);

// What one peer answered. srvr errors of kind `malformed` come from parse_srvr().
struct PeerProbe {
  PeerTarget peer;
  FourLetterResult<SrvrStats> srvr;
  // Empty when mntr was not asked (srvr failed, mntr disabled, or no time left).
  std::optional<FourLetterResult<MntrStats>> mntr;
};

struct ProbeOptions {
  // Per request; one peer's srvr and mntr together stay within total_timeout_ms.
  FourLetterOptions four_letter;
  bool ask_mntr = true;
};

// Sends srvr (then mntr when srvr succeeded) to every peer concurrently, one thread per peer, so
// the whole probe takes about as long as the slowest peer, at most total_timeout_ms. Results are
// in the order of `peers`. Never fails as a whole: per-peer errors are in the probes.
std::vector<PeerProbe> probe_ensemble(std::span<const PeerTarget> peers,
                                      const ProbeOptions& options = {});

// ---- the health model ------------------------------------------------------------------------

enum class Verdict { healthy, degraded, lost };
std::string_view to_string(Verdict verdict); // "healthy", "degraded", "lost"

enum class PeerState {
  serving,     // answered srvr as leader/follower/observer (or standalone, if alone)
  not_serving, // reachable, but not part of a working quorum (no quorum, read-only, standalone
               // inside an ensemble, timed out or garbled answer)
  down,        // no TCP connection (refused, unreachable, connect timeout, DNS failure)
};
std::string_view to_string(PeerState state); // "serving", "not-serving", "down"

struct PeerHealth {
  PeerTarget peer;
  PeerState state = PeerState::down;
  bool reachable = false; // a ZooKeeper server answered (if only with a refusal); not an
                          // answer that is not ZooKeeper's (malformed), none (read timeout)
                          // or one the connection broke (io)
  std::optional<SrvrStats> srvr;
  std::optional<MntrStats> mntr;
  std::optional<FourLetterError> error;      // why srvr gave nothing usable
  std::optional<FourLetterError> mntr_error; // e.g. not_whitelisted
};

struct QuorumHealth {
  Verdict verdict = Verdict::lost;
  std::optional<std::int64_t> leader_id; // the single leader (or the standalone server)
  int voting_members = 0;                // voters in zoo.cfg
  int serving = 0;                       // voters serving in the quorum
  int reachable = 0;               // peers where a ZooKeeper server answered (0: "unknown", exit 3)
  std::vector<PeerHealth> servers; // in input order
  // Why the verdict is not healthy, each naming the peer: "peer 2 (zk2:2181) is down:
  // connection refused". Empty when healthy.
  std::vector<std::string> reasons;
  // Worth showing but not affecting the verdict: an observer down, mntr not whitelisted.
  std::vector<std::string> notes;
};

// The verdict (pure):
//   lost     fewer than a majority of voters serving, or no leader, or more than one leader;
//   degraded quorum holds, but a voter is down or not serving, a serving voter is on another
//            epoch (zxid >> 32) than the leader (an older one only once the leader has written
//            in its epoch: before that, followers legitimately show the previous epoch), or the
//            leader's mntr reports zk_synced_followers < voters - 1;
//   healthy  otherwise. A single voter running standalone is healthy; observers never degrade.
QuorumHealth assess_quorum(std::span<const PeerProbe> probes);

} // namespace flinkha::zk
