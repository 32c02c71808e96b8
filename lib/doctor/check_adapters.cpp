#include "doctor/check_adapters.hpp"

#include "cluster/status.hpp"
#include "doctor/check_locks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <set>

namespace flinkha::doctor {

namespace {

std::string quorum_subject(const Snapshot& snapshot) {
  if (snapshot.config == nullptr || snapshot.config->ha.quorum.empty()) {
    return "high-availability.zookeeper.quorum";
  }
  return fmt::format("{}", fmt::join(snapshot.config->ha.quorum, ","));
}

const flink::LeaderReport* newest_leaders(const Snapshot& snapshot) {
  if (snapshot.second_leaders) {
    return &*snapshot.second_leaders;
  }
  return snapshot.first_leaders ? &*snapshot.first_leaders : nullptr;
}

} // namespace

std::optional<std::string> check_zk_status(const Snapshot& snapshot, std::vector<Finding>& out) {
  // No session: nothing answered, or the peers answer srvr but the session failed (refused
  // credentials, a server that is not serving).
  const bool no_session =
      !snapshot.negotiated_session_timeout_ms && !snapshot.leaders_error.empty();
  if (!snapshot.zookeeper_reached || no_session) {
    Finding f;
    f.code = "zookeeper-unreachable";
    f.severity = Severity::critical;
    f.subject = quorum_subject(snapshot);
    std::vector<std::string> why;
    if (!snapshot.leaders_error.empty()) {
      why.push_back(snapshot.leaders_error);
    }
    if (snapshot.quorum) {
      why.insert(why.end(), snapshot.quorum->reasons.begin(), snapshot.quorum->reasons.end());
    }
    const auto* what = snapshot.zookeeper_reached ? "no ZooKeeper session could be opened"
                                                  : "no ZooKeeper server answered";
    f.message = why.empty() ? std::string(what) : fmt::format("{}: {}", what, fmt::join(why, "; "));
    f.remedy = "flinkha zk status; start the peers with flinkha zk start, or fix "
               "high-availability.zookeeper.quorum";
    out.push_back(std::move(f));
  }
  if (!snapshot.quorum) {
    return snapshot.quorum_error.empty() ? "zk status not run" : snapshot.quorum_error;
  }
  const auto& quorum = *snapshot.quorum;
  if (quorum.reachable == 0 || quorum.verdict == zk::Verdict::healthy) {
    return std::nullopt;
  }
  Finding f;
  f.subject = snapshot.config != nullptr && snapshot.config->zoo_cfg
                  ? snapshot.config->zoo_cfg->path.string()
                  : quorum_subject(snapshot);
  const auto reasons = fmt::format("{}", fmt::join(quorum.reasons, "; "));
  if (quorum.verdict == zk::Verdict::lost) {
    f.code = "quorum-lost";
    f.severity = Severity::critical;
    f.message = fmt::format("the ensemble has no quorum ({} of {} voters serving): {}",
                            quorum.serving, quorum.voting_members, reasons);
    f.remedy = "flinkha zk status; start the peers that are down with flinkha zk start";
  } else {
    f.code = "quorum-degraded";
    f.severity = Severity::warning;
    f.message = fmt::format("the ensemble serves, degraded ({} of {} voters serving): {}",
                            quorum.serving, quorum.voting_members, reasons);
    f.remedy = "flinkha zk status; restart the peer named above (flinkha zk start)";
  }
  out.push_back(std::move(f));
  return std::nullopt;
}

std::optional<std::string> check_leaders(const Snapshot& snapshot, std::vector<Finding>& out) {
  const auto* report = newest_leaders(snapshot);
  if (report == nullptr) {
    return snapshot.leaders_error.empty() ? "leaders not read"
                                          : "leaders not read: " + snapshot.leaders_error;
  }
  if (report->verdict == flink::LeaderVerdict::none) {
    Finding f;
    f.code = "no-leader";
    f.severity = Severity::critical;
    f.subject = report->ns;
    f.message = fmt::format("no component under {} has a leader and no latch has a participant: "
                            "no JobManager of this cluster-id is running (or it uses another "
                            "high-availability.cluster-id)",
                            report->ns);
    f.remedy = "flinkha status; start the JobManagers with flinkha start-cluster or flinkha "
               "jobmanager start HOST";
    out.push_back(std::move(f));
    return std::nullopt;
  }
  // Inconsistent in the first read too (same connection_info path): not a failover in progress.
  std::set<std::string> first_inconsistent;
  if (snapshot.first_leaders && snapshot.second_leaders) {
    for (const auto& c : snapshot.first_leaders->leaders) {
      if (!c.consistent()) {
        first_inconsistent.insert(c.connection_info_path);
      }
    }
  }
  const bool two_reads = snapshot.first_leaders && snapshot.second_leaders;
  for (const auto& c : report->leaders) {
    if (c.consistent()) {
      continue;
    }
    const bool lasting = !two_reads || first_inconsistent.contains(c.connection_info_path);
    Finding f;
    f.code = "leader-inconsistent";
    f.severity = lasting ? Severity::warning : Severity::info;
    f.subject = c.connection_info_path;
    f.message = fmt::format("{}: {}{}", c.component, c.note,
                            lasting ? std::string()
                                    : std::string(" (seen in the second read only: a failover "
                                                  "in progress)"));
    f.remedy = "flinkha leader show; flinkha leader watch follows the failover";
    out.push_back(std::move(f));
  }
  return std::nullopt;
}

std::optional<std::string> check_status(const Snapshot& snapshot, std::vector<Finding>& out) {
  if (!snapshot.status) {
    return snapshot.status_error.empty() ? "status not run" : snapshot.status_error;
  }
  const auto& status = *snapshot.status;
  int answering = 0;
  for (const auto& rest : status.rest) {
    answering += rest.reachable ? 1 : 0;
  }
  int taskmanagers_expected = 0;
  if (snapshot.config != nullptr) {
    for (const auto& host : cluster::status_hosts(*snapshot.config)) {
      taskmanagers_expected += host.taskmanagers_expected;
    }
  }
  for (const auto& rest : status.rest) {
    const auto where = fmt::format("{}:{}", rest.endpoint.host, rest.endpoint.port);
    if (!rest.reachable) {
      Finding f;
      f.code = "jobmanager-unreachable";
      f.severity = answering == 0 ? Severity::critical : Severity::warning;
      f.subject = where;
      f.message = fmt::format("the JobManager's REST endpoint {} does not answer: {}{}",
                              rest.endpoint.url(), rest.error.value_or("error"),
                              answering == 0 ? " (no JobManager answers)" : "");
      f.remedy = fmt::format("flinkha status; flinkha jobmanager start {}", where);
      out.push_back(std::move(f));
    } else if (rest.taskmanagers < taskmanagers_expected) {
      Finding f;
      f.code = "taskmanagers-missing";
      f.severity = rest.taskmanagers == 0 ? Severity::critical : Severity::warning;
      f.subject = where;
      f.message = fmt::format("{} of {} TaskManager(s) of conf/workers registered at {}",
                              rest.taskmanagers, taskmanagers_expected, where);
      f.remedy = "flinkha status --daemons shows which are not running; flinkha taskmanager "
                 "start HOST";
      out.push_back(std::move(f));
    }
  }
  for (const auto& host : status.hosts) {
    const auto& e = host.expected;
    if (!host.reachable) {
      Finding f;
      f.code = "host-unreachable";
      f.severity = Severity::warning;
      f.subject = e.host;
      f.message = fmt::format("{}: not reached: {}", e.host, host.error.value_or("error"));
      f.remedy = "check SSH to the host (flinkha config check, env.ssh.opts)";
      out.push_back(std::move(f));
      continue;
    }
    const auto missing = [&](cluster::Role role, int expected, const char* code, const char* what,
                             const char* command) {
      const int alive = host.alive(role);
      if (alive < expected) {
        Finding f;
        f.code = code;
        f.severity = Severity::warning;
        f.subject = e.host;
        f.message = fmt::format("{}: {} of {} {}(s) running", e.host, alive, expected, what);
        f.remedy = fmt::format("flinkha {} start {}", command, e.host);
        out.push_back(std::move(f));
      }
    };
    missing(cluster::Role::jobmanager, e.jobmanagers_expected, "jobmanager-not-running",
            "JobManager", "jobmanager");
    missing(cluster::Role::taskmanager, e.taskmanagers_expected, "taskmanager-not-running",
            "TaskManager", "taskmanager");
  }
  return std::nullopt;
}

InspectAdvice inspect_advice(const flink::Finding& finding) {
  using flink::FindingKind;
  switch (finding.kind) {
  case FindingKind::dangling_pointer:
    return {"restore the missing file (Flink cannot recover the job from this pointer); for a "
            "finished job remove its HA data with flinkha cleanup dirty-jobs JOBID or flinkha "
            "cleanup orphans, never the file first",
            "FLINK-22502"};
  case FindingKind::size_mismatch:
    return {"compare the file with a backup (flinkha -v inspect shows the pointer and the file)",
            ""};
  case FindingKind::undecodable_pointer:
  case FindingKind::stray_pointer:
    return {"flinkha -v inspect; check --flink-version against the Flink that wrote it", ""};
  case FindingKind::pointer_outside_storage:
    return {"check high-availability.storageDir: the pointer names a file outside it", ""};
  case FindingKind::marked_for_deletion:
  case FindingKind::empty_pointer:
  case FindingKind::orphan_file:
  case FindingKind::orphan_blob_dir:
    return {"flinkha cleanup orphans", ""};
  case FindingKind::dirty_job:
    return {finding.job_id.empty() ? "flinkha cleanup dirty-jobs"
                                   : "flinkha cleanup dirty-jobs " + finding.job_id,
            "FLINK-26652"};
  case FindingKind::clean_job_in_zookeeper:
    return {"flinkha cleanup orphans", ""};
  case FindingKind::job_result_unreadable:
    return {"move the entry out of the JobResultStore after reading it: Flink cannot read it "
            "either",
            ""};
  case FindingKind::symlink_in_storage:
    return {"no cleanup follows or removes symlinks: remove it by hand if it is not needed", ""};
  case FindingKind::unknown_storage_entry:
  case FindingKind::unknown_znode:
    return {"flinkha -v inspect; nothing removes it", ""};
  case FindingKind::sibling_cluster_id:
    return {"flinkha clusters lists every cluster-id; flinkha cleanup cluster removes a "
            "decommissioned one",
            ""};
  case FindingKind::storage_unavailable:
    return {"flinkha inspect says which side and why; fix its configuration or access", ""};
  case FindingKind::dirty_application:
    return {finding.application_id.empty() ? "flinkha cleanup dirty-jobs"
                                           : "flinkha cleanup dirty-jobs " + finding.application_id,
            "FLINK-40467"};
  case FindingKind::clean_application_in_zookeeper:
    return {"flinkha -v inspect shows its znodes; Flink does not recover a clean application", ""};
  case FindingKind::application_result_unreadable:
    return {"move the entry out of the ApplicationResultStore after reading it: Flink cannot read "
            "it either",
            ""};
  }
  return {"flinkha inspect", ""};
}

std::optional<std::string> check_inspect(const Snapshot& snapshot, std::vector<Finding>& out) {
  if (!snapshot.inventory) {
    return snapshot.inventory_error.empty() ? "inspect not run"
                                            : "inspect not run: " + snapshot.inventory_error;
  }
  const auto pointers = snapshot.inventory->all_pointers();
  const auto said_by_locks = [&](const flink::Finding& found) {
    if (found.kind != flink::FindingKind::marked_for_deletion) {
      return false;
    }
    const auto it = std::ranges::find(pointers, found.subject, &flink::PointerRecord::znode);
    return it != pointers.end() && reports_deletion_stuck(snapshot, **it);
  };
  for (const auto& found : snapshot.inventory->findings) {
    if (said_by_locks(found)) {
      continue; // check_locks' deletion-stuck says it, with its age
    }
    auto advice = inspect_advice(found);
    Finding f;
    f.code = std::string(flink::to_string(found.kind));
    f.severity = found.severity;
    // Flink writes a checkpoint's file before its pointer and removes a pointer right after
    // marking it, so a running job always has a young orphan or mark somewhere: below their age
    // thresholds (orphans-old, deletion-stuck say the old ones) they are info, never a verdict.
    const bool young_orphan = (found.kind == flink::FindingKind::orphan_file ||
                               found.kind == flink::FindingKind::orphan_blob_dir) &&
                              found.age_ms && *found.age_ms <= snapshot.thresholds.orphan_age_ms;
    const bool young_mark = [&] {
      if (found.kind != flink::FindingKind::marked_for_deletion) {
        return false;
      }
      const auto it = std::ranges::find(pointers, found.subject, &flink::PointerRecord::znode);
      return it != pointers.end() && snapshot.now_ms - (*it)->stat.mtime_ms <=
                                         snapshot.thresholds.marked_for_deletion_age_ms;
    }();
    if (young_orphan || young_mark) {
      f.severity = std::min(f.severity, Severity::info);
    }
    f.subject = found.subject;
    f.flink_issue = std::move(advice.flink_issue);
    f.message = found.job_id.empty() || found.message.find(found.job_id) != std::string::npos
                    ? found.message
                    : fmt::format("job {}: {}", found.job_id, found.message);
    f.remedy = std::move(advice.remedy);
    out.push_back(std::move(f));
  }
  return std::nullopt;
}

} // namespace flinkha::doctor
