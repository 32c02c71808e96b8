// Fuzzes the parsers every configuration value goes through after the file is read: Flink's
// duration syntax (TimeUtils.parseDuration), Flink Path splitting and normalization, version
// strings, the ZooKeeper connect string, port ranges, and the cluster-id rules with the paths
// derived from it (namespace, cluster storage dir, JobResultStore path), flinkha's
// zookeeper.launcher, digest credentials (zookeeper.sasl / digest file or variable), and the
// relative-path rule of the storage side (an accepted path has no "..", "." or empty component).
//
// Input: one value; a second value (storage dir / root) follows a first '\n' where there is one.
// Besides "no crash", it checks the safety rule's promise: a cluster-id that check_cluster_id
// accepts yields a storage dir strictly below the storageDir and a namespace strictly below the
// root. Seeds: values from the unit tests and fixtures (durations, URIs, quorums,
// cluster-ids).
#include "cluster/zk_peers.hpp"
#include "config/flink_version.hpp"
#include "config/ha_paths.hpp"
#include "config/lint.hpp"
#include "storage/storage.hpp"
#include "util/duration.hpp"
#include "util/flink_path.hpp"
#include "zk/client_settings.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace flinkha;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const auto first = input.substr(0, newline);
  const auto second = newline == std::string_view::npos ? std::string_view("file:///flink/ha")
                                                        : input.substr(newline + 1);

  (void)util::parse_duration_ms(input);
  const auto path = util::parse_flink_path(input);
  if (path.path.find("//") != std::string::npos) {
    __builtin_trap(); // normalizePath collapses every run of '/'
  }
  (void)util::normalize_flink_path_part(input);
  (void)config::normalize_flink_path(input);
  (void)config::parse_flink_version(input);
  const auto quorum = config::parse_quorum(input);
  for (const auto& server : quorum.servers) {
    if (server.empty()) {
      __builtin_trap();
    }
  }
  (void)config::parse_port_range(input);
  (void)cluster::parse_zk_launcher(input);
  if (storage::validate_relative_path(input)) {
    const std::string wrapped = "/" + std::string(input) + "/";
    if (input.empty() || input.front() == '/' || wrapped.find("/../") != std::string::npos ||
        wrapped.find("/./") != std::string::npos || wrapped.find("//") != std::string::npos ||
        input.find('\0') != std::string_view::npos) {
      __builtin_trap();
    }
  }
  if (const auto auth = zk::parse_digest_auth(input, "fuzz")) {
    const auto colon = auth->find(':');
    if (colon == std::string::npos || colon == 0) {
      __builtin_trap(); // "user:password" with a non-empty user
    }
  }

  // The cluster-id rule and the paths derived from it.
  const auto cluster_id = first;
  for (const auto version :
       {config::FlinkVersion{1, 5}, config::FlinkVersion{1, 20}, config::FlinkVersion{2, 3}}) {
    (void)config::zookeeper_namespace(second, cluster_id, version);
  }
  const auto storage = config::cluster_storage_dir(second, cluster_id);
  (void)config::job_result_store_path(std::nullopt, second, cluster_id);
  (void)config::job_result_store_path(first, second, cluster_id);
  if (config::check_cluster_id(cluster_id)) {
    const std::string storage_dir = "file:///flink/ha";
    const auto below = config::cluster_storage_dir(storage_dir, cluster_id);
    // An accepted cluster-id names a directory strictly below storageDir (a leading "//", which
    // Flink's Path reads as an authority, is refused by the rule).
    if (!below || !below->starts_with("file:/flink/ha/") || below->size() <= 15) {
      __builtin_trap();
    }
    const auto ns = config::zookeeper_namespace("/flink", cluster_id, config::FlinkVersion{2, 3});
    if (!ns.starts_with("/flink/") || ns.size() <= 7) {
      __builtin_trap(); // ... and a namespace below the root
    }
  }
  (void)storage;
  return 0;
}
