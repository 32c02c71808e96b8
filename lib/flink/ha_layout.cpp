#include "flink/ha_layout.hpp"

#include <algorithm>

namespace flinkha::flink {

namespace {

constexpr std::string_view kClusterComponents[] = {"resource_manager", "dispatcher", "rest_server"};

std::string under(const LayoutOptions& options, std::string_view relative) {
  std::string out = options.ns == "/" ? "" : options.ns;
  if (!relative.starts_with('/')) {
    out += '/';
  }
  out += relative;
  return out;
}

// Up to 1.13 sub-paths are joined by plain concatenation (ZooKeeperHaServices); the configured
// roots normally start with '/', but a root without one is used as Flink would use it.
std::string concat(std::string_view a, std::string_view b) {
  return std::string(a) + std::string(b);
}

zk::ZkResult<bool> exists(zk::ZkReader& reader, const std::string& path) {
  auto stat = reader.exists(path);
  if (!stat) {
    return std::unexpected(stat.error());
  }
  return stat->has_value();
}

zk::ZkResult<std::vector<std::string>> children_or_empty(zk::ZkReader& reader,
                                                         const std::string& path) {
  auto names = reader.children(path);
  if (!names && names.error().code == zk::ZkCode::no_node) {
    return std::vector<std::string>{};
  }
  return names;
}

} // namespace

std::string_view layout_label(HaEra era) {
  switch (era) {
  case HaEra::v1_0:
    return "1.0-1.2";
  case HaEra::v1_3:
    return "1.3-1.13";
  case HaEra::v1_14:
    return "1.14";
  case HaEra::v1_15:
    return "1.15-1.20";
  case HaEra::v2_0:
    return "2.x";
  }
  return "unknown";
}

std::string_view legacy_leader_layout_label(HaEra era) {
  return era == HaEra::v1_15 ? "1.15+" : layout_label(era);
}

HaEra era_of(const config::FlinkVersion& version) {
  using config::FlinkVersion;
  if (version < FlinkVersion{1, 3}) {
    return HaEra::v1_0;
  }
  if (version < FlinkVersion{1, 14}) {
    return HaEra::v1_3;
  }
  if (version < FlinkVersion{1, 15}) {
    return HaEra::v1_14;
  }
  if (version < FlinkVersion{2, 0}) {
    return HaEra::v1_15;
  }
  return HaEra::v2_0;
}

std::vector<ComponentPaths> cluster_components(HaEra era, const LayoutOptions& options) {
  std::vector<ComponentPaths> out;
  switch (era) {
  case HaEra::v1_0:
    out.push_back({"job_manager", ComponentKind::cluster, under(options, options.latch_root),
                   under(options, options.leader_root)});
    break;
  case HaEra::v1_3:
    for (const auto component : kClusterComponents) {
      const auto suffix = "/" + std::string(component) + "_lock";
      out.push_back({std::string(component), ComponentKind::cluster,
                     concat(under(options, options.latch_root), suffix),
                     concat(under(options, options.leader_root), suffix)});
    }
    break;
  case HaEra::v1_14:
    for (const auto component : kClusterComponents) {
      const auto base = under(options, "/leader/" + std::string(component));
      out.push_back({std::string(component), ComponentKind::cluster, base + "/latch",
                     base + "/connection_info"});
    }
    break;
  case HaEra::v1_15:
  case HaEra::v2_0:
    for (const auto component : kClusterComponents) {
      out.push_back({std::string(component), ComponentKind::cluster,
                     under(options, "/leader/latch"),
                     under(options, "/leader/" + std::string(component) + "/connection_info")});
    }
    break;
  }
  return out;
}

std::string job_ids_parent(HaEra era, const LayoutOptions& options) {
  switch (era) {
  case HaEra::v1_0:
    return {};
  case HaEra::v1_3:
    return under(options, options.leader_root);
  case HaEra::v1_14:
    return under(options, "/jobs");
  case HaEra::v1_15:
  case HaEra::v2_0:
    return under(options, "/leader");
  }
  return {};
}

ComponentPaths job_component(HaEra era, const LayoutOptions& options, std::string_view job_id) {
  const std::string id(job_id);
  switch (era) {
  case HaEra::v1_0:
    break;
  case HaEra::v1_3:
    return {id, ComponentKind::job,
            concat(under(options, options.latch_root), "/" + id + "/job_manager_lock"),
            concat(under(options, options.leader_root), "/" + id + "/job_manager_lock")};
  case HaEra::v1_14: {
    const auto base = under(options, "/jobs/" + id + "/leader");
    return {id, ComponentKind::job, base + "/latch", base + "/connection_info"};
  }
  case HaEra::v1_15:
  case HaEra::v2_0:
    return {id, ComponentKind::job, under(options, "/leader/latch"),
            under(options, "/leader/" + id + "/connection_info")};
  }
  return {id, ComponentKind::job, {}, {}};
}

bool is_job_id(std::string_view name) {
  return name.size() == 32 && std::ranges::all_of(name, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

zk::ZkResult<std::optional<Detection>> detect_era(zk::ZkReader& reader,
                                                  const LayoutOptions& options) {
  const auto plans = under(options, "/execution-plans");
  const auto latch = under(options, "/leader/latch");
  auto has_latch = exists(reader, latch);
  if (!has_latch) {
    return std::unexpected(has_latch.error());
  }
  if (*has_latch) {
    auto has_plans = exists(reader, plans);
    if (!has_plans) {
      return std::unexpected(has_plans.error());
    }
    if (*has_plans) {
      return Detection{HaEra::v2_0, latch + " and " + plans + " exist"};
    }
    // 2.3: ZooKeeperUtils.createApplicationStore ensures {ns}/applications (2.x only).
    const auto applications = under(options, "/applications");
    auto has_applications = exists(reader, applications);
    if (!has_applications) {
      return std::unexpected(has_applications.error());
    }
    if (*has_applications) {
      return Detection{HaEra::v2_0, latch + " and " + applications + " exist"};
    }
    return Detection{HaEra::v1_15, latch + " exists"};
  }
  for (const auto component : kClusterComponents) {
    const auto path = under(options, "/leader/" + std::string(component) + "/latch");
    auto found = exists(reader, path);
    if (!found) {
      return std::unexpected(found.error());
    }
    if (*found) {
      return Detection{HaEra::v1_14, path + " exists"};
    }
  }
  auto jobs = children_or_empty(reader, under(options, "/jobs"));
  if (!jobs) {
    return std::unexpected(jobs.error());
  }
  for (const auto& job : *jobs) {
    const auto path = under(options, "/jobs/" + job + "/leader");
    auto found = exists(reader, path);
    if (!found) {
      return std::unexpected(found.error());
    }
    if (*found) {
      return Detection{HaEra::v1_14, path + " exists"};
    }
  }
  const auto latch_root = under(options, options.latch_root);
  auto latch_children = children_or_empty(reader, latch_root);
  if (!latch_children) {
    return std::unexpected(latch_children.error());
  }
  for (const auto& child : *latch_children) {
    if (child.ends_with("_lock") || is_job_id(child)) {
      return Detection{HaEra::v1_3, latch_root + "/" + child + " exists"};
    }
  }
  for (const auto& child : *latch_children) {
    if (child.find("latch-") != std::string::npos) {
      return Detection{HaEra::v1_0, latch_root + " holds latch nodes directly"};
    }
  }
  auto has_plans = exists(reader, plans);
  if (!has_plans) {
    return std::unexpected(has_plans.error());
  }
  if (*has_plans) {
    return Detection{HaEra::v2_0, plans + " exists"};
  }
  return std::optional<Detection>{};
}

} // namespace flinkha::flink
