#pragma once
// Runs command lines on remote hosts over SSH with libssh, as Flink's scripts do with
// `ssh -n $FLINK_SSH_OPTS host -- "command"`, but without a process per host and with one
// connection per host reused for every later command to it.
//
// Per host, on first use: validate the name (config::validate_host), read ~/.ssh/config (and
// /etc/ssh/ssh_config) for that host unless SshConfig::ignore, put SshSettings on top, connect
// with TCP_NODELAY within `connect_timeout` (which also bounds key exchange, authentication and
// channel set-up), check the host key (HostKeyCheck), authenticate. Authentication is batch
// only: ssh-agent (when SSH_AUTH_SOCK is set), then SshSettings::identity_files, then the default
// keys (~/.ssh/id_*); never a password, keyboard-interactive or a passphrase prompt (an
// encrypted key that is not in the agent is skipped).
//
// Per command: a new channel on the host's session, stdin at EOF (like ssh -n), stdout and stderr
// read until EOF within RemoteCommand::timeout, then the exit status (128 + N for a remote
// signal N). On timeout the remote command is sent SIGTERM (when sshd allows it) and its channel
// is closed; the session stays for the next command. SshSettings::command_timeout is what the
// caller should put into RemoteCommand::timeout; run() uses the latter.
//
// Threads: run() is thread-safe. Different hosts run fully in parallel; commands to the same
// host take turns on its session (libssh sessions must not be shared across threads).
// Ownership: the executor owns every session (one per host, created on first use) and closes
// them in its destructor, which must not run while run() does.
// Host key policy `off` and accept-new's recording of a new key add a line to
// CommandResult::warnings (for every command on that session).

#include "remote/executor.hpp"
#include "remote/ssh_options.hpp"

#include <cstddef>
#include <memory>

namespace flinkha::remote {

enum class SshConfig {
  read,   // ~/.ssh/config and /etc/ssh/ssh_config, as ssh(1) reads them
  ignore, // only SshSettings and libssh's defaults (tests, or --ssh-config none)
};

class SshExecutor final : public Executor {
public:
  explicit SshExecutor(SshSettings settings, SshConfig config = SshConfig::read);
  ~SshExecutor() override;
  SshExecutor(const SshExecutor&) = delete;
  SshExecutor& operator=(const SshExecutor&) = delete;

  Result<CommandResult> run(const RemoteCommand& command) override;

  // How many SSH connections were made so far (one per host unless one broke); for tests and
  // benchmarks.
  std::size_t connections_made() const;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace flinkha::remote
