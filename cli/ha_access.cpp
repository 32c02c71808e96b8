#include "ha_access.hpp"

#include "util/duration.hpp"
#include "zk/prefetching_reader.hpp"

#include <fmt/format.h>

#include <chrono>

namespace flinkha::cli {

void add_storage_access_options(CLI::App& app, StorageAccessOptions& options) {
  app.add_option("--storage-timeout", options.timeout,
                 "How long one storage request (WebHDFS, S3) may take, retries included, e.g. "
                 "30s or 2m; a bare number is milliseconds")
      ->capture_default_str();
}

Result<std::unique_ptr<HaSession>> open_ha_session(const Context& context,
                                                   const ZkAccessOptions& access,
                                                   const StorageAccessOptions& storage,
                                                   const std::optional<std::string>& cluster_id) {
  const auto timeout_ms = util::parse_duration_ms(storage.timeout);
  if (!timeout_ms || *timeout_ms < 1) {
    return fail(ErrorCategory::usage,
                fmt::format("--storage-timeout '{}': {}", storage.timeout,
                            timeout_ms ? "must be at least 1 ms" : timeout_ms.error().message),
                "write it like 30s, 2m or 1500 (ms)");
  }
  auto config = context.load_config();
  if (!config) {
    return std::unexpected(unless_classified(config.error(), ErrorCategory::configuration));
  }
  if (cluster_id) {
    config->ha = config::ha_settings_for(*config, *cluster_id);
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
  auto progress = std::make_unique<ProgressLine>(!context.json());
  storage::StorageOptions options;
  options.timeout_ms = *timeout_ms;
  options.progress = [line = progress.get()](std::string_view text) { line->update(text); };
  auto ha = flink::open_ha_context(std::move(*config), **client, now_ms, std::move(options));
  if (!ha) {
    return std::unexpected(unless_classified(ha.error(), ErrorCategory::configuration));
  }
  auto session = std::make_unique<HaSession>();
  static_cast<flink::HaContext&>(*session) = std::move(*ha);
  session->progress = std::move(progress);
  session->zk = std::move(*client);
  return session;
}

Result<HaRead> read_ha_inventory(const Context& context, const ZkAccessOptions& access,
                                 const StorageAccessOptions& storage) {
  auto session = open_ha_session(context, access, storage);
  if (!session) {
    return std::unexpected(session.error());
  }
  zk::PrefetchingReader tree(*(*session)->zk);
  auto inventory = flink::build_ha_inventory(tree, (*session)->input);
  (*session)->progress->clear();
  if (!inventory) {
    return std::unexpected(unless_classified(inventory.error(), ErrorCategory::unreachable));
  }
  return HaRead{std::move(*session), std::move(*inventory)};
}

} // namespace flinkha::cli
