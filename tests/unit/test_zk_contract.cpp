// The ZooKeeper contract (zk_contract_cases.hpp) on the in-memory fake. The same cases run on
// ZkClient against a real ZooKeeper server in the integration label (test_zk_contract.py).

#include "zk/memory_tree.hpp"
#include "zk_contract_cases.hpp"

#include <doctest/doctest.h>

using namespace flinkha;

TEST_CASE("zk_contract: create, get, children, exists (fake)") {
  zk::MemoryTree zk;
  zk::contract::create_get_children_exists(zk, "/contract");
}

TEST_CASE("zk_contract: delete is not recursive (fake)") {
  zk::MemoryTree zk;
  zk::contract::delete_is_not_recursive(zk, "/contract");
}

TEST_CASE("zk_contract: delete checks the version (fake)") {
  zk::MemoryTree zk;
  zk::contract::delete_checks_the_version(zk, "/contract");
}

TEST_CASE("zk_contract: cversion counts child changes (fake)") {
  zk::MemoryTree zk;
  zk::contract::cversion_counts_child_changes(zk, "/contract");
}

TEST_CASE("zk_contract: remove_many is ordered and idempotent (fake)") {
  zk::MemoryTree zk;
  zk::contract::remove_many_is_ordered_and_idempotent(zk, "/contract");
}

TEST_CASE("zk_contract: get_many and children_many keep the order (fake)") {
  zk::MemoryTree zk;
  zk::contract::get_many_keeps_the_order(zk, "/contract");
}

TEST_CASE("zk_contract: sequential names and ephemeral owners (fake)") {
  zk::MemoryTree zk;
  zk::contract::sequential_and_ephemeral(zk, "/contract", zk.session_id());
}

TEST_CASE("zk_contract: ACLs read back as created, null data kept (fake)") {
  zk::MemoryTree zk;
  zk::contract::acl_round_trip(zk, "/contract");
}

TEST_CASE("zk_contract: a node whose ACL the session lacks answers ZNOAUTH (fake only)") {
  zk::MemoryTree zk;
  REQUIRE(zk.create_many({{"/secret", ""}, {"/secret/child", ""}}).has_value());
  zk.deny("/secret");
  CHECK(zk.get("/secret").error().code == zk::ZkCode::no_auth);
  CHECK(zk.children("/secret").error().code == zk::ZkCode::no_auth);
  CHECK(zk.exists("/secret")->has_value()); // exists checks no ACL
  CHECK(zk.remove("/secret/child").error().code == zk::ZkCode::no_auth);
  CHECK(zk.get("/secret/child").has_value()); // the child's own ACL is open
  CHECK(zk.remove_many({"/secret/child"}).error().code == zk::ZkCode::no_auth);
}
