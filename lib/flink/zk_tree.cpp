#include "flink/zk_tree.hpp"

namespace flinkha::flink {

InMemoryZkTree::InMemoryZkTree() {
  m_nodes.emplace("/", ZkNode{});
}

void InMemoryZkTree::put(const std::string& path, std::string data, std::int64_t ephemeral_owner,
                         std::int64_t mtime_ms) {
  for (std::string_view parent = zk::parent_path(path); parent != "/";
       parent = zk::parent_path(parent)) {
    ZkNode node;
    node.stat.mtime_ms = mtime_ms;
    node.stat.ctime_ms = mtime_ms;
    m_nodes.try_emplace(std::string(parent), node);
  }
  ZkNode& node = m_nodes[path];
  node.stat.data_length = static_cast<std::int32_t>(data.size());
  node.data = std::move(data);
  node.stat.ephemeral_owner = ephemeral_owner;
  node.stat.mtime_ms = mtime_ms;
  node.stat.ctime_ms = mtime_ms;
}

const ZkNode* InMemoryZkTree::find(const std::string& path) const {
  const auto it = m_nodes.find(path);
  return it == m_nodes.end() ? nullptr : &it->second;
}

std::vector<std::string> InMemoryZkTree::paths() const {
  std::vector<std::string> result;
  for (const auto& [path, node] : m_nodes) {
    if (path != "/") {
      result.push_back(path);
    }
  }
  return result;
}

std::vector<std::string> InMemoryZkTree::child_names(const std::string& path) const {
  std::vector<std::string> names;
  const std::string prefix = path == "/" ? "/" : path + "/";
  for (auto it = m_nodes.lower_bound(prefix); it != m_nodes.end(); ++it) {
    if (!it->first.starts_with(prefix)) {
      break;
    }
    const std::string_view below = std::string_view(it->first).substr(prefix.size());
    if (!below.empty() && !below.contains('/')) {
      names.emplace_back(below);
    }
  }
  return names;
}

Result<ZkChildren> InMemoryZkTree::children(const std::string& path) {
  if (!m_nodes.contains(path)) {
    return ZkChildren{{}, false};
  }
  return ZkChildren{child_names(path), true};
}

Result<std::optional<ZkNode>> InMemoryZkTree::get(const std::string& path) {
  const auto it = m_nodes.find(path);
  if (it == m_nodes.end()) {
    return std::optional<ZkNode>{};
  }
  ZkNode node = it->second;
  node.stat.num_children = static_cast<std::int32_t>(child_names(path).size());
  return std::optional<ZkNode>(std::move(node));
}

Status InMemoryZkTree::remove(const std::string& path, std::int32_t version) {
  const auto it = m_nodes.find(path);
  if (path == "/" || !path.starts_with('/')) {
    return failf("znode '{}': refusing to delete it", path);
  }
  if (it == m_nodes.end()) {
    return {};
  }
  if (!child_names(path).empty()) {
    return failf("znode {}: not empty (ZNOTEMPTY)", path);
  }
  if (version != -1 && version != it->second.stat.version) {
    return failf("znode {}: version changed (ZBADVERSION)", path);
  }
  if (m_hook) {
    if (auto hook = m_hook("remove " + path); !hook) {
      return hook;
    }
  }
  m_nodes.erase(it);
  ++m_mutations;
  return {};
}

Status InMemoryZkTree::remove_many(const std::vector<std::string>& paths) {
  ++m_remove_many_calls;
  for (const auto& path : paths) {
    if (auto status = remove(path); !status) {
      return status;
    }
  }
  return {};
}

} // namespace flinkha::flink
