#include "doctor/check_leader_flapping.hpp"

#include "doctor/leader_pairs.hpp"
#include "zk/reader.hpp"

#include <fmt/format.h>

namespace flinkha::doctor {

namespace {

std::string session_text(const std::optional<std::int64_t>& session) {
  return session ? zk::format_session_id(*session) : std::string("-");
}

} // namespace

std::optional<std::string> check_leader_flapping(const Snapshot& snapshot,
                                                 std::vector<Finding>& out) {
  if (auto missing = missing_leader_reads(snapshot)) {
    return missing;
  }
  for (const auto& pair : leader_pairs(snapshot)) {
    const auto& a = *pair.first;
    const auto& b = *pair.second;
    if (a.kind != flink::ComponentKind::cluster || !a.session_id || !b.session_id ||
        *a.session_id == *b.session_id) {
      continue;
    }
    Finding f;
    f.subject = b.connection_info_path;
    const bool same_jobmanager = a.address == b.address && a.owner && a.owner == b.owner;
    if (same_jobmanager) {
      f.code = "leader-flapping";
      f.severity = Severity::warning;
      f.flink_issue = "FLINK-10052";
      f.message = fmt::format(
          "{}: leadership revoked and granted again within {} ms to the same JobManager {} on "
          "the same ZooKeeper session {} (leader session id {} -> {}): its connection to "
          "ZooKeeper was suspended and it gave up leadership, so its jobs restarted",
          b.component, snapshot.leader_read_interval_ms, b.address.value_or("-"),
          session_text(b.owner), *a.session_id, *b.session_id);
      f.remedy =
          "find why the connection is suspended (flinkha zk status; 'Connection to ZooKeeper "
          "suspended' in the JobManager's log: a peer restart, a network stall, a long GC). "
          "high-availability.zookeeper.client.tolerate-suspended-connections: true keeps "
          "leadership across short suspensions, at a price: if the connection is really lost, "
          "the old leader acts on until its session expires, next to the new one";
    } else {
      f.code = "leader-changed";
      f.severity = Severity::info;
      f.message =
          fmt::format("{}: a new leader between the two reads, {} ms apart: {} (session {}) -> {} "
                      "(session {})",
                      b.component, snapshot.leader_read_interval_ms, a.address.value_or("-"),
                      session_text(a.owner), b.address.value_or("-"), session_text(b.owner));
      f.remedy = "flinkha leader watch shows failovers as they happen";
    }
    out.push_back(std::move(f));
  }
  return std::nullopt;
}

} // namespace flinkha::doctor
