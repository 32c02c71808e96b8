// The ZooKeeper contract (tests/unit/zk_contract_cases.hpp) against a real server: the cases the
// in-memory fake passes in the unit label, run here on ZkClient. test_zk_contract.py starts a
// standalone ZooKeeper peer and runs this binary with FLINKHA_ZK_CONNECT=host:port.

#define DOCTEST_CONFIG_IMPLEMENT
#include "zk/client.hpp"
#include "zk_contract_cases.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

using namespace flinkha;

namespace {

std::unique_ptr<zk::ZkClient> g_client;

// Each case works below its own fresh znode, so cases can run in any order on one server.
std::string fresh_base() {
  static int n = 0;
  return "/contract-" + std::to_string(++n);
}

} // namespace

TEST_CASE("zk_contract: create, get, children, exists (server)") {
  zk::contract::create_get_children_exists(*g_client, fresh_base());
}

TEST_CASE("zk_contract: delete is not recursive (server)") {
  zk::contract::delete_is_not_recursive(*g_client, fresh_base());
}

TEST_CASE("zk_contract: delete checks the version (server)") {
  zk::contract::delete_checks_the_version(*g_client, fresh_base());
}

TEST_CASE("zk_contract: cversion counts child changes (server)") {
  zk::contract::cversion_counts_child_changes(*g_client, fresh_base());
}

TEST_CASE("zk_contract: remove_many is ordered and idempotent (server)") {
  zk::contract::remove_many_is_ordered_and_idempotent(*g_client, fresh_base());
}

TEST_CASE("zk_contract: get_many and children_many keep the order (server)") {
  zk::contract::get_many_keeps_the_order(*g_client, fresh_base());
}

TEST_CASE("zk_contract: sequential names and ephemeral owners (server)") {
  zk::contract::sequential_and_ephemeral(*g_client, fresh_base(), g_client->session_id());
}

TEST_CASE("zk_contract: ACLs read back as created, null data kept (server)") {
  zk::contract::acl_round_trip(*g_client, fresh_base());
}

int main(int argc, char** argv) {
  const char* connect = std::getenv("FLINKHA_ZK_CONNECT");
  if (connect == nullptr || *connect == '\0') {
    std::fprintf(stderr, "zk_contract_live: set FLINKHA_ZK_CONNECT=host:port\n");
    return 2;
  }
  zk::ClientSettings settings;
  settings.connect_string = connect;
  auto client = zk::ZkClient::connect(settings);
  if (!client) {
    std::fprintf(stderr, "zk_contract_live: %s\n", zk::describe(client.error()).c_str());
    return 2;
  }
  g_client = std::move(*client);
  doctest::Context context(argc, argv);
  const int rc = context.run();
  g_client.reset();
  return rc;
}
