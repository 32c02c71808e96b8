#pragma once
// The ZooKeeper contract: cases every zk::ZkStore must pass, written once so that the in-memory
// fake (unit label, test_zk_contract.cpp) and the real client against a ZooKeeper server are
// held to the same answers. `base` is an absent, creatable znode under which a case works.

#include "zk/reader.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace flinkha::zk::contract {

inline void create_get_children_exists(ZkStore& zk, const std::string& base) {
  REQUIRE(zk.create_many({{base, ""}, {base + "/a", "one"}, {base + "/b", ""}}).has_value());
  CHECK(zk.get(base + "/a")->data == "one");
  CHECK(zk.get(base + "/a")->stat.data_length == 3);
  CHECK(zk.get(base + "/a")->stat.version == 0);
  CHECK(zk.get(base)->stat.num_children == 2);
  auto names = zk.children(base).value();
  std::ranges::sort(names);
  CHECK(names == std::vector<std::string>{"a", "b"});
  CHECK(zk.exists(base + "/a")->has_value());
  CHECK_FALSE(zk.exists(base + "/nope")->has_value());
  CHECK(zk.get(base + "/nope").error().code == ZkCode::no_node);
  CHECK(zk.children(base + "/nope").error().code == ZkCode::no_node);
  CHECK(zk.create_many({{base + "/a", ""}}).error().code == ZkCode::node_exists);
  CHECK(zk.create_many({{base + "/a", ""}}, ExistsOk::yes).has_value());
  CHECK(zk.create_many({{base + "/x/y", ""}}).error().code == ZkCode::no_node);
}

inline void delete_is_not_recursive(ZkStore& zk, const std::string& base) {
  REQUIRE(zk.create_many({{base, ""}, {base + "/child", ""}}).has_value());
  CHECK(zk.remove(base).error().code == ZkCode::not_empty);
  CHECK(zk.exists(base + "/child")->has_value());
  CHECK(zk.remove(base + "/child").has_value());
  CHECK(zk.remove(base).has_value());
  CHECK(zk.remove(base).error().code == ZkCode::no_node);
}

inline void delete_checks_the_version(ZkStore& zk, const std::string& base) {
  REQUIRE(zk.create_many({{base, ""}}).has_value());
  CHECK(zk.remove(base, 7).error().code == ZkCode::bad_version);
  CHECK(zk.exists(base)->has_value());
  CHECK(zk.remove(base, 0).has_value());
}

inline void cversion_counts_child_changes(ZkStore& zk, const std::string& base) {
  REQUIRE(zk.create_many({{base, ""}}).has_value());
  const auto before = zk.get(base)->stat;
  REQUIRE(zk.create_many({{base + "/a", ""}, {base + "/b", ""}}).has_value());
  REQUIRE(zk.remove(base + "/a").has_value());
  const auto after = zk.get(base)->stat;
  CHECK(after.cversion == before.cversion + 3);
  CHECK(after.version == before.version); // the data did not change
  CHECK(after.pzxid > before.pzxid);
}

inline void remove_many_is_ordered_and_idempotent(ZkStore& zk, const std::string& base) {
  REQUIRE(zk.create_many({{base, ""}, {base + "/a", ""}, {base + "/a/b", ""}}).has_value());
  const std::vector<std::string> order{base + "/a/b", base + "/a", base + "/gone"};
  CHECK(zk.remove_many(order).has_value());
  CHECK_FALSE(zk.exists(base + "/a")->has_value());
  CHECK(zk.remove_many(order).has_value()); // again: everything already gone is success
  CHECK(zk.remove(base).has_value());
}

inline void get_many_keeps_the_order(ZkStore& zk, const std::string& base) {
  REQUIRE(zk.create_many({{base, ""}, {base + "/a", "A"}, {base + "/b", "B"}}).has_value());
  const auto many = zk.get_many({base + "/b", base + "/nope", base + "/a"});
  REQUIRE(many.size() == 3);
  CHECK(many[0]->data == "B");
  CHECK(many[1].error().code == ZkCode::no_node);
  CHECK(many[2]->data == "A");
  const auto kids = zk.children_many({base + "/a", base + "/nope"});
  REQUIRE(kids.size() == 2);
  CHECK(kids[0]->empty());
  CHECK(kids[1].error().code == ZkCode::no_node);
}

// `session_id`: the id of the session `zk` speaks for.
inline void sequential_and_ephemeral(ZkStore& zk, const std::string& base,
                                     std::int64_t session_id) {
  REQUIRE(zk.create_many({{base, ""}, {base + "/other", ""}}).has_value());
  // The suffix is the parent's cversion (one child created so far), 10 digits.
  const auto first = zk.create(base + "/latch-", "x", CreateMode::ephemeral_sequential);
  REQUIRE(first.has_value());
  CHECK(*first == base + "/latch-0000000001");
  const auto second = zk.create(base + "/seq-", "", CreateMode::persistent_sequential);
  REQUIRE(second.has_value());
  CHECK(*second == base + "/seq-0000000002");
  CHECK(zk.get(*first)->stat.ephemeral_owner == session_id);
  CHECK(zk.get(*second)->stat.ephemeral_owner == 0);
  const auto plain = zk.create(base + "/e", "", CreateMode::ephemeral);
  REQUIRE(plain.has_value());
  CHECK(*plain == base + "/e");
  CHECK(zk.create(base + "/e", "", CreateMode::persistent).error().code == ZkCode::node_exists);
  CHECK(zk.create(base + "/no/parent", "", CreateMode::persistent).error().code == ZkCode::no_node);
  CHECK(zk.remove_many({*first, *second, *plain, base + "/other", base}).has_value());
}

// ACLs: a node created with its own ACL and null data reads back both; the default open ACL;
// ZNONODE for a missing node; an existing node is ZNODEEXISTS unless ExistsOk::yes.
inline void acl_round_trip(ZkStore& zk, const std::string& base) {
  const Acl custom{AclEntry{1, "world", "anyone"}, AclEntry{31, "ip", "127.0.0.1"}};
  REQUIRE(zk.create_many_with_acl({NodeToCreate{base, "", false, open_acl_unsafe()},
                                   NodeToCreate{base + "/custom", "data", false, custom},
                                   NodeToCreate{base + "/null", "", true, open_acl_unsafe()}})
              .has_value());
  CHECK(zk.get(base + "/custom")->data == "data");
  CHECK(zk.get(base + "/null")->null_data);
  CHECK_FALSE(zk.get(base + "/custom")->null_data);
  auto read = zk.get_acl(base + "/custom").value();
  auto expected = custom;
  const auto by_scheme = [](const AclEntry& a, const AclEntry& b) { return a.scheme < b.scheme; };
  std::ranges::sort(read, by_scheme);
  std::ranges::sort(expected, by_scheme);
  CHECK(read == expected);
  CHECK(zk.get_acl(base).value() == open_acl_unsafe());
  CHECK(zk.get_acl(base + "/nope").error().code == ZkCode::no_node);
  const auto many = zk.get_acl_many({base + "/nope", base});
  REQUIRE(many.size() == 2);
  CHECK(many[0].error().code == ZkCode::no_node);
  CHECK(*many[1] == open_acl_unsafe());
  const std::vector<NodeToCreate> again{NodeToCreate{base + "/custom", "x", false, custom}};
  CHECK(zk.create_many_with_acl(again).error().code == ZkCode::node_exists);
  CHECK(zk.create_many_with_acl(again, ExistsOk::yes).has_value());
  CHECK(zk.get(base + "/custom")->data == "data"); // not replaced
  CHECK(zk.create_many_with_acl({NodeToCreate{base + "/x/y", "", false, custom}}).error().code ==
        ZkCode::no_node);
  CHECK(zk.create_many_with_acl({NodeToCreate{base + "/noacl", "", false, {}}}).error().code ==
        ZkCode::invalid_acl);
  CHECK(zk.remove_many({base + "/custom", base + "/null", base}).has_value());
}

} // namespace flinkha::zk::contract
