#include "config/ha_paths.hpp"

#include "config/hosts_files.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>

namespace flinkha::config {

namespace {

constexpr std::string_view kDefaultZooKeeperPort = "2181"; // ZooKeeper ConnectStringParser

std::string_view strip_one_leading_slash(std::string_view text) {
  return text.starts_with('/') ? text.substr(1) : text;
}

std::string_view strip_one_trailing_slash(std::string_view text) {
  return text.ends_with('/') ? text.substr(0, text.size() - 1) : text;
}

bool has_port(std::string_view server) {
  if (server.starts_with('[')) { // [IPv6]:port
    const auto close = server.find(']');
    return close != std::string_view::npos && close + 1 < server.size() && server[close + 1] == ':';
  }
  return server.find(':') != std::string_view::npos;
}

} // namespace

std::string zookeeper_namespace(std::string_view root, std::string_view cluster_id,
                                FlinkVersion version) {
  if (version < FlinkVersion{1, 1}) {
    // 1.0 ZooKeeperUtils.startCuratorFramework: namespace(root minus one leading '/'); there is
    // no cluster-id. Curator puts the namespace below "/".
    return "/" + std::string(strip_one_leading_slash(root));
  }
  if (version < FlinkVersion{1, 14}) {
    // 1.1-1.13 ZooKeeperUtils.generateZookeeperPath(root, namespace): '/' prefixed to the
    // namespace when missing, one trailing '/' stripped from it; 1.2+ also strips one trailing
    // '/' from the root. Then plain concatenation, and one leading '/' removed for Curator.
    std::string child(cluster_id);
    if (!child.starts_with('/')) {
      child.insert(0, "/");
    }
    child = std::string(strip_one_trailing_slash(child));
    const std::string_view base =
        version >= FlinkVersion{1, 2} ? strip_one_trailing_slash(root) : root;
    const std::string joined = std::string(base) + child;
    return "/" + std::string(strip_one_leading_slash(joined));
  }
  // 1.14 generateZookeeperPath(root, child), 1.15+ generateZookeeperPath(String...): each part
  // trimmed of all leading/trailing '/', empty parts dropped, joined with '/' behind '/'.
  std::string result;
  for (const auto part : {util::trim_slashes(root), util::trim_slashes(cluster_id)}) {
    if (!part.empty()) {
      result += '/';
      result += part;
    }
  }
  return result.empty() ? std::string("/") : result;
}

std::string normalize_flink_path(std::string_view path) {
  return util::render_flink_path(util::parse_flink_path(path));
}

std::optional<std::string> cluster_storage_dir(std::string_view storage_dir,
                                               std::string_view cluster_id) {
  // HighAvailabilityServicesUtils.getClusterHighAvailableStoragePath: new Path(new
  // Path(storageDir), clusterId). Path(Path parent, Path child) strips the child's leading '/'
  // and resolves it against parent + "/". The cluster-id is taken as a plain relative path here
  // (Flink would read "a:b" as a scheme). "//x" is an authority to Flink's Path and an empty
  // child throws: no storage dir then, as in Flink.
  if (cluster_id.empty() || cluster_id.starts_with("//")) {
    return std::nullopt;
  }
  util::FlinkPath parts = util::parse_flink_path(storage_dir);
  const std::string child = util::normalize_flink_path_part(cluster_id);
  const std::string_view relative = strip_one_leading_slash(child);
  if (relative.empty()) {
    return util::render_flink_path(parts);
  }
  std::string joined = parts.path;
  if (!joined.ends_with('/')) {
    joined += '/';
  }
  joined += relative;
  parts.path = util::normalize_flink_path_part(joined);
  return util::render_flink_path(parts);
}

namespace {

// The configured path unless blank, else storageDir + "/" + store + "/" + clusterId before Path
// normalization (both FileSystem*ResultStore.fromConfiguration do exactly this).
std::string result_store_path(std::optional<std::string_view> storage_path,
                              std::string_view storage_dir, std::string_view store,
                              std::string_view cluster_id) {
  if (storage_path && !util::trim(*storage_path).empty()) {
    return normalize_flink_path(*storage_path);
  }
  std::string joined(storage_dir);
  joined += '/';
  joined += store;
  joined += '/';
  joined += cluster_id;
  return normalize_flink_path(joined);
}

} // namespace

std::string job_result_store_path(std::optional<std::string_view> storage_path,
                                  std::string_view storage_dir, std::string_view cluster_id) {
  // FileSystemJobResultStore.fromConfiguration (1.15+): job-result-store.storage-path unless
  // blank, else new Path(createDefaultJobResultStorePath(storageDir, clusterId)), which is
  // storageDir + "/job-result-store/" + clusterId before Path normalization.
  return result_store_path(storage_path, storage_dir, "job-result-store", cluster_id);
}

std::string application_result_store_path(std::optional<std::string_view> storage_path,
                                          std::string_view storage_dir,
                                          std::string_view cluster_id) {
  // FileSystemApplicationResultStore.fromConfiguration (2.3): the same rule with
  // application-result-store.storage-path and createDefaultApplicationResultStorePath.
  return result_store_path(storage_path, storage_dir, "application-result-store", cluster_id);
}

Quorum parse_quorum(std::string_view connect_string) {
  // ZooKeeperUtils.getZooKeeperEnsemble: replaceAll("\\s+", "") (Java \s = [ \t\n\x0B\f\r]).
  std::string compact;
  compact.reserve(connect_string.size());
  for (const char c : connect_string) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r') {
      compact.push_back(c);
    }
  }
  // ZooKeeper ConnectStringParser: everything from the first '/' is the chroot ("/" alone means
  // none); hosts are comma-separated, a host without a port gets 2181.
  Quorum quorum;
  std::string_view hosts = compact;
  if (const auto slash = hosts.find('/'); slash != std::string_view::npos) {
    const auto chroot = hosts.substr(slash);
    if (chroot.size() > 1) {
      quorum.chroot = std::string(chroot);
    }
    hosts = hosts.substr(0, slash);
  }
  for (const auto server : util::split(hosts, ',')) {
    if (server.empty()) {
      continue;
    }
    std::string entry(server);
    if (entry.ends_with(':')) {
      entry += kDefaultZooKeeperPort;
    } else if (!has_port(entry)) {
      entry += ':';
      entry += kDefaultZooKeeperPort;
    }
    quorum.servers.push_back(std::move(entry));
  }
  return quorum;
}

Status check_cluster_id(std::string_view cluster_id) {
  constexpr std::string_view kHint = "set high-availability.cluster-id to the cluster's own id";
  if (auto bad = check_value_bytes(cluster_id)) {
    return fail(
        fmt::format("cluster-id '{}' {}; cleanup refused", util::printable(cluster_id), *bad),
        std::string(kHint));
  }
  // ZooKeeper's PathUtils.validatePath refuses these characters in a znode name.
  for (const char32_t c : util::code_points(cluster_id)) {
    if ((c >= 0x80 && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff)) {
      return fail(fmt::format("cluster-id '{}' contains U+{:04X}, which ZooKeeper refuses in a "
                              "znode name; cleanup refused",
                              util::printable(cluster_id), static_cast<std::uint32_t>(c)),
                  std::string(kHint));
    }
  }
  // Flink's Path.normalizePath turns every '\\' into '/' before it joins the cluster-id to the
  // storageDir, so "\\" names the storageDir itself and "\\.." the directory above it: judge the
  // cluster-id as Flink's Path will read it.
  std::string as_path(cluster_id);
  std::ranges::replace(as_path, '\\', '/');
  const std::string_view id = util::trim_slashes(as_path);
  if (id.empty()) {
    return fail(fmt::format("cluster-id '{}' names the storageDir and the ZooKeeper root "
                            "themselves; cleanup refused",
                            util::printable(cluster_id)),
                std::string(kHint));
  }
  if (as_path.starts_with("//")) {
    return fail(fmt::format("cluster-id '{}' starts with '//', which Flink's Path reads as a URI "
                            "authority: Flink cannot derive the cluster's storage dir; cleanup "
                            "refused",
                            util::printable(cluster_id)),
                std::string(kHint));
  }
  if (const auto bad = util::unsafe_component(id)) {
    return fail(fmt::format("cluster-id '{}' has a '{}' component, which leaves the cluster's "
                            "own directory; cleanup refused",
                            util::printable(cluster_id), util::printable(*bad)),
                std::string(kHint));
  }
  return {};
}

std::optional<std::string> check_value_bytes(std::string_view value) {
  for (std::size_t i = 0; i < value.size(); ++i) {
    const auto u = static_cast<unsigned char>(value[i]);
    if (u < 0x20 || u == 0x7f) {
      return fmt::format("contains the control byte \\x{:02x} at byte {}", u, i + 1);
    }
  }
  if (const auto at = util::invalid_utf8_at(value)) {
    return fmt::format("is not valid UTF-8 at byte {} (\\x{:02x})", *at + 1,
                       static_cast<unsigned char>(value[*at]));
  }
  return std::nullopt;
}

Result<QuorumServer> parse_quorum_server(std::string_view entry) {
  const auto bad = [entry](std::string why) {
    return fail(fmt::format("quorum entry '{}' {}", util::printable(entry), why),
                "write high-availability.zookeeper.quorum as host:port,host:port (IPv6 in "
                "brackets: [2001:db8::1]:2181)");
  };
  std::string_view host;
  std::string_view port;
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    if (close == std::string_view::npos || close + 1 >= entry.size() || entry[close + 1] != ':') {
      return bad("opens '[' without a closing ']' followed by ':port'");
    }
    host = entry.substr(1, close - 1);
    port = entry.substr(close + 2);
    if (host.find(':') == std::string_view::npos) {
      return bad(fmt::format("has host '{}' in brackets, which are only for IPv6 addresses",
                             util::printable(host)));
    }
  } else {
    // ConnectStringParser splits at the last ':' (an unbracketed IPv6 address keeps its colons
    // in the host, which validate_host then checks as one).
    const auto colon = entry.rfind(':');
    host = entry.substr(0, colon);
    port = colon == std::string_view::npos ? std::string_view() : entry.substr(colon + 1);
  }
  if (auto why = validate_host(host)) {
    return bad(fmt::format("has host '{}', which {}", util::printable(host), *why));
  }
  int value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || value < 1 ||
      value > 65535) {
    return bad(
        fmt::format("has port '{}', which is not a number from 1 to 65535", util::printable(port)));
  }
  return QuorumServer{std::string(host), value};
}

} // namespace flinkha::config
