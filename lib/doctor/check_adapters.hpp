#pragma once
// The verdicts of the other commands as findings, each its own check:
//   "zk-status"  zookeeper-unreachable (critical: no session could be opened, whether or not a
//                peer answered srvr; with no answer at all the verdict is unknown);
//                the QuorumHealth verdict of `zk status`: quorum-lost (critical),
//                quorum-degraded (warning), the reasons in the message. The deeper quorum rules
//                (voters, lag, outstanding requests) are the "quorum" check's.
//   "leaders"    `leader show`: no-leader (critical: no component has a leader and no latch a
//                participant); leader-inconsistent (warning: a component inconsistent in both
//                reads; info when only one read saw it: a failover in progress).
//   "status"     `status`: jobmanager-unreachable (a JobManager's REST does not answer;
//                critical when none does), taskmanagers-missing (fewer registered than
//                conf/workers lists), host-unreachable, jobmanager-not-running,
//                taskmanager-not-running (--daemons).
//   "inspect"    every `inspect` finding: code = its kind ("dangling-pointer", …), severity
//                kept, remedy = the flinkha command that fixes it (or what to do by hand);
//                but an orphan younger than --orphan-age and a pointer marked for deletion
//                younger than --marked-for-deletion-age are info (a running job always has one
//                for a moment: Flink writes a checkpoint's file before its pointer and removes a
//                pointer right after marking it), and a mark check "locks" reports as
//                deletion-stuck is left to it.

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_zk_status(const Snapshot& snapshot, std::vector<Finding>& out);
std::optional<std::string> check_leaders(const Snapshot& snapshot, std::vector<Finding>& out);
std::optional<std::string> check_status(const Snapshot& snapshot, std::vector<Finding>& out);
std::optional<std::string> check_inspect(const Snapshot& snapshot, std::vector<Finding>& out);

// The remedy and Flink issue `doctor` gives an inspect finding of this kind.
struct InspectAdvice {
  std::string remedy;
  std::string flink_issue;
};
InspectAdvice inspect_advice(const flink::Finding& finding);

} // namespace flinkha::doctor
