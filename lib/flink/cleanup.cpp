#include "flink/cleanup.hpp"

#include "config/ha_paths.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace flinkha::flink {

namespace {

// Checkpoints are removed in chunks: the pointers of a chunk in one pipelined ZooKeeper batch,
// then their files. A crash orphans at most one chunk's files.
constexpr std::size_t kCheckpointChunk = 256;

std::size_t depth_of(std::string_view path) {
  return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
}

// Deepest first, then by path: children always before their parents.
void sort_deepest_first(std::vector<std::string>& paths) {
  std::sort(paths.begin(), paths.end(), [](const std::string& a, const std::string& b) {
    const auto da = depth_of(a);
    const auto db = depth_of(b);
    return da != db ? da > db : a < b;
  });
}

bool valid_znode_path(std::string_view path) {
  if (!path.starts_with('/') || path.find('\0') != std::string_view::npos) {
    return false;
  }
  if (path == "/") {
    return true;
  }
  return !util::unsafe_component(path.substr(1));
}

bool is_jrs_entry_name(std::string_view name) {
  if (name.ends_with("_DIRTY.json")) {
    return looks_like_job_id(name.substr(0, name.size() - 11));
  }
  return name.ends_with(".json") && looks_like_job_id(name.substr(0, name.size() - 5));
}

class Planner {
public:
  Planner(const HaInventory& inventory, const CleanupRequest& request)
      : m_inv(inventory), m_request(request) {
    m_plan.zk_namespace = inventory.zk_namespace;
    m_plan.delete_on_commit = request.delete_on_commit;
    m_plan.application_delete_on_commit = request.application_delete_on_commit;
    for (const auto& record : inventory.znodes) {
      m_znode_paths.push_back(record.path);
    }
    std::sort(m_znode_paths.begin(), m_znode_paths.end());
    for (const auto& file : inventory.storage.files) {
      m_files.emplace(file.entry.relative_path, &file);
    }
  }

  Result<CleanupPlan> plan() {
    if (m_request.live_leader && m_request.force == Force::no) {
      // The one live-leader rule: a running Flink cleans up its own HA data.
      Error refusal{fmt::format("refused: a live leader is registered for {}{}{}; a running Flink "
                                "cleans up its own HA data",
                                m_inv.zk_namespace,
                                m_request.live_leader_description.empty() ? "" : ": ",
                                m_request.live_leader_description),
                    "stop the cluster first, or pass --force if you know that leader is stale"};
      if (!m_request.plan_only) {
        return std::unexpected(std::move(refusal));
      }
      m_plan.refused = std::move(refusal.message);
    }
    if (m_inv.zk_namespace.empty() || util::trim_slashes(m_inv.zk_namespace).empty()) {
      return failf("ZooKeeper namespace '{}' is the ZooKeeper root; refused", m_inv.zk_namespace);
    }
    Status planned =
        std::visit([this](const auto& what) { return plan_for(what); }, m_request.what);
    if (!planned) {
      return std::unexpected(planned.error());
    }
    if (auto scope = check_plan_scope(m_plan); !scope) {
      return std::unexpected(scope.error());
    }
    return std::move(m_plan);
  }

private:
  // --- steps -----------------------------------------------------------------------------------

  void znode(const std::string& path, const std::string& job, std::string reason) {
    if (m_planned_znodes.insert(path).second) {
      m_plan.steps.push_back(CleanupStep{
          StepAction::delete_znode, StepScope::zookeeper, path, job, std::move(reason), {}});
    }
  }

  // `root` and every znode below it that the inventory saw, children first.
  void znode_subtree(const std::string& root, const std::string& job, const std::string& reason) {
    std::vector<std::string> paths;
    const std::string prefix = root + "/";
    for (auto it = std::lower_bound(m_znode_paths.begin(), m_znode_paths.end(), prefix);
         it != m_znode_paths.end() && it->starts_with(prefix); ++it) {
      paths.push_back(*it);
    }
    sort_deepest_first(paths);
    for (const auto& path : paths) {
      znode(path, job, reason);
    }
    znode(root, job, reason);
  }

  void storage_step(StepAction action, const std::string& relative, const std::string& job,
                    std::string reason) {
    if (m_planned_files.insert(relative).second) {
      m_plan.steps.push_back(
          CleanupStep{action, StepScope::cluster_storage, relative, job, std::move(reason), {}});
    }
  }

  // The file of a pointer whose znode is already in the plan: only when it is inside the
  // cluster storage dir, there, and no pointer outside this plan still refers to it.
  void pointer_file(const PointerRecord& pointer, const std::string& reason) {
    if (!pointer.pointer) {
      return;
    }
    switch (pointer.file_status) {
    case FileStatus::outside:
      m_plan.notes.push_back(fmt::format("{} points outside the cluster storage dir; its file {} "
                                         "is left alone",
                                         pointer.znode, pointer.pointer->path));
      return;
    case FileStatus::unknown:
      m_plan.notes.push_back(
          fmt::format("{}: the storage side is not available; its file {} is left behind",
                      pointer.znode, pointer.pointer->path));
      return;
    case FileStatus::through_symlink:
      m_plan.notes.push_back(fmt::format("{}: its file {} is reached through the symlink {}, which "
                                         "flinkha does not follow; left alone",
                                         pointer.znode, pointer.pointer->path, pointer.symlink));
      return;
    case FileStatus::missing:
      return;
    case FileStatus::present:
      break;
    }
    const auto it = m_files.find(pointer.file);
    if (it == m_files.end()) {
      return;
    }
    for (const auto& referrer : it->second->referenced_by) {
      if (!m_planned_znodes.contains(referrer)) {
        m_plan.notes.push_back(fmt::format("{} is also referenced by {}, which stays; left alone",
                                           pointer.file, referrer));
        return;
      }
    }
    storage_step(StepAction::delete_file, pointer.file, pointer.job_id, reason);
  }

  // Files then directories below `dir` (and `dir` itself), deepest first; directories holding
  // a symlink or anything but files and directories are kept (and so are their parents).
  void storage_tree(const std::string& dir, const std::string& job, const std::string& reason) {
    std::vector<std::string> files;
    std::vector<std::string> dirs;
    std::set<std::string> kept;
    const std::string prefix = dir.empty() ? std::string() : dir + "/";
    for (const auto& file : m_inv.storage.files) {
      const auto& entry = file.entry;
      if (!entry.relative_path.starts_with(prefix) && entry.relative_path != dir) {
        continue;
      }
      switch (entry.type) {
      case storage::EntryType::file:
        files.push_back(entry.relative_path);
        break;
      case storage::EntryType::directory:
        dirs.push_back(entry.relative_path);
        break;
      default:
        m_plan.notes.push_back(fmt::format("{} is a {}: never followed or removed; the "
                                           "directories above it stay",
                                           entry.relative_path, storage::to_string(entry.type)));
        for (auto parent = storage::parent_of(entry.relative_path); !parent.empty();
             parent = storage::parent_of(parent)) {
          kept.emplace(parent);
        }
      }
    }
    sort_deepest_first(files);
    sort_deepest_first(dirs);
    for (const auto& file : files) {
      storage_step(StepAction::delete_file, file, job, reason);
    }
    for (const auto& directory : dirs) {
      if (!kept.contains(directory)) {
        storage_step(StepAction::delete_dir, directory, job, reason);
      }
    }
  }

  // --- dirty jobs ------------------------------------------------------------------------------

  Status plan_for(const DirtyJobsRequest& request) {
    if (!m_inv.job_result_store.available) {
      return fail(fmt::format("the JobResultStore {} is not readable: {}",
                              m_inv.job_result_store.uri, m_inv.job_result_store.error),
                  "dirty entries cannot be determined without it");
    }
    std::vector<const JobRecord*> jobs;
    std::vector<const ApplicationRecord*> applications;
    if (request.job_ids.empty()) {
      for (const auto& [id, record] : m_inv.jobs) {
        if (is_dirty(record)) {
          jobs.push_back(&record);
        }
      }
      for (const auto& [id, record] : m_inv.applications) {
        if (record.dirty()) {
          applications.push_back(&record);
        }
      }
    } else {
      for (const auto& id : request.job_ids) {
        if (!looks_like_job_id(id)) {
          return failf("'{}' is not a job id (32 lower-case hex characters)", util::printable(id));
        }
        const auto it = m_inv.jobs.find(id);
        const auto app = m_inv.applications.find(id);
        const bool dirty_job = it != m_inv.jobs.end() && is_dirty(it->second);
        const bool dirty_application = app != m_inv.applications.end() && app->second.dirty();
        if (!dirty_job && !dirty_application) {
          return fail(fmt::format("{} has no dirty JobResultStore or ApplicationResultStore "
                                  "entry; not touched",
                                  id),
                      "only jobs and applications that Flink registered as globally terminated "
                      "are cleaned");
        }
        // A SingleJobApplication has its job's id: both entries are cleaned.
        if (dirty_job && std::find(jobs.begin(), jobs.end(), &it->second) == jobs.end()) {
          jobs.push_back(&it->second);
        }
        if (dirty_application && std::find(applications.begin(), applications.end(),
                                           &app->second) == applications.end()) {
          applications.push_back(&app->second);
        }
      }
    }
    if (!m_inv.storage.available) {
      m_plan.notes.push_back(fmt::format("storage side not available ({}): only ZooKeeper and "
                                         "the JobResultStore are cleaned",
                                         m_inv.storage.error));
    }
    for (const JobRecord* record : jobs) {
      plan_dirty_job(*record);
    }
    // Dispatcher.removeApplication marks the application clean only after all its jobs are
    // marked clean: its steps come after every job's, and an application whose job stays dirty
    // is left for later.
    // Its jobs are those whose entry names it, the job with its own id (the first job of an
    // application has the application's id), and — to be safe — any dirty job whose entry
    // could not be read, so that its application is not known.
    const auto stays_dirty = [&](const JobRecord& job) {
      return is_dirty(job) && std::find(jobs.begin(), jobs.end(), &job) == jobs.end();
    };
    for (const ApplicationRecord* record : applications) {
      std::optional<std::string> waiting;
      for (const auto& job_id : record->job_ids) {
        const auto it = m_inv.jobs.find(job_id);
        if (!waiting && it != m_inv.jobs.end() && stays_dirty(it->second)) {
          waiting = job_id;
        }
      }
      if (const auto it = m_inv.jobs.find(record->application_id);
          !waiting && it != m_inv.jobs.end() && stays_dirty(it->second)) {
        waiting = it->first;
      }
      for (const auto& [job_id, job] : m_inv.jobs) {
        if (!waiting && !job.job_result_error.empty() && stays_dirty(job)) {
          waiting = job_id + " (its entry could not be read, so its application is not known)";
        }
      }
      if (waiting) {
        m_plan.notes.push_back(fmt::format(
            "application {} is left: its job {} still has a dirty JobResultStore entry, and "
            "Flink marks an application clean only after its jobs; clean that job too",
            record->application_id, *waiting));
        continue;
      }
      plan_dirty_application(*record);
    }
    return {};
  }

  void plan_dirty_application(const ApplicationRecord& record) {
    const std::string& id = record.application_id;
    const std::size_t first = m_plan.steps.size();
    // DispatcherApplicationResourceCleanerFactory: "ApplicationStore", then "BlobServer".
    if (record.pointer) {
      znode_subtree(record.pointer->znode, {},
                    "application pointer of dirty application (ApplicationStore)");
      pointer_file(*record.pointer, "application file (its pointer is gone)");
    }
    if (!record.blob_dir.empty()) {
      storage_tree(record.blob_dir, {}, "HA blobs of dirty application (BlobServer)");
    }
    std::vector<std::string> rest;
    for (const auto& node : m_inv.znodes) {
      if (node.application_id == id && !m_planned_znodes.contains(node.path)) {
        rest.push_back(node.path);
      }
    }
    sort_deepest_first(rest);
    for (const auto& path : rest) {
      znode(path, {}, "other HA data of dirty application");
    }
    m_plan.steps.push_back(
        CleanupStep{StepAction::mark_jrs_clean,
                    StepScope::application_result_store,
                    id,
                    {},
                    m_request.application_delete_on_commit == DeleteOnCommit::yes
                        ? "mark clean: delete the application's _DIRTY.json entry, after its jobs"
                        : "mark clean: rename to <appid>.json, after its jobs",
                    id});
    for (std::size_t i = first; i < m_plan.steps.size(); ++i) {
      m_plan.steps[i].application_id = id;
    }
  }

  static bool is_dirty(const JobRecord& record) {
    return record.job_result_file && record.job_result_file->state == JrsState::dirty;
  }

  void plan_dirty_job(const JobRecord& record) {
    const std::string& id = record.job_id;
    const std::string graph = m_inv.era == HaEra::v2_0 ? "execution plan" : "job graph";
    // Flink's global cleanup: CheckpointResourcesCleanupRunner first (CompletedCheckpointStore
    // .shutdown, then CheckpointIDCounter.shutdown), then in parallel the job graph store, the
    // blob server, internalCleanupJobData; finally markResultAsClean.
    for (std::size_t begin = 0; begin < record.checkpoints.size(); begin += kCheckpointChunk) {
      const std::size_t end = std::min(begin + kCheckpointChunk, record.checkpoints.size());
      for (std::size_t i = begin; i < end; ++i) {
        const auto& checkpoint = record.checkpoints[i];
        znode_subtree(checkpoint.znode, id,
                      fmt::format("checkpoint {} of dirty job (CompletedCheckpointStore)",
                                  checkpoint.checkpoint_id.value_or(-1)));
      }
      for (std::size_t i = begin; i < end; ++i) {
        const auto& checkpoint = record.checkpoints[i];
        pointer_file(checkpoint, fmt::format("file of checkpoint {} (its pointer is gone)",
                                             checkpoint.checkpoint_id.value_or(-1)));
      }
    }
    if (record.counter) {
      znode_subtree(record.counter->znode, id,
                    "checkpoint ID counter, after the checkpoints (CheckpointIDCounter)");
    }
    if (record.job_graph) {
      znode_subtree(record.job_graph->znode, id, fmt::format("{} pointer of dirty job", graph));
      pointer_file(*record.job_graph, fmt::format("{} file (its pointer is gone)", graph));
    }
    if (!record.blob_dir.empty()) {
      storage_tree(record.blob_dir, id, "HA blobs of dirty job (BlobServer)");
    }
    std::vector<std::string> rest;
    for (const auto& node : m_inv.znodes) {
      if (node.job_id == id && !m_planned_znodes.contains(node.path)) {
        rest.push_back(node.path);
      }
    }
    sort_deepest_first(rest);
    for (const auto& path : rest) {
      znode(path, id, "other HA data of dirty job (jobs/<id>, leader nodes, registry)");
    }
    m_plan.steps.push_back(CleanupStep{StepAction::mark_jrs_clean,
                                       StepScope::job_result_store,
                                       id,
                                       id,
                                       m_request.delete_on_commit == DeleteOnCommit::yes
                                           ? "mark clean: delete the _DIRTY.json entry, last"
                                           : "mark clean: rename to <jobid>.json, last",
                                       {}});
  }

  // --- orphans ---------------------------------------------------------------------------------

  bool old_enough(std::int64_t mtime_ms, std::int64_t min_age_ms) const {
    return m_inv.now_ms - mtime_ms >= min_age_ms;
  }

  Status plan_for(const OrphansRequest& request) {
    const std::int64_t min_age = request.min_age_ms;
    // Pointer nodes Flink no longer reads: empty, or (1.15+) marked for deletion.
    for (const auto* pointer : m_inv.all_pointers()) {
      if (pointer->role == ZnodeRole::unknown) {
        continue; // a stray pointer is not Flink's to forget: reported, never removed
      }
      const bool empty = pointer->stat.data_length == 0;
      if (!empty && !pointer->marked_for_deletion) {
        continue;
      }
      if (pointer->stat.num_children > 0) {
        m_plan.notes.push_back(
            fmt::format("{} has no data but lock children; left alone", pointer->znode));
        continue;
      }
      if (!old_enough(pointer->stat.mtime_ms, min_age)) {
        continue;
      }
      znode_subtree(pointer->znode, pointer->job_id,
                    empty ? "pointer node without data" : "pointer node marked for deletion");
      pointer_file(*pointer, "file of a pointer marked for deletion (its pointer is gone)");
    }
    // Metadata files no pointer refers to.
    std::vector<const StorageFileRecord*> orphans;
    for (const auto& file : m_inv.storage.files) {
      if ((file.kind == StorageFileKind::job_graph ||
           file.kind == StorageFileKind::execution_plan ||
           file.kind == StorageFileKind::checkpoint || file.kind == StorageFileKind::application) &&
          file.entry.type == storage::EntryType::file && file.referenced_by.empty() &&
          old_enough(file.entry.mtime_ms, min_age)) {
        orphans.push_back(&file);
      }
    }
    if (!orphans.empty()) {
      for (const auto* pointer : m_inv.all_pointers()) {
        if (!pointer->pointer && pointer->stat.data_length > 0) {
          return fail(fmt::format("pointer {} does not decode ({}): its file cannot be told from "
                                  "an orphan, so no orphan file is removed",
                                  pointer->znode, pointer->decode_error),
                      "inspect the node; remove it (or its job) first");
        }
      }
    }
    // A pointer that names the same path under another scheme or authority (s3a:// for s3://,
    // hdfs://nameservice for hdfs://nn:8020, a port written out) is "outside" the storage dir,
    // yet it may name this very file: such files are kept, never taken for orphans.
    std::set<std::string> maybe_referenced;
    const std::string base_path = util::parse_flink_path(m_inv.storage.uri).path;
    for (const auto* pointer : m_inv.all_pointers()) {
      if (pointer->pointer && pointer->file_status == FileStatus::outside) {
        if (auto relative =
                relative_inside(base_path, util::parse_flink_path(pointer->pointer->path).path)) {
          maybe_referenced.insert(*relative);
          m_plan.notes.push_back(fmt::format(
              "{} is kept: pointer {} names {}, the same path under another file system name "
              "than the storage dir {}",
              *relative, pointer->znode, util::printable(pointer->pointer->path, 200),
              m_inv.storage.uri));
        }
      }
    }
    for (const auto* file : orphans) {
      if (maybe_referenced.contains(file->entry.relative_path)) {
        continue;
      }
      storage_step(StepAction::delete_file, file->entry.relative_path, {},
                   fmt::format("{} file no pointer refers to", to_string(file->kind)));
    }
    // blob/job_<id> of jobs with no HA data left and no dirty entry (FLINK-4150), and (2.3)
    // blob/application_<id> of applications likewise.
    for (const auto& [id, record] : m_inv.jobs) {
      orphan_blob_dir(record.blob_dir, record.blob_entries,
                      record.znode_count > 0 || is_dirty(record), min_age, id,
                      "HA blobs of a job with no HA data left");
    }
    for (const auto& [id, record] : m_inv.applications) {
      orphan_blob_dir(record.blob_dir, record.blob_entries,
                      record.znode_count > 0 || record.dirty(), min_age, {},
                      "HA blobs of an application with no HA data left");
    }
    if (!m_inv.storage.available) {
      m_plan.notes.push_back(fmt::format("storage side not available ({}): orphan files are "
                                         "not looked for",
                                         m_inv.storage.error));
    }
    return {};
  }

  // A blob dir whose owner has nothing else left (`in_use` false), when its newest entry is
  // older than min_age.
  void orphan_blob_dir(const std::string& dir, const std::vector<storage::Entry>& entries,
                       bool in_use, std::int64_t min_age, const std::string& job,
                       const std::string& reason) {
    if (dir.empty() || in_use) {
      return;
    }
    std::int64_t newest = 0;
    for (const auto& entry : entries) {
      newest = std::max(newest, entry.mtime_ms);
    }
    if (const auto it = m_files.find(dir); it != m_files.end()) {
      newest = std::max(newest, it->second->entry.mtime_ms);
    }
    if (old_enough(newest, min_age)) {
      storage_tree(dir, job, reason);
    }
  }

  // --- cluster ---------------------------------------------------------------------------------

  Status plan_for(const ClusterRequest& request) {
    if (auto safe = config::check_cluster_id(m_inv.cluster_id); !safe) {
      return safe;
    }
    const std::string id(util::trim_slashes(m_inv.cluster_id));
    if (util::trim_slashes(request.confirm_cluster_id) != id) {
      return fail(fmt::format("the cluster-id typed again ('{}') is not '{}'; refused",
                              util::printable(request.confirm_cluster_id), id),
                  "type the cluster-id exactly as configured");
    }
    if (!m_inv.zk_root.empty() &&
        util::trim_slashes(m_inv.zk_root) == util::trim_slashes(m_inv.zk_namespace)) {
      return failf("ZooKeeper namespace {} is the root itself; refused", m_inv.zk_namespace);
    }
    std::vector<std::string> znodes;
    for (const auto& node : m_inv.znodes) {
      if (node.path != m_inv.zk_namespace) {
        znodes.push_back(node.path);
      }
    }
    sort_deepest_first(znodes);
    const std::string reason = fmt::format("all HA data of cluster-id {}", id);
    for (const auto& path : znodes) {
      znode(path, {}, reason);
    }
    if (m_inv.storage.available) {
      storage_tree("", {}, reason);
      m_plan.notes.push_back(
          fmt::format("the directory {} itself is left (empty)", m_inv.storage.uri));
    } else {
      m_plan.notes.push_back(
          fmt::format("storage side not available ({}): files are left", m_inv.storage.error));
    }
    if (m_inv.job_result_store.available) {
      for (const auto& file : m_inv.job_result_store.entries) {
        m_plan.steps.push_back(CleanupStep{
            StepAction::delete_file,
            StepScope::job_result_store,
            file.entry.relative_path,
            file.job_id,
            fmt::format("{} JobResultStore entry of cluster-id {}", to_string(file.state), id),
            {}});
      }
    }
    if (m_inv.application_result_store.available) {
      for (const auto& file : m_inv.application_result_store.entries) {
        m_plan.steps.push_back(
            CleanupStep{StepAction::delete_file,
                        StepScope::application_result_store,
                        file.entry.relative_path,
                        {},
                        fmt::format("{} ApplicationResultStore entry of cluster-id {}",
                                    to_string(file.state), id),
                        file.job_id});
      }
    }
    if (m_inv.namespace_exists) {
      znode(m_inv.zk_namespace, {}, fmt::format("the namespace of cluster-id {}, last", id));
    }
    return {};
  }

  const HaInventory& m_inv;
  const CleanupRequest& m_request;
  CleanupPlan m_plan;
  std::vector<std::string> m_znode_paths; // sorted
  std::unordered_map<std::string, const StorageFileRecord*> m_files;
  std::unordered_set<std::string> m_planned_znodes;
  std::unordered_set<std::string> m_planned_files;
};

// The storage a step of `scope` runs against (null for ZooKeeper).
storage::HaStorage* store_of(const CleanupTargets& targets, StepScope scope) {
  switch (scope) {
  case StepScope::cluster_storage:
    return targets.cluster_storage;
  case StepScope::job_result_store:
    return targets.job_result_store;
  case StepScope::application_result_store:
    return targets.application_result_store;
  case StepScope::zookeeper:
    break;
  }
  return nullptr;
}

std::string describe_step(std::size_t index, std::size_t total, const CleanupStep& step) {
  return fmt::format("step {} of {} ({} {})", index + 1, total, to_string(step.action),
                     step.target);
}

std::unexpected<Error> stopped(std::size_t index, const CleanupPlan& plan, const Error& error) {
  return std::unexpected(
      Error{fmt::format("cleanup stopped at {}: {}",
                        describe_step(index, plan.steps.size(), plan.steps[index]), error.message),
            fmt::format("{}what is done stays done and nothing points to a removed file; run the "
                        "same cleanup again to finish it",
                        error.hint.empty() ? "" : error.hint + "; "),
            // What stopped it decides the exit code (a storage that refused: 2, one that could
            // not be reached: 3); unclassified, the command's context decides.
            error.category});
}

} // namespace

std::string_view to_string(StepAction action) {
  switch (action) {
  case StepAction::delete_znode:
    return "delete znode";
  case StepAction::delete_file:
    return "delete file";
  case StepAction::delete_dir:
    return "delete dir";
  case StepAction::mark_jrs_clean:
    return "mark clean";
  }
  return "?";
}

std::string_view to_string(StepScope scope) {
  switch (scope) {
  case StepScope::zookeeper:
    return "zookeeper";
  case StepScope::cluster_storage:
    return "storage";
  case StepScope::job_result_store:
    return "job-result-store";
  case StepScope::application_result_store:
    return "application-result-store";
  }
  return "?";
}

Result<CleanupPlan> plan_cleanup(const HaInventory& inventory, const CleanupRequest& request) {
  // A storage side that is configured but broken (unreachable, refusing the credentials, a
  // missing bucket): removing the pointers without their files would turn every one of them
  // into an orphan the next run cannot place. Refused before anything is planned, with the
  // storage's own category (exit 3 unreachable, 2 otherwise).
  const auto broken = [](std::string_view what, const std::string& uri, const std::string& error,
                         ErrorCategory category, const std::string& hint) -> std::optional<Error> {
    if (category == ErrorCategory::internal) {
      return std::nullopt;
    }
    return Error{fmt::format("{} {} cannot be used: {}; nothing was changed", what,
                             util::printable(uri), error),
                 hint.empty() ? std::string("fix the storage access, then run the cleanup again")
                              : hint,
                 category};
  };
  if (!inventory.storage.available) {
    if (auto error = broken("storage", inventory.storage.uri, inventory.storage.error,
                            inventory.storage.error_category, inventory.storage.error_hint)) {
      return std::unexpected(*error);
    }
  }
  if (!inventory.job_result_store.available) {
    const auto& jrs = inventory.job_result_store;
    if (auto error =
            broken("JobResultStore", jrs.uri, jrs.error, jrs.error_category, jrs.error_hint)) {
      return std::unexpected(*error);
    }
  }
  if (!inventory.application_result_store.available) {
    const auto& ars = inventory.application_result_store;
    if (auto error = broken("ApplicationResultStore", ars.uri, ars.error, ars.error_category,
                            ars.error_hint)) {
      return std::unexpected(*error);
    }
  }
  return Planner(inventory, request).plan();
}

Status check_plan_scope(const CleanupPlan& plan) {
  const std::string& ns = plan.zk_namespace;
  if (!valid_znode_path(ns) || ns == "/") {
    return failf("ZooKeeper namespace '{}' is not a namespace below the root; refused",
                 util::printable(ns));
  }
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const CleanupStep& step = plan.steps[i];
    const auto outside = [&](std::string_view where) {
      return failf("cleanup target '{}' ({}) is outside {}; refused", util::printable(step.target),
                   to_string(step.action), where);
    };
    switch (step.scope) {
    case StepScope::zookeeper: {
      const bool last = i + 1 == plan.steps.size();
      if (step.action != StepAction::delete_znode || !valid_znode_path(step.target) ||
          !zk::is_within(step.target, ns) || (step.target == ns && !last)) {
        return outside(ns);
      }
      break;
    }
    case StepScope::cluster_storage:
      if ((step.action != StepAction::delete_file && step.action != StepAction::delete_dir) ||
          !storage::validate_relative_path(step.target)) {
        return outside("the cluster storage dir");
      }
      break;
    case StepScope::job_result_store:
    case StepScope::application_result_store:
      if (step.action == StepAction::mark_jrs_clean
              ? !looks_like_job_id(step.target)
              : step.action != StepAction::delete_file || !is_jrs_entry_name(step.target)) {
        return outside(step.scope == StepScope::job_result_store
                           ? "the JobResultStore entries"
                           : "the ApplicationResultStore entries");
      }
      break;
    }
  }
  return {};
}

Result<ExecutionSummary> execute_plan(const CleanupPlan& plan, const CleanupTargets& targets,
                                      const StepProgress& progress) {
  if (auto scope = check_plan_scope(plan); !scope) {
    return std::unexpected(scope.error());
  }
  ExecutionSummary summary;
  const auto& steps = plan.steps;
  // Before the first step: every storage the plan changes must accept changes now (not a
  // NameNode in safe mode, not read-only credentials), or the pointers would go and their files
  // stay.
  for (const auto scope : {StepScope::cluster_storage, StepScope::job_result_store,
                           StepScope::application_result_store}) {
    const bool used = std::any_of(steps.begin(), steps.end(),
                                  [scope](const CleanupStep& step) { return step.scope == scope; });
    storage::HaStorage* store = store_of(targets, scope);
    if (used && store != nullptr) {
      if (auto writable = store->check_writable(); !writable) {
        Error error = writable.error();
        error.message += "; nothing was changed";
        return std::unexpected(std::move(error));
      }
    }
  }
  const auto report = [&](std::size_t index, StepOutcome outcome) {
    ++summary.steps_done;
    if (progress) {
      progress(index, steps[index], outcome);
    }
  };
  std::size_t i = 0;
  while (i < steps.size()) {
    const CleanupStep& step = steps[i];
    switch (step.action) {
    case StepAction::delete_znode: {
      std::size_t end = i;
      std::vector<std::string> batch;
      while (end < steps.size() && steps[end].action == StepAction::delete_znode &&
             batch.size() < kZkBatch) {
        batch.push_back(steps[end].target);
        ++end;
      }
      // ZNONODE is success: the node is gone either way, and a rerun after a crash finds many.
      auto removed =
          batch.size() == 1 ? targets.zk.remove(batch.front()) : targets.zk.remove_many(batch);
      if (!removed && removed.error().code != zk::ZkCode::no_node) {
        return stopped(i, plan, zk::to_error(removed.error()));
      }
      for (std::size_t k = i; k < end; ++k) {
        report(k, StepOutcome::done);
      }
      i = end;
      continue;
    }
    case StepAction::delete_file:
    case StepAction::delete_dir: {
      storage::HaStorage* store = store_of(targets, step.scope);
      if (store == nullptr) {
        return stopped(i, plan, Error{"no storage to run it against", {}});
      }
      if (step.action == StepAction::delete_file) {
        // Consecutive file removals of one scope go together: a remote storage sends them
        // concurrently (or as S3 DeleteObjects). Every pointer to them went in earlier steps.
        std::size_t end = i;
        std::vector<std::string> batch;
        while (end < steps.size() && steps[end].action == StepAction::delete_file &&
               steps[end].scope == step.scope && batch.size() < kFileBatch) {
          batch.push_back(steps[end].target);
          ++end;
        }
        const auto removals = store->remove_files(batch);
        for (std::size_t k = i; k < end; ++k) {
          const auto& removal = removals[k - i];
          if (!removal) {
            return stopped(k, plan, removal.error());
          }
          report(k, *removal == storage::Removal::removed ? StepOutcome::done
                                                          : StepOutcome::already_gone);
        }
        i = end;
        continue;
      }
      auto removal = store->remove_empty_dir(step.target);
      if (!removal) {
        return stopped(i, plan, removal.error());
      }
      report(i,
             *removal == storage::Removal::removed ? StepOutcome::done : StepOutcome::already_gone);
      break;
    }
    case StepAction::mark_jrs_clean: {
      const bool application = step.scope == StepScope::application_result_store;
      storage::HaStorage* store = store_of(targets, step.scope);
      if (store == nullptr) {
        return stopped(i, plan,
                       Error{application ? "no ApplicationResultStore to run it against"
                                         : "no JobResultStore to run it against",
                             {}});
      }
      auto marked = mark_job_result_clean(*store, step.target,
                                          application ? plan.application_delete_on_commit
                                                      : plan.delete_on_commit);
      if (!marked) {
        return stopped(i, plan, marked.error());
      }
      report(i, *marked == MarkClean::marked ? StepOutcome::done : StepOutcome::already_gone);
      break;
    }
    }
    ++i;
  }
  return summary;
}

} // namespace flinkha::flink
