#pragma once
// The read side of ZooKeeper as the rest of flinkha sees it: znode Stat, data, children, and the
// error of one operation (with the C client's return-code name and the znode path). Two
// implementations: ZkClient (client.hpp, the real server) and MemoryTree (memory_tree.hpp, an
// in-memory tree for unit tests and for resolving captured fixtures). Code that only reads, such
// as Flink leader resolution, takes a ZkReader& and stays a pure function of the tree.

#include "util/result.hpp"
#include "zk/path.hpp" // join_path, for the readers' users

#include <cstdint>
#include <expected>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flinkha::zk {

// The return codes of ZooKeeper's C client (zookeeper.h, enum ZOO_ERRORS, 3.8), so that readers
// without the C headers (MemoryTree, tests) speak the same codes. client.cpp checks the values.
enum class ZkCode : int {
  ok = 0,
  system_error = -1,
  runtime_inconsistency = -2, // e.g. a reply whose xid answers no request sent (a broken server)
  data_inconsistency = -3,
  connection_loss = -4,
  marshalling_error = -5,
  unimplemented = -6,
  operation_timeout = -7,
  bad_arguments = -8,
  invalid_state = -9,
  ssl_connection_error = -15,
  api_error = -100,
  no_node = -101,
  no_auth = -102,
  bad_version = -103,
  node_exists = -110,
  not_empty = -111,
  session_expired = -112,
  invalid_acl = -114,
  auth_failed = -115,
  closing = -116,
  session_moved = -118,
  session_closed_require_sasl_auth = -124,
  throttled = -127,
};

// "ZNONODE", "ZCONNECTIONLOSS", …: the C client's names; "Z<code>" for codes not listed above.
std::string code_name(ZkCode code);

// The znode Stat (org.apache.zookeeper.data.Stat). Times are ms since the epoch.
struct Stat {
  std::int64_t czxid = 0;
  std::int64_t mzxid = 0;
  std::int64_t ctime_ms = 0;
  std::int64_t mtime_ms = 0;
  std::int32_t version = 0;
  std::int64_t ephemeral_owner = 0; // session id of the owner; 0 for persistent nodes
  std::int32_t data_length = 0;
  std::int32_t num_children = 0;
  std::int32_t cversion = 0; // bumped by each child created or deleted
  std::int64_t pzxid = 0;    // zxid of the last change to the children
};

// Whether a Stat's ephemeral_owner names a session, i.e. the node is ephemeral. Container and
// TTL nodes (ZooKeeper 3.5+) carry markers there, not sessions, and live on without one
// (EphemeralType.java: CONTAINER_EPHEMERAL_OWNER = Long.MIN_VALUE; TTL: the high byte 0xFF,
// EXTENDED_MASK, which no server id reaches); 0 is a persistent node.
constexpr bool is_session_owner(std::int64_t ephemeral_owner) {
  constexpr auto kExtendedMask = static_cast<std::int64_t>(0xff00000000000000ULL);
  return ephemeral_owner != 0 && ephemeral_owner != std::numeric_limits<std::int64_t>::min() &&
         (ephemeral_owner & kExtendedMask) != kExtendedMask;
}

struct Node {
  std::string data;
  bool null_data = false; // the node holds null (not even an empty array), e.g. Flink 1.15+
  Stat stat;
};

struct ZkError {
  ZkCode code = ZkCode::system_error;
  std::string path;    // the znode, or empty for session-level errors
  std::string message; // what happened, without the code name and path
};

// "ZNONODE: /flink/default/leader/latch: node does not exist"
std::string describe(const ZkError& error);
// The category of a failure with this code: unreachable for ZCONNECTIONLOSS, ZOPERATIONTIMEOUT,
// ZSESSIONEXPIRED and ZCLOSING (nothing answered to decide: exit 3); refused for ZNOAUTH,
// ZAUTHFAILED and ZSESSIONCLOSEDREQUIRESASLAUTH; configuration for ZBADARGUMENTS (a connect
// string the C client rejects); failed for every other code.
ErrorCategory category_of(ZkCode code);
// The project's Error, classified by category_of(), with a hint for the codes an operator can
// fix (auth, connection, SASL).
Error to_error(const ZkError& error);

template <typename T>
using ZkResult = std::expected<T, ZkError>;

inline std::unexpected<ZkError> zk_fail(ZkCode code, std::string path, std::string message) {
  return std::unexpected(ZkError{code, std::move(path), std::move(message)});
}

// The write side next to the reads, as the cleanup and the tests need it. ZkClient implements it
// against the server, MemoryTree in memory with ZooKeeper's rules (tests/unit/test_zk_contract.cpp
// runs the same cases on both). Not-found is ZNONODE (ZkCode::no_node) everywhere except where
// a contract says otherwise (exists: nullopt; remove_many: a missing node counts as deleted).
enum class ExistsOk { yes, no };

// ZooKeeper's CreateMode: ephemeral nodes belong to the creating session (Stat::ephemeral_owner)
// and vanish with it; sequential names get the parent's cversion as a 10-digit suffix.
enum class CreateMode { persistent, ephemeral, persistent_sequential, ephemeral_sequential };

// "0x1000a3f2c4b0001": ZooKeeper's own rendering of session ids (lower-case, no padding).
std::string format_session_id(std::int64_t session_id);

// One entry of a znode's ACL (org.apache.zookeeper.data.ACL): the permission bits (ZooDefs.Perms:
// READ 1, WRITE 2, CREATE 4, DELETE 8, ADMIN 16; ALL 31), the scheme ("world", "ip", "digest",
// "sasl", "x509", "auth") and the id in that scheme ("anyone", "127.0.0.1", "user:base64hash").
struct AclEntry {
  std::int32_t perms = 0;
  std::string scheme;
  std::string id;

  friend bool operator==(const AclEntry&, const AclEntry&) = default;
};
using Acl = std::vector<AclEntry>;

// ZooDefs.Ids.OPEN_ACL_UNSAFE: world:anyone with every permission (what create() uses).
Acl open_acl_unsafe();

// A node to create with its own ACL (ZkStore::create_many_with_acl). `null_data`: the node holds
// null rather than a (possibly empty) byte array, as Flink 1.15+ writes some of its nodes.
struct NodeToCreate {
  std::string path;
  std::string data;
  bool null_data = false;
  Acl acl;
};

class ZkReader {
public:
  virtual ~ZkReader() = default;

  virtual ZkResult<Node> get(const std::string& path) = 0;
  virtual ZkResult<std::vector<std::string>> children(const std::string& path) = 0;
  // nullopt when the node does not exist (not an error).
  virtual ZkResult<std::optional<Stat>> exists(const std::string& path) = 0;

  // Many reads at once, one result per path in order. The default reads one after the other;
  // ZkClient pipelines them with the async API.
  virtual std::vector<ZkResult<Node>> get_many(const std::vector<std::string>& paths);
  virtual std::vector<ZkResult<std::vector<std::string>>>
  children_many(const std::vector<std::string>& paths);

  // The node's ACL (getACL; the server asks for READ or ADMIN on the node since 3.8). ZNONODE when
  // it does not exist. The default answers ZUNIMPLEMENTED: a reader that does not know ACLs.
  virtual ZkResult<Acl> get_acl(const std::string& path);
  // Many at once, one result per path in order; the default asks one after the other.
  virtual std::vector<ZkResult<Acl>> get_acl_many(const std::vector<std::string>& paths);
};

class ZkStore : public ZkReader {
public:
  // Deletes one node, never recursively; version -1 matches any. Errors name the path: ZNONODE,
  // ZNOTEMPTY (it has children), ZBADVERSION, ZNOAUTH.
  virtual ZkResult<void> remove(const std::string& path, int version = -1) = 0;
  // Deletes every path in the given order (children before parents). A missing node counts as
  // deleted. The error is the first failure; nodes before it are gone, later ones may be.
  virtual ZkResult<void> remove_many(const std::vector<std::string>& paths) = 0;
  // Creates persistent nodes with their data in the given order (parents first). An existing
  // node is ZNODEEXISTS unless `exists_ok`; a missing parent is ZNONODE.
  // Creates one node, open ACL; returns the created path (with the sequence suffix). Errors:
  // ZNODEEXISTS, ZNONODE (no parent), ZNOCHILDRENFOREPHEMERALS is not modelled.
  virtual ZkResult<std::string> create(const std::string& path, const std::string& data,
                                       CreateMode mode) = 0;
  virtual ZkResult<void> create_many(const std::vector<std::pair<std::string, std::string>>& nodes,
                                     ExistsOk exists_ok = ExistsOk::no) = 0;
  // As create_many, persistent nodes in the given order (parents first), each with its own data
  // (or null) and ACL (an empty ACL is ZINVALIDACL, as on the server). The default answers
  // ZUNIMPLEMENTED.
  virtual ZkResult<void> create_many_with_acl(const std::vector<NodeToCreate>& nodes,
                                              ExistsOk exists_ok = ExistsOk::no);
};

} // namespace flinkha::zk
