// The quorum health model as a table (assess_quorum is pure), partly on answers captured from a
// real ZooKeeper 3.8.0 ensemble, plus probe_ensemble against in-process fake peers.

#include "test_support.hpp"
#include "util/strings.hpp"
#include "zk/quorum_health.hpp"

#include <doctest/doctest.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace flinkha::zk;
using flinkha::test::fixture;

namespace {

PeerTarget target(std::int64_t id, bool voter = true) {
  return PeerTarget{id, fmt::format("zk{}", id), 2180 + static_cast<int>(id), voter};
}

SrvrStats srvr(ServerMode mode, std::uint64_t zxid) {
  SrvrStats stats;
  stats.version = "3.8.0";
  stats.mode = mode;
  stats.zxid = Zxid{zxid, fmt::format("0x{:x}", zxid)};
  return stats;
}

MntrStats mntr_synced(std::int64_t synced) {
  return MntrStats(
      {{"zk_server_state", "leader"}, {"zk_synced_followers", std::to_string(synced)}});
}

PeerProbe up(std::int64_t id, ServerMode mode, std::uint64_t zxid = 0x100000004,
             std::optional<MntrStats> mntr = std::nullopt, bool voter = true) {
  PeerProbe probe{target(id, voter), srvr(mode, zxid), std::nullopt};
  if (mntr) {
    probe.mntr = std::move(*mntr);
  }
  return probe;
}

PeerProbe failed(std::int64_t id, FourLetterErrorKind kind, std::string message,
                 bool voter = true) {
  const auto peer = target(id, voter);
  return PeerProbe{peer, std::unexpected(FourLetterError{kind, std::move(message), peer.address()}),
                   std::nullopt};
}

PeerProbe down(std::int64_t id, bool voter = true) {
  return failed(id, FourLetterErrorKind::refused, "connection refused", voter);
}

PeerProbe not_serving(std::int64_t id) {
  return failed(id, FourLetterErrorKind::not_serving,
                "This ZooKeeper instance is not currently serving requests");
}

// A probe built from captured answers.
PeerProbe captured(std::int64_t id, std::string_view srvr_fixture,
                   std::string_view mntr_fixture = {}) {
  PeerProbe probe{target(id), parse_srvr(fixture(srvr_fixture)).value(), std::nullopt};
  if (!mntr_fixture.empty()) {
    probe.mntr = parse_mntr(fixture(mntr_fixture)).value();
  }
  return probe;
}

bool mentions(const std::vector<std::string>& lines, std::string_view text) {
  return std::ranges::any_of(
      lines, [&](const std::string& line) { return line.find(text) != std::string::npos; });
}

} // namespace

TEST_CASE("zk: quorum verdict table") {
  struct Case {
    const char* name;
    std::vector<PeerProbe> probes;
    Verdict verdict;
    std::optional<std::int64_t> leader;
    int serving;
    const char* reason; // a substring of some reason, or "" for none
  };
  const auto leader = ServerMode::leader;
  const auto follower = ServerMode::follower;
  const auto observer = ServerMode::observer;
  std::vector<Case> cases;
  cases.push_back({"3 voters all up",
                   {up(1, follower), up(2, follower), up(3, leader, 0x100000004, mntr_synced(2))},
                   Verdict::healthy,
                   3,
                   3,
                   ""});
  cases.push_back({"1 follower down",
                   {down(1), up(2, follower), up(3, leader)},
                   Verdict::degraded,
                   3,
                   2,
                   "peer 1 (zk1:2181) is down: connection refused"});
  cases.push_back({"leader down and one follower down",
                   {down(1), not_serving(2), down(3)},
                   Verdict::lost,
                   std::nullopt,
                   0,
                   "only 0 of 3 voters serve; a quorum needs 2"});
  cases.push_back({"two leaders",
                   {up(1, leader), up(2, follower), up(3, leader)},
                   Verdict::lost,
                   std::nullopt,
                   3,
                   "2 peers claim to lead: peer 1 (zk1:2181), peer 3 (zk3:2183)"});
  cases.push_back({"no leader",
                   {up(1, follower), up(2, follower), up(3, follower)},
                   Verdict::lost,
                   std::nullopt,
                   3,
                   "no peer is leader"});
  cases.push_back(
      {"follower on an older epoch after the leader wrote",
       {up(1, follower, 0x100000009), up(2, follower, 0x200000003), up(3, leader, 0x200000003)},
       Verdict::degraded,
       3,
       3,
       "peer 1 (zk1:2181) is on epoch 1 (zxid 0x100000009)"});
  cases.push_back(
      {"follower on a newer epoch than the leader",
       {up(1, follower, 0x300000001), up(2, follower, 0x200000003), up(3, leader, 0x200000003)},
       Verdict::degraded,
       3,
       3,
       "is on epoch 3"});
  cases.push_back(
      {"fresh election, no write yet: followers still on the old epoch",
       {up(1, follower, 0x100000004), up(2, follower, 0x100000004), up(3, leader, 0x200000000)},
       Verdict::healthy,
       3,
       3,
       ""});
  cases.push_back({"leader reports a follower out of sync",
                   {up(1, follower), up(2, follower), up(3, leader, 0x100000004, mntr_synced(1))},
                   Verdict::degraded,
                   3,
                   3,
                   "has 1 of 2 followers in sync"});
  cases.push_back({"observer down does not degrade",
                   {up(1, follower), up(2, follower), up(3, leader), down(4, false)},
                   Verdict::healthy,
                   3,
                   3,
                   ""});
  cases.push_back({"observer serving counts for nothing",
                   {up(1, follower), down(2), down(3), up(4, observer, 0x100000004, {}, false)},
                   Verdict::lost,
                   std::nullopt,
                   1,
                   "only 1 of 3 voters serve"});
  cases.push_back({"5 voters, 2 down",
                   {up(1, follower), down(2), up(3, follower), down(4), up(5, leader)},
                   Verdict::degraded,
                   5,
                   3,
                   "peer 4 (zk4:2184) is down"});
  cases.push_back({"5 voters, 3 down",
                   {up(1, follower), down(2), not_serving(3), down(4), up(5, leader)},
                   Verdict::lost,
                   5, // the leader still answers srvr for a moment after losing its quorum
                   2,
                   "only 2 of 5 voters serve; a quorum needs 3"});
  cases.push_back(
      {"standalone single server", {up(1, ServerMode::standalone, 0)}, Verdict::healthy, 1, 1, ""});
  cases.push_back({"single server down",
                   {down(1)},
                   Verdict::lost,
                   std::nullopt,
                   0,
                   "only 0 of 1 voters serve"});
  cases.push_back({"standalone inside an ensemble",
                   {up(1, ServerMode::standalone, 0), up(2, follower), up(3, leader)},
                   Verdict::degraded,
                   3,
                   2,
                   "runs standalone, outside the ensemble of 3 voters"});
  cases.push_back({"read-only peer",
                   {up(1, ServerMode::read_only), up(2, follower), up(3, leader)},
                   Verdict::degraded,
                   3,
                   2,
                   "serves read-only clients only"});
  cases.push_back({"voter timing out",
                   {failed(1, FourLetterErrorKind::read_timeout, "read timeout"), up(2, follower),
                    up(3, leader)},
                   Verdict::degraded,
                   3,
                   2,
                   "peer 1 (zk1:2181) is not answering: read timeout"});
  cases.push_back({"no voter configured", {}, Verdict::lost, std::nullopt, 0, "no voting member"});

  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto health = assess_quorum(c.probes);
    CHECK(to_string(health.verdict) == to_string(c.verdict));
    CHECK(health.leader_id == c.leader);
    CHECK(health.serving == c.serving);
    CHECK(health.servers.size() == c.probes.size());
    if (std::string_view(c.reason).empty()) {
      CHECK(health.reasons.empty());
    } else {
      CAPTURE(fmt::format("{}", fmt::join(health.reasons, " | ")));
      CHECK(mentions(health.reasons, c.reason));
    }
    if (c.verdict == Verdict::healthy) {
      CHECK(health.reasons.empty());
    }
  }
}

TEST_CASE("zk: quorum details: voters, reachability, notes") {
  const auto health = assess_quorum(std::vector{up(1, ServerMode::follower), not_serving(2),
                                                up(3, ServerMode::leader), down(4, false)});
  CHECK(health.voting_members == 3);
  CHECK(health.reachable == 3);
  CHECK(health.servers[0].state == PeerState::serving);
  CHECK(health.servers[1].state == PeerState::not_serving);
  CHECK(health.servers[1].reachable);
  CHECK(health.servers[3].state == PeerState::down);
  CHECK_FALSE(health.servers[3].reachable);
  CHECK(mentions(health.notes, "observer 4 (zk4:2184) is down: connection refused"));
  CHECK(mentions(health.reasons, "peer 2 (zk2:2182) is not serving: This ZooKeeper instance"));

  const auto nothing = assess_quorum(std::vector{down(1), down(2), down(3)});
  CHECK(nothing.reachable == 0); // the CLI's "unknown" (exit 3)
  CHECK(nothing.verdict == Verdict::lost);

  // Endpoints that answer srvr with bytes that are not ZooKeeper's, or never answer, decide
  // nothing either: connected, but no ZooKeeper server was reached.
  const auto impostors = assess_quorum(
      std::vector{failed(1, FourLetterErrorKind::malformed, "no \"Mode:\" line"),
                  failed(2, FourLetterErrorKind::read_timeout, "read timeout"),
                  failed(3, FourLetterErrorKind::io, "recv after 9 bytes: Connection reset")});
  CHECK(impostors.reachable == 0);
  CHECK(mentions(impostors.reasons, "peer 3 (zk3:2183) is not answering: recv after 9 bytes"));
  CHECK(impostors.servers[0].state == PeerState::not_serving);
  CHECK(mentions(impostors.reasons, "peer 1 (zk1:2181) is not a ZooKeeper server: no"));
  CHECK(mentions(impostors.reasons, "peer 2 (zk2:2182) is not answering: read timeout"));
}

TEST_CASE("zk: quorum health from a real ZooKeeper 3.8 ensemble") {
  SUBCASE("healthy: leader, follower, follower (mntr refused), observer") {
    auto follower_refused = captured(1, "zk/follower.srvr");
    follower_refused.mntr = std::unexpected(FourLetterError{
        FourLetterErrorKind::not_whitelisted,
        std::string(flinkha::util::trim(fixture("zk/whitelist_refused.mntr"))), "zk1:2181"});
    auto observer = captured(4, "zk/observer.srvr", "zk/observer.mntr");
    observer.peer.is_voter = false;
    const auto health = assess_quorum(
        std::vector{follower_refused, captured(2, "zk/follower.srvr", "zk/follower.mntr"),
                    captured(3, "zk/leader.srvr", "zk/leader.mntr"), observer});
    CHECK(health.verdict == Verdict::healthy);
    CHECK(health.leader_id == 3);
    CHECK(health.reasons.empty());
    CHECK(health.servers[0].mntr_error->kind == FourLetterErrorKind::not_whitelisted);
  }
  SUBCASE("right after the first election (leader 0x100000000, followers 0x0)") {
    const auto health = assess_quorum(std::vector{captured(1, "zk/fresh_follower.srvr"),
                                                  captured(2, "zk/fresh_follower.srvr"),
                                                  captured(3, "zk/fresh_leader.srvr")});
    CHECK(health.verdict == Verdict::healthy);
  }
  SUBCASE("leader stopped, the others re-elected: degraded") {
    auto stopped = down(3);
    const auto health = assess_quorum(
        std::vector{captured(1, "zk/reelected_follower.srvr"),
                    captured(2, "zk/reelected_leader.srvr", "zk/reelected_leader.mntr"), stopped});
    CHECK(health.verdict == Verdict::degraded);
    CHECK(health.leader_id == 2);
    CHECK(mentions(health.reasons, "peer 3 (zk3:2183) is down"));
    CHECK(mentions(health.reasons, "has 1 of 2 followers in sync"));
    CHECK_FALSE(mentions(health.reasons, "epoch")); // no write yet in epoch 2
  }
  SUBCASE("standalone") {
    const auto health =
        assess_quorum(std::vector{captured(1, "zk/standalone.srvr", "zk/standalone.mntr")});
    CHECK(health.verdict == Verdict::healthy);
    CHECK(health.leader_id == 1);
  }
}

namespace {

// Minimal loopback peer for probe_ensemble: answers srvr/mntr from fixtures, or stays silent.
class FixturePeer {
public:
  FixturePeer(std::string srvr_answer, std::string mntr_answer, bool silent = false)
      : m_srvr(std::move(srvr_answer)), m_mntr(std::move(mntr_answer)), m_silent(silent) {
    m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(m_listener, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(::listen(m_listener, 8) == 0);
    REQUIRE(::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    m_port = ntohs(address.sin_port);
    m_thread = std::thread([this] { serve(); });
  }
  ~FixturePeer() {
    m_stop = true;
    m_thread.join();
    ::close(m_listener);
  }
  FixturePeer(const FixturePeer&) = delete;
  FixturePeer& operator=(const FixturePeer&) = delete;
  int port() const { return m_port; }

private:
  bool readable(int fd) {
    while (!m_stop) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 20) > 0) {
        return true;
      }
    }
    return false;
  }
  void serve() {
    while (readable(m_listener)) {
      const int client = ::accept(m_listener, nullptr, nullptr);
      if (client < 0) {
        continue;
      }
      char command[4] = {};
      if (readable(client) && ::recv(client, command, 4, MSG_WAITALL) == 4 && !m_silent) {
        const auto& answer = std::string_view(command, 4) == "srvr" ? m_srvr : m_mntr;
        (void)::send(client, answer.data(), answer.size(), MSG_NOSIGNAL);
      }
      while (m_silent && !m_stop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ::close(client);
    }
  }

  std::string m_srvr;
  std::string m_mntr;
  bool m_silent;
  int m_listener = -1;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

} // namespace

TEST_CASE("zk: probe_ensemble asks every peer at once") {
  FixturePeer follower(fixture("zk/follower.srvr"), fixture("zk/follower.mntr"));
  FixturePeer leader(fixture("zk/leader.srvr"), fixture("zk/leader.mntr"));
  FixturePeer refuses_mntr(fixture("zk/follower.srvr"), fixture("zk/whitelist_refused.mntr"));
  FixturePeer hung1("", "", true);
  FixturePeer hung2("", "", true);
  const std::vector<PeerTarget> peers{{1, "127.0.0.1", refuses_mntr.port(), true},
                                      {2, "127.0.0.1", follower.port(), true},
                                      {3, "127.0.0.1", leader.port(), true},
                                      {4, "127.0.0.1", hung1.port(), true},
                                      {5, "127.0.0.1", hung2.port(), true}};
  ProbeOptions options;
  options.four_letter.total_timeout_ms = 400;
  const auto start = std::chrono::steady_clock::now();
  const auto probes = probe_ensemble(peers, options);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  // Two hung peers, each with a 400 ms budget: in parallel, not one after the other.
  CHECK(elapsed < std::chrono::milliseconds(750));
  REQUIRE(probes.size() == 5);
  CHECK(probes[0].peer.id == 1);
  REQUIRE(probes[0].mntr.has_value());
  CHECK(probes[0].mntr->error().kind == FourLetterErrorKind::not_whitelisted);
  CHECK(probes[2].mntr->value().synced_followers() == 2);
  CHECK(probes[3].srvr.error().kind == FourLetterErrorKind::read_timeout);
  CHECK_FALSE(probes[3].mntr.has_value());

  const auto health = assess_quorum(probes);
  CHECK(health.verdict == Verdict::degraded); // 3 of 5 voters serve
  CHECK(health.leader_id == 3);
  CHECK(mentions(health.reasons, "peer 4 (127.0.0.1:"));
}

TEST_CASE("zk: peer_targets from zoo.cfg") {
  const auto cfg = flinkha::config::parse_zoo_cfg(
      "clientPort=2181\nserver.1=zk1:2888:3888\nserver.2=zk2:2888:3888;2182\n"
      "server.3=zk3:2888:3888:observer\n",
      "zoo.cfg");
  REQUIRE(cfg.has_value());
  const auto targets = peer_targets(*cfg);
  REQUIRE(targets.size() == 3);
  CHECK(targets[0].address() == "zk1:2181");
  CHECK(targets[1].client_port == 2182);
  CHECK(targets[2].is_voter == false);
}
