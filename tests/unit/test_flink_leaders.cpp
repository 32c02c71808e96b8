#include "flink/leader_info.hpp"
#include "flink/leaders.hpp"
#include "test_support.hpp"
#include "zk/memory_tree.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

using namespace flinkha;
using flink::HaEra;
using flink::LeaderVerdict;

namespace {

// tests/unit/fixtures/flink_ha/<version>/tree.json: every znode of a real cluster's namespace,
// captured by tests/integration/capture_leader_fixtures.py.
struct Captured {
  nlohmann::json tree;
  zk::MemoryTree zk;
  std::string ns;
  int leader_rpc_port = 0;
  int leader_rest_port = 0;
};

std::string unhex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

Captured load(const std::string& version) {
  Captured c;
  c.tree = nlohmann::json::parse(test::fixture("flink_ha/" + version + "/tree.json"));
  c.ns = c.tree["namespace"];
  for (const auto& node : c.tree["nodes"]) {
    zk::Stat stat;
    stat.czxid = node["stat"]["czxid"];
    stat.mzxid = node["stat"]["mzxid"];
    stat.ctime_ms = node["stat"]["ctime"];
    stat.ephemeral_owner = node["stat"]["ephemeralOwner"];
    if (node["data_hex"].is_null()) {
      c.zk.put_null(node["path"], stat);
    } else {
      c.zk.put(node["path"], unhex(node["data_hex"]), stat);
    }
  }
  // The first JobManager started leads (start_cluster waits for its REST before the second).
  c.leader_rpc_port = std::stoi(c.tree["jobmanagers"][0]["rpc_port"].get<std::string>());
  c.leader_rest_port = c.tree["jobmanagers"][0]["rest_port"];
  return c;
}

flink::ResolveOptions options_for(const std::string& ns) {
  flink::ResolveOptions options;
  options.layout.ns = ns;
  return options;
}

const flink::ComponentLeader* find(const flink::LeaderReport& report, std::string_view name) {
  for (const auto& c : report.leaders) {
    if (c.component == name) {
      return &c;
    }
  }
  return nullptr;
}

} // namespace

TEST_CASE("leaders: connection_info bytes of real JobManagers decode per component") {
  for (const std::string version : {"1.20.5", "2.3.0"}) {
    CAPTURE(version);
    const auto captured = load(version);
    std::optional<std::string> session;
    for (const std::string component : {"dispatcher", "resource_manager", "rest_server"}) {
      CAPTURE(component);
      const auto bytes = test::fixture("flink_ha/" + version + "/" + component + ".bin");
      const auto info = flink::decode_leader_information(bytes);
      REQUIRE_MESSAGE(info.has_value(), (info ? "" : info.error().message));
      REQUIRE(info->has_value());
      const auto& address = (*info)->address;
      if (component == "rest_server") {
        CHECK(address == fmt::format("http://127.0.0.1:{}", captured.leader_rest_port));
      } else {
        const auto prefix =
            fmt::format("pekko.tcp://flink@127.0.0.1:{}/user/rpc/{}_", captured.leader_rpc_port,
                        component == "dispatcher" ? "dispatcher" : "resourcemanager");
        CHECK(address.starts_with(prefix));
      }
      REQUIRE((*info)->session_id.has_value());
      CHECK((*info)->session_id->size() == 36);
      // 1.15+: one leader session for all components of the leading process.
      if (session) {
        CHECK(*session == *(*info)->session_id);
      }
      session = (*info)->session_id;
    }
  }
}

TEST_CASE("leaders: resolution of a real 1.20 and 2.3 namespace") {
  for (const std::string version : {"1.20.5", "2.3.0"}) {
    CAPTURE(version);
    auto captured = load(version);
    const auto report = flink::resolve_leaders(captured.zk, options_for(captured.ns));
    REQUIRE(report.has_value());
    CHECK(report->era == (version == "2.3.0" ? HaEra::v2_0 : HaEra::v1_15));
    CHECK(report->verdict == LeaderVerdict::consistent);
    REQUIRE(report->leaders.size() == 3);
    REQUIRE(report->latch.size() == 2);
    CHECK(report->latch[0].leader);
    CHECK_FALSE(report->latch[1].leader);
    CHECK(report->latch[0].node.ends_with("-latch-0000000000"));
    const auto leader_session = report->latch[0].owner;
    for (const auto& c : report->leaders) {
      CAPTURE(c.component);
      CHECK(c.consistent());
      CHECK(c.note.empty());
      CHECK(c.owner == leader_session);
      CHECK(c.latch_owner == leader_session);
      CHECK(c.session_id == report->leaders[0].session_id);
    }
    CHECK(find(*report, "rest_server")->address ==
          fmt::format("http://127.0.0.1:{}", captured.leader_rest_port));
  }
}

TEST_CASE("leaders: the standby's latch node as leader makes every component inconsistent") {
  auto captured = load("2.3.0");
  const auto latch = captured.ns + "/leader/latch";
  auto names = captured.zk.children(latch);
  REQUIRE(names.has_value());
  const auto sorted = flink::curator_sorted(*names);
  captured.zk.remove(latch + "/" + sorted.front()); // the leader's latch node is gone
  const auto report = flink::resolve_leaders(captured.zk, options_for(captured.ns));
  REQUIRE(report.has_value());
  CHECK(report->verdict == LeaderVerdict::inconsistent);
  for (const auto& c : report->leaders) {
    CHECK_FALSE(c.consistent());
    CHECK(c.note.find("a stale node or a failover in progress") != std::string::npos);
  }
  // The standby published nothing yet: its latch leads, the address is missing.
  for (const std::string component : {"dispatcher", "resource_manager", "rest_server"}) {
    captured.zk.remove(captured.ns + "/leader/" + component + "/connection_info");
  }
  const auto electing = flink::resolve_leaders(captured.zk, options_for(captured.ns));
  REQUIRE(electing.has_value());
  CHECK(electing->verdict == LeaderVerdict::inconsistent);
  CHECK(find(*electing, "dispatcher")->note.find("has not published an address") !=
        std::string::npos);
  // Nobody left.
  captured.zk.remove(latch + "/" + sorted.back());
  const auto none = flink::resolve_leaders(captured.zk, options_for(captured.ns));
  REQUIRE(none.has_value());
  CHECK(none->verdict == LeaderVerdict::none);
}

TEST_CASE("leaders: stale connection_info without a latch participant") {
  auto captured = load("1.20.5");
  // ZooKeeper deletes one node at a time: the participants first, then the latch.
  const auto latch = captured.ns + "/leader/latch";
  const auto participants = captured.zk.children(latch);
  REQUIRE(participants.has_value());
  for (const auto& name : *participants) {
    REQUIRE(captured.zk.remove(latch + "/" + name).has_value());
  }
  REQUIRE(captured.zk.remove(latch).has_value());
  captured.zk.put(latch, "");
  const auto report = flink::resolve_leaders(captured.zk, options_for(captured.ns));
  REQUIRE(report.has_value());
  CHECK(report->verdict == LeaderVerdict::inconsistent);
  CHECK(find(*report, "dispatcher")->note.find("nobody holds the latch") != std::string::npos);
}

TEST_CASE("leaders: a corrupt connection_info is a note, not a failure") {
  auto captured = load("1.20.5");
  const auto path = captured.ns + "/leader/dispatcher/connection_info";
  auto node = captured.zk.get(path);
  REQUIRE(node.has_value());
  captured.zk.put(path, "\xac\xed\x00\x05garbage", node->stat);
  const auto report = flink::resolve_leaders(captured.zk, options_for(captured.ns));
  REQUIRE(report.has_value());
  CHECK(report->verdict == LeaderVerdict::inconsistent);
  CHECK(find(*report, "dispatcher")->note.starts_with("cannot decode " + path));
  CHECK(find(*report, "rest_server")->consistent());
}

namespace {

// The real bytes, placed where older eras keep them.
zk::MemoryTree synthetic(HaEra era, const std::string& ns) {
  const auto dispatcher = test::fixture("flink_ha/1.20.5/dispatcher.bin");
  const auto rm = test::fixture("flink_ha/1.20.5/resource_manager.bin");
  const auto rest = test::fixture("flink_ha/1.20.5/rest_server.bin");
  const std::string job = "0123456789abcdef0123456789abcdef";
  zk::Stat leader;
  leader.ephemeral_owner = 0x100;
  zk::Stat standby;
  standby.ephemeral_owner = 0x200;
  const std::string first = "_c_11111111-1111-1111-1111-111111111111-latch-0000000007";
  const std::string second = "_c_00000000-0000-0000-0000-000000000000-latch-0000000008";
  zk::MemoryTree tree;
  auto latch = [&](const std::string& path) {
    tree.put(path + "/" + second, "", standby);
    tree.put(path + "/" + first, "", leader);
  };
  switch (era) {
  case HaEra::v1_0:
    latch(ns + "/leaderlatch");
    tree.put(ns + "/leader", dispatcher, leader);
    break;
  case HaEra::v1_3:
    for (const auto& [name, bytes] :
         {std::pair{"dispatcher", dispatcher}, std::pair{"resource_manager", rm},
          std::pair{"rest_server", rest}}) {
      latch(ns + "/leaderlatch/" + name + "_lock");
      tree.put(ns + "/leader/" + name + "_lock", bytes, leader);
    }
    latch(ns + "/leaderlatch/" + job + "/job_manager_lock");
    tree.put(ns + "/leader/" + job + "/job_manager_lock", dispatcher, leader);
    break;
  case HaEra::v1_14:
    for (const auto& [name, bytes] :
         {std::pair{"dispatcher", dispatcher}, std::pair{"resource_manager", rm},
          std::pair{"rest_server", rest}}) {
      latch(ns + "/leader/" + name + "/latch");
      tree.put(ns + "/leader/" + name + "/connection_info", bytes, leader);
    }
    latch(ns + "/jobs/" + job + "/leader/latch");
    tree.put(ns + "/jobs/" + job + "/leader/connection_info", dispatcher, leader);
    break;
  case HaEra::v1_15:
  case HaEra::v2_0:
    latch(ns + "/leader/latch");
    tree.put(ns + "/leader/dispatcher/connection_info", dispatcher, leader);
    tree.put(ns + "/leader/resource_manager/connection_info", rm, leader);
    tree.put(ns + "/leader/rest_server/connection_info", rest, leader);
    tree.put(ns + "/leader/" + job + "/connection_info", dispatcher, leader);
    if (era == HaEra::v2_0) {
      tree.put(ns + "/execution-plans", "");
    }
    break;
  }
  return tree;
}

} // namespace

TEST_CASE("leaders: every era resolves from its own layout, jobs included") {
  const std::string ns = "/flink/default";
  for (const auto era : {HaEra::v1_0, HaEra::v1_3, HaEra::v1_14, HaEra::v1_15, HaEra::v2_0}) {
    CAPTURE(flink::layout_label(era));
    auto tree = synthetic(era, ns);
    const auto report = flink::resolve_leaders(tree, options_for(ns));
    REQUIRE(report.has_value());
    CHECK(report->era == era);
    CHECK(report->verdict == LeaderVerdict::consistent);
    const std::size_t expected = era == HaEra::v1_0 ? 1 : 4;
    CHECK(report->leaders.size() == expected);
    for (const auto& c : report->leaders) {
      CAPTURE(c.component);
      CHECK(c.consistent());
      CHECK(c.owner == 0x100);
    }
    if (era != HaEra::v1_0) {
      const auto* job = find(*report, "0123456789abcdef0123456789abcdef");
      REQUIRE(job != nullptr);
      CHECK(job->kind == flink::ComponentKind::job);
    }
    // Curator order: sequence 7 leads although its protected-mode UUID sorts later.
    REQUIRE_FALSE(report->latch.empty());
    CHECK(report->latch.front().node.ends_with("-latch-0000000007"));
    CHECK(report->latch.front().leader);
  }
}

TEST_CASE("leaders: --flink-version overrides detection") {
  auto tree = synthetic(HaEra::v1_15, "/flink/default");
  auto options = options_for("/flink/default");
  options.forced_era = HaEra::v1_14;
  const auto report = flink::resolve_leaders(tree, options);
  REQUIRE(report.has_value());
  CHECK(report->era == HaEra::v1_14);
  CHECK(report->layout_source == "--flink-version");
  // 1.14 reads the same connection_info paths but per-component latches, which do not exist.
  CHECK(report->verdict == LeaderVerdict::inconsistent);
  CHECK(find(*report, "dispatcher")->note.find("nobody holds the latch") != std::string::npos);
}

TEST_CASE("leaders: Curator's order uses the sequence after the last latch-") {
  const auto sorted = flink::curator_sorted(
      {"_c_b-latch-0000000010", "_c_a-latch-0000000002", "_c_latch-x-latch-0000000001", "plain"});
  CHECK(sorted == std::vector<std::string>{"_c_latch-x-latch-0000000001", "_c_a-latch-0000000002",
                                           "_c_b-latch-0000000010", "plain"});
}

TEST_CASE("leaders: FailoverTracker reports loss, election and failover duration") {
  auto captured = load("2.3.0");
  const auto options = options_for(captured.ns);
  flink::FailoverTracker tracker;
  using namespace std::chrono_literals;
  const auto t0 = std::chrono::system_clock::time_point{} + 1000s;

  auto initial = tracker.observe(*flink::resolve_leaders(captured.zk, options), t0);
  REQUIRE(initial.size() == 3);
  CHECK(initial[0].kind == flink::LeaderChangeKind::initial);
  CHECK(tracker.observe(*flink::resolve_leaders(captured.zk, options), t0 + 1s).empty());

  // The leader's session expires: its latch node and connection_info nodes vanish together.
  const auto latch = captured.ns + "/leader/latch";
  const auto sorted = flink::curator_sorted(*captured.zk.children(latch));
  const auto standby = captured.zk.get(latch + "/" + sorted.back())->stat.ephemeral_owner;
  captured.zk.remove(latch + "/" + sorted.front());
  std::map<std::string, std::string> bytes;
  for (const std::string component : {"dispatcher", "resource_manager", "rest_server"}) {
    const auto path = captured.ns + "/leader/" + component + "/connection_info";
    bytes[path] = captured.zk.get(path)->data;
    captured.zk.remove(path);
  }
  auto lost = tracker.observe(*flink::resolve_leaders(captured.zk, options), t0 + 2s);
  int lost_count = 0;
  int left = 0;
  for (const auto& change : lost) {
    lost_count += change.kind == flink::LeaderChangeKind::leader_lost ? 1 : 0;
    left += change.kind == flink::LeaderChangeKind::participant_left ? 1 : 0;
  }
  CHECK(lost_count == 3);
  CHECK(left == 1);

  // The standby publishes (new session owner; the bytes' UUID stands for its new session).
  zk::Stat stat;
  stat.ephemeral_owner = standby;
  for (const auto& [path, data] : bytes) {
    captured.zk.put(path, data, stat);
  }
  auto elected = tracker.observe(*flink::resolve_leaders(captured.zk, options), t0 + 2500ms);
  REQUIRE(elected.size() == 3);
  for (const auto& change : elected) {
    CHECK(change.kind == flink::LeaderChangeKind::leader_elected);
    CHECK(change.failover_ms == 500);
    REQUIRE(change.leader.has_value());
    CHECK(change.leader->owner == standby);
    REQUIRE(change.previous.has_value());
    CHECK(change.previous->owner != standby);
  }
}
