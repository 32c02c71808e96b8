#pragma once
// ZkTreeClient: the HA inventory's and the cleanup's view of ZooKeeper (zk_tree.hpp) over the
// real client (lib/zk):
//  - reads go through a zk::ZkReader. children(p) also fetches the data and children of every
//    child of p in one pipelined round (ZkReader::get_many / children_many) and keeps them for
//    the next get() / children() of those paths. That round also covers the children of every
//    other node whose names the walk already holds but has not expanded yet (the frontier, below
//    the last path read directly), so a breadth-first walk costs two pipelined rounds per level
//    of the tree, not two per parent (1,000 jobs x 10 checkpoints: 12 rounds, not 26,000). Each
//    kept answer is used once; what the walk sees is a snapshot either way (nodes may change
//    between two reads);
//  - writes go through zk::ZkClient: remove → zoo_delete, remove_many → zoo_adelete pipelined
//    in the given order (ZkClient::remove_many). ZNONODE is success (deleting is idempotent).
//    A zoo_multi would fail as a whole when one node is already gone, which is the normal case
//    when a cleanup is rerun, so single pipelined deletions are used.
// Errors are zk::to_error of the client's error (code name and znode path in the message).

#include "flink/zk_tree.hpp"
#include "zk/client.hpp"
#include "zk/reader.hpp"

#include <map>
#include <string>
#include <vector>

namespace flinkha::flink {

class ZkTreeClient final : public ZkTreeReader, public ZkTreeWriter {
public:
  // `writer` may be null for a read-only use (inspect); removals then fail.
  ZkTreeClient(zk::ZkReader& reader, zk::ZkClient* writer);

  Result<ZkChildren> children(const std::string& path) override;
  Result<std::optional<ZkNode>> get(const std::string& path) override;
  Status remove(const std::string& path, std::int32_t version = -1) override;
  Status remove_many(const std::vector<std::string>& paths) override;

  std::size_t round_trips() const { return m_round_trips; } // pipelined rounds and single reads

private:
  void prefetch(const std::string& parent, const std::vector<std::string>& names);

  zk::ZkReader& m_reader;
  zk::ZkClient* m_writer;
  std::map<std::string, zk::ZkResult<zk::Node>> m_data;
  std::map<std::string, zk::ZkResult<std::vector<std::string>>> m_children;
  // Prefetched nodes with children whose own children are not fetched yet, below m_walk_root.
  std::map<std::string, std::vector<std::string>> m_frontier;
  std::string m_walk_root;
  std::size_t m_round_trips = 0;
};

// The Stat fields the inventory reports, from the client's Stat.
ZkStat to_zk_stat(const zk::Stat& stat);

} // namespace flinkha::flink
