#pragma once
// A scripted Executor for unit tests (ninja's FakeCommandRunner): canned results or errors per
// host, an optional artificial delay, and a record of what ran and how many ran at once.
//
// A host without a script gets the set_default() script (exit 0, no output, no delay). A delay
// longer than the command's timeout ends in the same timeout Error a real executor gives, after the
// timeout. Thread-safe: run() may be called from many threads (that is what it is for).

#include "remote/executor.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace flinkha::remote {

class FakeExecutor final : public Executor {
public:
  struct Script {
    Result<CommandResult> result = CommandResult{};
    std::chrono::milliseconds delay{0};
  };

  struct Ran {
    std::string host;
    std::string command_line;
  };

  void set_result(const std::string& host, CommandResult result,
                  std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  void set_error(const std::string& host, Error error,
                 std::chrono::milliseconds delay = std::chrono::milliseconds(0));
  // For every host without its own script.
  void set_default(Script script);

  Result<CommandResult> run(const RemoteCommand& command) override;

  std::vector<Ran> commands_ran() const; // in the order run() was entered
  int max_concurrency() const;           // the most run() calls in progress at one time

private:
  mutable std::mutex m_mutex;
  std::map<std::string, Script> m_scripts;
  Script m_default;
  std::vector<Ran> m_ran;
  int m_active = 0;
  int m_max_active = 0;
};

} // namespace flinkha::remote
