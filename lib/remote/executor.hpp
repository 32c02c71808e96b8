#pragma once
// The one interface every remote operation goes through: run a command line on a host.
//
//   RemoteCommand   host + an already shell-quoted command line (shell_quote.hpp) + timeout
//   CommandResult   exit status, stdout and stderr kept apart, duration, warnings
//   Executor        run(): a CommandResult when the command ran (whatever its exit status), an
//                   Error when it could not run at all
//   is_local_host   the names flinkha may run without ssh
//
// Implementations: LocalExecutor (/bin/sh -c), SshExecutor (libssh), FakeExecutor (tests).
// Every implementation's run() may be called from several threads at once (fan_out does).

#include "util/result.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::remote {

struct RemoteCommand {
  std::string host;         // a name or IP literal as in conf/masters (no brackets, no port)
  std::string command_line; // run by the remote user's shell as is: quote every argument
  std::chrono::milliseconds timeout{120000}; // until the command's output ends (EOF)
};

struct CommandResult {
  int exit_status = 0; // the command's status; killed by signal N: 128 + N (as sh reports it)
  std::string stdout_text;
  std::string stderr_text;
  std::chrono::milliseconds duration{0}; // wall time of run(), connection set-up included
  std::vector<std::string> warnings;     // e.g. a host key accepted unverified (policy off)
};

class Executor {
public:
  virtual ~Executor();

  // An Error (message naming the host and the cause, hint saying what to do) when the command
  // could not be run or did not finish: invalid host name, DNS, connection refused, host key
  // refused, authentication failed, connect or command timeout. A command that ran and exited
  // non-zero is a CommandResult, not an Error.
  virtual Result<CommandResult> run(const RemoteCommand& command) = 0;
};

// "localhost", "127.0.0.1" and "::1": the names Flink's scripts (and flinkha) treat as this
// machine. Deliberately no DNS lookup and no other 127/8 address: those are "remote" hosts in
// the loopback test setups.
bool is_local_host(std::string_view host);

} // namespace flinkha::remote
