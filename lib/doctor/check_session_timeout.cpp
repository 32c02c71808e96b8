#include "doctor/check_session_timeout.hpp"

#include <fmt/format.h>

namespace flinkha::doctor {

namespace {

// "maxSessionTimeout 10000 and tickTime 2000 in /etc/zookeeper/zoo.cfg", or what is known.
std::string zoo_cfg_values(const Snapshot& snapshot) {
  if (snapshot.config == nullptr || !snapshot.config->zoo_cfg) {
    return "zoo.cfg";
  }
  const auto& zoo = *snapshot.config->zoo_cfg;
  std::string values;
  for (const char* key : {"maxSessionTimeout", "minSessionTimeout", "tickTime"}) {
    if (const auto* property = zoo.find(key)) {
      values += fmt::format("{}{}={}", values.empty() ? "" : ", ", key, property->value);
    }
  }
  return values.empty() ? zoo.path.string() : fmt::format("{} ({})", zoo.path.string(), values);
}

} // namespace

std::optional<std::string> check_session_timeout(const Snapshot& snapshot,
                                                 std::vector<Finding>& out) {
  if (!snapshot.requested_session_timeout_ms || !snapshot.negotiated_session_timeout_ms ||
      *snapshot.negotiated_session_timeout_ms <= 0) {
    return snapshot.leaders_error.empty() ? "no ZooKeeper session"
                                          : "no ZooKeeper session: " + snapshot.leaders_error;
  }
  const auto asked = *snapshot.requested_session_timeout_ms;
  const auto granted = *snapshot.negotiated_session_timeout_ms;
  if (granted == asked) {
    return std::nullopt;
  }
  Finding f;
  f.subject = "high-availability.zookeeper.client.session-timeout";
  if (granted < asked) {
    f.code = "session-timeout-capped";
    f.severity = Severity::warning;
    f.message = fmt::format(
        "Flink asks for a {} ms session timeout, the ensemble grants {} ms (capped by "
        "maxSessionTimeout, 20 x tickTime by default; {}): a JobManager's loss is noticed after "
        "{} ms, not {} ms, and a leader whose connection stalls longer than {} ms loses its "
        "session, leadership and its jobs' progress",
        asked, granted, zoo_cfg_values(snapshot), granted, asked, granted);
    f.remedy = fmt::format(
        "raise maxSessionTimeout to at least {} in zoo.cfg on every peer (then flinkha zk "
        "restart --rolling), or set high-availability.zookeeper.client.session-timeout: {} so "
        "that the configuration says what the cluster gets",
        asked, granted);
  } else {
    f.code = "session-timeout-raised";
    f.severity = Severity::info;
    f.message = fmt::format(
        "Flink asks for a {} ms session timeout, the ensemble grants {} ms (raised to "
        "minSessionTimeout, 2 x tickTime by default; {}): failover takes at least {} ms",
        asked, granted, zoo_cfg_values(snapshot), granted);
    f.remedy = fmt::format("set high-availability.zookeeper.client.session-timeout: {}, or lower "
                           "minSessionTimeout in zoo.cfg",
                           granted);
  }
  out.push_back(std::move(f));
  return std::nullopt;
}

} // namespace flinkha::doctor
