#include "remote/fake_executor.hpp"

#include <fmt/format.h>

#include <thread>

namespace flinkha::remote {

void FakeExecutor::set_result(const std::string& host, CommandResult result,
                              std::chrono::milliseconds delay) {
  std::scoped_lock lock(m_mutex);
  m_scripts[host] = Script{std::move(result), delay};
}

void FakeExecutor::set_error(const std::string& host, Error error,
                             std::chrono::milliseconds delay) {
  std::scoped_lock lock(m_mutex);
  m_scripts[host] = Script{std::unexpected(std::move(error)), delay};
}

void FakeExecutor::set_default(Script script) {
  std::scoped_lock lock(m_mutex);
  m_default = std::move(script);
}

Result<CommandResult> FakeExecutor::run(const RemoteCommand& command) {
  Script script;
  {
    std::scoped_lock lock(m_mutex);
    m_ran.push_back(Ran{command.host, command.command_line});
    m_max_active = std::max(m_max_active, ++m_active);
    auto it = m_scripts.find(command.host);
    script = it != m_scripts.end() ? it->second : m_default;
  }
  const bool times_out = script.delay > command.timeout;
  std::this_thread::sleep_for(times_out ? command.timeout : script.delay);
  {
    std::scoped_lock lock(m_mutex);
    --m_active;
  }
  if (times_out) {
    return fail(fmt::format("{}: the command did not finish within {} ms", command.host,
                            command.timeout.count()),
                "raise the command timeout");
  }
  if (script.result) {
    script.result->duration = script.delay;
  }
  return script.result;
}

std::vector<FakeExecutor::Ran> FakeExecutor::commands_ran() const {
  std::scoped_lock lock(m_mutex);
  return m_ran;
}

int FakeExecutor::max_concurrency() const {
  std::scoped_lock lock(m_mutex);
  return m_max_active;
}

} // namespace flinkha::remote
