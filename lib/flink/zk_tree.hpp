#pragma once
// The two small views of a ZooKeeper tree that the HA inventory and the cleanup need, so that
// they can be tested against InMemoryZkTree and run against the real client (lib/zk), which
// adapts itself to these interfaces. Paths are absolute znode paths ("/flink/default/jobs").

#include "util/result.hpp"
#include "zk/path.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::flink {

// The parts of ZooKeeper's Stat that the inventory reports (org.apache.zookeeper.data.Stat).
struct ZkStat {
  std::int64_t ephemeral_owner = 0; // session id of the owner; 0 for a persistent node
  std::int32_t num_children = 0;
  std::int64_t mtime_ms = 0; // last modification, ms since the Unix epoch
  std::int64_t ctime_ms = 0; // creation, ms since the Unix epoch
  std::int32_t data_length = 0;
  std::int32_t version = 0; // data version
};

struct ZkNode {
  std::string data; // the node's bytes, as stored
  ZkStat stat;
};

struct ZkChildren {
  std::vector<std::string> names; // child names (not paths), in no particular order
  bool exists = true;             // false: the node itself is gone (ZNONODE), names is empty
};

class ZkTreeReader {
public:
  virtual ~ZkTreeReader() = default;
  virtual Result<ZkChildren> children(const std::string& path) = 0;
  // nullopt when the node does not exist (ZNONODE): it may vanish between children() and get().
  virtual Result<std::optional<ZkNode>> get(const std::string& path) = 0;
};

class ZkTreeWriter {
public:
  virtual ~ZkTreeWriter() = default;
  // Deletes one node; version -1 matches any. A missing node (ZNONODE) is success: deleting is
  // idempotent. A node with children (ZNOTEMPTY) is an error naming the path.
  virtual Status remove(const std::string& path, std::int32_t version = -1) = 0;
  // Deletes the nodes in the given order (children are given before their parents). Missing
  // nodes are success. Implementations pipeline the requests (asynchronous calls, zoo_multi);
  // ZooKeeper serves one session's requests in order, so the order holds. On an error, nodes
  // before the failing one may already be gone; the error names the failing path.
  virtual Status remove_many(const std::vector<std::string>& paths) = 0;
};

// A whole tree in memory: the test double for both interfaces, with failure injection for the
// crash tests. The root "/" always exists.
class InMemoryZkTree final : public ZkTreeReader, public ZkTreeWriter {
public:
  InMemoryZkTree();

  // Creates `path` (and missing parents, persistent with empty data) or replaces its data.
  void put(const std::string& path, std::string data = {}, std::int64_t ephemeral_owner = 0,
           std::int64_t mtime_ms = 0);
  bool has(const std::string& path) const { return m_nodes.contains(path); }
  const ZkNode* find(const std::string& path) const;
  std::vector<std::string> paths() const; // every node except "/", sorted

  // Called before each deletion with the path; an error makes that deletion fail without effect.
  using MutationHook = std::function<Status(std::string_view operation)>;
  void set_mutation_hook(MutationHook hook) { m_hook = std::move(hook); }
  std::size_t mutations() const { return m_mutations; } // deletions that took effect
  std::size_t remove_many_calls() const { return m_remove_many_calls; }

  Result<ZkChildren> children(const std::string& path) override;
  Result<std::optional<ZkNode>> get(const std::string& path) override;
  Status remove(const std::string& path, std::int32_t version = -1) override;
  Status remove_many(const std::vector<std::string>& paths) override;

private:
  std::vector<std::string> child_names(const std::string& path) const;

  std::map<std::string, ZkNode> m_nodes;
  MutationHook m_hook;
  std::size_t m_mutations = 0;
  std::size_t m_remove_many_calls = 0;
};

} // namespace flinkha::flink
