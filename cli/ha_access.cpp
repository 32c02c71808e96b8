#include "ha_access.hpp"

#include <chrono>

namespace flinkha::cli {

Result<std::unique_ptr<HaSession>> open_ha_session(const Context& context,
                                                   const ZkAccessOptions& access) {
  auto config = context.load_config();
  if (!config) {
    return std::unexpected(unless_classified(config.error(), ErrorCategory::configuration));
  }
  // Before connecting: a cluster without ZooKeeper HA has no quorum to connect to.
  if (auto zookeeper = flink::check_zookeeper_ha(*config); !zookeeper) {
    return std::unexpected(unless_classified(zookeeper.error(), ErrorCategory::configuration));
  }
  auto settings = zk_client_settings(context, *config, access);
  if (!settings) {
    return std::unexpected(settings.error());
  }
  auto client = open_zk(*settings);
  if (!client) {
    return std::unexpected(client.error());
  }
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto ha = flink::open_ha_context(std::move(*config), **client, now_ms);
  if (!ha) {
    return std::unexpected(unless_classified(ha.error(), ErrorCategory::configuration));
  }
  auto session = std::make_unique<HaSession>();
  static_cast<flink::HaContext&>(*session) = std::move(*ha);
  session->zk = std::move(*client);
  return session;
}

} // namespace flinkha::cli
