#include "flink/ha_inventory.hpp"

#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <set>
#include <unordered_map>

namespace flinkha::flink {

namespace {

// Bounds on the walk, so that a runaway tree ends in an error instead of exhausting memory.
constexpr std::size_t kMaxZnodes = 5'000'000;
// Node data kept for decoding; pointers are about 500 bytes, counters 4.
constexpr std::size_t kMaxKeptData = 64 * 1024;

constexpr std::string_view kJavaStreamMagic = "\xAC\xED\x00\x05";

// Prefixes of the metadata files (ZooKeeperUtils.HA_STORAGE_*; reference §4.1).
constexpr std::string_view kJobGraphPrefix = "submittedJobGraph";
constexpr std::string_view kExecutionPlanPrefix = "submittedExecutionPlan";
constexpr std::string_view kCheckpointPrefix = "completedCheckpoint";
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
};

class Classifier {
public:
  Classifier(HaEra era, const ZnodePaths& paths)
      : m_era(era), m_job_graphs(segments(paths.job_graphs)),
        m_checkpoints(segments(paths.checkpoints)), m_counter(segments(paths.checkpoint_counter)),
        m_registry(segments(paths.running_registry)), m_leader(segments(paths.leader)),
        m_latch(segments(paths.latch)) {}

  Classification classify(const std::vector<std::string_view>& s) const {
    if (s.empty()) {
      return {ZnodeRole::namespace_root, {}, {}, {}};
    }
    if (auto i = after_root(s, m_job_graphs)) {
      return pointer_tree(s, *i, ZnodeRole::job_graph);
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
        return {ZnodeRole::latch, job_at(s, *i), {}, {}};
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
    Classification c{ZnodeRole::unknown, job, join_segments(s, pointer_depth), {}};
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
      return {ZnodeRole::structure, {}, {}, {}};
    }
    const std::string job = job_at(s, i);
    if (job.empty()) {
      return {};
    }
    if (s.size() == i + 1) {
      return {role, job, {}, {}};
    }
    return below_pointer(s, i + 1, job);
  }

  // ≤1.13: {checkpoints}/<jobid>/<id>[/<lock>].
  Classification checkpoints_tree(const std::vector<std::string_view>& s, std::size_t i) const {
    if (s.size() == i) {
      return {ZnodeRole::structure, {}, {}, {}};
    }
    const std::string job = job_at(s, i);
    if (job.empty()) {
      return {};
    }
    if (s.size() == i + 1) {
      return {ZnodeRole::structure, job, {}, {}};
    }
    const auto id = parse_checkpoint_id(s[i + 1]);
    if (!id) {
      return {ZnodeRole::unknown, job, {}, {}};
    }
    if (s.size() == i + 2) {
      return {ZnodeRole::checkpoint, job, {}, id};
    }
    return below_pointer(s, i + 2, job);
  }

  Classification per_job_leaf(const std::vector<std::string_view>& s, std::size_t i,
                              ZnodeRole role) const {
    if (s.size() == i) {
      return {ZnodeRole::structure, {}, {}, {}};
    }
    const std::string job = job_at(s, i);
    if (!job.empty() && s.size() == i + 1) {
      return {role, job, {}, {}};
    }
    return {ZnodeRole::unknown, job, {}, {}};
  }

  // 1.14+: jobs/<jobid>/{checkpoints/<%019d>[/locks…], checkpoint_id_counter, leader/…(1.14)}.
  Classification jobs_tree(const std::vector<std::string_view>& s) const {
    if (s.size() == 1) {
      return {ZnodeRole::structure, {}, {}, {}};
    }
    const std::string job = job_at(s, 1);
    if (job.empty()) {
      return {};
    }
    if (s.size() == 2) {
      return {ZnodeRole::structure, job, {}, {}};
    }
    if (s[2] == "checkpoints") {
      if (s.size() == 3) {
        return {ZnodeRole::structure, job, {}, {}};
      }
      const auto id = parse_checkpoint_id(s[3]);
      if (!id) {
        return {ZnodeRole::unknown, job, {}, {}};
      }
      if (s.size() == 4) {
        return {ZnodeRole::checkpoint, job, {}, id};
      }
      return below_pointer(s, 4, job);
    }
    if (s[2] == "checkpoint_id_counter" && s.size() == 3) {
      return {ZnodeRole::checkpoint_counter, job, {}, {}};
    }
    if (s[2] == "leader") { // 1.14: per-job latch and connection_info
      const bool latch = s.size() > 3 && s[3] == "latch";
      return {latch ? ZnodeRole::latch : ZnodeRole::leader, job, {}, {}};
    }
    return {ZnodeRole::unknown, job, {}, {}};
  }

  Classification leader_tree(const std::vector<std::string_view>& s, std::size_t i) const {
    if (m_era <= HaEra::v1_3) {
      return {ZnodeRole::leader, job_at(s, i), {}, {}};
    }
    if (s.size() == i) {
      return {ZnodeRole::leader, {}, {}, {}};
    }
    // 1.15+: one latch at leader/latch; 1.14: leader/<component>/latch.
    const bool latch = (m_era >= HaEra::v1_15 && s[i] == "latch") ||
                       (m_era == HaEra::v1_14 && s.size() > i + 1 && s[i + 1] == "latch");
    return {latch ? ZnodeRole::latch : ZnodeRole::leader, job_at(s, i), {}, {}};
  }

  HaEra m_era;
  std::vector<std::string_view> m_job_graphs;
  std::vector<std::string_view> m_checkpoints;
  std::vector<std::string_view> m_counter;
  std::vector<std::string_view> m_registry;
  std::vector<std::string_view> m_leader;
  std::vector<std::string_view> m_latch;
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

std::int64_t age_of(std::int64_t now_ms, std::int64_t mtime_ms) {
  return std::max<std::int64_t>(0, now_ms - mtime_ms);
}

std::string describe_age(std::int64_t age_ms) {
  const std::int64_t seconds = age_ms / 1000;
  if (seconds < 120) {
    return fmt::format("{} s", seconds);
  }
  if (seconds < 2 * 3600) {
    return fmt::format("{} min", seconds / 60);
  }
  if (seconds < 2 * 86400) {
    return fmt::format("{} h", seconds / 3600);
  }
  return fmt::format("{} days", seconds / 86400);
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
    read_job_result_store();
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
        Finding{severity, kind, std::move(job), std::move(subject), std::move(message), age});
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
      m_inv.znodes.push_back(ZnodeRecord{node.path, node.node.stat, c.role, c.job_id});
      if (!c.job_id.empty()) {
        ++job(c.job_id).znode_count;
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
      case ZnodeRole::lock:
        locks[ns == "/" ? c.pointer : ns + c.pointer].push_back(
            LockRecord{node.path, node.node.stat.ephemeral_owner});
        break;
      case ZnodeRole::checkpoint_counter: {
        CounterRecord counter{node.path, {}, {}};
        if (auto value = decode_checkpoint_counter(node.node.data)) {
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
      return;
    }
    auto entries = m_input.cluster_storage->list("", storage::Recursive::yes);
    if (!entries) {
      side.error = entries.error().message;
      return;
    }
    side.available = true;
    for (auto& entry : *entries) {
      StorageFileRecord file;
      const auto parts = util::split(entry.relative_path, '/');
      if (parts.size() == 1 && entry.type == storage::EntryType::file) {
        file.kind = metadata_file_kind(entry.name).value_or(StorageFileKind::other);
      } else if (parts.size() >= 2 && parts[0] == "blob" && parts[1].starts_with("job_") &&
                 looks_like_job_id(parts[1].substr(4))) {
        file.kind = StorageFileKind::blob;
        file.job_id = std::string(parts[1].substr(4));
        JobRecord& record = job(file.job_id);
        if (parts.size() == 2) {
          record.blob_dir = entry.relative_path;
        } else {
          record.blob_entries.push_back(entry);
        }
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
    for (auto& pointer : m_inv.stray_pointers) {
      cross_reference(pointer);
    }
  }

  void read_job_result_store() {
    JobResultStoreSide& side = m_inv.job_result_store;
    side.uri = m_input.job_result_store_uri;
    if (m_input.job_result_store == nullptr) {
      side.error = m_input.job_result_store_error;
      return;
    }
    auto listing = list_job_result_store(*m_input.job_result_store);
    if (!listing) {
      side.error = listing.error().message;
      return;
    }
    side.available = true;
    side.unknown = std::move(listing->unknown);
    side.entries = listing->entries;
    for (auto& file : listing->entries) {
      if (file.state == JrsState::dirty) {
        ++side.dirty_entries;
      } else {
        ++side.clean_entries;
      }
      // Clean entries pile up when delete-on-commit is false; only those of jobs that still
      // have data are of interest.
      const bool known = m_inv.jobs.contains(file.job_id);
      if (file.state == JrsState::clean && !known) {
        continue;
      }
      JobRecord& record = job(file.job_id);
      if (record.job_result_file) {
        continue; // the dirty entry came first and wins
      }
      auto result = read_job_result(*m_input.job_result_store, file);
      if (result) {
        record.job_result = std::move(*result);
      } else {
        record.job_result_error = result.error().message;
      }
      record.job_result_file = std::move(file);
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
    const std::string what =
        pointer.role == ZnodeRole::checkpoint
            ? fmt::format("checkpoint {}", pointer.checkpoint_id.value_or(-1))
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
                      "was interrupted",
                      what));
    }
    if (!pointer.pointer) {
      return;
    }
    switch (pointer.file_status) {
    case FileStatus::missing:
      add(Severity::critical, FindingKind::dangling_pointer, pointer.job_id, pointer.znode,
          fmt::format("{} points to {}, which does not exist: Flink fails to recover this job",
                      what, pointer.pointer->path));
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
    if (record.znode_count > 0) {
      parts.push_back(fmt::format("{} znodes in all", record.znode_count));
    }
    if (!record.blob_dir.empty()) {
      parts.push_back(fmt::format("blob dir ({} entries)", record.blob_entries.size()));
    }
    return parts.empty() ? std::string("nothing else remains")
                         : fmt::format("remaining: {}", fmt::join(parts, ", "));
  }

  void report() {
    const auto& storage_side = m_inv.storage;
    if (!storage_side.available) {
      add(Severity::warning, FindingKind::storage_unavailable, {}, storage_side.uri,
          fmt::format("storage side not inspected: {}; pointers cannot be checked",
                      storage_side.error));
    }
    const auto& jrs = m_inv.job_result_store;
    if (!jrs.available && m_input.era >= HaEra::v1_15) {
      add(Severity::warning, FindingKind::storage_unavailable, {}, jrs.uri,
          fmt::format("JobResultStore not inspected: {}",
                      jrs.error.empty() ? std::string("not configured") : jrs.error));
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
                        record.blob_entries.size(), describe_age(age)),
            age);
      }
    }
    for (const auto& pointer : m_inv.stray_pointers) {
      add(Severity::warning, FindingKind::stray_pointer, pointer.job_id, pointer.znode,
          fmt::format("a state-handle pointer to {} where the Flink {} layout keeps none",
                      pointer.pointer->path, layout_label(m_input.era)));
      report_pointer(pointer);
    }
    for (const auto& file : m_inv.storage.files) {
      if (file.kind != StorageFileKind::job_graph && file.kind != StorageFileKind::execution_plan &&
          file.kind != StorageFileKind::checkpoint) {
        continue;
      }
      if (file.referenced_by.empty()) {
        const auto age = age_of(m_inv.now_ms, file.entry.mtime_ms);
        add(Severity::warning, FindingKind::orphan_file, {}, file.entry.relative_path,
            fmt::format("{} file no pointer refers to ({} bytes, {} old)", to_string(file.kind),
                        file.entry.size_bytes, describe_age(age)),
            age);
      }
    }
    for (const auto& entry : jrs.unknown) {
      add(Severity::info, FindingKind::unknown_storage_entry, {}, entry.relative_path,
          "not a JobResultStore entry; left alone");
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
      {kCheckpointPrefix, StorageFileKind::checkpoint}};
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
