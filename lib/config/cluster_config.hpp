#pragma once
// The whole configuration of one Flink cluster, loaded from its conf dir the way Flink does:
// which conf dir and Flink version apply (and why), the Flink configuration file, the resolved
// option table, conf/masters, conf/workers, conf/zoo.cfg, and the derived HA settings.
// This is the one entry point the other areas and the CLI use.

#include "config/diagnostics.hpp"
#include "config/flink_conf.hpp"
#include "config/flink_version.hpp"
#include "config/ha_options.hpp"
#include "config/ha_paths.hpp"
#include "config/hosts_files.hpp"
#include "config/zoo_cfg.hpp"
#include "util/result.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::config {

// Reads an environment variable; injectable so tests do not touch the process environment.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;

// The real process environment (getenv); empty values count as unset.
Environment process_environment();

// What the user asked for; everything optional falls back as documented below.
struct LoadRequest {
  std::optional<std::filesystem::path> conf_dir;   // --conf-dir
  std::optional<std::filesystem::path> flink_home; // --flink-home
  std::optional<FlinkVersion> flink_version;       // --flink-version
  Environment environment = process_environment();
};

// A choice with the reason it was made, e.g. {"/opt/flink/conf", "$FLINK_HOME/conf"}.
template <typename T>
struct Chosen {
  T value;
  std::string source; // "--conf-dir", "$FLINK_CONF_DIR", "lib/flink-dist-1.20.5.jar", "default"
};

// Conf dir: --conf-dir, else $FLINK_CONF_DIR, else $FLINK_HOME/conf (FLINK_HOME from --flink-home
// or the environment), else ./conf. The result is absolute; it is not checked for existence.
Chosen<std::filesystem::path> choose_conf_dir(const LoadRequest& request);

// The Flink version with its source as text (for messages) and as a kind (for rules).
struct ChosenFlinkVersion : Chosen<FlinkVersion> {
  VersionSource from = VersionSource::config_default;
};

// Flink version: --flink-version, else the flink-dist jar under FLINK_HOME/lib, else the newest
// supported version.
ChosenFlinkVersion choose_flink_version(const LoadRequest& request);

// HA settings derived from the resolved options (reference flink-ha-format.md §1.1, §4).
struct HaSettings {
  std::string mode;       // as resolved, lower-cased: "none", "zookeeper", "kubernetes", …
  bool zookeeper = false; // HA via ZooKeeper (case-insensitive "zookeeper", as the scripts)
  std::vector<std::string> quorum;
  std::string quorum_chroot;  // a "/chroot" suffix of the connect string, rarely used
  std::string root;           // high-availability.zookeeper.path.root
  std::string cluster_id;     // as resolved ("" in Flink 1.0, which has none)
  std::string namespace_path; // {root}/{cluster-id}, as this Flink version joins them
  std::optional<std::string> storage_dir;
  std::optional<std::string> cluster_storage_dir;      // {storageDir}/{cluster-id} (1.10+)
  std::optional<std::string> job_result_store;         // 1.15+
  std::optional<std::string> application_result_store; // 2.3+
};

struct ClusterConfig {
  Chosen<std::filesystem::path> conf_dir;
  ChosenFlinkVersion flink_version;
  std::optional<std::filesystem::path> flink_home;
  ParsedConfigFile flink_conf;
  std::vector<ResolvedOption> options; // every option of the table, in table order
  std::optional<MastersFile> masters;
  std::optional<WorkersFile> workers;
  std::optional<ZooCfg> zoo_cfg;
  HaSettings ha;
  // Everything the readers noticed while loading (malformed lines, ignored files, …).
  Diagnostics diagnostics;

  // The resolved option for a canonical key; nullptr for keys not in the table.
  const ResolvedOption* option(std::string_view canonical_key) const;
  // Its value when set or defaulted; empty when unset or not applicable to this version.
  std::optional<std::string> value(std::string_view canonical_key) const;
};

// Loads everything. Fails only when the cluster cannot be described at all: the conf dir does
// not exist, the Flink configuration file is missing or unreadable, or a file has a syntax error
// that Flink itself would reject (e.g. duplicate keys in config.yaml, a bad masters line).
Result<ClusterConfig> load_cluster_config(const LoadRequest& request);

// The HA settings of another cluster-id on the same configuration (the same root, storageDir
// and version): its namespace, cluster storage dir, JobResultStore and ApplicationResultStore
// as Flink derives them; a configured job-result-store.storage-path or
// application-result-store.storage-path stays with the configured cluster-id, so another one
// gets Flink's default. The configured cluster-id gets config.ha unchanged.
HaSettings ha_settings_for(const ClusterConfig& config, std::string cluster_id);

} // namespace flinkha::config
