#include "remote/routing_executor.hpp"

namespace flinkha::remote {

Result<CommandResult> RoutingExecutor::run(const RemoteCommand& command) {
  if (m_route == Route::local_shortcut && is_local_host(command.host)) {
    return m_local->run(command);
  }
  return m_ssh->run(command);
}

} // namespace flinkha::remote
