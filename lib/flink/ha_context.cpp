#include "flink/ha_context.hpp"

#include "config/ha_paths.hpp"
#include "storage/open_storage.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace flinkha::flink {

namespace {

bool version_from_flag(const config::ClusterConfig& config) {
  return config.flink_version.from == config::VersionSource::flag;
}

// Opens one storage side; on failure the reason goes to `error` and null is returned.
std::unique_ptr<storage::HaStorage> open_side(const std::optional<std::string>& uri,
                                              std::string_view what,
                                              const storage::StorageOptions& options,
                                              std::string& error, Error& failure) {
  if (!uri || uri->empty()) {
    error = fmt::format("{} is not configured", what);
    return nullptr;
  }
  auto opened = storage::open_storage(*uri, options);
  if (!opened) {
    error = opened.error().message;
    failure = opened.error();
    return nullptr;
  }
  return std::move(*opened);
}

} // namespace

LayoutOptions layout_options(const config::ClusterConfig& config) {
  LayoutOptions layout;
  layout.ns = config.ha.namespace_path;
  if (auto latch = config.value("high-availability.zookeeper.path.latch")) {
    layout.latch_root = *latch;
  }
  if (auto leader = config.value("high-availability.zookeeper.path.leader")) {
    layout.leader_root = *leader;
  }
  return layout;
}

ResolveOptions leader_resolve_options(const config::ClusterConfig& config) {
  ResolveOptions resolve;
  resolve.layout = layout_options(config);
  const auto era = era_of(config.flink_version.value);
  resolve.fallback_era = era;
  if (version_from_flag(config)) {
    resolve.forced_era = era;
  }
  return resolve;
}

EraChoice choose_era(const config::ClusterConfig& config, zk::ZkReader& reader) {
  const auto configured = era_of(config.flink_version.value);
  if (version_from_flag(config)) {
    return {configured, "--flink-version"};
  }
  auto detected = detect_era(reader, layout_options(config));
  if (detected && detected->has_value()) {
    const auto& detection = **detected;
    // /execution-plans only exists once a 2.x cluster ran a job; before that its namespace
    // looks like 1.15-1.20, and the distribution knows better.
    if (detection.era == HaEra::v1_15 && configured == HaEra::v2_0 &&
        config.flink_version.from != config::VersionSource::config_default) {
      return {configured,
              fmt::format("{}; Flink {} from {}", detection.evidence,
                          config.flink_version.value.to_string(), config.flink_version.source)};
    }
    return {detection.era, detection.evidence};
  }
  return {configured, fmt::format("Flink {} from {}", config.flink_version.value.to_string(),
                                  config.flink_version.source)};
}

ZnodePaths znode_paths(const config::ClusterConfig& config, HaEra era) {
  auto paths = default_znode_paths(era);
  const auto set = [&](std::string& field, std::string_view key) {
    if (auto value = config.value(key); value && !value->empty()) {
      const std::string rooted = value->starts_with('/') ? *value : "/" + *value;
      field = std::string(util::without_trailing_slashes(rooted));
    }
  };
  // The option table names the job store by its newest key; .jobgraphs (1.2-1.20) is an older
  // key of the same option, so value("….jobgraphs") would never see a configured value.
  set(paths.job_graphs, "high-availability.zookeeper.path.execution-plans");
  if (era == HaEra::v2_0) {
    set(paths.applications, "high-availability.zookeeper.path.applications");
  }
  if (era == HaEra::v1_0 || era == HaEra::v1_3) {
    set(paths.checkpoints, "high-availability.zookeeper.path.checkpoints");
    set(paths.checkpoint_counter, "high-availability.zookeeper.path.checkpoint-counter");
    set(paths.leader, "high-availability.zookeeper.path.leader");
    set(paths.latch, "high-availability.zookeeper.path.latch");
  }
  if (era == HaEra::v1_3 || era == HaEra::v1_14) {
    set(paths.running_registry, "high-availability.zookeeper.path.running-registry");
  }
  return paths;
}

Status check_zookeeper_ha(const config::ClusterConfig& config) {
  if (!config.ha.zookeeper) {
    return fail(fmt::format("high-availability.type is '{}', not zookeeper: there is no HA data "
                            "in ZooKeeper",
                            config.ha.mode),
                "run against the conf dir of a ZooKeeper HA cluster (--conf-dir)");
  }
  return {};
}

Result<HaContext> open_ha_context(config::ClusterConfig config, zk::ZkReader& reader,
                                  std::int64_t now_ms, storage::StorageOptions options) {
  if (auto zookeeper = check_zookeeper_ha(config); !zookeeper) {
    return std::unexpected(zookeeper.error());
  }
  HaContext context;
  context.config = std::move(config);
  const auto& cfg = context.config;
  auto choice = choose_era(cfg, reader);
  context.era = choice.era;
  context.era_source = std::move(choice.source);
  const auto era = context.era;
  // The storages read the Flink options (s3.*, the Hadoop configuration directory) while they
  // are opened, below, and keep nothing of `options.config`.
  options.config = &context.config;

  auto& input = context.input;
  input.era = era;
  input.zk_namespace = cfg.ha.namespace_path;
  input.zk_root = cfg.ha.root;
  input.cluster_id = cfg.ha.cluster_id;
  input.paths = znode_paths(cfg, era);
  // Before 1.10 the metadata files sit in the storageDir itself (reference §4.1).
  // (config::HaSettings::cluster_storage_dir is then the storageDir itself; there are no
  // sibling cluster-id directories to look at.) A cluster-id Flink's Path cannot append gives
  // no cluster_storage_dir: the storageDir stands in, and cleanup refuses that cluster-id.
  const bool per_cluster_dir = cfg.flink_version.value >= config::FlinkVersion{1, 10} &&
                               cfg.ha.cluster_storage_dir.has_value();
  const auto cluster_uri =
      cfg.ha.cluster_storage_dir ? cfg.ha.cluster_storage_dir : cfg.ha.storage_dir;
  input.cluster_storage_uri = cluster_uri.value_or("");
  context.cluster_storage = open_side(cluster_uri, "high-availability.storageDir", options,
                                      input.cluster_storage_error, input.cluster_storage_failure);
  input.cluster_storage = context.cluster_storage.get();
  if (per_cluster_dir && cfg.ha.storage_dir) {
    std::string ignored;
    Error ignored_failure;
    context.storage_root =
        open_side(cfg.ha.storage_dir, "storageDir", options, ignored, ignored_failure);
    input.storage_root = context.storage_root.get();
  }
  if (era >= HaEra::v1_15) {
    input.job_result_store_uri = cfg.ha.job_result_store.value_or("");
    context.job_result_store =
        open_side(cfg.ha.job_result_store, "job-result-store.storage-path", options,
                  input.job_result_store_error, input.job_result_store_failure);
    input.job_result_store = context.job_result_store.get();
  }
  if (auto value = cfg.value("job-result-store.delete-on-commit");
      value && util::to_lower(*value) == "false") {
    context.delete_on_commit = DeleteOnCommit::no;
  }
  // 2.3: the ApplicationResultStore (ApplicationResultStoreOptions), opened like the
  // JobResultStore; config::HaSettings has its path from 2.3 on only.
  if (cfg.ha.application_result_store) {
    input.application_result_store_uri = *cfg.ha.application_result_store;
    context.application_result_store =
        open_side(cfg.ha.application_result_store, "application-result-store.storage-path", options,
                  input.application_result_store_error, input.application_result_store_failure);
    input.application_result_store = context.application_result_store.get();
  }
  if (auto value = cfg.value("application-result-store.delete-on-commit");
      value && util::to_lower(*value) == "false") {
    context.application_delete_on_commit = DeleteOnCommit::no;
  }
  input.now_ms = now_ms;
  return context;
}

zk::ZkResult<std::optional<LiveLeader>> find_live_leader(const HaContext& context,
                                                         zk::ZkReader& reader) {
  ResolveOptions options;
  options.layout = layout_options(context.config);
  options.forced_era = context.era;
  auto report = resolve_leaders(reader, options);
  if (!report) {
    return std::unexpected(report.error());
  }
  if (report->verdict == LeaderVerdict::none) {
    return std::optional<LiveLeader>{};
  }
  for (const auto& leader : report->leaders) {
    if (leader.address) {
      return std::optional<LiveLeader>{
          LiveLeader{fmt::format("{} at {}{}", leader.component, *leader.address,
                                 leader.consistent() ? "" : " (" + leader.note + ")")}};
    }
  }
  for (const auto& participant : report->latch) {
    if (participant.leader) {
      return std::optional<LiveLeader>{
          LiveLeader{fmt::format("latch participant {}/{} (session {})", participant.latch,
                                 participant.node, zk::format_session_id(participant.owner))}};
    }
  }
  return std::optional<LiveLeader>{
      LiveLeader{"a leader (verdict " + std::string(to_string(report->verdict)) + ")"}};
}

} // namespace flinkha::flink
