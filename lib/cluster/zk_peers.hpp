#pragma once
// What each ZooKeeper peer of conf/zoo.cfg needs on its host, as pure functions (no I/O):
//
//   ZkLauncher            who starts the JVM: Flink's bin/zookeeper.sh, or flinkha itself
//   render_template       {{name}} substitution used for templates/zoo-peer.cfg.in
//   render_peer_config    one peer's own zoo.cfg (shared settings + its dataDir/clientPort +
//                         every server.X line, ZooKeeper 3.5+ syntax)
//   data_dir_of           the stable dataDir of a peer, or "resolve on the peer" (per user)
//   pid_file_name         the pid file names other commands (`status`) rely on
//
// Why a per-peer file: several peers on one host need their own dataDir and clientPort, while
// zoo.cfg states them once. Flink's launcher instead reads zoo.cfg as is and, without a dataDir,
// invents a fresh temp dir per start (reference flink-scripts.md §3.3), losing the state.

#include "config/zoo_cfg.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace flinkha::cluster {

enum class ZkLauncher {
  flink,     // <FLINK_HOME>/bin/zookeeper.sh start|stop <id> (FlinkZooKeeperQuorumPeer)
  zookeeper, // flinkha renders the peer config and runs QuorumPeerMain from a ZooKeeper install
};

std::string_view to_string(ZkLauncher launcher); // "flink" | "zookeeper"
// Case-insensitive "flink" / "zookeeper"; an Error naming the value otherwise.
Result<ZkLauncher> parse_zk_launcher(std::string_view text);

// The Flink configuration key that chooses the launcher (flinkha's own key, not Flink's).
inline constexpr std::string_view kLauncherKey = "zookeeper.launcher";

// ---- templates -------------------------------------------------------------------------------

using TemplateValues = std::map<std::string, std::string, std::less<>>;

// Replaces every {{name}} with values[name]. A line that holds only a placeholder whose value is
// empty is dropped (optional lines). Errors: an unknown name, or an unclosed "{{".
Result<std::string> render_template(std::string_view text, const TemplateValues& values);

// The compiled-in copy of templates/zoo-peer.cfg.in (a unit test keeps the two identical), so
// the installed binary needs no data files. Placeholders: id, source, properties, data_dir,
// client_port, servers.
std::string_view default_peer_template();

// ---- per-peer configuration ------------------------------------------------------------------

// The server line's value in ZooKeeper 3.5+ syntax: "host:2888:3888[:observer][;[addr:]port]"
// (IPv6 literals bracketed).
std::string server_line_value(const config::ZkServer& server);

// One peer's config file: template `peer_template` rendered with every property of zoo.cfg except
// dataDir and clientPort (Java-properties escaped), dataDir = `data_dir`, a clientPort line
// unless the server line has its own ";clientPort", and every server.X line.
// Errors: a template error, a value with a control character (it cannot be written safely).
Result<std::string> render_peer_config(std::string_view peer_template,
                                       const config::ZooCfg& zoo_cfg,
                                       const config::ZkServer& server, std::string_view data_dir);

// ---- stable places ---------------------------------------------------------------------------

// Default dataDir bases when zoo.cfg sets none (a peer's dir is <base>/peer-<id>):
inline constexpr std::string_view kRootDataBase = "/var/lib/flinkha/zookeeper";     // user root
inline constexpr std::string_view kUserDataBase = ".local/share/flinkha/zookeeper"; // in $HOME

// zoo.cfg's dataDir + "/peer-<id>" when zoo.cfg sets dataDir (state survives restarts, peers on
// one host do not collide). Empty when it sets none: the peer's host then picks kRootDataBase or
// $HOME/kUserDataBase for the user the peer runs as (only that host knows the user).
std::optional<std::string> data_dir_of(const config::ZooCfg& zoo_cfg, std::int64_t id);

// "flinkha-<user>-zookeeper-<id>.pid" (zookeeper launcher; `flinkha status` reads this name) and
// "flink-<user>-zookeeper.pid" (Flink's flink-daemon.sh, one line per instance on the host).
std::string pid_file_name(std::string_view user, std::int64_t id);
std::string flink_pid_file_name(std::string_view user);

} // namespace flinkha::cluster
