#pragma once
// What `inspect` and `cleanup` share: the cluster configuration loaded, the ZooKeeper client
// opened (zk_access.hpp), and the HA context (flink/ha_context.hpp: era, znode paths, storage
// sides, cluster-id and live-leader rules) built on it. Only the loading and the exit codes live
// here. Errors carry the exit code: 78 configuration, 3 ZooKeeper unreachable.

#include "context.hpp"
#include "flink/ha_context.hpp"
#include "zk/client.hpp"
#include "zk_access.hpp"

#include <expected>
#include <memory>

namespace flinkha::cli {

struct HaSession : flink::HaContext {
  std::unique_ptr<zk::ZkClient> zk;
};

std::expected<std::unique_ptr<HaSession>, ZkAccessError>
open_ha_session(const Context& context, const ZkAccessOptions& access);

} // namespace flinkha::cli
