#include "config/lint_hdfs.hpp"

#include "config/hadoop_conf.hpp"
#include "config/hadoop_namenodes.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace flinkha::config {

namespace {

struct HdfsPath {
  std::string key; // the option that names it
  std::string uri;
  util::FlinkPath split;
  SourceLocation where;
};

bool is_hdfs_scheme(std::string_view scheme) {
  return util::file_system_kind(scheme) == util::FileSystemKind::hdfs;
}

std::vector<HdfsPath> hdfs_paths(const ClusterConfig& config) {
  std::vector<HdfsPath> out;
  const auto where_of = [&config](std::string_view key) {
    const auto* option = config.option(key);
    return option != nullptr && !option->is_default ? option->where : SourceLocation{};
  };
  const auto add = [&](std::string key, const std::optional<std::string>& uri,
                       SourceLocation where) {
    if (!uri) {
      return;
    }
    auto split = util::parse_flink_path(util::trim(*uri));
    if (is_hdfs_scheme(split.scheme)) {
      out.push_back({std::move(key), *uri, std::move(split), std::move(where)});
    }
  };
  add("high-availability.storageDir", config.ha.storage_dir,
      where_of("high-availability.storageDir"));
  const auto jrs_where = where_of("job-result-store.storage-path");
  add(jrs_where.empty() ? "high-availability.storageDir" : "job-result-store.storage-path",
      config.ha.job_result_store,
      jrs_where.empty() ? where_of("high-availability.storageDir") : jrs_where);
  // The JobResultStore below the storageDir names the same file system: one finding is enough.
  if (out.size() == 2 && out[0].split.scheme == out[1].split.scheme &&
      out[0].split.authority == out[1].split.authority) {
    out.pop_back();
  }
  return out;
}

std::string searched_text(const HadoopConf& conf) {
  std::vector<std::string> places;
  for (const auto& resource : conf.searched) {
    places.push_back(fmt::format("{} ({})", resource.path.string(), resource.reason));
  }
  return places.empty() ? "no place: HADOOP_CONF_DIR, HADOOP_HOME and env.hadoop.conf.dir are "
                          "unset"
                        : fmt::format("{}", fmt::join(places, ", "));
}

void check_nameservice(const HdfsPath& path, const std::string& authority, const HadoopConf& conf,
                       Diagnostics& out) {
  const auto host = authority.substr(0, authority.find(':'));
  const auto nameservices = hadoop_trimmed_strings(conf.get("dfs.nameservices").value_or(""));
  if (std::ranges::find(nameservices, host) == nameservices.end()) {
    return;
  }
  const bool https =
      util::to_lower(util::trim(conf.get("dfs.http.policy").value_or(""))) == "https_only" ||
      util::iequals(path.split.scheme, "swebhdfs");
  const std::string key = https ? "dfs.namenode.https-address" : "dfs.namenode.http-address";
  auto ids = hadoop_trimmed_strings(conf.get("dfs.ha.namenodes." + host).value_or(""));
  if (ids.empty()) {
    ids.emplace_back();
  }
  for (const auto& id : ids) {
    const std::string member_key = key + "." + host + (id.empty() ? "" : "." + id);
    if (conf.find(member_key) == nullptr) {
      out.push_back(
          {Severity::error, "hdfs-nameservice-no-http", path.where,
           fmt::format("{} '{}' is on nameservice {}, whose NameNode {} has no {}; "
                       "Hadoop skips it and flinkha cannot reach it ({})",
                       path.key, util::printable(path.uri), host, id.empty() ? host : id,
                       member_key, conf.where_of("dfs.ha.namenodes." + host)),
           fmt::format("set {} to the NameNode's host:port in hdfs-site.xml", member_key)});
    }
  }
}

} // namespace

void lint_hdfs(const ClusterConfig& config, const Environment& environment, Diagnostics& out) {
  const auto paths = hdfs_paths(config);
  if (paths.empty()) {
    return;
  }
  auto conf = load_hadoop_conf(config.flink_conf.config, config.flink_version.value, environment);
  if (!conf) {
    out.push_back({Severity::error, "hadoop-conf-invalid", paths.front().where,
                   conf.error().message, conf.error().hint});
    return;
  }
  out.insert(out.end(), conf->diagnostics.begin(), conf->diagnostics.end());
  for (const auto& path : paths) {
    std::string authority = path.split.authority;
    if (authority.empty()) {
      if (!conf->found) {
        out.push_back(
            {Severity::warning, "hdfs-no-hadoop-conf", path.where,
             fmt::format("{} '{}' names no NameNode, and there is no Hadoop configuration where "
                         "Flink {} looks on this host (searched: {})",
                         path.key, util::printable(path.uri),
                         config.flink_version.value.to_string(), searched_text(*conf)),
             "set HADOOP_CONF_DIR (or env.hadoop.conf.dir) to the directory with core-site.xml "
             "and hdfs-site.xml, or write the NameNode into the path (hdfs://namenode:8020/...)"});
        continue;
      }
      auto target = resolve_webhdfs(path.split.scheme, "", *conf);
      if (!target) {
        out.push_back({Severity::error, "hdfs-no-default-fs", path.where,
                       fmt::format("{} '{}': {}", path.key, util::printable(path.uri),
                                   target.error().message),
                       target.error().hint});
        continue;
      }
      authority = target->authority;
    }
    check_nameservice(path, authority, *conf, out);
  }
}

} // namespace flinkha::config
