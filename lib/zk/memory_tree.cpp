#include "zk/memory_tree.hpp"

#include <fmt/format.h>

#include <iterator>

namespace flinkha::zk {

namespace {} // namespace

std::vector<std::string> MemoryTree::child_names(const std::string& path) const {
  // Children sort right after "path/" in the map: a range scan, not a pass over every node.
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

void MemoryTree::put_owned(const std::string& path, std::string data, std::int64_t ephemeral_owner,
                           std::int64_t mtime_ms) {
  for (auto parent = parent_path(path); parent != "/"; parent = parent_path(parent)) {
    Node node;
    node.stat.mtime_ms = mtime_ms;
    node.stat.ctime_ms = mtime_ms;
    m_nodes.try_emplace(std::string(parent), node);
  }
  Stat stat;
  stat.ephemeral_owner = ephemeral_owner;
  stat.mtime_ms = mtime_ms;
  stat.ctime_ms = mtime_ms;
  put(path, std::move(data), stat);
}

const Node* MemoryTree::find(const std::string& path) const {
  const auto it = m_nodes.find(path);
  return it == m_nodes.end() ? nullptr : &it->second;
}

std::vector<std::string> MemoryTree::paths() const {
  std::vector<std::string> out;
  out.reserve(m_nodes.size());
  for (const auto& [path, node] : m_nodes) {
    out.push_back(path);
  }
  return out;
}

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

void MemoryTree::touch_children_of(std::string_view parent) {
  ++m_zxid;
  Stat& stat = parent == "/" ? m_root : m_nodes[std::string(parent)].stat;
  ++stat.cversion;
  stat.pzxid = m_zxid;
}

ZkResult<void> MemoryTree::remove(const std::string& path, int version) {
  const auto it = m_nodes.find(path);
  if (it == m_nodes.end()) {
    return zk_fail(ZkCode::no_node, path, "node does not exist");
  }
  if (m_denied.contains(std::string(parent_path(path)))) {
    return zk_fail(ZkCode::no_auth, path, "not authenticated");
  }
  if (version != -1 && version != it->second.stat.version) {
    return zk_fail(ZkCode::bad_version, path, "version changed");
  }
  // Children sort right after their parent ("/a" < "/a/..."), so one look at the next key decides.
  const auto next = std::next(it);
  if (next != m_nodes.end() && next->first.starts_with(path + "/")) {
    return zk_fail(ZkCode::not_empty, path, "node has children");
  }
  if (m_hook) {
    if (auto hook = m_hook("remove " + path); !hook) {
      return zk_fail(ZkCode::connection_loss, path, hook.error().message);
    }
  }
  m_nodes.erase(it);
  m_acls.erase(path);
  ++m_mutations;
  touch_children_of(parent_path(path));
  return {};
}

ZkResult<void> MemoryTree::remove_many(const std::vector<std::string>& paths) {
  ++m_remove_many_calls;
  for (const auto& path : paths) {
    if (auto removed = remove(path); !removed && removed.error().code != ZkCode::no_node) {
      return removed;
    }
  }
  return {};
}

ZkResult<std::string> MemoryTree::create(const std::string& path, const std::string& data,
                                         CreateMode mode) {
  const auto parent = parent_path(path);
  if (parent != "/" && !m_nodes.contains(std::string(parent))) {
    return zk_fail(ZkCode::no_node, path, "parent node does not exist");
  }
  std::string name = path;
  if (mode == CreateMode::persistent_sequential || mode == CreateMode::ephemeral_sequential) {
    // As the server does: the parent's cversion before this creation, %010d.
    const Stat& stat = parent == "/" ? m_root : m_nodes[std::string(parent)].stat;
    name += fmt::format("{:010d}", stat.cversion);
  }
  if (auto created = create_many({{name, data}}); !created) {
    return std::unexpected(created.error());
  }
  if (mode == CreateMode::ephemeral || mode == CreateMode::ephemeral_sequential) {
    m_nodes[name].stat.ephemeral_owner = m_session_id;
  }
  return name;
}

ZkResult<void>
MemoryTree::create_many(const std::vector<std::pair<std::string, std::string>>& nodes,
                        ExistsOk exists_ok) {
  for (const auto& [path, data] : nodes) {
    if (path == "/" || m_nodes.contains(path)) {
      if (exists_ok == ExistsOk::yes) {
        continue;
      }
      return zk_fail(ZkCode::node_exists, path, "node already exists");
    }
    const auto parent = parent_path(path);
    if (parent != "/" && !m_nodes.contains(std::string(parent))) {
      return zk_fail(ZkCode::no_node, path, "parent node does not exist");
    }
    touch_children_of(parent);
    Node node;
    node.data = data;
    node.stat.czxid = m_zxid;
    node.stat.mzxid = m_zxid;
    node.stat.pzxid = m_zxid;
    node.stat.data_length = static_cast<std::int32_t>(data.size());
    m_nodes.emplace(path, std::move(node));
  }
  return {};
}

ZkResult<Node> MemoryTree::get(const std::string& path) {
  if (m_denied.contains(path)) {
    return zk_fail(ZkCode::no_auth, path, "not authenticated");
  }
  if (path == "/") {
    return Node{{}, false, m_root};
  }
  const auto it = m_nodes.find(path);
  if (it == m_nodes.end()) {
    return zk_fail(ZkCode::no_node, path, "node does not exist");
  }
  Node node = it->second;
  node.stat.num_children = static_cast<std::int32_t>(child_names(path).size());
  return node;
}

ZkResult<std::vector<std::string>> MemoryTree::children(const std::string& path) {
  if (path != "/" && !m_nodes.contains(path)) {
    return zk_fail(ZkCode::no_node, path, "node does not exist");
  }
  if (m_denied.contains(path)) {
    return zk_fail(ZkCode::no_auth, path, "not authenticated");
  }
  return child_names(path);
}

ZkResult<std::optional<Stat>> MemoryTree::exists(const std::string& path) {
  // ZooKeeper checks no ACL for exists: a denied node still shows its Stat.
  const bool denied = m_denied.erase(path) > 0;
  auto node = get(path);
  if (denied) {
    m_denied.insert(path);
  }
  if (!node) {
    if (node.error().code == ZkCode::no_node) {
      return std::optional<Stat>{};
    }
    return std::unexpected(node.error());
  }
  return std::optional<Stat>{node->stat};
}

ZkResult<Acl> MemoryTree::get_acl(const std::string& path) {
  if (path != "/" && !m_nodes.contains(path)) {
    return zk_fail(ZkCode::no_node, path, "node does not exist");
  }
  if (m_denied.contains(path)) {
    return zk_fail(ZkCode::no_auth, path, "not authenticated");
  }
  const auto it = m_acls.find(path);
  return it == m_acls.end() ? open_acl_unsafe() : it->second;
}

ZkResult<void> MemoryTree::create_many_with_acl(const std::vector<NodeToCreate>& nodes,
                                                ExistsOk exists_ok) {
  for (const auto& node : nodes) {
    if (node.path == "/" || m_nodes.contains(node.path)) {
      if (exists_ok == ExistsOk::yes) {
        continue;
      }
      return zk_fail(ZkCode::node_exists, node.path, "node already exists");
    }
    if (node.acl.empty()) {
      return zk_fail(ZkCode::invalid_acl, node.path, "invalid ACL: empty");
    }
    const auto parent = parent_path(node.path);
    if (parent != "/" && !m_nodes.contains(std::string(parent))) {
      return zk_fail(ZkCode::no_node, node.path, "parent node does not exist");
    }
    if (m_hook) {
      if (auto hook = m_hook("create " + node.path); !hook) {
        return zk_fail(ZkCode::connection_loss, node.path, hook.error().message);
      }
    }
    if (auto created = create_many({{node.path, node.data}}); !created) {
      return created;
    }
    m_nodes[node.path].null_data = node.null_data;
    m_acls[node.path] = node.acl;
    ++m_creations;
  }
  return {};
}

} // namespace flinkha::zk
