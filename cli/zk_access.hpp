#pragma once
// Opening a ZooKeeper client for a command the way the cluster's own JobManagers connect
// (lib/zk/client_settings.hpp), plus the options every ZooKeeper-reading command shares:
//   --zk-auth-file FILE   digest credentials "user:password" (first line), else $FLINKHA_ZK_AUTH,
//                         else zookeeper.digest from the Flink configuration; never on argv
//   --zk-timeout MS       connection timeout, instead of …client.connection-timeout
// Notes about the connection (SASL/TLS not available in Debian's C client) go to stderr.

#include "context.hpp"
#include "zk/client.hpp"

#include <CLI/CLI.hpp>

#include <expected>
#include <memory>
#include <optional>
#include <string>

namespace flinkha::cli {

struct ZkAccessOptions {
  std::optional<std::string> auth_file;
  std::optional<int> timeout_ms;
};

void add_zk_access_options(CLI::App& app, ZkAccessOptions& options);

// Errors are classified (flinkha(1) EXIT STATUS through cli/exit_codes): a bad --zk-auth-file or
// $FLINKHA_ZK_AUTH is usage (64), the cluster's ZooKeeper settings configuration (78), a server
// that cannot be reached or is not ZooKeeper unreachable (3), refused credentials refused (2).

// The settings as the command would connect (for commands that reconnect on session expiry).
Result<zk::ClientSettings> zk_client_settings(const Context& context,
                                              const config::ClusterConfig& config,
                                              const ZkAccessOptions& options);

Result<std::unique_ptr<zk::ZkClient>> open_zk(const zk::ClientSettings& settings);

} // namespace flinkha::cli
