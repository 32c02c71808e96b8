#include "zk/reader.hpp"

#include <fmt/format.h>

namespace flinkha::zk {

std::string code_name(ZkCode code) {
  switch (code) {
  case ZkCode::ok:
    return "ZOK";
  case ZkCode::system_error:
    return "ZSYSTEMERROR";
  case ZkCode::runtime_inconsistency:
    return "ZRUNTIMEINCONSISTENCY";
  case ZkCode::data_inconsistency:
    return "ZDATAINCONSISTENCY";
  case ZkCode::connection_loss:
    return "ZCONNECTIONLOSS";
  case ZkCode::marshalling_error:
    return "ZMARSHALLINGERROR";
  case ZkCode::unimplemented:
    return "ZUNIMPLEMENTED";
  case ZkCode::operation_timeout:
    return "ZOPERATIONTIMEOUT";
  case ZkCode::bad_arguments:
    return "ZBADARGUMENTS";
  case ZkCode::invalid_state:
    return "ZINVALIDSTATE";
  case ZkCode::ssl_connection_error:
    return "ZSSLCONNECTIONERROR";
  case ZkCode::api_error:
    return "ZAPIERROR";
  case ZkCode::no_node:
    return "ZNONODE";
  case ZkCode::no_auth:
    return "ZNOAUTH";
  case ZkCode::bad_version:
    return "ZBADVERSION";
  case ZkCode::node_exists:
    return "ZNODEEXISTS";
  case ZkCode::not_empty:
    return "ZNOTEMPTY";
  case ZkCode::session_expired:
    return "ZSESSIONEXPIRED";
  case ZkCode::invalid_acl:
    return "ZINVALIDACL";
  case ZkCode::auth_failed:
    return "ZAUTHFAILED";
  case ZkCode::closing:
    return "ZCLOSING";
  case ZkCode::session_moved:
    return "ZSESSIONMOVED";
  case ZkCode::session_closed_require_sasl_auth:
    return "ZSESSIONCLOSEDREQUIRESASLAUTH";
  case ZkCode::throttled:
    return "ZTHROTTLEDOP";
  }
  return fmt::format("Z{}", static_cast<int>(code));
}

std::string describe(const ZkError& error) {
  if (error.path.empty()) {
    return fmt::format("{}: {}", code_name(error.code), error.message);
  }
  return fmt::format("{}: {}: {}", code_name(error.code), error.path, error.message);
}

ErrorCategory category_of(ZkCode code) {
  switch (code) {
  case ZkCode::connection_loss:
  case ZkCode::operation_timeout:
  case ZkCode::session_expired:
  case ZkCode::closing:
    return ErrorCategory::unreachable;
  case ZkCode::no_auth:
  case ZkCode::auth_failed:
  case ZkCode::session_closed_require_sasl_auth:
    return ErrorCategory::refused;
  case ZkCode::bad_arguments:
    return ErrorCategory::configuration;
  default:
    return ErrorCategory::failed;
  }
}

Error to_error(const ZkError& error) {
  std::string hint;
  switch (error.code) {
  case ZkCode::no_auth:
  case ZkCode::auth_failed:
    hint = "give ZooKeeper digest credentials (user:password) with --zk-auth-file FILE or "
           "$FLINKHA_ZK_AUTH; SASL/Kerberos is not available in Debian's ZooKeeper C client";
    break;
  case ZkCode::session_closed_require_sasl_auth:
    hint = "the server requires SASL authentication, which Debian's ZooKeeper C client cannot do";
    break;
  case ZkCode::connection_loss:
  case ZkCode::operation_timeout:
    hint = "check high-availability.zookeeper.quorum and that the ZooKeeper peers run "
           "(flinkha zk status); --zk-timeout MS waits longer";
    break;
  case ZkCode::session_expired:
    hint = "the ZooKeeper session expired (a long pause or a partition); run the command again";
    break;
  default:
    break;
  }
  return Error{describe(error), std::move(hint), category_of(error.code)};
}

std::string format_session_id(std::int64_t session_id) {
  return fmt::format("0x{:x}", static_cast<std::uint64_t>(session_id));
}

std::vector<ZkResult<Node>> ZkReader::get_many(const std::vector<std::string>& paths) {
  std::vector<ZkResult<Node>> out;
  out.reserve(paths.size());
  for (const auto& path : paths) {
    out.push_back(get(path));
  }
  return out;
}

std::vector<ZkResult<std::vector<std::string>>>
ZkReader::children_many(const std::vector<std::string>& paths) {
  std::vector<ZkResult<std::vector<std::string>>> out;
  out.reserve(paths.size());
  for (const auto& path : paths) {
    out.push_back(children(path));
  }
  return out;
}

Acl open_acl_unsafe() {
  return {AclEntry{31, "world", "anyone"}};
}

ZkResult<Acl> ZkReader::get_acl(const std::string& path) {
  return zk_fail(ZkCode::unimplemented, path, "this ZooKeeper reader does not read ACLs");
}

std::vector<ZkResult<Acl>> ZkReader::get_acl_many(const std::vector<std::string>& paths) {
  std::vector<ZkResult<Acl>> out;
  out.reserve(paths.size());
  for (const auto& path : paths) {
    out.push_back(get_acl(path));
  }
  return out;
}

ZkResult<void> ZkStore::create_many_with_acl(const std::vector<NodeToCreate>& nodes,
                                             ExistsOk /*exists_ok*/) {
  return zk_fail(ZkCode::unimplemented, nodes.empty() ? std::string() : nodes.front().path,
                 "this ZooKeeper store does not create nodes with an ACL");
}

} // namespace flinkha::zk
