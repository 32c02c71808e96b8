#pragma once
// An in-memory znode tree behind the ZkReader interface: unit tests build Flink's HA layout from
// captured fixtures (data bytes and Stat as a real ZooKeeper returned them) and run the same
// resolution code the CLI runs against a live quorum. Writes follow ZooKeeper's rules (delete is
// never recursive, versions are checked, each child created or deleted bumps the parent's
// cversion); tests/unit/test_zk_contract.cpp holds it to them. No sessions, no watches.

#include "zk/reader.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace flinkha::zk {

class MemoryTree final : public ZkStore {
public:
  // Adds (or replaces) a node and creates missing parents with empty data; "/" always exists.
  void put(const std::string& path, std::string data, Stat stat = {});
  // A node whose data is null (as Flink 1.15+ writes "no leader").
  void put_null(const std::string& path, Stat stat = {});
  // Removes one node as ZooKeeper's delete does: never recursive, so a node with children fails
  // with ZNOTEMPTY and a missing node with ZNONODE.
  ZkResult<void> remove(const std::string& path, int version = -1) override;
  ZkResult<void> remove_many(const std::vector<std::string>& paths) override;
  // Persistent nodes; data version 0, czxid/mzxid from a counter as the server's zxid.
  // Ephemeral nodes are owned by session_id() (set it to play another session).
  ZkResult<std::string> create(const std::string& path, const std::string& data,
                               CreateMode mode) override;
  void set_session_id(std::int64_t id) { m_session_id = id; }
  // An ACL this session does not satisfy on `path` (as a digest ACL of another user): reading the
  // node's data or children, and deleting its children (ZooKeeper checks DELETE on the parent),
  // fail with ZNOAUTH. Fake-only: the contract test does not cover it on a server yet.
  void deny(const std::string& path) { m_denied.insert(path); }
  std::int64_t session_id() const { return m_session_id; }
  ZkResult<void> create_many(const std::vector<std::pair<std::string, std::string>>& nodes,
                             ExistsOk exists_ok = ExistsOk::no) override;

  ZkResult<Node> get(const std::string& path) override;
  ZkResult<std::vector<std::string>> children(const std::string& path) override;
  ZkResult<std::optional<Stat>> exists(const std::string& path) override;

private:
  void touch_children_of(std::string_view parent);

  std::map<std::string, Node> m_nodes;
  Stat m_root; // "/": only its cversion and pzxid change
  std::int64_t m_zxid = 0;
  std::set<std::string> m_denied;
  std::int64_t m_session_id = 0x100000000000001;
};

} // namespace flinkha::zk
