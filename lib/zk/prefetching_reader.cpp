#include "zk/prefetching_reader.hpp"

#include <utility>

namespace flinkha::zk {

namespace {

// A prefetch round is only worth it for several children; below this a direct read is as fast.
constexpr std::size_t kMinPrefetch = 2;

} // namespace

void PrefetchingReader::prefetch(const std::string& parent, const std::vector<std::string>& names) {
  auto frontier = std::exchange(m_frontier, {});
  frontier.erase(parent);
  if (names.size() < kMinPrefetch && frontier.empty()) {
    return;
  }
  std::vector<std::string> paths;
  const auto add = [&](const std::string& from, const std::vector<std::string>& kids) {
    for (const auto& name : kids) {
      if (auto path = join_path(from, name); !m_data.contains(path)) {
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
    if (kids[i] && !kids[i]->empty() && is_within(paths[i], m_walk_root)) {
      m_frontier.emplace(paths[i], *kids[i]);
    }
    m_data.insert_or_assign(paths[i], std::move(data[i]));
    m_children.insert_or_assign(paths[i], std::move(kids[i]));
  }
}

ZkResult<std::vector<std::string>> PrefetchingReader::children(const std::string& path) {
  ZkResult<std::vector<std::string>> names = std::vector<std::string>{};
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
    return names;
  }
  if (!names->empty() && !m_data.contains(join_path(path, names->front()))) {
    prefetch(path, *names);
  } else {
    m_frontier.erase(path); // a leaf, or its children came with an earlier round
  }
  return names;
}

ZkResult<Node> PrefetchingReader::get(const std::string& path) {
  if (auto it = m_data.find(path); it != m_data.end()) {
    auto node = std::move(it->second);
    m_data.erase(it);
    return node;
  }
  ++m_round_trips;
  return m_reader.get(path);
}

ZkResult<std::optional<Stat>> PrefetchingReader::exists(const std::string& path) {
  ++m_round_trips;
  return m_reader.exists(path);
}

} // namespace flinkha::zk
