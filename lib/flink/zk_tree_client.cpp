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
  if (names.size() < kMinPrefetch) {
    return;
  }
  std::vector<std::string> paths;
  paths.reserve(names.size());
  for (const auto& name : names) {
    paths.push_back(zk_join(parent, name));
  }
  auto data = m_reader.get_many(paths);
  auto kids = m_reader.children_many(paths);
  m_round_trips += 2;
  for (std::size_t i = 0; i < paths.size(); ++i) {
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
  }
  if (!names) {
    if (names.error().code == zk::ZkCode::no_node) {
      return ZkChildren{{}, false};
    }
    return std::unexpected(zk::to_error(names.error()));
  }
  prefetch(path, *names);
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
  }
  if (!removed) {
    return std::unexpected(zk::to_error(removed.error()));
  }
  return {};
}

} // namespace flinkha::flink
