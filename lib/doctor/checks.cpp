#include "doctor/checks.hpp"

#include "doctor/check_adapters.hpp"
#include "doctor/check_config.hpp"
#include "doctor/check_counter.hpp"
#include "doctor/check_leader_churn.hpp"
#include "doctor/check_leader_flapping.hpp"
#include "doctor/check_locks.hpp"
#include "doctor/check_quorum.hpp"
#include "doctor/check_session_timeout.hpp"
#include "doctor/check_shared_cluster.hpp"
#include "doctor/check_storage.hpp"

namespace flinkha::doctor {

namespace {

// One row per check (add a row and a check_<area>.cpp file pair to add one).
constexpr Check kChecks[] = {
    {"config", "config check: the configuration files and their lint", check_config},
    {"zk-status", "zk status: ZooKeeper reachable, the quorum's verdict", check_zk_status},
    {"leaders", "leader show: a leader, consistent in both reads", check_leaders},
    {"status", "status: every JobManager's REST answers, TaskManagers registered", check_status},
    {"inspect", "inspect: every finding of the HA data, with the cleanup that fixes it",
     check_inspect},
    {"leader-churn", "connection_info rewritten between the two leader reads (FLINK-27848)",
     check_leader_churn},
    {"session-timeout", "the session timeout the ensemble grants against Flink's",
     check_session_timeout},
    {"leader-flapping", "leadership revoked and re-granted on the same session (FLINK-10052)",
     check_leader_flapping},
    {"shared-cluster-id", "a leader or latch participant that is no JobManager of conf/masters",
     check_shared_cluster},
    {"quorum", "the ensemble: even voters, a peer behind, queued requests, a peer not serving",
     check_quorum},
    {"locks", "stale locks of sessions without leadership; pointers stuck marked for deletion",
     check_locks},
    {"counter", "a checkpoint ID counter at or below its job's completed checkpoints",
     check_counter},
    {"storage", "storage bytes per job, old orphans, JobResultStore entries", check_storage},
};

} // namespace

std::span<const Check> all_checks() {
  return kChecks;
}

Report diagnose(const Snapshot& snapshot) {
  Report report;
  for (const auto& check : all_checks()) {
    const auto before = report.findings.size();
    auto skipped = check.run(snapshot, report.findings);
    CheckOutcome outcome;
    outcome.name = std::string(check.name);
    outcome.findings = static_cast<int>(report.findings.size() - before);
    if (skipped) {
      outcome.state = CheckOutcome::State::skipped;
      outcome.detail = std::move(*skipped);
    }
    report.checks.push_back(std::move(outcome));
  }
  sort_findings(report.findings);
  report.verdict = verdict_of(report.findings, snapshot.zookeeper_reached);
  return report;
}

} // namespace flinkha::doctor
