#include "zk/memory_tree.hpp"

namespace flinkha::zk {

namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

bool is_child(const std::string& parent, const std::string& candidate) {
  const std::string prefix = parent == "/" ? "/" : parent + "/";
  return candidate.size() > prefix.size() && candidate.starts_with(prefix) &&
         candidate.find('/', prefix.size()) == std::string::npos;
}

} // namespace

void MemoryTree::put(const std::string& path, std::string data, Stat stat) {
  for (auto parent = parent_of(path); parent != "/"; parent = parent_of(parent)) {
    m_nodes.try_emplace(parent);
  }
  stat.data_length = static_cast<std::int32_t>(data.size());
  m_nodes[path] = Node{std::move(data), false, stat};
}

void MemoryTree::put_null(const std::string& path, Stat stat) {
  put(path, {}, stat);
  m_nodes[path].null_data = true;
}

bool MemoryTree::remove(const std::string& path) {
  if (m_nodes.erase(path) == 0) {
    return false;
  }
  const std::string prefix = path + "/";
  for (auto it = m_nodes.lower_bound(prefix);
       it != m_nodes.end() && it->first.starts_with(prefix);) {
    it = m_nodes.erase(it);
  }
  return true;
}

ZkResult<Node> MemoryTree::get(const std::string& path) {
  if (path == "/") {
    return Node{};
  }
  const auto it = m_nodes.find(path);
  if (it == m_nodes.end()) {
    return zk_fail(ZkCode::no_node, path, "node does not exist");
  }
  Node node = it->second;
  node.stat.num_children = 0;
  for (const auto& [other, unused] : m_nodes) {
    node.stat.num_children += is_child(path, other) ? 1 : 0;
  }
  return node;
}

ZkResult<std::vector<std::string>> MemoryTree::children(const std::string& path) {
  if (path != "/" && !m_nodes.contains(path)) {
    return zk_fail(ZkCode::no_node, path, "node does not exist");
  }
  std::vector<std::string> out;
  for (const auto& [other, unused] : m_nodes) {
    if (is_child(path, other)) {
      out.push_back(other.substr(other.rfind('/') + 1));
    }
  }
  return out;
}

ZkResult<std::optional<Stat>> MemoryTree::exists(const std::string& path) {
  auto node = get(path);
  if (!node) {
    if (node.error().code == ZkCode::no_node) {
      return std::optional<Stat>{};
    }
    return std::unexpected(node.error());
  }
  return std::optional<Stat>{node->stat};
}

} // namespace flinkha::zk
