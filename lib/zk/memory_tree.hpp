#pragma once
// An in-memory znode tree behind the ZkReader interface: unit tests build Flink's HA layout from
// captured fixtures (data bytes and Stat as a real ZooKeeper returned them) and run the same
// resolution code the CLI runs against a live quorum. Not a ZooKeeper: no sessions, no watches.

#include "zk/reader.hpp"

#include <map>
#include <string>
#include <vector>

namespace flinkha::zk {

class MemoryTree final : public ZkReader {
public:
  // Adds (or replaces) a node and creates missing parents with empty data; "/" always exists.
  void put(const std::string& path, std::string data, Stat stat = {});
  // A node whose data is null (as Flink 1.15+ writes "no leader").
  void put_null(const std::string& path, Stat stat = {});
  // Removes one node as ZooKeeper's delete does: never recursive, so a node with children fails
  // with ZNOTEMPTY and a missing node with ZNONODE.
  ZkResult<void> remove(const std::string& path);

  ZkResult<Node> get(const std::string& path) override;
  ZkResult<std::vector<std::string>> children(const std::string& path) override;
  ZkResult<std::optional<Stat>> exists(const std::string& path) override;

private:
  std::map<std::string, Node> m_nodes;
};

} // namespace flinkha::zk
