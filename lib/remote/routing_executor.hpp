#pragma once
// Picks the executor per host the way Flink's scripts do: `localhost`, `127.0.0.1` and `::1`
// run on this machine without ssh (is_local_host), every other host over ssh. `Route::ssh_always`
// (--ssh-always) sends local names through ssh too.

#include "remote/executor.hpp"

#include <memory>

namespace flinkha::remote {

enum class Route { local_shortcut, ssh_always };

class RoutingExecutor final : public Executor {
public:
  RoutingExecutor(std::unique_ptr<Executor> local, std::unique_ptr<Executor> ssh, Route route)
      : m_local(std::move(local)), m_ssh(std::move(ssh)), m_route(route) {}

  Result<CommandResult> run(const RemoteCommand& command) override;

private:
  std::unique_ptr<Executor> m_local;
  std::unique_ptr<Executor> m_ssh;
  Route m_route;
};

} // namespace flinkha::remote
