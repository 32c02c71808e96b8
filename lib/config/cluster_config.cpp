#include "config/cluster_config.hpp"

#include "util/strings.hpp"

#include <cstdlib>
#include <system_error>

namespace flinkha::config {

namespace fs = std::filesystem;

Environment process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr || *value == '\0') {
      return std::nullopt;
    }
    return std::string(value);
  };
}

namespace {

fs::path absolute_or_same(const fs::path& path) {
  std::error_code ec;
  auto result = fs::absolute(path, ec);
  return ec ? path : result.lexically_normal();
}

std::optional<Chosen<fs::path>> choose_flink_home(const LoadRequest& request) {
  if (request.flink_home) {
    return Chosen<fs::path>{absolute_or_same(*request.flink_home), "--flink-home"};
  }
  if (auto home = request.environment("FLINK_HOME")) {
    return Chosen<fs::path>{absolute_or_same(*home), "$FLINK_HOME"};
  }
  return std::nullopt;
}

// Flink's scripts and HighAvailabilityMode treat "standalone" as NONE.
std::string normalize_ha_mode(std::string_view value) {
  auto mode = util::to_lower(util::java_trim(value));
  return mode == "standalone" ? std::string("none") : mode;
}

enum class ConfiguredStores { yes, no };

// The paths that follow from the cluster-id: the namespace, {storageDir}/{cluster-id}, the
// JobResultStore (1.15+) and the ApplicationResultStore (2.3+). Their configured
// *.storage-path belongs to the configured cluster-id only; another cluster-id gets Flink's
// default under storageDir.
void derive_cluster_paths(const ClusterConfig& config, HaSettings& ha, ConfiguredStores stores) {
  const auto version = config.flink_version.value;
  ha.namespace_path = zookeeper_namespace(ha.root, ha.cluster_id, version);
  ha.cluster_storage_dir.reset();
  ha.job_result_store.reset();
  ha.application_result_store.reset();
  if (!ha.storage_dir) {
    return;
  }
  const auto configured = [&](std::string_view key) -> std::optional<std::string> {
    return stores == ConfiguredStores::yes ? config.value(key) : std::nullopt;
  };
  // Before 1.10 the metadata files sit in storageDir itself (FLINK-13633).
  ha.cluster_storage_dir = version >= FlinkVersion{1, 10}
                               ? cluster_storage_dir(*ha.storage_dir, ha.cluster_id)
                               : std::optional(normalize_flink_path(*ha.storage_dir));
  if (version >= FlinkVersion{1, 15}) {
    const auto jrs = configured("job-result-store.storage-path");
    ha.job_result_store = job_result_store_path(
        jrs ? std::optional<std::string_view>(*jrs) : std::nullopt, *ha.storage_dir, ha.cluster_id);
  }
  if (version >= FlinkVersion{2, 3}) {
    const auto ars = configured("application-result-store.storage-path");
    ha.application_result_store = application_result_store_path(
        ars ? std::optional<std::string_view>(*ars) : std::nullopt, *ha.storage_dir, ha.cluster_id);
  }
}

HaSettings derive_ha(const ClusterConfig& config) {
  HaSettings ha;
  ha.mode = normalize_ha_mode(config.value("high-availability.type").value_or("none"));
  ha.zookeeper = ha.mode == "zookeeper";
  if (auto quorum = config.value("high-availability.zookeeper.quorum")) {
    auto parsed = parse_quorum(*quorum);
    ha.quorum = std::move(parsed.servers);
    ha.quorum_chroot = std::move(parsed.chroot);
  }
  ha.root = config.value("high-availability.zookeeper.path.root").value_or("/flink");
  ha.cluster_id = config.value("high-availability.cluster-id").value_or("");
  ha.storage_dir = config.value("high-availability.storageDir");
  derive_cluster_paths(config, ha, ConfiguredStores::yes);
  return ha;
}

void append(Diagnostics& to, const Diagnostics& from) {
  to.insert(to.end(), from.begin(), from.end());
}

} // namespace

Chosen<fs::path> choose_conf_dir(const LoadRequest& request) {
  if (request.conf_dir) {
    return {absolute_or_same(*request.conf_dir), "--conf-dir"};
  }
  if (auto dir = request.environment("FLINK_CONF_DIR")) {
    return {absolute_or_same(*dir), "$FLINK_CONF_DIR"};
  }
  if (auto home = choose_flink_home(request)) {
    return {home->value / "conf", home->source + "/conf"};
  }
  return {absolute_or_same("conf"), "./conf"};
}

ChosenFlinkVersion choose_flink_version(const LoadRequest& request) {
  if (request.flink_version) {
    return {{*request.flink_version, "--flink-version"}, VersionSource::flag};
  }
  if (auto home = choose_flink_home(request)) {
    if (auto detected = detect_flink_version(home->value)) {
      return {{*detected, home->source + "/lib/flink-dist*.jar"}, VersionSource::detected_dist};
    }
  }
  return {{kNewestSupported, "default (newest supported)"}, VersionSource::config_default};
}

const ResolvedOption* ClusterConfig::option(std::string_view canonical_key) const {
  for (const auto& resolved : options) {
    if (resolved.spec != nullptr && resolved.spec->canonical_key == canonical_key) {
      return &resolved;
    }
  }
  return nullptr;
}

std::optional<std::string> ClusterConfig::value(std::string_view canonical_key) const {
  const auto* resolved = option(canonical_key);
  if (resolved == nullptr || !resolved->applicable) {
    return std::nullopt;
  }
  return resolved->value;
}

Result<ClusterConfig> load_cluster_config(const LoadRequest& request) {
  ClusterConfig config;
  config.conf_dir = choose_conf_dir(request);
  config.flink_version = choose_flink_version(request);
  if (auto home = choose_flink_home(request)) {
    config.flink_home = home->value;
  }

  const auto& dir = config.conf_dir.value;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return fail(fmt::format("conf dir {} (from {}) does not exist or is not a directory",
                            dir.string(), config.conf_dir.source),
                "pass --conf-dir DIR, or set FLINK_CONF_DIR or FLINK_HOME");
  }

  auto flink_conf = load_flink_conf(dir, config.flink_version.value);
  if (!flink_conf) {
    return std::unexpected(flink_conf.error());
  }
  config.flink_conf = std::move(*flink_conf);
  append(config.diagnostics, config.flink_conf.diagnostics);
  config.options = resolve_options(config.flink_conf.config, config.flink_version.value);

  auto masters = load_masters(dir);
  if (!masters) {
    return std::unexpected(masters.error());
  }
  config.masters = std::move(*masters);
  auto workers = load_workers(dir);
  if (!workers) {
    return std::unexpected(workers.error());
  }
  config.workers = std::move(*workers);
  auto zoo_cfg = load_zoo_cfg(dir);
  if (!zoo_cfg) {
    return std::unexpected(zoo_cfg.error());
  }
  config.zoo_cfg = std::move(*zoo_cfg);
  for (const auto* file_diagnostics : {config.masters ? &config.masters->diagnostics : nullptr,
                                       config.workers ? &config.workers->diagnostics : nullptr,
                                       config.zoo_cfg ? &config.zoo_cfg->diagnostics : nullptr}) {
    if (file_diagnostics != nullptr) {
      append(config.diagnostics, *file_diagnostics);
    }
  }

  config.ha = derive_ha(config);
  return config;
}

HaSettings ha_settings_for(const ClusterConfig& config, std::string cluster_id) {
  if (cluster_id == config.ha.cluster_id) {
    return config.ha;
  }
  auto ha = config.ha;
  ha.cluster_id = std::move(cluster_id);
  derive_cluster_paths(config, ha, ConfiguredStores::no);
  return ha;
}

} // namespace flinkha::config
