#pragma once
// Values derived from the resolved options: where a cluster's HA data lives.
// Sources: ZooKeeperUtils.generateZookeeperPath (per version, reference flink-ha-format.md §1.1),
// HighAvailabilityServicesUtils.getClusterHighAvailableStoragePath (§4.1),
// FileSystemJobResultStore.createDefaultJobResultStorePath (§4.3), ZooKeeperUtils
// .getZooKeeperEnsemble (quorum).

#include "config/flink_version.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::config {

// The ZooKeeper namespace of a cluster, as an absolute znode path:
//  1.0: the root only; 1.1–1.13: root + cluster-id by concatenation (a '/' prefixed to the
//  cluster-id when missing, one trailing '/' stripped from it, and from 1.2 one trailing '/' from
//  the root); 1.14+: every segment trimmed of all leading/trailing '/', empty ones dropped,
//  joined behind a leading '/'.
std::string zookeeper_namespace(std::string_view root, std::string_view cluster_id,
                                FlinkVersion version);

// Flink's org.apache.flink.core.fs.Path normalization of a path or URI string: repeated '/'
// collapsed and a trailing '/' removed (except for the root), scheme and authority kept.
std::string normalize_flink_path(std::string_view path);

// new Path(new Path(storage_dir), cluster_id): the cluster-id's leading '/' is dropped.
// Flink 1.10+ (before 1.10 the metadata files sit in storage_dir itself). Empty when Flink's Path
// cannot build it: an empty cluster-id ("Can not create a Path from an empty string"), or one
// starting with "//", which Path reads as a URI authority (Flink then fails or leaves the storage
// dir altogether, e.g. "//x" gives "file://x").
std::optional<std::string> cluster_storage_dir(std::string_view storage_dir,
                                               std::string_view cluster_id);

// The cluster-id safety rule, shared by cleanup, the HA context and `config check`: a cluster-id
// fails when its storage dir would be the storageDir itself or above it ("", "/", ".", "..",
// "/./", "a/../b", "a//b"), when Flink's Path reads it as a URI authority ("//x"), when it holds
// bytes no value may hold (check_value_bytes), or a character ZooKeeper refuses in a znode name
// (PathUtils.validatePath: U+0080-U+009F, U+D800-U+F8FF, U+FFF0-U+FFFF). The message says why
// anything that deletes by it refuses it.
Status check_cluster_id(std::string_view cluster_id);

// Bytes no host, path or id read from configuration may hold: NUL and the other control bytes
// (0x00-0x1F, 0x7F) and invalid UTF-8. Returns what is wrong ("contains the control byte \x0a
// at byte 4", "is not valid UTF-8 at byte 2"), or nothing.
std::optional<std::string> check_value_bytes(std::string_view value);

// One entry of Quorum::servers, "host:port" or "[v6]:port", as ZooKeeper's ConnectStringParser
// splits it: the host must pass validate_host (hosts_files.hpp, the one host rule) and the port
// be a number from 1 to 65535. The error names the entry and what is wrong with it.
struct QuorumServer {
  std::string host; // without brackets
  int port = 0;
};
Result<QuorumServer> parse_quorum_server(std::string_view entry);

// job-result-store.storage-path when set (non-blank), else
// {storage_dir}/job-result-store/{cluster_id}, normalized as Flink's Path does.
std::string job_result_store_path(std::optional<std::string_view> storage_path,
                                  std::string_view storage_dir, std::string_view cluster_id);
// application-result-store.storage-path when set (non-blank), else
// {storage_dir}/application-result-store/{cluster_id} (FileSystemApplicationResultStore
// .fromConfiguration and createDefaultApplicationResultStorePath, 2.3), normalized likewise.
std::string application_result_store_path(std::optional<std::string_view> storage_path,
                                          std::string_view storage_dir,
                                          std::string_view cluster_id);

// The ZooKeeper connect string split into "host:port" entries, with whitespace removed as
// getZooKeeperEnsemble does. An optional "/chroot" suffix is returned separately.
struct Quorum {
  std::vector<std::string> servers;
  std::string chroot; // empty when none
};
Quorum parse_quorum(std::string_view connect_string);

} // namespace flinkha::config
