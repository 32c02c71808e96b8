#include "flink/zk_tree_client.hpp"

#include <utility>

namespace flinkha::flink {

namespace {

// A prefetch round is only worth it for several children; below this a direct read is as fast.
constexpr std::size_t kMinPrefetch = 2;

} // namespace

ZkStat to_zk_stat(const zk::Stat& stat) {
  ZkStat out;
  out.ephemeral_owner = stat.ephemeral_owner;
  out.num_children = stat.num_children;
  out.mtime_ms = stat.mtime_ms;
  out.ctime_ms = stat.ctime_ms;
  out.data_length = stat.data_length;
  out.version = stat.version;
  return out;
}

ZkTreeClient::ZkTreeClient(zk::ZkReader& reader, zk::ZkClient* writer)
    : m_reader(reader), m_writer(writer) {}

void ZkTreeClient::prefetch(const std::string& parent, const std::vector<std::string>& names) {
  auto frontier = std::exchange(m_frontier, {});
  frontier.erase(parent);
  if (names.size() < kMinPrefetch && frontier.empty()) {
    return;
  }
  std::vector<std::string> paths;
  const auto add = [&](const std::string& from, const std::vector<std::string>& kids) {
    for (const auto& name : kids) {
      if (auto path = zk::join_path(from, name); !m_data.contains(path)) {
        paths.push_back(std::move(path));
      }
    }
  };
  add(parent, names);
  for (const auto& [from, kids] : frontier) {
    add(from, kids);
  }
  if (paths.empty()) {
    return;
  }
  auto data = m_reader.get_many(paths);
  auto kids = m_reader.children_many(paths);
  m_round_trips += 2;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (kids[i] && !kids[i]->empty() && zk::is_within(paths[i], m_walk_root)) {
      m_frontier.emplace(paths[i], *kids[i]);
    }
    m_data.insert_or_assign(paths[i], std::move(data[i]));
    m_children.insert_or_assign(paths[i], std::move(kids[i]));
  }
}

Result<ZkChildren> ZkTreeClient::children(const std::string& path) {
  zk::ZkResult<std::vector<std::string>> names = std::vector<std::string>{};
  if (auto it = m_children.find(path); it != m_children.end()) {
    names = std::move(it->second);
    m_children.erase(it);
  } else {
    names = m_reader.children(path);
    ++m_round_trips;
    m_walk_root = path; // a new walk: what was left of the previous one is not prefetched
    m_frontier.clear();
  }
  if (!names) {
    if (names.error().code == zk::ZkCode::no_node) {
      return ZkChildren{{}, false};
    }
    return std::unexpected(zk::to_error(names.error()));
  }
  if (!names->empty() && !m_data.contains(zk::join_path(path, names->front()))) {
    prefetch(path, *names);
  } else {
    m_frontier.erase(path); // a leaf, or its children came with an earlier round
  }
  return ZkChildren{std::move(*names), true};
}

Result<std::optional<ZkNode>> ZkTreeClient::get(const std::string& path) {
  zk::ZkResult<zk::Node> node = zk::Node{};
  if (auto it = m_data.find(path); it != m_data.end()) {
    node = std::move(it->second);
    m_data.erase(it);
  } else {
    node = m_reader.get(path);
    ++m_round_trips;
  }
  if (!node) {
    if (node.error().code == zk::ZkCode::no_node) {
      return std::optional<ZkNode>{};
    }
    return std::unexpected(zk::to_error(node.error()));
  }
  return std::optional<ZkNode>{ZkNode{std::move(node->data), to_zk_stat(node->stat)}};
}

Status ZkTreeClient::remove(const std::string& path, std::int32_t version) {
  if (m_writer == nullptr) {
    return failf("{}: cannot delete: ZooKeeper was opened for reading only", path);
  }
  auto removed = m_writer->remove(path, version);
  if (!removed && removed.error().code != zk::ZkCode::no_node) {
    return std::unexpected(zk::to_error(removed.error()));
  }
  m_data.erase(path);
  m_children.erase(path);
  m_frontier.erase(path);
  return {};
}

Status ZkTreeClient::remove_many(const std::vector<std::string>& paths) {
  if (m_writer == nullptr) {
    return failf("cannot delete {} znodes: ZooKeeper was opened for reading only", paths.size());
  }
  auto removed = m_writer->remove_many(paths);
  for (const auto& path : paths) {
    m_data.erase(path);
    m_children.erase(path);
    m_frontier.erase(path);
  }
  if (!removed) {
    return std::unexpected(zk::to_error(removed.error()));
  }
  return {};
}

} // namespace flinkha::flink
