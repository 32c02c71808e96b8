#include "flink/ha_restore.hpp"

#include "util/sha256.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

namespace flinkha::flink {

namespace {

// The storage a backed-up file is restored to (RestoreTargets::blob_storage for blob/…).
storage::HaStorage* target_of(const RestoreTargets& targets, const BackupFile& file) {
  if (file.side == BackupSide::cluster_storage && file.path.starts_with("blob/") &&
      targets.blob_storage != nullptr) {
    return targets.blob_storage;
  }
  return storage_of(targets, file.side);
}

constexpr std::size_t kMaxFileBytes = 64u << 20;
constexpr std::size_t kMaxBlobBytes = 512u << 20; // BackupOptions::max_blob_bytes

// The read limit for a file recorded with `size` bytes: at least the metadata limit, at most the
// blob limit (a job jar may be larger than a metadata file).
std::size_t read_limit(std::int64_t size) {
  const auto recorded = size > 0 ? static_cast<std::size_t>(size) : std::size_t{0};
  return std::min(std::max(recorded, kMaxFileBytes), kMaxBlobBytes);
}
constexpr std::size_t kProblemsShown = 5;

struct Existing {
  std::string data;
  bool null_data = false;
  bool ephemeral = false;
};

// Every node at and below `ns` with its data, level by level (pipelined reads).
zk::ZkResult<std::map<std::string, Existing>> walk(zk::ZkReader& zk, const std::string& ns) {
  std::map<std::string, Existing> out;
  auto root = zk.exists(ns);
  if (!root) {
    return std::unexpected(root.error());
  }
  if (!*root) {
    return out;
  }
  std::vector<std::string> level{ns};
  while (!level.empty()) {
    auto nodes = zk.get_many(level);
    auto kids = zk.children_many(level);
    std::vector<std::string> next;
    for (std::size_t i = 0; i < level.size(); ++i) {
      if (!nodes[i] || !kids[i]) {
        const auto& error = !nodes[i] ? nodes[i].error() : kids[i].error();
        if (error.code == zk::ZkCode::no_node) {
          continue; // gone meanwhile (an ephemeral node of a session that ended)
        }
        return std::unexpected(error);
      }
      out[level[i]] =
          Existing{nodes[i]->data, nodes[i]->null_data, nodes[i]->stat.ephemeral_owner != 0};
      for (const auto& name : *kids[i]) {
        next.push_back(zk::join_path(level[i], name));
      }
    }
    level = std::move(next);
  }
  return out;
}

std::string target_path(const BackupManifest& manifest, const std::string& target_ns,
                        const std::string& path) {
  return target_ns + path.substr(manifest.zk_namespace.size());
}

bool same_data(const Existing& existing, const BackupZnode& node) {
  return existing.null_data == node.null_data && existing.data == node.data;
}

} // namespace

std::string_view to_string(RestoreAction action) {
  switch (action) {
  case RestoreAction::write_file:
    return "write-file";
  case RestoreAction::delete_znode:
    return "delete-znode";
  case RestoreAction::create_znode:
    return "create-znode";
  }
  return "create-znode";
}

Result<RestorePlan> plan_restore(const Backup& backup, RestoreTargets& targets,
                                 const RestoreRequest& request) {
  const auto& m = backup.manifest;
  RestorePlan plan;
  plan.target_namespace = request.target_namespace;
  const std::string version_hint =
      "restore into a cluster of the backup's Flink version (--flink-version, FLINK_HOME), or "
      "pass --force-version when you know the HA data of both versions is the same";
  if (m.flink_version != request.flink_version) {
    if (!request.force_version) {
      return fail(ErrorCategory::refused,
                  fmt::format("the backup was taken from Flink {} ({}); this cluster is Flink {}: "
                              "refused, nothing was written",
                              m.flink_version, m.layout, request.flink_version),
                  version_hint);
    }
    plan.notes.push_back(fmt::format("--force-version: Flink {} backup restored into Flink {}",
                                     m.flink_version, request.flink_version));
  }
  // Another layout is refused even with --force-version: Flink reads only its own era's paths
  // (1.15-1.20 /jobgraphs vs 2.x /execution-plans; before 1.15 no locks/ children, which 1.15+
  // readers need: ZooKeeperStateHandleStore skips such pointers), so its jobs would silently
  // not be recovered.
  if (m.layout != request.layout) {
    return fail(ErrorCategory::refused,
                fmt::format("the backup has the HA layout {}; this cluster uses {}: Flink would "
                            "not find its jobs there; refused, nothing was written",
                            m.layout, request.layout),
                "restore into a cluster whose Flink version has the backup's HA layout; "
                "--force-version relaxes only the major.minor check within one layout");
  }
  if (request.replace && !request.live_leader.empty()) {
    return fail(ErrorCategory::refused,
                fmt::format("{}: a leader is registered ({}): --replace needs a stopped cluster; "
                            "refused, nothing was written",
                            request.target_namespace, request.live_leader),
                "stop the cluster (flinkha stop-cluster) and run the restore again");
  }
  if (request.target_namespace != m.zk_namespace) {
    plan.notes.push_back(fmt::format("restored from {} into {}: the pointers are written "
                                     "unchanged and name the files where they are ({})",
                                     m.zk_namespace, request.target_namespace,
                                     m.cluster_storage_uri));
  }

  // The target namespace as it is.
  auto existing = walk(targets.zk, request.target_namespace);
  if (!existing) {
    return std::unexpected(zk::to_error(existing.error()));
  }
  std::map<std::string, std::size_t> wanted; // target path → znode index (persistent only)
  for (std::size_t i = 0; i < m.znodes.size(); ++i) {
    if (m.znodes[i].ephemeral()) {
      ++plan.ephemeral_skipped;
      continue;
    }
    wanted[target_path(m, request.target_namespace, m.znodes[i].path)] = i;
  }
  std::set<std::string> foreign; // nodes to delete with --replace
  std::vector<std::string> problems;
  for (const auto& [path, node] : *existing) {
    if (path == request.target_namespace) {
      continue; // the namespace node itself: Curator's empty parent, whatever its data
    }
    const auto it = wanted.find(path);
    if (it != wanted.end() && !node.ephemeral && same_data(node, m.znodes[it->second])) {
      continue;
    }
    foreign.insert(path);
  }
  if (!foreign.empty()) {
    if (!request.replace) {
      std::vector<std::string> shown(foreign.begin(), foreign.end());
      if (shown.size() > kProblemsShown) {
        shown.resize(kProblemsShown);
      }
      return fail(ErrorCategory::refused,
                  fmt::format("{}: the namespace is not empty: {} znode{} that are not this "
                              "backup's ({}{}); refused, nothing was written",
                              request.target_namespace, foreign.size(),
                              foreign.size() == 1 ? "" : "s", fmt::join(shown, ", "),
                              foreign.size() > shown.size() ? ", …" : ""),
                  "restore into an empty namespace (flinkha cleanup cluster), another "
                  "--cluster-id, or pass --replace on a stopped cluster");
    }
    // A node goes with everything below it.
    for (const auto& [path, node] : *existing) {
      for (const auto& gone : foreign) {
        if (zk::is_within(path, gone)) {
          foreign.insert(path);
          break;
        }
      }
    }
  }

  // Files: checked now, before anything is written.
  std::vector<RestoreStep> file_steps;
  for (std::size_t i = 0; i < m.files.size(); ++i) {
    const auto& file = m.files[i];
    if (file.status != FileStatus::present) {
      continue;
    }
    auto* store = target_of(targets, file);
    if (store == nullptr) {
      problems.push_back(fmt::format("{}: the {} side is not available to check it", file.uri,
                                     to_string(file.side)));
      continue;
    }
    auto entry = store->stat(file.path);
    if (!entry) {
      return std::unexpected(entry.error());
    }
    const auto where = fmt::format("{}/{}", store->describe(), file.path);
    if (entry->has_value()) {
      if ((*entry)->size_bytes != file.size_bytes) {
        problems.push_back(fmt::format("{}: altered since the backup ({} bytes, {} recorded)",
                                       where, (*entry)->size_bytes, file.size_bytes));
        continue;
      }
      auto content = store->read_file(file.path, read_limit(file.size_bytes));
      if (!content) {
        return std::unexpected(content.error());
      }
      if (util::sha256_hex(*content) != file.sha256) {
        problems.push_back(fmt::format("{}: altered since the backup (SHA-256 {} ≠ {} recorded)",
                                       where, util::sha256_hex(*content), file.sha256));
        continue;
      }
      ++plan.files_present;
      continue;
    }
    if (file.copy.empty() || !backup.copies.contains(file.copy)) {
      problems.push_back(
          fmt::format("{}: missing, and the backup holds no copy of it{}", where,
                      file.referenced_by.empty()
                          ? std::string()
                          : fmt::format(" (referenced by {})", file.referenced_by.front())));
      continue;
    }
    file_steps.push_back(RestoreStep{
        RestoreAction::write_file,
        where,
        file.referenced_by.empty() ? std::string("result-store entry from the backup")
                                   : fmt::format("referenced by {}", file.referenced_by.front()),
        file.side,
        i,
        {}});
  }
  if (!problems.empty()) {
    const auto count = problems.size();
    if (problems.size() > kProblemsShown) {
      problems.resize(kProblemsShown);
    }
    return fail(ErrorCategory::refused,
                fmt::format("{} referenced file{} cannot be restored: {}{}; refused, nothing was "
                            "written",
                            count, count == 1 ? "" : "s", fmt::join(problems, "; "),
                            count > problems.size() ? "; …" : ""),
                "put the files back from where they were copied, or take the backup with "
                "--with-files");
  }
  plan.steps = std::move(file_steps);

  // Deletions (replace), children first.
  for (auto it = foreign.rbegin(); it != foreign.rend(); ++it) {
    plan.steps.push_back(RestoreStep{RestoreAction::delete_znode, *it,
                                     "--replace: not this backup's", BackupSide::cluster_storage, 0,
                                     *it});
  }
  // The namespace's missing ancestors (the ZooKeeper root), as Curator creates parents.
  std::vector<std::string> ancestors;
  for (auto parent = std::string(zk::parent_path(request.target_namespace)); parent != "/";
       parent = std::string(zk::parent_path(parent))) {
    auto there = targets.zk.exists(parent);
    if (!there) {
      return std::unexpected(zk::to_error(there.error()));
    }
    if (*there) {
      break;
    }
    ancestors.push_back(parent);
  }
  for (auto it = ancestors.rbegin(); it != ancestors.rend(); ++it) {
    plan.steps.push_back(RestoreStep{RestoreAction::create_znode, *it, "parent of the namespace",
                                     BackupSide::cluster_storage, m.znodes.size(), *it});
  }
  // Znodes, parents before children (the manifest is sorted by path).
  for (const auto& [path, index] : wanted) {
    const auto there = existing->find(path);
    if (there != existing->end() && !foreign.contains(path)) {
      ++plan.znodes_present;
      continue;
    }
    const auto& node = m.znodes[index];
    plan.steps.push_back(RestoreStep{RestoreAction::create_znode, path,
                                     std::string(to_string(node.role)), BackupSide::cluster_storage,
                                     index, path});
  }
  if (plan.ephemeral_skipped > 0) {
    plan.notes.push_back(fmt::format("{} ephemeral znode{} (leader, latch, lock nodes) recorded in "
                                     "the backup are not restored: Flink creates its own",
                                     plan.ephemeral_skipped,
                                     plan.ephemeral_skipped == 1 ? "" : "s"));
  }
  return plan;
}

Status execute_restore(const Backup& backup, const RestorePlan& plan, RestoreTargets& targets,
                       const RestoreProgress& progress) {
  const auto& m = backup.manifest;
  const auto report = [&](std::size_t index) {
    if (progress) {
      progress(index, plan.steps[index]);
    }
  };
  std::size_t i = 0;
  while (i < plan.steps.size()) {
    const auto& step = plan.steps[i];
    if (step.action == RestoreAction::write_file) {
      const auto& file = m.files[step.index];
      auto* store = target_of(targets, file);
      if (store == nullptr) {
        return fail(ErrorCategory::failed, fmt::format("{}: the {} side is not available",
                                                       step.target, to_string(file.side)));
      }
      const auto& content = backup.copies.at(file.copy);
      if (auto written = store->write_file(file.path, content); !written) {
        // Our own earlier write (a rerun racing nothing but itself) is success.
        auto again = store->read_file(file.path, read_limit(file.size_bytes));
        if (!again || util::sha256_hex(*again) != file.sha256) {
          return fail(
              written.error().category == ErrorCategory::internal ? ErrorCategory::failed
                                                                  : written.error().category,
              fmt::format("{}: {}", step.target, written.error().message), written.error().hint);
        }
      }
      report(i);
      ++i;
      continue;
    }
    // A run of znode steps of one kind goes to ZooKeeper together (pipelined).
    std::size_t end = i;
    while (end < plan.steps.size() && plan.steps[end].action == step.action) {
      ++end;
    }
    if (step.action == RestoreAction::delete_znode) {
      std::vector<std::string> paths;
      for (std::size_t k = i; k < end; ++k) {
        paths.push_back(plan.steps[k].znode);
      }
      if (auto removed = targets.zk.remove_many(paths); !removed) {
        return std::unexpected(zk::to_error(removed.error()));
      }
    } else {
      std::vector<zk::NodeToCreate> nodes;
      for (std::size_t k = i; k < end; ++k) {
        const auto& s = plan.steps[k];
        if (s.index >= m.znodes.size()) {
          nodes.push_back(zk::NodeToCreate{s.znode, "", false, zk::open_acl_unsafe()});
        } else {
          const auto& node = m.znodes[s.index];
          nodes.push_back(zk::NodeToCreate{s.znode, node.data, node.null_data, node.acl});
        }
      }
      // ExistsOk: a creation whose answer was lost and that was sent again.
      if (auto created = targets.zk.create_many_with_acl(nodes, zk::ExistsOk::yes); !created) {
        return std::unexpected(zk::to_error(created.error()));
      }
    }
    for (std::size_t k = i; k < end; ++k) {
      report(k);
    }
    i = end;
  }
  // Read back: every node of the backup is there with its data.
  std::vector<std::string> paths;
  std::vector<const BackupZnode*> expected;
  for (const auto& node : m.znodes) {
    // The namespace node may have been there before with its own data (planned as present).
    if (!node.ephemeral() && node.path != m.zk_namespace) {
      paths.push_back(target_path(m, plan.target_namespace, node.path));
      expected.push_back(&node);
    }
  }
  const auto read = targets.zk.get_many(paths);
  for (std::size_t k = 0; k < paths.size(); ++k) {
    if (!read[k]) {
      return std::unexpected(zk::to_error(read[k].error()));
    }
    if (read[k]->data != expected[k]->data || read[k]->null_data != expected[k]->null_data) {
      return fail(ErrorCategory::failed,
                  fmt::format("{}: holds other data than the backup after the restore (changed "
                              "by someone else meanwhile?)",
                              paths[k]),
                  "make sure the cluster is stopped and run the restore again with --replace");
    }
  }
  return {};
}

} // namespace flinkha::flink
