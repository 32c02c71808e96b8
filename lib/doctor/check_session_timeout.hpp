#pragma once
// Check "session-timeout": the session timeout Flink asks for
// (high-availability.zookeeper.client.session-timeout, 60 s by default) against what the
// ensemble grants (the server clamps it to [minSessionTimeout, maxSessionTimeout], 2 and 20 ×
// tickTime by default: 40 s with tickTime 2000). flinkha's own session asks for the cluster's
// value, so the timeout it was granted is the one every JobManager gets.
//   - session-timeout-capped (warning): granted < asked;
//   - session-timeout-raised (info): granted > asked (minSessionTimeout).
// Skipped when ZooKeeper was not reached.

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_session_timeout(const Snapshot& snapshot,
                                                 std::vector<Finding>& out);

} // namespace flinkha::doctor
