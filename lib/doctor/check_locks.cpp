#include "doctor/check_locks.hpp"

#include "util/duration.hpp"
#include "zk/reader.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

namespace flinkha::doctor {

namespace {

// Who holds which leadership, from both leader reads (a failover between them is not a stale
// lock yet): session id → "dispatcher leader", "latch leader of /flink/c1/leader/latch", ….
std::map<std::int64_t, std::string> leader_sessions(const Snapshot& snapshot) {
  std::map<std::int64_t, std::string> sessions;
  for (const auto* report : {&snapshot.first_leaders, &snapshot.second_leaders}) {
    if (!report->has_value()) {
      continue;
    }
    for (const auto& leader : (*report)->leaders) {
      if (leader.owner && *leader.owner != 0) {
        sessions.emplace(*leader.owner, leader.component + " leader");
      }
    }
    for (const auto& participant : (*report)->latch) {
      if (participant.leader && participant.owner != 0) {
        sessions.emplace(participant.owner, "first participant of " + participant.latch);
      }
    }
  }
  return sessions;
}

// The latch node a (non-leading) session participates with, if any: a standby JobManager.
std::string standby_node_of(const Snapshot& snapshot, std::int64_t session) {
  for (const auto* report : {&snapshot.second_leaders, &snapshot.first_leaders}) {
    if (!report->has_value()) {
      continue;
    }
    for (const auto& participant : (*report)->latch) {
      if (participant.owner == session && !participant.leader) {
        return participant.latch + "/" + participant.node;
      }
    }
  }
  return {};
}

std::string what_of(const flink::PointerRecord& pointer, flink::HaEra era) {
  if (pointer.role == flink::ZnodeRole::checkpoint) {
    return fmt::format("checkpoint {}", pointer.checkpoint_id.value_or(-1));
  }
  if (pointer.role == flink::ZnodeRole::application) {
    return fmt::format("application {}", pointer.application_id);
  }
  return era == flink::HaEra::v2_0 ? "execution plan" : "job graph";
}

void stale_locks(const Snapshot& snapshot, const flink::PointerRecord& pointer,
                 const std::map<std::int64_t, std::string>& leaders, std::vector<Finding>& out) {
  const auto era = snapshot.inventory->era;
  for (const auto& lock : pointer.locks) {
    if (lock.owner != 0 && leaders.contains(lock.owner)) {
      continue;
    }
    Finding finding;
    finding.code = "stale-lock";
    finding.subject = lock.path;
    const bool job_graph = pointer.role == flink::ZnodeRole::job_graph;
    finding.severity =
        job_graph && era < flink::HaEra::v1_15 ? Severity::critical : Severity::warning;
    finding.flink_issue = job_graph ? "FLINK-10011" : "FLINK-26284";
    const std::string what = what_of(pointer, era);
    const std::string owner_of =
        pointer.role == flink::ZnodeRole::application ? std::string() : " of job " + pointer.job_id;
    const std::string blocked =
        job_graph ? fmt::format("the {} of job {} cannot be removed when the job ends (a "
                                "failover may recover it again)",
                                what, pointer.job_id)
                  : fmt::format("{}{} cannot be removed when it is released (its file stays "
                                "in storage)",
                                what, owner_of);
    if (lock.owner == 0) {
      finding.message =
          fmt::format("a persistent lock node (no ephemeral owner): no session ever removes it, "
                      "so {}",
                      blocked);
      finding.remedy = fmt::format(
          "check that no JobManager runs without HA on this namespace, then delete the lock "
          "node {} by hand (zkCli.sh delete); flinkha leader show lists the leaders",
          lock.path);
    } else {
      const auto session = zk::format_session_id(lock.owner);
      const auto standby = standby_node_of(snapshot, lock.owner);
      finding.message = fmt::format(
          "locked by ZooKeeper session {}, which holds no leadership{}: {}", session,
          standby.empty() ? std::string(" (no latch participant has it)")
                          : fmt::format(" (a standby JobManager: latch node {})", standby),
          blocked);
      finding.remedy = fmt::format(
          "restart the JobManager that holds session {} (flinkha leader show lists the latch "
          "participants; flinkha jobmanager stop HOST, then start) so its session closes; if no "
          "JobManager has it, the lock goes when the session expires "
          "(high-availability.zookeeper.client.session-timeout)",
          session);
    }
    out.push_back(std::move(finding));
  }
}

bool stuck(const Snapshot& snapshot, const flink::PointerRecord& pointer) {
  return pointer.marked_for_deletion &&
         snapshot.now_ms - pointer.stat.mtime_ms > snapshot.thresholds.marked_for_deletion_age_ms;
}

void stuck_deletion(const Snapshot& snapshot, const flink::PointerRecord& pointer,
                    std::vector<Finding>& out) {
  if (!stuck(snapshot, pointer)) {
    return;
  }
  const auto age = snapshot.now_ms - pointer.stat.mtime_ms;
  const auto threshold = snapshot.thresholds.marked_for_deletion_age_ms;
  Finding finding;
  finding.code = "deletion-stuck";
  finding.severity = Severity::warning;
  finding.subject = pointer.znode;
  finding.flink_issue = "FLINK-26284";
  finding.message = fmt::format(
      "{}{} is marked for deletion (no locks child) and still there, written {} ago "
      "(threshold {}): its removal was interrupted and nobody finishes it{}",
      what_of(pointer, snapshot.inventory->era),
      pointer.job_id.empty() ? std::string() : " of job " + pointer.job_id,
      util::describe_duration_ms(age), util::describe_duration_ms(threshold),
      pointer.file.empty() ? std::string()
                           : fmt::format("; its file {} stays in storage", pointer.file));
  finding.remedy = fmt::format(
      "flinkha cleanup orphans --min-age {}s --dry-run, then without --dry-run (add --force "
      "while a JobManager leads: Flink ignores a pointer marked for deletion)",
      threshold / 1000);
  out.push_back(std::move(finding));
}

} // namespace

bool reports_deletion_stuck(const Snapshot& snapshot, const flink::PointerRecord& pointer) {
  return snapshot.inventory && (snapshot.first_leaders || snapshot.second_leaders) &&
         stuck(snapshot, pointer);
}

std::optional<std::string> check_locks(const Snapshot& snapshot, std::vector<Finding>& out) {
  if (!snapshot.inventory) {
    return "no HA inventory: " + snapshot.inventory_error;
  }
  if (!snapshot.first_leaders && !snapshot.second_leaders) {
    return "no leader read, locks cannot be judged: " + snapshot.leaders_error;
  }
  const auto leaders = leader_sessions(snapshot);
  for (const auto* pointer : snapshot.inventory->all_pointers()) {
    stale_locks(snapshot, *pointer, leaders, out);
    stuck_deletion(snapshot, *pointer, out);
  }
  return std::nullopt;
}

} // namespace flinkha::doctor
