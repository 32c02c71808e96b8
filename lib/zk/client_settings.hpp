#pragma once
// ClientSettings for a Flink cluster, from its own configuration, so flinkha talks to ZooKeeper
// the way the cluster's JobManagers do (reference flink-ha-format.md §5, HighAvailabilityOptions):
//   high-availability.zookeeper.quorum (+ "/chroot")   → connect string
//   high-availability.zookeeper.client.session-timeout → session timeout
//   …client.connection-timeout, retry-wait, max-retry-attempts, max-retry-wait (2.0.1+)
// Durations are read as Flink's TimeUtils.parseDuration reads them: a bare number is ms ("60000",
// ≤1.19 style), else a number and a unit ("60 s", "1 min", "500ms", 1.20+ style).
//
// SASL/Kerberos and TLS: Debian builds the ZooKeeper C client without either. A config that asks
// for them (SASL: zookeeper.sasl.disable is false and security.kerberos.login.contexts names a
// ZooKeeper login context, or a JAAS file is passed in env.java.opts*; TLS:
// zookeeper.client.secure / zookeeper.clientCnxnSocket / zookeeper.ssl.* in env.java.opts*)
// yields a note, and flinkha connects without them: a server that also accepts plain,
// unauthenticated reads works; one that does not answers ZNOAUTH or
// ZSESSIONCLOSEDREQUIRESASLAUTH (or never completes the handshake: connection timeout), and
// to_error() says why.

#include "config/cluster_config.hpp"
#include "util/duration.hpp"
#include "util/result.hpp"
#include "zk/client.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::zk {

struct ConfiguredClient {
  ClientSettings settings;
  std::vector<std::string> notes; // things the operator should know (SASL/TLS not used, …)
};

struct ClientOverrides {
  std::optional<std::string> digest_auth; // "user:password"
  std::optional<int> timeout_ms;          // replaces the connection timeout (--zk-timeout)
  int verbosity = 0;                      // -v: 1, -vv: 2; the C client's own log is shown from 2
};

// Fails when HA is not ZooKeeper or no quorum is configured, or a duration does not parse
// (the message names the option).
Result<ConfiguredClient> client_settings(const config::ClusterConfig& config,
                                         const ClientOverrides& overrides = {});

// Flink's TimeUtils.parseDuration, in ms (util/duration.hpp).
using util::parse_duration_ms;

// "user:password" from a file's first line or a variable's value, validated (a ':' with a
// non-empty user); `origin` names the source in errors.
Result<std::string> parse_digest_auth(std::string_view text, std::string_view origin);

} // namespace flinkha::zk
