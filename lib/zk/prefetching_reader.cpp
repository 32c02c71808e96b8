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
  // Data first: its Stat says which nodes have children, and only those are asked for them (a
  // leaf's children are known to be none). In a Flink namespace most nodes are leaves
  // (checkpoints, locks, counters), so this halves the requests of a walk.
  auto data = m_reader.get_many(paths);
  std::vector<std::string> parents;
  std::vector<std::size_t> parent_index;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    // An error (ZNONODE: deleted in between) is asked again, so children() reports its own.
    if (!data[i] || data[i]->stat.num_children > 0) {
      parents.push_back(paths[i]);
      parent_index.push_back(i);
    }
  }
  std::vector<ZkResult<std::vector<std::string>>> kids(paths.size(), std::vector<std::string>{});
  if (!parents.empty()) {
    auto fetched = m_reader.children_many(parents);
    for (std::size_t k = 0; k < parents.size(); ++k) {
      kids[parent_index[k]] = std::move(fetched[k]);
    }
  }
  m_round_trips += parents.empty() ? 1 : 2;
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
