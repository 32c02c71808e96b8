#pragma once
// SSH settings for the remote executors, and Flink's `env.ssh.opts` / $FLINK_SSH_OPTS.
//
//   HostKeyCheck          strict | accept_new | off (StrictHostKeyChecking yes | accept-new | no)
//   SshOptions            one layer of settings; every field optional (unset = not given here)
//   merge(lower, higher)  the set fields of `higher` over `lower`
//   parse_ssh_opts(text)  env.ssh.opts → SshOptions + the words flinkha does not apply
//   SshSettings           the resolved settings an SshExecutor uses; resolve(layer) fills defaults
//
// Layers, lowest first: built-in defaults < ~/.ssh/config < env.ssh.opts < command-line flags.
// ~/.ssh/config is read by libssh per session inside SshExecutor, so it can only supply what
// SshSettings leaves unset (user, port, known_hosts file) plus what flinkha has no field for
// (HostName, ciphers, ...). Host-key policy and timeouts are flinkha's own: ~/.ssh/config's
// StrictHostKeyChecking and ConnectTimeout are overridden by SshSettings (strict, 10 s by
// default), so a permissive personal config never weakens the default.
//
// Times are milliseconds. No function here touches the network or the file system.

#include "config/cluster_config.hpp"
#include "config/diagnostics.hpp"
#include "util/result.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::remote {

enum class HostKeyCheck {
  strict,     // unknown or changed host key: refuse
  accept_new, // unknown: record it in known_hosts and go on; changed: refuse
  off,        // accept anything, with a warning in the CommandResult
};

// "strict" / "accept-new" / "off", as the --host-key-check flag spells them.
std::string_view to_string(HostKeyCheck check);
// Accepts the flag spelling and OpenSSH's StrictHostKeyChecking values (yes, accept-new, no,
// off; "ask" means strict: flinkha never prompts). Case-insensitive.
Result<HostKeyCheck> parse_host_key_check(std::string_view text);

inline constexpr std::chrono::milliseconds kDefaultConnectTimeout{10000};
inline constexpr std::chrono::milliseconds kDefaultCommandTimeout{120000};

struct SshOptions {
  std::optional<std::string> user;
  std::optional<int> port; // 1..65535
  // Replaces (not extends) a lower layer's list: `--ssh-identity` means "this key".
  std::optional<std::vector<std::string>> identity_files;
  std::optional<std::string> known_hosts_file;
  std::optional<HostKeyCheck> host_key_check;
  std::optional<std::chrono::milliseconds> connect_timeout;
  std::optional<std::chrono::milliseconds> command_timeout;

  friend bool operator==(const SshOptions&, const SshOptions&) = default;
};

// Every field set in `higher` wins; unset fields keep `lower`'s value.
SshOptions merge(const SshOptions& lower, const SshOptions& higher);

struct ParsedSshOpts {
  SshOptions options;
  // Words (with their argument, e.g. "-F /x", "-o BatchMode=yes") flinkha understood as ssh
  // options but does not apply, in order, so the CLI can report them.
  std::vector<std::string> ignored;
};

// Reads env.ssh.opts the way Flink's scripts hand it to ssh: unquoted, so bash splits it at
// spaces, tabs and newlines and removes no quotes ("-o 'User=a b'" is three words). Then parsed
// like ssh's getopt: -p N / -pN (Port), -i F (IdentityFile, repeatable), -l U (User), clustered
// flags (-nq), and -o Key=Value, -oKey=Value, -o Key Value for Port, User, IdentityFile,
// UserKnownHostsFile, StrictHostKeyChecking and ConnectTimeout (seconds; s/m/h suffixes). Keys
// are case-insensitive. Anything else goes to `ignored`.
// Errors: a missing option argument, a bad port, timeout or StrictHostKeyChecking value.
Result<ParsedSshOpts> parse_ssh_opts(std::string_view text);

// The ssh options of a cluster as Flink's config.sh picks them: $FLINK_SSH_OPTS when set, else
// env.ssh.opts from the configuration. Empty optional when neither is set.
struct ConfiguredSshOpts {
  std::string text;
  std::string source;           // "$FLINK_SSH_OPTS", "flink-conf.yaml:12", or "env.ssh.opts"
  config::SourceLocation where; // the key's file:line; empty for the environment
};
std::optional<ConfiguredSshOpts> configured_ssh_opts(const config::ClusterConfig& config,
                                                     const config::Environment& environment);

// `config check`'s findings about those options, by the parser the executors use
// (parse_ssh_opts): an error "bad-ssh-opts" when it refuses them, and one warning
// "ssh-opts-ignored" per word flinkha does not apply (ProxyCommand, LocalCommand, -v, ...: every
// option not in the README's "Configuring SSH" list), naming it.
config::Diagnostics lint_ssh_opts(const config::ClusterConfig& config,
                                  const config::Environment& environment);

struct SshSettings {
  std::optional<std::string> user;             // unset: ~/.ssh/config, else the local user
  std::optional<int> port;                     // unset: ~/.ssh/config, else 22
  std::vector<std::string> identity_files;     // tried after the agent, before default keys
  std::optional<std::string> known_hosts_file; // unset: ~/.ssh/config, else ~/.ssh/known_hosts
  HostKeyCheck host_key_check = HostKeyCheck::strict;
  std::chrono::milliseconds connect_timeout = kDefaultConnectTimeout; // TCP + handshake + auth
  std::chrono::milliseconds command_timeout = kDefaultCommandTimeout; // per command, until EOF
};

// Built-in defaults for every field the layer leaves unset.
SshSettings resolve(const SshOptions& options);

} // namespace flinkha::remote
