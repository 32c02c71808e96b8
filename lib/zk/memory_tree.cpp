#include "zk/memory_tree.hpp"

#include <iterator>

namespace flinkha::zk {

namespace {

bool is_child(const std::string& parent, const std::string& candidate) {
  const std::string prefix = parent == "/" ? "/" : parent + "/";
  return candidate.size() > prefix.size() && candidate.starts_with(prefix) &&
         candidate.find('/', prefix.size()) == std::string::npos;
}

} // namespace

void MemoryTree::put(const std::string& path, std::string data, Stat stat) {
  for (auto parent = parent_path(path); parent != "/"; parent = parent_path(parent)) {
    m_nodes.try_emplace(std::string(parent));
  }
  stat.data_length = static_cast<std::int32_t>(data.size());
  m_nodes[path] = Node{std::move(data), false, stat};
}

void MemoryTree::put_null(const std::string& path, Stat stat) {
  put(path, {}, stat);
  m_nodes[path].null_data = true;
}

ZkResult<void> MemoryTree::remove(const std::string& path) {
  const auto it = m_nodes.find(path);
  if (it == m_nodes.end()) {
    return zk_fail(ZkCode::no_node, path, "node does not exist");
  }
  // Children sort right after their parent ("/a" < "/a/..."), so one look at the next key decides.
  const auto next = std::next(it);
  if (next != m_nodes.end() && next->first.starts_with(path + "/")) {
    return zk_fail(ZkCode::not_empty, path, "node has children");
  }
  m_nodes.erase(it);
  return {};
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
