#include "ha_access.hpp"

#include "storage/open_storage.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <chrono>

namespace flinkha::cli {

namespace {

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.ends_with('/')) {
    path.pop_back();
  }
  return path;
}

flink::HaEra choose_era(const config::ClusterConfig& config, zk::ZkClient& client,
                        std::string& source) {
  const auto configured = flink::era_of(config.flink_version.value);
  if (config.flink_version.source == "--flink-version") {
    source = "--flink-version";
    return configured;
  }
  flink::LayoutOptions layout;
  layout.ns = config.ha.namespace_path;
  if (auto latch = config.value("high-availability.zookeeper.path.latch")) {
    layout.latch_root = *latch;
  }
  if (auto leader = config.value("high-availability.zookeeper.path.leader")) {
    layout.leader_root = *leader;
  }
  auto detected = flink::detect_era(client, layout);
  if (detected && detected->has_value()) {
    const auto& detection = **detected;
    // /execution-plans only exists once a 2.x cluster ran a job; before that its namespace
    // looks like 1.15+, and the distribution knows better.
    if (detection.era == flink::HaEra::v1_15 && configured == flink::HaEra::v2_0 &&
        config.flink_version.source != "default") {
      source = fmt::format("{}; Flink {} from {}", detection.evidence,
                           config.flink_version.value.to_string(), config.flink_version.source);
      return configured;
    }
    source = detection.evidence;
    return detection.era;
  }
  source = fmt::format("Flink {} from {}", config.flink_version.value.to_string(),
                       config.flink_version.source);
  return configured;
}

flink::ZnodePaths znode_paths(const config::ClusterConfig& config, flink::LayoutEra era) {
  auto paths = flink::default_znode_paths(era);
  const auto set = [&](std::string& field, std::string_view key) {
    if (auto value = config.value(key); value && !value->empty()) {
      field = without_trailing_slashes(value->starts_with('/') ? *value : "/" + *value);
    }
  };
  set(paths.job_graphs, era == flink::LayoutEra::v2
                            ? "high-availability.zookeeper.path.execution-plans"
                            : "high-availability.zookeeper.path.jobgraphs");
  if (era == flink::LayoutEra::v1_0_to_1_2 || era == flink::LayoutEra::v1_3_to_1_13) {
    set(paths.checkpoints, "high-availability.zookeeper.path.checkpoints");
    set(paths.checkpoint_counter, "high-availability.zookeeper.path.checkpoint-counter");
    set(paths.leader, "high-availability.zookeeper.path.leader");
    set(paths.latch, "high-availability.zookeeper.path.latch");
  }
  if (era == flink::LayoutEra::v1_3_to_1_13 || era == flink::LayoutEra::v1_14) {
    set(paths.running_registry, "high-availability.zookeeper.path.running-registry");
  }
  return paths;
}

// Opens one storage side; on failure the reason goes to `error` and null is returned.
std::unique_ptr<storage::HaStorage> open_side(const std::optional<std::string>& uri,
                                              std::string_view what, std::string& error) {
  if (!uri || uri->empty()) {
    error = fmt::format("{} is not configured", what);
    return nullptr;
  }
  auto opened = storage::open_storage(*uri);
  if (!opened) {
    error = opened.error().message;
    return nullptr;
  }
  return std::move(*opened);
}

} // namespace

flink::LayoutEra layout_era_of(flink::HaEra era) {
  switch (era) {
  case flink::HaEra::v1_0:
    return flink::LayoutEra::v1_0_to_1_2;
  case flink::HaEra::v1_3:
    return flink::LayoutEra::v1_3_to_1_13;
  case flink::HaEra::v1_14:
    return flink::LayoutEra::v1_14;
  case flink::HaEra::v1_15:
    return flink::LayoutEra::v1_15_to_1_20;
  case flink::HaEra::v2_0:
    return flink::LayoutEra::v2;
  }
  return flink::LayoutEra::v1_15_to_1_20;
}

Status check_cluster_id(std::string_view cluster_id) {
  std::string_view id = cluster_id;
  while (!id.empty() && id.front() == '/') {
    id.remove_prefix(1);
  }
  while (!id.empty() && id.back() == '/') {
    id.remove_suffix(1);
  }
  if (id.empty()) {
    return fail(fmt::format("cluster-id '{}' names the storageDir and the ZooKeeper root "
                            "themselves; cleanup refused",
                            util::printable(cluster_id)),
                "set high-availability.cluster-id to the cluster's own id");
  }
  if (const auto bad = util::unsafe_component(id)) {
    return fail(fmt::format("cluster-id '{}' has a '{}' component, which leaves the cluster's "
                            "own directory; cleanup refused",
                            util::printable(cluster_id), util::printable(*bad)),
                "set high-availability.cluster-id to the cluster's own id");
  }
  return {};
}

std::expected<std::unique_ptr<HaSession>, ZkAccessError>
open_ha_session(const Context& context, const ZkAccessOptions& access) {
  auto config = context.load_config();
  if (!config) {
    return std::unexpected(ZkAccessError{config.error(), ExitCode::config});
  }
  if (!config->ha.zookeeper) {
    return std::unexpected(ZkAccessError{
        Error{fmt::format("high-availability.type is '{}', not zookeeper: there is no HA data in "
                          "ZooKeeper",
                          config->ha.mode),
              "run against the conf dir of a ZooKeeper HA cluster (--conf-dir)"},
        ExitCode::config});
  }
  auto settings = zk_client_settings(context, *config, access);
  if (!settings) {
    return std::unexpected(settings.error());
  }
  auto client = open_zk(*settings);
  if (!client) {
    return std::unexpected(client.error());
  }
  auto session = std::make_unique<HaSession>();
  session->config = std::move(*config);
  session->zk = std::move(*client);
  const auto& cfg = session->config;
  session->era = choose_era(cfg, *session->zk, session->era_source);
  const auto era = layout_era_of(session->era);

  auto& input = session->input;
  input.era = era;
  input.zk_namespace = cfg.ha.namespace_path;
  input.zk_root = cfg.ha.root;
  input.cluster_id = cfg.ha.cluster_id;
  input.paths = znode_paths(cfg, era);
  // Before 1.10 the metadata files sit in the storageDir itself (reference §4.1).
  const bool per_cluster_dir = cfg.ha.cluster_storage_dir.has_value();
  const auto cluster_uri = per_cluster_dir ? cfg.ha.cluster_storage_dir : cfg.ha.storage_dir;
  input.cluster_storage_uri = cluster_uri.value_or("");
  session->cluster_storage =
      open_side(cluster_uri, "high-availability.storageDir", input.cluster_storage_error);
  input.cluster_storage = session->cluster_storage.get();
  if (per_cluster_dir && cfg.ha.storage_dir) {
    std::string ignored;
    session->storage_root = open_side(cfg.ha.storage_dir, "storageDir", ignored);
    input.storage_root = session->storage_root.get();
  }
  if (era == flink::LayoutEra::v1_15_to_1_20 || era == flink::LayoutEra::v2) {
    input.job_result_store_uri = cfg.ha.job_result_store.value_or("");
    session->job_result_store = open_side(cfg.ha.job_result_store, "job-result-store.storage-path",
                                          input.job_result_store_error);
    input.job_result_store = session->job_result_store.get();
  }
  if (auto value = cfg.value("job-result-store.delete-on-commit");
      value && util::to_lower(*value) == "false") {
    session->delete_on_commit = flink::DeleteOnCommit::no;
  }
  input.now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  return session;
}

zk::ZkResult<std::optional<LiveLeader>> find_live_leader(HaSession& session) {
  flink::ResolveOptions options;
  options.layout.ns = session.config.ha.namespace_path;
  if (auto latch = session.config.value("high-availability.zookeeper.path.latch")) {
    options.layout.latch_root = *latch;
  }
  if (auto leader = session.config.value("high-availability.zookeeper.path.leader")) {
    options.layout.leader_root = *leader;
  }
  options.forced_era = session.era;
  auto report = flink::resolve_leaders(*session.zk, options);
  if (!report) {
    return std::unexpected(report.error());
  }
  if (report->verdict == flink::LeaderVerdict::none) {
    return std::optional<LiveLeader>{};
  }
  for (const auto& leader : report->leaders) {
    if (leader.address) {
      return std::optional<LiveLeader>{
          LiveLeader{fmt::format("{} at {}{}", leader.component, *leader.address,
                                 leader.consistent ? "" : " (" + leader.note + ")")}};
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

} // namespace flinkha::cli
