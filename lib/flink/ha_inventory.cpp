#include "flink/ha_inventory.hpp"

#include "util/duration.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <deque>
#include <set>
#include <thread>
#include <unordered_map>

namespace flinkha::flink {

namespace {

// A storage that could be reached but failed a listing without saying why is still a failure.
ErrorCategory storage_failure_category(const Error& error) {
  return error.category == ErrorCategory::internal ? ErrorCategory::failed : error.category;
}

// A storage side that is not configured or not supported leaves the report incomplete (a
// warning); one that is configured and broken (unreachable, refusing the credentials, a bucket
// that does not exist, a NameNode in safe mode) is what the operator has to fix (critical).
Severity severity_of_unavailable(ErrorCategory category) {
  switch (category) {
  case ErrorCategory::unreachable:
  case ErrorCategory::refused:
  case ErrorCategory::failed:
  case ErrorCategory::configuration:
    return Severity::critical;
  default:
    return Severity::warning;
  }
}

// Bounds on the walk, so that a runaway tree ends in an error instead of exhausting memory.
constexpr std::size_t kMaxZnodes = 5'000'000;
// Node data kept for decoding; pointers are about 500 bytes, counters 4.
constexpr std::size_t kMaxKeptData = 64 * 1024;

constexpr std::string_view kJavaStreamMagic = "\xAC\xED\x00\x05";

// Prefixes of the metadata files (ZooKeeperUtils.HA_STORAGE_*; reference §4.1).
constexpr std::string_view kJobGraphPrefix = "submittedJobGraph";
constexpr std::string_view kExecutionPlanPrefix = "submittedExecutionPlan";
constexpr std::string_view kCheckpointPrefix = "completedCheckpoint";
// ZooKeeperUtils.HA_STORAGE_SUBMITTED_APPLICATION_PREFIX (2.3, createApplicationStore).
constexpr std::string_view kApplicationPrefix = "submittedApplication";
// BlobUtils (2.3): blob/job_<jobid> for jobs, blob/application_<appid> for applications.
constexpr std::string_view kJobBlobPrefix = "job_";
constexpr std::string_view kApplicationBlobPrefix = "application_";
constexpr std::size_t kRandomSuffixLength = 12; // FileUtils.RANDOM_FILE_NAME_LENGTH

// Names in storageDir that are not cluster-ids.
constexpr std::string_view kStorageRootInfrastructure[] = {"job-result-store",
                                                           "application-result-store", "blob"};

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> result;
  for (const auto part : util::split(path, '/')) {
    if (!part.empty()) {
      result.push_back(part);
    }
  }
  return result;
}

// ZooKeeperCheckpointStoreUtil.nameToCheckpointID: Long.parseLong of the name ("%019d" since
// 1.3, unpadded before).
std::optional<std::int64_t> parse_checkpoint_id(std::string_view name) {
  if (name.empty() || name.size() > 19 ||
      !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t id = 0;
  const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (error != std::errc{} || end != name.data() + name.size()) {
    return std::nullopt;
  }
  return id;
}

std::string join_segments(const std::vector<std::string_view>& parts, std::size_t count) {
  std::string path;
  for (std::size_t i = 0; i < count; ++i) {
    path += '/';
    path += parts[i];
  }
  return path;
}

// --- Classification of one znode below {ns} per layout era (reference §1.2) -------------------

struct Classification {
  ZnodeRole role = ZnodeRole::unknown;
  std::string job_id;
  std::string pointer; // lock / lock_root: the pointer znode they belong to (relative to {ns})
  std::optional<std::int64_t> checkpoint_id;
  std::string application_id;
};

class Classifier {
public:
  Classifier(HaEra era, const ZnodePaths& paths)
      : m_era(era), m_job_graphs(segments(paths.job_graphs)),
        m_checkpoints(segments(paths.checkpoints)), m_counter(segments(paths.checkpoint_counter)),
        m_registry(segments(paths.running_registry)), m_leader(segments(paths.leader)),
        m_latch(segments(paths.latch)), m_applications(segments(paths.applications)) {}

  Classification classify(const std::vector<std::string_view>& s) const {
    if (s.empty()) {
      return {ZnodeRole::namespace_root, {}, {}, {}, {}};
    }
    if (auto i = after_root(s, m_job_graphs)) {
      return pointer_tree(s, *i, ZnodeRole::job_graph);
    }
    if (auto i = after_root(s, m_applications)) {
      return application_tree(s, *i);
    }
    if (m_era <= HaEra::v1_3) {
      if (auto i = after_root(s, m_checkpoints)) {
        return checkpoints_tree(s, *i);
      }
      if (auto i = after_root(s, m_counter)) {
        return per_job_leaf(s, *i, ZnodeRole::checkpoint_counter);
      }
    } else if (s[0] == "jobs") {
      return jobs_tree(s);
    }
    if (m_era >= HaEra::v1_3 && m_era <= HaEra::v1_14) {
      if (auto i = after_root(s, m_registry)) {
        return per_job_leaf(s, *i, ZnodeRole::running_registry);
      }
    }
    if (m_era <= HaEra::v1_3) {
      if (auto i = after_root(s, m_latch)) {
        return {ZnodeRole::latch, job_at(s, *i), {}, {}, {}};
      }
    }
    if (auto i = after_root(s, m_leader)) {
      return leader_tree(s, *i);
    }
    return {};
  }

private:
  static std::optional<std::size_t> after_root(const std::vector<std::string_view>& s,
                                               const std::vector<std::string_view>& root) {
    if (root.empty() || s.size() < root.size() ||
        !std::equal(root.begin(), root.end(), s.begin())) {
      return std::nullopt;
    }
    return root.size();
  }

  static std::string job_at(const std::vector<std::string_view>& s, std::size_t i) {
    return i < s.size() && looks_like_job_id(s[i]) ? std::string(s[i]) : std::string();
  }

  // Below a pointer at depth `pointer_depth`: lock nodes (reference §2.6).
  Classification below_pointer(const std::vector<std::string_view>& s, std::size_t pointer_depth,
                               const std::string& job) const {
    Classification c{ZnodeRole::unknown, job, join_segments(s, pointer_depth), {}, {}};
    const std::size_t rest = s.size() - pointer_depth;
    if (m_era >= HaEra::v1_15) {
      if (s[pointer_depth] == "locks" && rest <= 2) {
        c.role = rest == 1 ? ZnodeRole::lock_root : ZnodeRole::lock;
      }
    } else if (m_era >= HaEra::v1_3 && rest == 1) {
      c.role = ZnodeRole::lock;
    }
    return c;
  }

  Classification pointer_tree(const std::vector<std::string_view>& s, std::size_t i,
                              ZnodeRole role) const {
    if (s.size() == i) {
      return {ZnodeRole::structure, {}, {}, {}, {}};
    }
    const std::string job = job_at(s, i);
    if (job.empty()) {
      return {};
    }
    if (s.size() == i + 1) {
      return {role, job, {}, {}, {}};
    }
    return below_pointer(s, i + 1, job);
  }

  // 2.3: {applications}/<appid>[/locks[/<uuid>]] (ZooKeeperStateHandleStore, as execution plans).
  Classification application_tree(const std::vector<std::string_view>& s, std::size_t i) const {
    if (s.size() == i) {
      return {ZnodeRole::structure, {}, {}, {}, {}};
    }
    if (!looks_like_job_id(s[i])) {
      return {};
    }
    Classification c = s.size() == i + 1 ? Classification{ZnodeRole::application, {}, {}, {}, {}}
                                         : below_pointer(s, i + 1, {});
    c.application_id = std::string(s[i]);
    return c;
  }

  // ≤1.13: {checkpoints}/<jobid>/<id>[/<lock>].
  Classification checkpoints_tree(const std::vector<std::string_view>& s, std::size_t i) const {
    if (s.size() == i) {
      return {ZnodeRole::structure, {}, {}, {}, {}};
    }
    const std::string job = job_at(s, i);
    if (job.empty()) {
      return {};
    }
    if (s.size() == i + 1) {
      return {ZnodeRole::structure, job, {}, {}, {}};
    }
    const auto id = parse_checkpoint_id(s[i + 1]);
    if (!id) {
      return {ZnodeRole::unknown, job, {}, {}, {}};
    }
    if (s.size() == i + 2) {
      return {ZnodeRole::checkpoint, job, {}, id, {}};
    }
    return below_pointer(s, i + 2, job);
  }

  Classification per_job_leaf(const std::vector<std::string_view>& s, std::size_t i,
                              ZnodeRole role) const {
    if (s.size() == i) {
      return {ZnodeRole::structure, {}, {}, {}, {}};
    }
    const std::string job = job_at(s, i);
    if (!job.empty() && s.size() == i + 1) {
      return {role, job, {}, {}, {}};
    }
    return {ZnodeRole::unknown, job, {}, {}, {}};
  }

  // 1.14+: jobs/<jobid>/{checkpoints/<%019d>[/locks…], checkpoint_id_counter, leader/…(1.14)}.
  Classification jobs_tree(const std::vector<std::string_view>& s) const {
    if (s.size() == 1) {
      return {ZnodeRole::structure, {}, {}, {}, {}};
    }
    const std::string job = job_at(s, 1);
    if (job.empty()) {
      return {};
    }
    if (s.size() == 2) {
      return {ZnodeRole::structure, job, {}, {}, {}};
    }
    if (s[2] == "checkpoints") {
      if (s.size() == 3) {
        return {ZnodeRole::structure, job, {}, {}, {}};
      }
      const auto id = parse_checkpoint_id(s[3]);
      if (!id) {
        return {ZnodeRole::unknown, job, {}, {}, {}};
      }
      if (s.size() == 4) {
        return {ZnodeRole::checkpoint, job, {}, id, {}};
      }
      return below_pointer(s, 4, job);
    }
    if (s[2] == "checkpoint_id_counter" && s.size() == 3) {
      return {ZnodeRole::checkpoint_counter, job, {}, {}, {}};
    }
    if (s[2] == "leader") { // 1.14: per-job latch and connection_info
      const bool latch = s.size() > 3 && s[3] == "latch";
      return {latch ? ZnodeRole::latch : ZnodeRole::leader, job, {}, {}, {}};
    }
    return {ZnodeRole::unknown, job, {}, {}, {}};
  }

  Classification leader_tree(const std::vector<std::string_view>& s, std::size_t i) const {
    if (m_era <= HaEra::v1_3) {
      return {ZnodeRole::leader, job_at(s, i), {}, {}, {}};
    }
    if (s.size() == i) {
      return {ZnodeRole::leader, {}, {}, {}, {}};
    }
    // 1.15+: one latch at leader/latch; 1.14: leader/<component>/latch.
    const bool latch = (m_era >= HaEra::v1_15 && s[i] == "latch") ||
                       (m_era == HaEra::v1_14 && s.size() > i + 1 && s[i + 1] == "latch");
    return {latch ? ZnodeRole::latch : ZnodeRole::leader, job_at(s, i), {}, {}, {}};
  }

  HaEra m_era;
  std::vector<std::string_view> m_job_graphs;
  std::vector<std::string_view> m_checkpoints;
  std::vector<std::string_view> m_counter;
  std::vector<std::string_view> m_registry;
  std::vector<std::string_view> m_leader;
  std::vector<std::string_view> m_latch;
  std::vector<std::string_view> m_applications;
};

// --- The ZooKeeper walk ----------------------------------------------------------------------

struct WalkedNode {
  std::string path;
  zk::Node node;
};

bool is_no_node(const zk::ZkError& error) {
  return error.code == zk::ZkCode::no_node;
}

Result<std::vector<WalkedNode>> walk_namespace(zk::ZkReader& zk, const std::string& ns) {
  std::vector<WalkedNode> nodes;
  std::deque<std::string> pending{ns};
  while (!pending.empty()) {
    std::string path = std::move(pending.front());
    pending.pop_front();
    auto node = zk.get(path);
    if (!node && is_no_node(node.error())) {
      continue; // deleted while we walked
    }
    if (!node) {
      return std::unexpected(zk::to_error(node.error()));
    }
    auto children = zk.children(path);
    if (!children && is_no_node(children.error())) {
      children = std::vector<std::string>{}; // deleted between the two reads
    }
    if (!children) {
      return std::unexpected(zk::to_error(children.error()));
    }
    std::sort(children->begin(), children->end());
    for (const auto& name : *children) {
      pending.push_back(zk::join_path(path, name));
    }
    zk::Node kept = std::move(*node);
    kept.stat.num_children = static_cast<std::int32_t>(children->size());
    if (kept.data.size() > kMaxKeptData) {
      kept.data.clear();
    }
    nodes.push_back(WalkedNode{std::move(path), std::move(kept)});
    if (nodes.size() + pending.size() > kMaxZnodes) {
      return failf("{}: more than {} znodes; inventory stopped", ns, kMaxZnodes);
    }
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const WalkedNode& a, const WalkedNode& b) { return a.path < b.path; });
  return nodes;
}

// --- Storage-side helpers --------------------------------------------------------------------

struct UriParts {
  std::string scheme; // "file" for local paths
  std::string authority;
  std::vector<std::string> components;
  bool valid = true;
};

UriParts split_uri(std::string_view uri) {
  const util::FlinkPath split = util::parse_flink_path(util::trim(uri));
  UriParts parts;
  parts.scheme = split.scheme.empty() ? std::string("file") : util::to_lower(split.scheme);
  parts.authority = split.authority;
  const std::string_view rest = split.path;
  if (!rest.starts_with('/') || util::unsafe_component(rest.substr(1))) {
    parts.valid = false;
  }
  for (const auto component : segments(rest)) {
    parts.components.emplace_back(component);
  }
  return parts;
}

// The files Flink's pointers name (a metadata file no pointer names is an orphan).
bool is_pointer_target(StorageFileKind kind) {
  return kind == StorageFileKind::job_graph || kind == StorageFileKind::execution_plan ||
         kind == StorageFileKind::checkpoint || kind == StorageFileKind::application;
}

std::int64_t age_of(std::int64_t now_ms, std::int64_t mtime_ms) {
  return std::max<std::int64_t>(0, now_ms - mtime_ms);
}

// --- The builder -----------------------------------------------------------------------------

class Builder {
public:
  Builder(zk::ZkReader& zk, const InventoryInput& input) : m_zk(zk), m_input(input) {
    m_inv.era = input.era;
    m_inv.zk_namespace = input.zk_namespace;
    m_inv.zk_root = input.zk_root;
    m_inv.cluster_id = input.cluster_id;
    m_inv.paths = input.paths;
    m_inv.now_ms = input.now_ms;
  }

  Result<HaInventory> build() {
    if (!m_input.zk_namespace.starts_with('/')) {
      return failf("ZooKeeper namespace '{}' is not an absolute path", m_input.zk_namespace);
    }
    if (auto status = read_zookeeper(); !status) {
      return std::unexpected(status.error());
    }
    read_storage();
    cross_reference_pointers();
    settle_moving_tree();
    read_job_result_store();
    read_application_result_store();
    if (auto status = find_siblings(); !status) {
      return std::unexpected(status.error());
    }
    report();
    return std::move(m_inv);
  }

private:
  void add(Severity severity, FindingKind kind, std::string job, std::string subject,
           std::string message, std::optional<std::int64_t> age = {}) {
    m_inv.findings.push_back(
        Finding{severity, kind, std::move(job), std::move(subject), std::move(message), age, {}});
  }

  void add_for_application(Severity severity, FindingKind kind, const std::string& application,
                           std::string subject, std::string message,
                           std::optional<std::int64_t> age = {}) {
    add(severity, kind, {}, std::move(subject), std::move(message), age);
    m_inv.findings.back().application_id = application;
  }

  ApplicationRecord& application(const std::string& id) {
    auto [it, inserted] = m_inv.applications.try_emplace(id);
    if (inserted) {
      it->second.application_id = id;
    }
    return it->second;
  }

  JobRecord& job(const std::string& id) {
    auto [it, inserted] = m_inv.jobs.try_emplace(id);
    if (inserted) {
      it->second.job_id = id;
    }
    return it->second;
  }

  PointerRecord make_pointer(const WalkedNode& walked, const Classification& c) {
    PointerRecord pointer;
    pointer.znode = walked.path;
    pointer.job_id = c.job_id;
    pointer.application_id = c.application_id;
    pointer.role = c.role;
    pointer.checkpoint_id = c.checkpoint_id;
    pointer.stat = walked.node.stat;
    if (walked.node.stat.data_length == 0) {
      pointer.decode_error = "no data";
    } else if (walked.node.data.empty()) {
      pointer.decode_error = "data too large to be a pointer";
    } else if (auto decoded = decode_state_handle_pointer(walked.node.data)) {
      pointer.pointer = std::move(*decoded);
    } else {
      pointer.decode_error = decoded.error().message;
    }
    // 1.15+ (FLINK-26284): a pointer whose locks child is gone is marked for deletion; readers
    // treat it as absent.
    pointer.marked_for_deletion = m_input.era >= HaEra::v1_15 && walked.node.stat.num_children == 0;
    return pointer;
  }

  Status read_zookeeper() {
    auto walked = walk_namespace(m_zk, m_input.zk_namespace);
    if (!walked) {
      return std::unexpected(walked.error());
    }
    const Classifier classifier(m_input.era, m_input.paths);
    const std::string& ns = m_input.zk_namespace;
    std::map<std::string, std::vector<LockRecord>> locks; // by pointer znode
    std::set<std::string> unknown_paths;
    for (const auto& node : *walked) {
      const std::string_view relative =
          ns == "/" ? std::string_view(node.path) : std::string_view(node.path).substr(ns.size());
      const Classification c = classifier.classify(segments(relative));
      m_inv.znodes.push_back(
          ZnodeRecord{node.path, node.node.stat, c.role, c.job_id, c.application_id});
      if (!c.job_id.empty()) {
        ++job(c.job_id).znode_count;
      }
      if (!c.application_id.empty()) {
        ++application(c.application_id).znode_count;
      }
      switch (c.role) {
      case ZnodeRole::namespace_root:
        m_inv.namespace_exists = true;
        break;
      case ZnodeRole::job_graph:
        job(c.job_id).job_graph = make_pointer(node, c);
        break;
      case ZnodeRole::checkpoint:
        job(c.job_id).checkpoints.push_back(make_pointer(node, c));
        break;
      case ZnodeRole::application:
        application(c.application_id).pointer = make_pointer(node, c);
        break;
      case ZnodeRole::lock:
        locks[ns == "/" ? c.pointer : ns + c.pointer].push_back(
            LockRecord{node.path, node.node.stat.ephemeral_owner});
        break;
      case ZnodeRole::checkpoint_counter: {
        CounterRecord counter{node.path, {}, {}};
        const auto size = static_cast<std::size_t>(std::max(node.node.stat.data_length, 0));
        if (node.node.data.size() != size) {
          // The walk keeps at most kMaxKeptData of a node's data: say the real size, not 0.
          counter.decode_error = fmt::format(
              "checkpoint counter: expected 4 bytes (a big-endian int of Curator SharedCount), "
              "got {} bytes",
              size);
        } else if (auto value = decode_checkpoint_counter(node.node.data)) {
          counter.next_checkpoint_id = *value;
        } else {
          counter.decode_error = value.error().message;
        }
        job(c.job_id).counter = std::move(counter);
        break;
      }
      case ZnodeRole::running_registry:
        job(c.job_id).running_registry_status = util::printable(node.node.data);
        break;
      case ZnodeRole::unknown:
        unknown_node(node, c, unknown_paths);
        break;
      default:
        break;
      }
    }
    for (auto& [id, record] : m_inv.jobs) {
      std::sort(record.checkpoints.begin(), record.checkpoints.end(),
                [](const PointerRecord& a, const PointerRecord& b) {
                  return a.checkpoint_id < b.checkpoint_id;
                });
      if (record.job_graph) {
        attach_locks(*record.job_graph, locks);
      }
      for (auto& checkpoint : record.checkpoints) {
        attach_locks(checkpoint, locks);
      }
    }
    for (auto& [id, record] : m_inv.applications) {
      if (record.pointer) {
        attach_locks(*record.pointer, locks);
      }
    }
    return {};
  }

  static void attach_locks(PointerRecord& pointer,
                           const std::map<std::string, std::vector<LockRecord>>& locks) {
    if (const auto it = locks.find(pointer.znode); it != locks.end()) {
      pointer.locks = it->second;
    }
  }

  void unknown_node(const WalkedNode& node, const Classification& c,
                    std::set<std::string>& unknown_paths) {
    unknown_paths.insert(node.path);
    // Only the topmost node of an unknown subtree is a finding.
    if (!unknown_paths.contains(std::string(zk::parent_path(node.path)))) {
      add(Severity::info, FindingKind::unknown_znode, c.job_id, node.path,
          fmt::format("not part of the Flink {} layout; listed raw ({} bytes, {} children)",
                      layout_label(m_input.era), node.node.stat.data_length,
                      node.node.stat.num_children));
    }
    // A pointer where this era keeps none (e.g. /jobgraphs left by 1.x under a 2.x cluster):
    // its file counts as referenced, so that no cleanup takes it for an orphan.
    if (node.node.data.starts_with(kJavaStreamMagic)) {
      if (auto decoded = decode_state_handle_pointer(node.node.data)) {
        PointerRecord pointer;
        pointer.znode = node.path;
        pointer.job_id = c.job_id;
        pointer.role = ZnodeRole::unknown;
        pointer.stat = node.node.stat;
        pointer.pointer = std::move(*decoded);
        m_inv.stray_pointers.push_back(std::move(pointer));
      }
    }
  }

  void read_storage() {
    StorageSide& side = m_inv.storage;
    side.uri = m_input.cluster_storage_uri;
    if (m_input.cluster_storage == nullptr) {
      side.error = m_input.cluster_storage_error.empty() ? "no storage directory configured"
                                                         : m_input.cluster_storage_error;
      side.error_category = m_input.cluster_storage_failure.category;
      side.error_hint = m_input.cluster_storage_failure.hint;
      return;
    }
    auto entries = m_input.cluster_storage->list("", storage::Recursive::yes);
    if (!entries) {
      side.error = entries.error().message;
      side.error_category = storage_failure_category(entries.error());
      side.error_hint = entries.error().hint;
      return;
    }
    side.available = true;
    for (auto& entry : *entries) {
      StorageFileRecord file;
      const auto parts = util::split(entry.relative_path, '/');
      if (parts.size() == 1 && entry.type == storage::EntryType::file) {
        file.kind = metadata_file_kind(entry.name).value_or(StorageFileKind::other);
      } else if (parts.size() == 1 && parts[0] == "blob" &&
                 entry.type == storage::EntryType::directory) {
        // The BlobServer's HA blob store itself (BlobUtils.createFileSystemBlobStore: a
        // FileSystemBlobStore at {storageDir}/{cluster-id}/blob, 1.x and 2.x), created with the
        // first jar, removed when it is empty after a job_<id> or application_<id> dir went
        // (FileSystemBlobStore.delete: a non-recursive delete of the parent). Of no job.
        file.kind = StorageFileKind::blob;
      } else if (parts.size() >= 2 && parts[0] == "blob" && parts[1].starts_with(kJobBlobPrefix) &&
                 looks_like_job_id(parts[1].substr(kJobBlobPrefix.size()))) {
        file.kind = StorageFileKind::blob;
        file.job_id = std::string(parts[1].substr(kJobBlobPrefix.size()));
        add_blob(job(file.job_id), parts.size(), entry);
      } else if (parts.size() >= 2 && parts[0] == "blob" &&
                 parts[1].starts_with(kApplicationBlobPrefix) &&
                 looks_like_job_id(parts[1].substr(kApplicationBlobPrefix.size()))) {
        file.kind = StorageFileKind::blob;
        file.application_id = std::string(parts[1].substr(kApplicationBlobPrefix.size()));
        add_blob(application(file.application_id), parts.size(), entry);
      }
      if (entry.type == storage::EntryType::symlink) {
        add(Severity::warning, FindingKind::symlink_in_storage, file.job_id, entry.relative_path,
            "a symlink inside the cluster storage dir: never followed, left alone by every "
            "cleanup");
      }
      m_file_index.emplace(entry.relative_path, side.files.size());
      file.entry = std::move(entry);
      side.files.push_back(std::move(file));
    }
  }

  // blob/<x>_<id> itself (2 parts) or an entry below it.
  template <typename Record>
  static void add_blob(Record& record, std::size_t parts, const storage::Entry& entry) {
    if (parts == 2) {
      record.blob_dir = entry.relative_path;
    } else {
      record.blob_entries.push_back(entry);
    }
  }

  void cross_reference(PointerRecord& pointer) {
    if (!pointer.pointer) {
      return;
    }
    if (m_input.cluster_storage_uri.empty()) {
      return;
    }
    const auto relative = relative_inside(m_input.cluster_storage_uri, pointer.pointer->path);
    if (!relative) {
      pointer.file_status = FileStatus::outside;
      return;
    }
    pointer.file = *relative;
    if (!m_inv.storage.available) {
      return;
    }
    const auto it = m_file_index.find(*relative);
    if (it == m_file_index.end()) {
      // The listing never descends into a symlink: a file behind one is not listed, yet it is
      // not missing. Say which link is on the way.
      pointer.file_status = FileStatus::missing;
      std::string_view dir = storage::parent_of(*relative);
      while (!dir.empty()) {
        const auto link = m_file_index.find(std::string(dir));
        if (link != m_file_index.end() &&
            m_inv.storage.files[link->second].entry.type == storage::EntryType::symlink) {
          pointer.file_status = FileStatus::through_symlink;
          pointer.symlink = std::string(dir);
          pointer.symlink_target = m_inv.storage.files[link->second].entry.link_target;
        }
        dir = storage::parent_of(dir);
      }
      return;
    }
    StorageFileRecord& file = m_inv.storage.files[it->second];
    file.referenced_by.push_back(pointer.znode);
    if (file.entry.type == storage::EntryType::file) {
      pointer.file_status = FileStatus::present;
      pointer.file_size = file.entry.size_bytes;
    }
  }

  void cross_reference_pointers() {
    for (auto& [id, record] : m_inv.jobs) {
      if (record.job_graph) {
        cross_reference(*record.job_graph);
      }
      for (auto& checkpoint : record.checkpoints) {
        cross_reference(checkpoint);
      }
    }
    for (auto& [id, record] : m_inv.applications) {
      if (record.pointer) {
        cross_reference(*record.pointer);
      }
    }
    for (auto& pointer : m_inv.stray_pointers) {
      cross_reference(pointer);
    }
  }

  // --- A tree that moves while it is read --------------------------------------------------
  //
  // A running job checkpoints while flinkha reads. Flink writes a checkpoint's file before its
  // pointer (FileSystemStateStorageHelper.store, then ZooKeeperStateHandleStore.addAndLock). It
  // removes a subsumed checkpoint in three steps (ZooKeeperStateHandleStore.releaseAndTryRemove,
  // 1.15+): the pointer's locks node (it is then marked for deletion, and Flink's readers skip
  // it), the file (discardState), then the pointer; up to 1.14 the pointer goes before the file.
  // Between the walk and the listing a pointer can therefore lose its file because it is being
  // removed, and a file can appear whose pointer came after the walk. Neither is a defect; each
  // is asked of ZooKeeper again, for a moment, before it is reported.
  void settle_moving_tree() {
    if (!m_inv.storage.available) {
      return;
    }
    drop_vanished_pointers();
    reference_pointers_written_since_walk();
  }

  // A pointer whose file is missing: asked again, at once and then 0.25, 0.5 and 1 s later, while
  // it is still there without its locks node (a removal in progress). Gone: it was removed while
  // we read and is no longer part of the cluster's state. Still there with its locks node: a
  // dangling pointer. Still there without: marked for deletion (its removal stopped after the
  // file; Flink ignores it). One ZooKeeper cannot be asked about stays as the walk saw it.
  void drop_vanished_pointers() {
    std::vector<PointerRecord*> asking;
    for (auto& [id, record] : m_inv.jobs) {
      if (record.job_graph) {
        asking.push_back(&*record.job_graph);
      }
      for (auto& checkpoint : record.checkpoints) {
        asking.push_back(&checkpoint);
      }
    }
    for (auto& [id, record] : m_inv.applications) {
      if (record.pointer) {
        asking.push_back(&*record.pointer);
      }
    }
    for (auto& pointer : m_inv.stray_pointers) {
      asking.push_back(&pointer);
    }
    std::erase_if(asking,
                  [](const PointerRecord* p) { return p->file_status != FileStatus::missing; });
    std::set<std::string> vanished;
    for (const auto delay : {0, 250, 500, 1000}) {
      if (asking.empty()) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      std::erase_if(asking, [&](PointerRecord* pointer) {
        const auto stat = m_zk.exists(pointer->znode);
        if (!stat) {
          return true; // cannot tell: reported as the walk saw it
        }
        if (!stat->has_value()) {
          vanished.insert(pointer->znode);
          return true;
        }
        if (m_input.era >= HaEra::v1_15 && (*stat)->num_children == 0) {
          pointer->marked_for_deletion = true;
          return false; // being removed: ask again
        }
        return true;
      });
    }
    const auto gone = [&](const PointerRecord& pointer) {
      return vanished.contains(pointer.znode);
    };
    for (auto& [id, record] : m_inv.jobs) {
      if (record.job_graph && gone(*record.job_graph)) {
        record.job_graph.reset();
      }
      std::erase_if(record.checkpoints, gone);
    }
    for (auto& [id, record] : m_inv.applications) {
      if (record.pointer && gone(*record.pointer)) {
        record.pointer.reset();
      }
    }
    std::erase_if(m_inv.stray_pointers, gone);
    if (vanished.empty()) {
      return;
    }
    // Their znodes (the pointer and its lock nodes) go from the inventory with them.
    const auto below_vanished = [&](const ZnodeRecord& node) {
      for (std::string_view path = node.path; !path.empty() && path != "/";
           path = zk::parent_path(path)) {
        if (vanished.contains(std::string(path))) {
          return true;
        }
      }
      return false;
    };
    for (const auto& node : m_inv.znodes) {
      if (below_vanished(node)) {
        if (!node.job_id.empty()) {
          --job(node.job_id).znode_count;
        }
        if (!node.application_id.empty()) {
          --application(node.application_id).znode_count;
        }
      }
    }
    std::erase_if(m_inv.znodes, below_vanished);
  }

  // A metadata file no pointer of the walk names, written recently enough that its pointer may
  // have come after the walk: walk again and let a pointer written since name it. Flink creates
  // the pointer right after closing the file, yet the listing can fall between the two (seen on
  // HDFS under load), so up to four more walks (at once, then 0.25, 0.5 and 1 s later), while a
  // candidate is unnamed. An older file cannot be such a race (the window covers clock skew between
  // this host and the storage); it is never walked for.
  void reference_pointers_written_since_walk() {
    static constexpr std::int64_t kRaceWindowMs = 10 * 60 * 1000;
    std::map<std::string, StorageFileRecord*> candidates; // by relative path
    for (auto& file : m_inv.storage.files) {
      if (is_pointer_target(file.kind) && file.referenced_by.empty() &&
          age_of(m_inv.now_ms, file.entry.mtime_ms) < kRaceWindowMs) {
        candidates.emplace(file.entry.relative_path, &file);
      }
    }
    std::set<std::string> seen; // pointer znodes already cross-referenced
    for (const auto& node : m_inv.znodes) {
      seen.insert(node.path);
    }
    for (const auto delay : {0, 250, 500, 1000}) {
      if (candidates.empty()) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(delay));
      auto walked = walk_namespace(m_zk, m_input.zk_namespace);
      if (!walked) {
        return; // the first walk stands; the files are reported as orphans
      }
      for (const auto& node : *walked) {
        if (seen.contains(node.path) || !node.node.data.starts_with(kJavaStreamMagic)) {
          continue;
        }
        const auto decoded = decode_state_handle_pointer(node.node.data);
        if (!decoded) {
          continue;
        }
        const auto relative = relative_inside(m_input.cluster_storage_uri, decoded->path);
        if (!relative) {
          continue;
        }
        if (const auto it = candidates.find(*relative); it != candidates.end()) {
          it->second->referenced_by.push_back(node.path);
          candidates.erase(it);
          seen.insert(node.path);
        }
      }
    }
  }

  // Lists one result store (the JobResultStore or the ApplicationResultStore) into `side`;
  // nullopt when it is not available (the reason is in `side`).
  static std::optional<JrsListing>
  list_result_store(JobResultStoreSide& side, const std::string& uri, storage::HaStorage* store,
                    const std::string& error, const Error& failure) {
    side.uri = uri;
    if (store == nullptr) {
      side.error = error;
      side.error_category = failure.category;
      side.error_hint = failure.hint;
      return std::nullopt;
    }
    auto listing = list_job_result_store(*store);
    if (!listing) {
      side.error = listing.error().message;
      side.error_category = storage_failure_category(listing.error());
      side.error_hint = listing.error().hint;
      return std::nullopt;
    }
    side.available = true;
    side.unknown = listing->unknown;
    side.entries = listing->entries;
    for (const auto& file : listing->entries) {
      ++(file.state == JrsState::dirty ? side.dirty_entries : side.clean_entries);
    }
    return std::optional<JrsListing>(std::move(*listing));
  }

  void read_job_result_store() {
    auto listing = list_result_store(m_inv.job_result_store, m_input.job_result_store_uri,
                                     m_input.job_result_store, m_input.job_result_store_error,
                                     m_input.job_result_store_failure);
    if (!listing) {
      return;
    }
    read_entries(
        *listing, m_inv.jobs, [this](const std::string& id) -> JobRecord& { return job(id); },
        [this](JobRecord& record, JrsFile& file) {
          if (record.job_result_file) {
            return; // the dirty entry came first and wins
          }
          auto result = read_job_result(*m_input.job_result_store, file);
          if (result) {
            record.application_id = result->application_id.value_or("");
            record.job_result = std::move(*result);
          } else {
            record.job_result_error = result.error().message;
          }
          record.job_result_file = std::move(file);
        });
  }

  // Clean entries pile up when delete-on-commit is false; only those of records (jobs,
  // applications) that still have data are of interest. `read` gets the record of each other
  // entry, dirty before clean.
  template <typename Records, typename Make, typename Read>
  static void read_entries(JrsListing& listing, const Records& records, Make make, Read read) {
    for (auto& file : listing.entries) {
      if (file.state == JrsState::clean && !records.contains(file.job_id)) {
        continue;
      }
      read(make(file.job_id), file);
    }
  }

  // 2.3: the ApplicationResultStore, read as the JobResultStore is; then every job whose
  // JobResultStore entry names an application with data is listed under it.
  void read_application_result_store() {
    auto listing =
        list_result_store(m_inv.application_result_store, m_input.application_result_store_uri,
                          m_input.application_result_store, m_input.application_result_store_error,
                          m_input.application_result_store_failure);
    if (listing) {
      read_entries(
          *listing, m_inv.applications,
          [this](const std::string& id) -> ApplicationRecord& { return application(id); },
          [this](ApplicationRecord& record, JrsFile& file) {
            if (record.result_file) {
              return; // the dirty entry came first and wins
            }
            auto result = read_application_result(*m_input.application_result_store, file);
            if (result) {
              record.result = std::move(*result);
            } else {
              record.result_error = result.error().message;
            }
            record.result_file = std::move(file);
          });
    }
    for (const auto& [id, record] : m_inv.jobs) {
      if (const auto it = m_inv.applications.find(record.application_id);
          !record.application_id.empty() && it != m_inv.applications.end()) {
        it->second.job_ids.push_back(id); // m_inv.jobs is ordered: sorted
      }
    }
  }

  Status find_siblings() {
    const std::string& root = m_input.zk_root;
    const std::string& ns = m_input.zk_namespace;
    if (!root.empty() && root.starts_with('/') && zk::is_within(ns, root) && ns != root) {
      const auto ours = segments(std::string_view(ns).substr(root == "/" ? 0 : root.size()));
      auto children = m_zk.children(root);
      if (!children && !is_no_node(children.error())) {
        return std::unexpected(zk::to_error(children.error()));
      }
      for (const auto& name : children ? *children : std::vector<std::string>{}) {
        if (name != ours.front()) {
          m_inv.zk_sibling_cluster_ids.push_back(name);
        }
      }
      std::sort(m_inv.zk_sibling_cluster_ids.begin(), m_inv.zk_sibling_cluster_ids.end());
    }
    if (m_input.storage_root != nullptr) {
      const auto ours = segments(m_input.cluster_id);
      auto entries = m_input.storage_root->list("", storage::Recursive::no);
      if (entries) {
        for (const auto& entry : *entries) {
          const bool infrastructure = std::find(std::begin(kStorageRootInfrastructure),
                                                std::end(kStorageRootInfrastructure),
                                                entry.name) != std::end(kStorageRootInfrastructure);
          if (entry.type == storage::EntryType::directory && !infrastructure &&
              (ours.empty() || entry.name != ours.front())) {
            m_inv.storage_sibling_cluster_ids.push_back(entry.name);
          }
        }
      }
    }
    return {};
  }

  void report_pointer(const PointerRecord& pointer) {
    const std::size_t first = m_inv.findings.size();
    report_pointer_findings(pointer);
    for (std::size_t i = first; i < m_inv.findings.size(); ++i) {
      m_inv.findings[i].application_id = pointer.application_id;
    }
  }

  void report_pointer_findings(const PointerRecord& pointer) {
    const bool is_application = pointer.role == ZnodeRole::application;
    const std::string what =
        pointer.role == ZnodeRole::checkpoint
            ? fmt::format("checkpoint {}", pointer.checkpoint_id.value_or(-1))
        : is_application
            ? std::string("application")
            : std::string(pointer.role == ZnodeRole::job_graph ? "job graph" : "pointer");
    if (pointer.stat.data_length == 0) {
      add(Severity::warning, FindingKind::empty_pointer, pointer.job_id, pointer.znode,
          fmt::format("{} node without data", what));
    } else if (!pointer.pointer) {
      add(Severity::warning, FindingKind::undecodable_pointer, pointer.job_id, pointer.znode,
          fmt::format("{} does not decode: {}", what, pointer.decode_error));
    }
    if (pointer.marked_for_deletion) {
      add(Severity::warning, FindingKind::marked_for_deletion, pointer.job_id, pointer.znode,
          fmt::format("{} is marked for deletion (no locks node): Flink ignores it; its removal "
                      "was interrupted{}",
                      what,
                      pointer.file_status == FileStatus::missing ? " after its file was deleted"
                                                                 : ""));
    }
    if (!pointer.pointer) {
      return;
    }
    switch (pointer.file_status) {
    case FileStatus::missing:
      if (pointer.marked_for_deletion) {
        break; // Flink's readers skip it; said above as marked for deletion
      }
      add(Severity::critical, FindingKind::dangling_pointer, pointer.job_id, pointer.znode,
          fmt::format("{} points to {}, which does not exist: Flink fails to recover this {}", what,
                      pointer.pointer->path, is_application ? "application" : "job"));
      break;
    case FileStatus::through_symlink:
      add(Severity::warning, FindingKind::symlink_in_storage, pointer.job_id, pointer.znode,
          fmt::format("{} points to {}: {}", what, pointer.pointer->path,
                      storage::through_symlink_message(m_input.cluster_storage_uri, pointer.file,
                                                       pointer.symlink, pointer.symlink_target)));
      break;
    case FileStatus::outside:
      add(Severity::warning, FindingKind::pointer_outside_storage, pointer.job_id, pointer.znode,
          fmt::format("{} points to {}, outside the cluster storage dir {} (never deleted)", what,
                      pointer.pointer->path, m_input.cluster_storage_uri));
      break;
    case FileStatus::present:
      if (pointer.pointer->state_size && pointer.file_size &&
          *pointer.pointer->state_size != *pointer.file_size) {
        add(Severity::warning, FindingKind::size_mismatch, pointer.job_id, pointer.znode,
            fmt::format("{}: the pointer says {} bytes, {} has {}", what,
                        *pointer.pointer->state_size, pointer.file, *pointer.file_size));
      }
      break;
    case FileStatus::unknown:
      break;
    }
  }

  // "remaining: <parts>, N znodes in all, blob dir (M entries)", or "nothing else remains".
  static std::string remaining(std::vector<std::string>& parts, std::size_t znodes,
                               const std::string& blob_dir, std::size_t blob_entries) {
    if (znodes > 0) {
      parts.push_back(fmt::format("{} znodes in all", znodes));
    }
    if (!blob_dir.empty()) {
      parts.push_back(fmt::format("blob dir ({} entries)", blob_entries));
    }
    return parts.empty() ? std::string("nothing else remains")
                         : fmt::format("remaining: {}", fmt::join(parts, ", "));
  }

  std::string remains_of(const JobRecord& record) const {
    std::vector<std::string> parts;
    if (record.job_graph) {
      parts.emplace_back(m_input.era == HaEra::v2_0 ? "execution plan" : "job graph");
    }
    if (!record.checkpoints.empty()) {
      parts.push_back(fmt::format("{} checkpoints", record.checkpoints.size()));
    }
    if (record.counter) {
      parts.emplace_back("checkpoint counter");
    }
    return remaining(parts, record.znode_count, record.blob_dir, record.blob_entries.size());
  }

  std::string remains_of(const ApplicationRecord& record) const {
    std::vector<std::string> parts;
    if (record.pointer) {
      parts.emplace_back("application pointer");
    }
    return remaining(parts, record.znode_count, record.blob_dir, record.blob_entries.size());
  }

  // 2.3 applications: their pointer, their ApplicationResultStore entry, their blobs.
  void report_applications() {
    for (const auto& [id, record] : m_inv.applications) {
      if (record.pointer) {
        report_pointer(*record.pointer);
      }
      const std::string entry = record.result_file ? record.result_file->entry.name : id;
      if (record.result_file && !record.result_error.empty()) {
        add_for_application(Severity::warning, FindingKind::application_result_unreadable, id,
                            entry, record.result_error);
      }
      if (record.dirty()) {
        add_for_application(
            Severity::warning, FindingKind::dirty_application, id, entry,
            fmt::format("Flink's cleanup of application {} did not finish (stale entries like "
                        "this gave healthy JobManagers with no jobs, FLINK-40467); {}",
                        id, remains_of(record)));
      } else if (record.result_file && record.znode_count > 0) {
        add_for_application(
            Severity::warning, FindingKind::clean_application_in_zookeeper, id, entry,
            fmt::format("application {} is clean in the ApplicationResultStore but still in "
                        "ZooKeeper ({})",
                        id, remains_of(record)));
      }
      if (!record.blob_dir.empty() && record.znode_count == 0 && !record.dirty()) {
        std::int64_t newest = 0;
        for (const auto& file : m_inv.storage.files) {
          if (file.application_id == id) {
            newest = std::max(newest, file.entry.mtime_ms);
          }
        }
        const auto age = age_of(m_inv.now_ms, newest);
        add_for_application(
            Severity::warning, FindingKind::orphan_blob_dir, id, record.blob_dir,
            fmt::format("blobs of application {} with no HA data left ({} entries, newest {} old)",
                        id, record.blob_entries.size(), util::describe_duration_ms(age)),
            age);
      }
    }
  }

  void report() {
    const auto& storage_side = m_inv.storage;
    if (!storage_side.available) {
      add(severity_of_unavailable(storage_side.error_category), FindingKind::storage_unavailable,
          {}, storage_side.uri,
          fmt::format("storage side not inspected: {}; pointers cannot be checked",
                      storage_side.error));
    }
    const auto& jrs = m_inv.job_result_store;
    if (!jrs.available && m_input.era >= HaEra::v1_15) {
      add(severity_of_unavailable(jrs.error_category), FindingKind::storage_unavailable, {},
          jrs.uri,
          fmt::format("JobResultStore not inspected: {}",
                      jrs.error.empty() ? std::string("not configured") : jrs.error));
    }
    const auto& ars = m_inv.application_result_store;
    if (!ars.available && !(ars.uri.empty() && ars.error.empty())) {
      add(severity_of_unavailable(ars.error_category), FindingKind::storage_unavailable, {},
          ars.uri,
          fmt::format("ApplicationResultStore not inspected: {}",
                      ars.error.empty() ? std::string("not configured") : ars.error));
    }
    for (const auto& [id, record] : m_inv.jobs) {
      if (record.job_graph) {
        report_pointer(*record.job_graph);
      }
      for (const auto& checkpoint : record.checkpoints) {
        report_pointer(checkpoint);
      }
      if (record.job_result_file && !record.job_result_error.empty()) {
        add(Severity::warning, FindingKind::job_result_unreadable, id,
            record.job_result_file->entry.name, record.job_result_error);
      }
      const bool dirty = record.job_result_file && record.job_result_file->state == JrsState::dirty;
      if (dirty) {
        add(Severity::warning, FindingKind::dirty_job, id, record.job_result_file->entry.name,
            fmt::format("Flink's global cleanup of this job did not finish; {}",
                        remains_of(record)));
      } else if (record.job_result_file && record.znode_count > 0) {
        add(Severity::warning, FindingKind::clean_job_in_zookeeper, id,
            record.job_result_file->entry.name,
            fmt::format("clean in the JobResultStore but still in ZooKeeper ({}); resubmitting "
                        "this job id fails (FLINK-26583)",
                        remains_of(record)));
      }
      if (!record.blob_dir.empty() && record.znode_count == 0 && !dirty) {
        std::int64_t newest = 0;
        for (const auto& file : m_inv.storage.files) {
          if (file.job_id == id) {
            newest = std::max(newest, file.entry.mtime_ms);
          }
        }
        const auto age = age_of(m_inv.now_ms, newest);
        add(Severity::warning, FindingKind::orphan_blob_dir, id, record.blob_dir,
            fmt::format("blobs of a job with no HA data left ({} entries, newest {} old)",
                        record.blob_entries.size(), util::describe_duration_ms(age)),
            age);
      }
    }
    report_applications();
    for (const auto& pointer : m_inv.stray_pointers) {
      add(Severity::warning, FindingKind::stray_pointer, pointer.job_id, pointer.znode,
          fmt::format("a state-handle pointer to {} where the Flink {} layout keeps none",
                      pointer.pointer->path, layout_label(m_input.era)));
      report_pointer(pointer);
    }
    for (const auto& file : m_inv.storage.files) {
      if (!is_pointer_target(file.kind)) {
        continue;
      }
      if (file.referenced_by.empty()) {
        const auto age = age_of(m_inv.now_ms, file.entry.mtime_ms);
        add(Severity::warning, FindingKind::orphan_file, {}, file.entry.relative_path,
            fmt::format("{} file no pointer refers to ({} bytes, {} old)", to_string(file.kind),
                        file.entry.size_bytes, util::describe_duration_ms(age)),
            age);
      }
    }
    for (const auto& entry : jrs.unknown) {
      add(Severity::info, FindingKind::unknown_storage_entry, {}, entry.relative_path,
          "not a JobResultStore entry; left alone");
    }
    for (const auto& entry : m_inv.application_result_store.unknown) {
      add(Severity::info, FindingKind::unknown_storage_entry, {}, entry.relative_path,
          "not an ApplicationResultStore entry; left alone");
    }
    for (const auto& id : m_inv.zk_sibling_cluster_ids) {
      add(Severity::info, FindingKind::sibling_cluster_id, {}, zk::join_path(m_input.zk_root, id),
          "another cluster-id under the same ZooKeeper root");
    }
    for (const auto& id : m_inv.storage_sibling_cluster_ids) {
      add(Severity::info, FindingKind::sibling_cluster_id, {}, id,
          "another cluster-id in the same high-availability.storageDir");
    }
  }

  zk::ZkReader& m_zk;
  const InventoryInput& m_input;
  HaInventory m_inv;
  std::unordered_map<std::string, std::size_t> m_file_index; // relative path → storage.files
};

} // namespace

ZnodePaths default_znode_paths(HaEra era) {
  ZnodePaths paths;
  paths.job_graphs = era == HaEra::v2_0 ? "/execution-plans" : "/jobgraphs";
  paths.checkpoints = "/checkpoints";
  paths.checkpoint_counter = "/checkpoint-counter";
  paths.running_registry = "/running_job_registry";
  paths.leader = "/leader";
  paths.latch = "/leaderlatch";
  // HighAvailabilityOptions.HA_ZOOKEEPER_APPLICATIONS_PATH (2.3); no 2.0-2.2 cluster writes it.
  paths.applications = era == HaEra::v2_0 ? "/applications" : "";
  return paths;
}

std::string_view to_string(ZnodeRole role) {
  switch (role) {
  case ZnodeRole::namespace_root:
    return "namespace";
  case ZnodeRole::structure:
    return "structure";
  case ZnodeRole::job_graph:
    return "job-graph";
  case ZnodeRole::checkpoint:
    return "checkpoint";
  case ZnodeRole::lock_root:
    return "locks";
  case ZnodeRole::lock:
    return "lock";
  case ZnodeRole::checkpoint_counter:
    return "checkpoint-counter";
  case ZnodeRole::running_registry:
    return "running-registry";
  case ZnodeRole::leader:
    return "leader";
  case ZnodeRole::latch:
    return "latch";
  case ZnodeRole::application:
    return "application";
  case ZnodeRole::unknown:
    return "unknown";
  }
  return "unknown";
}

std::string_view to_string(FileStatus status) {
  switch (status) {
  case FileStatus::present:
    return "present";
  case FileStatus::missing:
    return "missing";
  case FileStatus::outside:
    return "outside";
  case FileStatus::through_symlink:
    return "through-symlink";
  case FileStatus::unknown:
    return "unknown";
  }
  return "unknown";
}

std::string_view to_string(StorageFileKind kind) {
  switch (kind) {
  case StorageFileKind::job_graph:
    return "job-graph";
  case StorageFileKind::execution_plan:
    return "execution-plan";
  case StorageFileKind::checkpoint:
    return "checkpoint";
  case StorageFileKind::blob:
    return "blob";
  case StorageFileKind::application:
    return "application";
  case StorageFileKind::other:
    return "other";
  }
  return "other";
}

std::string_view to_string(Severity severity) {
  switch (severity) {
  case Severity::info:
    return "info";
  case Severity::warning:
    return "warning";
  case Severity::critical:
    return "critical";
  }
  return "info";
}

std::string_view to_string(FindingKind kind) {
  switch (kind) {
  case FindingKind::dangling_pointer:
    return "dangling-pointer";
  case FindingKind::size_mismatch:
    return "size-mismatch";
  case FindingKind::undecodable_pointer:
    return "undecodable-pointer";
  case FindingKind::pointer_outside_storage:
    return "pointer-outside-storage";
  case FindingKind::stray_pointer:
    return "stray-pointer";
  case FindingKind::marked_for_deletion:
    return "marked-for-deletion";
  case FindingKind::empty_pointer:
    return "empty-pointer";
  case FindingKind::orphan_file:
    return "orphan-file";
  case FindingKind::orphan_blob_dir:
    return "orphan-blob-dir";
  case FindingKind::dirty_job:
    return "dirty-job";
  case FindingKind::clean_job_in_zookeeper:
    return "clean-job-in-zookeeper";
  case FindingKind::job_result_unreadable:
    return "job-result-unreadable";
  case FindingKind::symlink_in_storage:
    return "symlink-in-storage";
  case FindingKind::unknown_storage_entry:
    return "unknown-storage-entry";
  case FindingKind::unknown_znode:
    return "unknown-znode";
  case FindingKind::sibling_cluster_id:
    return "sibling-cluster-id";
  case FindingKind::storage_unavailable:
    return "storage-unavailable";
  case FindingKind::dirty_application:
    return "dirty-application";
  case FindingKind::clean_application_in_zookeeper:
    return "clean-application-in-zookeeper";
  case FindingKind::application_result_unreadable:
    return "application-result-unreadable";
  }
  return "unknown";
}

std::vector<const PointerRecord*> HaInventory::all_pointers() const {
  std::vector<const PointerRecord*> result;
  for (const auto& [id, record] : jobs) {
    if (record.job_graph) {
      result.push_back(&*record.job_graph);
    }
    for (const auto& checkpoint : record.checkpoints) {
      result.push_back(&checkpoint);
    }
  }
  for (const auto& [id, record] : applications) {
    if (record.pointer) {
      result.push_back(&*record.pointer);
    }
  }
  for (const auto& pointer : stray_pointers) {
    result.push_back(&pointer);
  }
  return result;
}

Severity HaInventory::worst_severity() const {
  Severity worst = Severity::info;
  for (const auto& finding : findings) {
    worst = std::max(worst, finding.severity);
  }
  return worst;
}

bool HaInventory::needs_attention() const {
  return worst_severity() != Severity::info;
}

std::optional<StorageFileKind> metadata_file_kind(std::string_view name) {
  const std::pair<std::string_view, StorageFileKind> prefixes[] = {
      {kJobGraphPrefix, StorageFileKind::job_graph},
      {kExecutionPlanPrefix, StorageFileKind::execution_plan},
      {kCheckpointPrefix, StorageFileKind::checkpoint},
      {kApplicationPrefix, StorageFileKind::application}};
  for (const auto& [prefix, kind] : prefixes) {
    if (name.size() == prefix.size() + kRandomSuffixLength && name.starts_with(prefix) &&
        is_lower_hex(name.substr(prefix.size()))) {
      return kind;
    }
  }
  return std::nullopt;
}

std::optional<std::string> relative_inside(std::string_view base_uri,
                                           std::string_view pointer_uri) {
  const UriParts base = split_uri(base_uri);
  const UriParts pointer = split_uri(pointer_uri);
  if (!base.valid || !pointer.valid || base.scheme != pointer.scheme ||
      base.authority != pointer.authority || pointer.components.size() <= base.components.size() ||
      !std::equal(base.components.begin(), base.components.end(), pointer.components.begin())) {
    return std::nullopt;
  }
  std::string relative;
  for (std::size_t i = base.components.size(); i < pointer.components.size(); ++i) {
    relative = storage::join_relative(relative, pointer.components[i]);
  }
  return relative;
}

Result<HaInventory> build_ha_inventory(zk::ZkReader& zk, const InventoryInput& input) {
  return Builder(zk, input).build();
}

} // namespace flinkha::flink
