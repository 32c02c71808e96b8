// doctor check "quorum" (lib/doctor/check_quorum.hpp), on QuorumHealth assessed by
// zk::assess_quorum from srvr / mntr answers captured from a real ZooKeeper 3.8.0 ensemble
// (tests/unit/fixtures/zk/, tests/integration/zk_capture_fixtures.py).
#include "doctor/check_quorum.hpp"
#include "doctor/checks.hpp"
#include "doctor_test_support.hpp"
#include "zk/quorum_health.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace flinkha;
using flinkha::test::fixture;
using flinkha::test::with_code;

namespace {

zk::PeerTarget target(std::int64_t id) {
  return zk::PeerTarget{id, "127.0.0.1", 2180 + static_cast<int>(id), true};
}

zk::PeerProbe captured(std::int64_t id, std::string_view srvr, std::string_view mntr = {}) {
  zk::PeerProbe probe{target(id), zk::parse_srvr(fixture(srvr)).value(), std::nullopt};
  if (!mntr.empty()) {
    probe.mntr = zk::parse_mntr(fixture(mntr)).value();
  }
  return probe;
}

// The refusal a peer without a quorum answers to srvr, as captured.
zk::PeerProbe refusing(std::int64_t id) {
  const auto answer = fixture("zk/not_serving.srvr");
  const auto kind = zk::classify_refusal(answer);
  REQUIRE(kind == zk::FourLetterErrorKind::not_serving);
  return zk::PeerProbe{target(id),
                       std::unexpected(zk::FourLetterError{*kind, answer, target(id).address()}),
                       std::nullopt};
}

void set_zxid(zk::PeerProbe& probe, std::uint64_t zxid) {
  probe.srvr->zxid = zk::Zxid{zxid, fmt::format("0x{:x}", zxid)};
}

doctor::Snapshot snapshot_of(std::vector<zk::PeerProbe> probes) {
  doctor::Snapshot snapshot;
  snapshot.quorum = zk::assess_quorum(probes);
  snapshot.zookeeper_reached = snapshot.quorum->reachable > 0;
  return snapshot;
}

std::vector<zk::PeerProbe> healthy_ensemble() {
  return {captured(1, "zk/follower.srvr", "zk/follower.mntr"),
          captured(2, "zk/leader.srvr", "zk/leader.mntr"),
          captured(3, "zk/follower.srvr", "zk/follower.mntr")};
}

std::vector<doctor::Finding> run(const doctor::Snapshot& snapshot) {
  std::vector<doctor::Finding> out;
  CHECK_FALSE(doctor::check_quorum(snapshot, out).has_value());
  return out;
}

} // namespace

TEST_CASE("doctor quorum: the captured healthy ensemble has no finding") {
  const auto snapshot = snapshot_of(healthy_ensemble());
  REQUIRE(snapshot.quorum->verdict == zk::Verdict::healthy);
  CHECK(run(snapshot).empty());
  CHECK(test::verdict_of_row(snapshot, "quorum") == doctor::Verdict::ok);
}

TEST_CASE("doctor quorum: a follower more than zxid_lag transactions behind the leader") {
  auto probes = healthy_ensemble();
  set_zxid(probes[1], 0x100000000 + 5000); // the leader
  set_zxid(probes[2], 0x100000000 + 100);
  auto snapshot = snapshot_of(probes);
  snapshot.thresholds.zxid_lag = 4996; // peer 1 (zxid 0x100000004) is 4996 behind: not above
  CHECK(with_code(run(snapshot), "peer-behind").empty());
  snapshot.thresholds.zxid_lag = 4950;
  CHECK(with_code(run(snapshot), "peer-behind").size() == 1);
  snapshot.thresholds.zxid_lag = 4000;
  const auto behind = with_code(run(snapshot), "peer-behind");
  REQUIRE(behind.size() == 2);
  CHECK(behind[1].subject == "127.0.0.1:2183");
  CHECK(test::contains(behind[1].message, "4900 transactions behind leader peer 2"));
  CHECK(test::contains(behind[1].message, "zxid 0x100000064 against 0x100001388"));
  CHECK(test::contains(behind[1].remedy, "flinkha zk stop --peer 3"));
  // Another epoch is the verdict's degraded reason, not a lag in transactions.
  set_zxid(probes[2], 0x000000000 + 100);
  snapshot = snapshot_of(probes);
  snapshot.thresholds.zxid_lag = 4000;
  const auto other_epoch = with_code(run(snapshot), "peer-behind");
  REQUIRE(other_epoch.size() == 1);
  CHECK(other_epoch[0].subject == "127.0.0.1:2181");
}

TEST_CASE("doctor quorum: outstanding requests above the threshold, from mntr or srvr") {
  auto probes = healthy_ensemble();
  auto values = probes[1].mntr->value().values();
  values["zk_outstanding_requests"] = "250";
  probes[1].mntr = zk::MntrStats(values);
  probes[0].mntr.reset();
  probes[0].srvr->outstanding = 101;
  const auto findings = with_code(run(snapshot_of(probes)), "outstanding-requests");
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].subject == "127.0.0.1:2181");
  CHECK(test::contains(findings[0].message, "101 requests queued (srvr Outstanding"));
  CHECK(test::contains(findings[1].message, "250 requests queued (mntr zk_outstanding_requests"));
}

TEST_CASE("doctor quorum: a peer that answers srvr but does not serve") {
  // One peer of three running: it refuses srvr, the quorum is lost (the verdict adapter's
  // finding); this check names the peer.
  const auto alone = snapshot_of(
      {refusing(1),
       zk::PeerProbe{target(2),
                     std::unexpected(zk::FourLetterError{zk::FourLetterErrorKind::refused,
                                                         "connection refused", "127.0.0.1:2182"}),
                     std::nullopt},
       zk::PeerProbe{target(3),
                     std::unexpected(zk::FourLetterError{zk::FourLetterErrorKind::refused,
                                                         "connection refused", "127.0.0.1:2183"}),
                     std::nullopt}});
  REQUIRE(alone.quorum->verdict == zk::Verdict::lost);
  const auto findings = run(alone);
  REQUIRE(findings.size() == 1); // the down peers are the verdict's business
  CHECK(findings[0].code == "peer-not-serving");
  CHECK(findings[0].subject == "127.0.0.1:2181");
  CHECK(test::contains(findings[0].message, "not currently serving requests"));

  // A peer running standalone inside the ensemble answers srvr with Mode: standalone.
  auto probes = healthy_ensemble();
  probes[2] = captured(3, "zk/standalone.srvr");
  const auto standalone = with_code(run(snapshot_of(probes)), "peer-not-serving");
  REQUIRE(standalone.size() == 1);
  CHECK(test::contains(standalone[0].message, "Mode: standalone"));
}

TEST_CASE("doctor quorum: an even number of voters running, once") {
  auto probes = healthy_ensemble();
  probes.push_back(captured(4, "zk/follower.srvr", "zk/follower.mntr"));
  // The leader's zk_quorum_size (3 in the captured ensemble) is what runs: zoo.cfg's four
  // voters are config check's even-voters, not this check's.
  CHECK(with_code(run(snapshot_of(probes)), "even-voters").empty());
  auto values = probes[1].mntr->value().values();
  values["zk_quorum_size"] = "4";
  probes[1].mntr = zk::MntrStats(values);
  auto snapshot = snapshot_of(probes);
  const auto even = with_code(run(snapshot), "even-voters");
  REQUIRE(even.size() == 1);
  CHECK(even[0].subject == "127.0.0.1:2182");
  CHECK(test::contains(even[0].message, "4 voters (zk_quorum_size of leader peer 2"));
  CHECK(test::contains(even[0].message, "needs 3 of them"));
  // config check already says it: not twice.
  config::Diagnostic linted;
  linted.code = "even-voters";
  snapshot.lint.push_back(linted);
  CHECK(with_code(run(snapshot), "even-voters").empty());
}

TEST_CASE("doctor quorum: skipped without zoo.cfg or when no peer answered") {
  doctor::Snapshot snapshot;
  std::vector<doctor::Finding> out;
  CHECK(doctor::check_quorum(snapshot, out).has_value());
  snapshot.quorum = zk::QuorumHealth{};
  CHECK(doctor::check_quorum(snapshot, out) == std::string("no ZooKeeper peer answered"));
  CHECK(out.empty());
}
