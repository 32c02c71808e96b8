#pragma once
// PrefetchingReader: a ZkReader over another ZkReader for breadth-first walks of a large tree
// (the HA inventory of `inspect` and `cleanup`). children(p) also fetches the data and the children
// of every child of p in one pipelined round (ZkReader::get_many / children_many) and keeps them
// for the next get() / children() of those paths (children only of the nodes whose Stat counts
// any: a leaf's empty list comes from its numChildren, not from a request). That round also covers
// the children of every other node whose names the walk already holds but has not expanded yet (the
// frontier, below the last path read directly), so a walk costs two pipelined rounds per level of
// the tree, not two per parent (1,000 jobs x 10 checkpoints: 12 rounds, not 26,000). Each kept
// answer is used once; what the walk sees is a snapshot either way (nodes may change between two
// reads). Errors, ZNONODE included, are the underlying reader's, unchanged.

#include "zk/reader.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace flinkha::zk {

class PrefetchingReader final : public ZkReader {
public:
  explicit PrefetchingReader(ZkReader& reader) : m_reader(reader) {}

  ZkResult<Node> get(const std::string& path) override;
  ZkResult<std::vector<std::string>> children(const std::string& path) override;
  ZkResult<std::optional<Stat>> exists(const std::string& path) override;

  std::size_t round_trips() const { return m_round_trips; } // pipelined rounds and single reads

private:
  void prefetch(const std::string& parent, const std::vector<std::string>& names);

  ZkReader& m_reader;
  std::map<std::string, ZkResult<Node>> m_data;
  std::map<std::string, ZkResult<std::vector<std::string>>> m_children;
  // Prefetched nodes with children whose own children are not fetched yet, below m_walk_root.
  std::map<std::string, std::vector<std::string>> m_frontier;
  std::string m_walk_root;
  std::size_t m_round_trips = 0;
};

} // namespace flinkha::zk
