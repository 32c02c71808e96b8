#pragma once
// An in-memory znode tree behind the ZkReader interface: unit tests build Flink's HA layout from
// captured fixtures (data bytes and Stat as a real ZooKeeper returned them) and run the same
// resolution code the CLI runs against a live quorum. Writes follow ZooKeeper's rules (delete is
// never recursive, versions are checked, each child created or deleted bumps the parent's
// cversion); tests/unit/test_zk_contract.cpp holds it to them. No sessions, no watches.

#include "zk/reader.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace flinkha::zk {

class MemoryTree final : public ZkStore {
public:
  // Adds (or replaces) a node and creates missing parents with empty data; "/" always exists.
  void put(const std::string& path, std::string data = {}, Stat stat = {});
  // The same with the two Stat fields HA fixtures vary: the owner (0: persistent) and the
  // modification time (ms since the epoch), also given to parents created on the way.
  void put_owned(const std::string& path, std::string data, std::int64_t ephemeral_owner,
                 std::int64_t mtime_ms = 0);
  bool has(const std::string& path) const { return m_nodes.contains(path); }
  const Node* find(const std::string& path) const; // null when missing; Stat as put
  std::vector<std::string> paths() const;          // every node except "/", sorted

  // Crash injection for the cleanup tests: called before each deletion that would take effect
  // ("remove /a/b"); an error makes that deletion fail as a lost connection, without effect.
  using MutationHook = std::function<Status(std::string_view operation)>;
  void set_mutation_hook(MutationHook hook) { m_hook = std::move(hook); }
  std::size_t mutations() const { return m_mutations; } // deletions that took effect
  std::size_t remove_many_calls() const { return m_remove_many_calls; }
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

  // ACLs: open_acl_unsafe() for every node unless set (set_acl, create_many_with_acl).
  ZkResult<Acl> get_acl(const std::string& path) override;
  void set_acl(const std::string& path, Acl acl) { m_acls[path] = std::move(acl); }
  // Each creation that would take effect first calls the mutation hook ("create /a/b"); an error
  // makes it fail as a lost connection, without effect (the restore's crash injection). Nodes
  // before it are created.
  ZkResult<void> create_many_with_acl(const std::vector<NodeToCreate>& nodes,
                                      ExistsOk exists_ok = ExistsOk::no) override;
  std::size_t creations() const { return m_creations; } // creations with an ACL that took effect

private:
  void touch_children_of(std::string_view parent);
  std::vector<std::string> child_names(const std::string& path) const;

  std::map<std::string, Node> m_nodes;
  Stat m_root; // "/": only its cversion and pzxid change
  std::int64_t m_zxid = 0;
  std::set<std::string> m_denied;
  std::int64_t m_session_id = 0x100000000000001;
  MutationHook m_hook;
  std::size_t m_mutations = 0;
  std::size_t m_remove_many_calls = 0;
  std::map<std::string, Acl> m_acls;
  std::size_t m_creations = 0;
};

} // namespace flinkha::zk
