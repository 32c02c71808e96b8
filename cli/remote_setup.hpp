#pragma once
// SSH settings for the commands that reach hosts: the global --ssh-* flags, and building the
// executor from them plus the cluster's own env.ssh.opts / $FLINK_SSH_OPTS.
// Precedence (highest first): flags, $FLINK_SSH_OPTS or env.ssh.opts (as Flink's scripts: the
// environment variable replaces the key), ~/.ssh/config, built-in defaults.

#include "config/cluster_config.hpp"
#include "remote/executor.hpp"
#include "util/result.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flinkha::cli {

struct RemoteFlags {
  std::string ssh_user;
  int ssh_port = 0;
  std::vector<std::string> ssh_identity;
  std::string known_hosts;
  std::string host_key_check; // strict | accept-new | off
  std::size_t fanout = 32;
  bool ssh_always = false;
  double connect_timeout_s = 0; // 0: unset
  double command_timeout_s = 0;
  bool no_ssh_config = false;
};

void add_remote_flags(CLI::App& app, RemoteFlags& flags);

struct RemoteSetup {
  std::unique_ptr<remote::Executor> executor;
  std::size_t window = 32;
  std::chrono::milliseconds command_timeout{120000};
  // Notes for the operator: ignored env.ssh.opts words, host key checking off, …
  std::vector<std::string> warnings;
};

// Errors: env.ssh.opts / $FLINK_SSH_OPTS or a flag that cannot be parsed.
Result<RemoteSetup> make_remote(const RemoteFlags& flags, const config::ClusterConfig& config,
                                const config::Environment& environment);

} // namespace flinkha::cli
