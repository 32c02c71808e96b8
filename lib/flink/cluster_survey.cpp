#include "flink/cluster_survey.hpp"

#include "config/ha_paths.hpp"
#include "flink/ha_context.hpp"
#include "util/strings.hpp"
#include "zk/prefetching_reader.hpp"

#include <algorithm>
#include <set>

namespace flinkha::flink {

namespace {

SurveyJobs count_jobs(const HaInventory& inventory) {
  SurveyJobs jobs;
  for (const auto& [id, job] : inventory.jobs) {
    if (job.job_result_file && job.job_result_file->state == JrsState::dirty) {
      ++jobs.dirty;
    } else if (!job.job_result_file && job.job_graph && !job.job_graph->marked_for_deletion) {
      ++jobs.running;
    } else {
      // inspect's "orphaned" and "clean" (a clean entry whose job left znodes or files behind).
      ++jobs.orphaned;
    }
  }
  return jobs;
}

std::optional<std::int64_t> storage_bytes(const HaInventory& inventory) {
  if (!inventory.storage.available) {
    return std::nullopt;
  }
  std::int64_t sum = 0;
  for (const auto& file : inventory.storage.files) {
    if (file.entry.type == storage::EntryType::file) {
      sum += file.entry.size_bytes;
    }
  }
  return sum;
}

std::optional<SurveyLeader> leader_of(const LeaderReport& report) {
  for (const auto& leader : report.leaders) {
    if (leader.kind == ComponentKind::cluster && leader.address) {
      return SurveyLeader{*leader.address, leader.session_id.value_or(""), leader.component};
    }
  }
  return std::nullopt;
}

// One JobManager process holds one ZooKeeper session, whatever number of latches it is in
// (1.3-1.14 have one latch per component).
int participants_of(const LeaderReport& report) {
  std::set<std::string> cluster_latches;
  for (const auto& leader : report.leaders) {
    if (leader.kind == ComponentKind::cluster) {
      cluster_latches.insert(leader.latch_path);
    }
  }
  std::set<std::int64_t> sessions;
  for (const auto& participant : report.latch) {
    if (cluster_latches.contains(participant.latch)) {
      sessions.insert(participant.owner);
    }
  }
  return static_cast<int>(sessions.size());
}

// One cluster-id. A cluster that cannot be read (ZNOAUTH: another tenant's ACLs; a layout that
// does not detect; a storage that fails) is a row with its error; only a lost connection
// (unreachable: every later cluster would fail the same way) ends the survey.
Result<ClusterSummary> survey_one(const config::ClusterConfig& config,
                                  const std::string& cluster_id, zk::ZkReader& reader,
                                  std::int64_t now_ms, const storage::StorageOptions& options) {
  const auto refused = [&](const Error& error) -> Result<ClusterSummary> {
    if (error.category == ErrorCategory::unreachable) {
      return std::unexpected(error);
    }
    ClusterSummary summary;
    summary.cluster_id = cluster_id;
    summary.zk_namespace =
        config::zookeeper_namespace(config.ha.root, cluster_id, config.flink_version.value);
    summary.error = error.message;
    summary.configured = cluster_id == config.ha.cluster_id;
    return summary;
  };
  auto context = open_ha_context(cluster_config_for(config, cluster_id), reader, now_ms, options);
  if (!context) {
    return refused(context.error());
  }
  context->input.zk_root.clear(); // siblings are this survey's rows, not findings
  zk::PrefetchingReader tree(reader);
  auto inventory = build_ha_inventory(tree, context->input);
  if (!inventory) {
    return refused(inventory.error());
  }
  ResolveOptions resolve;
  resolve.layout = layout_options(context->config);
  resolve.forced_era = context->era;
  auto leaders = resolve_leaders(reader, resolve);
  if (!leaders) {
    return refused(zk::to_error(leaders.error()));
  }
  auto summary = summarize_cluster(*inventory, *leaders);
  summary.era_source = context->era_source;
  summary.configured = summary.cluster_id == config.ha.cluster_id ||
                       summary.zk_namespace == config.ha.namespace_path;
  return summary;
}

} // namespace

config::ClusterConfig cluster_config_for(const config::ClusterConfig& config,
                                         const std::string& cluster_id) {
  auto out = config;
  if (cluster_id == config.ha.cluster_id) {
    return out;
  }
  out.ha = config::ha_settings_for(config, cluster_id);
  return out;
}

ClusterSummary summarize_cluster(const HaInventory& inventory, const LeaderReport& leaders) {
  ClusterSummary summary;
  summary.cluster_id = inventory.cluster_id;
  summary.zk_namespace = inventory.zk_namespace;
  summary.era = inventory.era;
  summary.leader = leader_of(leaders);
  summary.participants = participants_of(leaders);
  summary.jobs = count_jobs(inventory);
  summary.storage_bytes = storage_bytes(inventory);
  if (!summary.storage_bytes) {
    summary.storage_error = inventory.storage.error;
  }
  for (const auto& znode : inventory.znodes) {
    if (znode.stat.mzxid >= summary.last_change_mzxid) {
      summary.last_change_mzxid = znode.stat.mzxid;
      summary.last_change_ms = znode.stat.mtime_ms;
      summary.last_change_znode = znode.path;
    }
  }
  return summary;
}

Result<ClusterSurvey> survey_clusters(const config::ClusterConfig& config, zk::ZkReader& reader,
                                      std::int64_t now_ms, storage::StorageOptions options) {
  if (auto zookeeper = check_zookeeper_ha(config); !zookeeper) {
    return std::unexpected(with_category(zookeeper.error(), ErrorCategory::configuration));
  }
  ClusterSurvey survey;
  survey.root = config.ha.root;
  // The root as a znode path: "/flink" for "flink/" too (the namespace joins trim it so).
  std::string root(util::without_trailing_slashes(config.ha.root));
  if (!root.starts_with('/')) {
    root.insert(root.begin(), '/');
  }
  auto names = reader.children(root);
  if (!names) {
    if (names.error().code == zk::ZkCode::no_node) {
      return survey;
    }
    return std::unexpected(zk::to_error(names.error()));
  }
  std::ranges::sort(*names);
  for (const auto& name : *names) {
    if (root == "/" && name == "zookeeper") {
      continue; // the server's own /zookeeper (quota, config) is no cluster-id
    }
    auto summary = survey_one(config, "/" + name, reader, now_ms, options);
    if (!summary) {
      return std::unexpected(summary.error());
    }
    survey.clusters.push_back(std::move(*summary));
  }
  return survey;
}

} // namespace flinkha::flink
