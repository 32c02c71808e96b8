#pragma once
// JobManager REST checks with libcurl: GET http://HOST:PORT/overview, parsed with nlohmann.
//
//   RestEndpoint     host + port of one JobManager's REST endpoint
//   rest_endpoints   the JobManagers a config describes: in HA mode every conf/masters line
//                    (its web UI port, or rest.port when the line has none / 0); otherwise one on
//                    rest.address (else localhost) and rest.port; a rest.port that is not a port
//                    or a rest.address that is not a host (validate_host) is a configuration
//                    error naming the key, never a silent fallback to 8081 / localhost
//   RestStatus       reachable, HTTP status, taskmanagers, slots total/available, flink-version,
//                    or the error in words
//   probe_overview   one endpoint, within connect and total timeouts; never throws, never fails:
//                    the outcome is in RestStatus
//   probe_all        every endpoint at once (one thread each); results in input order
//
// Thread-safe (libcurl is initialised once; each probe has its own easy handle).

#include "config/cluster_config.hpp"
#include "util/result.hpp"

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace flinkha::cluster {

struct RestEndpoint {
  std::string host;
  int port = 8081;
  std::string url() const; // http://host:port/overview (IPv6 literals in brackets)
};

Result<std::vector<RestEndpoint>> rest_endpoints(const config::ClusterConfig& config);

struct RestProbeOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds total_timeout{5000};
};

struct RestStatus {
  RestEndpoint endpoint;
  bool reachable = false; // HTTP 200 with a JSON body that reads as an overview
  std::optional<long> http_status;
  int taskmanagers = 0;
  int slots_total = 0;
  int slots_available = 0;
  std::string flink_version;
  std::optional<std::string> error;
  std::chrono::milliseconds duration{0};
};

// Parses an /overview body; exposed for tests. Error: not JSON, or not an object.
Result<RestStatus> parse_overview(std::string_view body);

RestStatus probe_overview(const RestEndpoint& endpoint, const RestProbeOptions& options = {});

std::vector<RestStatus> probe_all(std::span<const RestEndpoint> endpoints,
                                  const RestProbeOptions& options = {});

} // namespace flinkha::cluster
