#pragma once
// What `inspect` and `cleanup` share: the cluster configuration loaded, the ZooKeeper client
// opened (zk_access.hpp), and the HA context (flink/ha_context.hpp: era, znode paths, storage
// sides, cluster-id and live-leader rules) built on it. Only the loading lives here. Errors
// are classified: what the library leaves unclassified while loading is configuration (78);
// ZooKeeper's own are unreachable (3) or refused (2) as zk::to_error says.

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

Result<std::unique_ptr<HaSession>> open_ha_session(const Context& context,
                                                   const ZkAccessOptions& access);

} // namespace flinkha::cli
