#include "doctor/check_leader_churn.hpp"

#include "doctor/leader_pairs.hpp"

#include <fmt/format.h>

namespace flinkha::doctor {

namespace {

constexpr const char* kRemedy =
    "watch the writes live with `flinkha leader watch`; look in the leading JobManager's log for "
    "leader information written again and again, and upgrade to a Flink release with "
    "FLINK-27848 fixed";

Finding churn_finding(std::string code, Severity severity, const flink::ComponentLeader& leader,
                      std::string message) {
  Finding f;
  f.code = std::move(code);
  f.severity = severity;
  f.subject = leader.connection_info_path;
  f.flink_issue = "FLINK-27848";
  f.message = std::move(message);
  f.remedy = kRemedy;
  return f;
}

} // namespace

std::optional<std::string> check_leader_churn(const Snapshot& snapshot, std::vector<Finding>& out) {
  if (auto missing = missing_leader_reads(snapshot)) {
    return missing;
  }
  const auto limit = snapshot.thresholds.leader_version_churn;
  for (const auto& pair : leader_pairs(snapshot)) {
    const auto& a = *pair.first;
    const auto& b = *pair.second;
    const std::int64_t gained = std::int64_t{b.version} - a.version;
    if (a.owner == b.owner && gained > limit) {
      out.push_back(churn_finding(
          "leader-churn", Severity::warning, b,
          fmt::format(
              "{}: connection_info written {} times in {} ms (version {} -> {}; more than {}) by "
              "the same leader{}",
              b.component, gained, snapshot.leader_read_interval_ms, a.version, b.version, limit,
              b.address ? " " + *b.address : std::string())));
    } else if (b.version > limit) {
      out.push_back(churn_finding(
          "leader-rewrites", Severity::info, b,
          fmt::format(
              "{}: connection_info written {} times since it was created (Flink writes it once per "
              "leadership){}",
              b.component, b.version,
              b.latch_czxid > 0 && b.mzxid > b.latch_czxid
                  ? fmt::format("; its last write is {} zxids after the latch node was created",
                                b.mzxid - b.latch_czxid)
                  : std::string())));
    }
  }
  return std::nullopt;
}

} // namespace flinkha::doctor
