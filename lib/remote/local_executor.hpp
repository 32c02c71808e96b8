#pragma once
// Runs command lines on this machine as `/bin/sh -c COMMAND_LINE`, with the same contract as a
// remote run: stdin is /dev/null, stdout and stderr are captured apart, and the command's output
// ends when every process holding the pipes has closed them (as an ssh channel's does).
//
// Timeout: when RemoteCommand::timeout passes, the command's whole process group gets SIGTERM,
// then SIGKILL after `kill_grace`, and run() returns an Error. The command runs in a new process
// group, so a daemon it starts with `nohup … &` is in that group too until it calls setsid().
// run() is thread-safe (no shared state; pipes are close-on-exec so concurrent runs do not
// inherit each other's pipes).

#include "remote/executor.hpp"

#include <chrono>

namespace flinkha::remote {

class LocalExecutor final : public Executor {
public:
  explicit LocalExecutor(std::chrono::milliseconds kill_grace = std::chrono::milliseconds(2000))
      : m_kill_grace(kill_grace) {}

  // `command.host` is only used in messages.
  Result<CommandResult> run(const RemoteCommand& command) override;

private:
  std::chrono::milliseconds m_kill_grace;
};

} // namespace flinkha::remote
