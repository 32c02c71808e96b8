// `cons` (zk/connections.hpp) on the answer of a real ZooKeeper 3.8 with two sessions open
// (tests/unit/fixtures/zk/standalone.cons, tests/integration/capture_cons_fixture.py).

#include "test_support.hpp"
#include "zk/connections.hpp"

#include <doctest/doctest.h>

using namespace flinkha;

TEST_CASE("cons: the sessions of a real server's connections, the cons request's own left out") {
  const auto connections = zk::parse_cons(test::fixture("zk/standalone.cons"));
  REQUIRE_MESSAGE(connections.has_value(), (connections ? "" : connections.error().message));
  REQUIRE(connections->size() == 2);
  CHECK((*connections)[0].address == "127.0.0.1:47134");
  CHECK((*connections)[0].session_id == 0x10000d665430000);
  CHECK((*connections)[1].address == "127.0.0.1:47122");
  CHECK((*connections)[1].session_id == 0x10000d665430001);
}

TEST_CASE("cons: a resolved address keeps the ip:port; anything else is an error naming the line") {
  const auto named = zk::parse_cons(" jm1.example.com/10.0.0.7:5120[1](queued=0,sid=0x1a2b)\n");
  REQUIRE(named.has_value());
  REQUIRE(named->size() == 1);
  CHECK(named->front().address == "10.0.0.7:5120");
  CHECK(named->front().session_id == 0x1a2b);

  const auto refused = zk::parse_cons("cons is not executed because it is not in the whitelist.\n");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("line 1") != std::string::npos);

  const auto bad = zk::parse_cons(" /127.0.0.1:1[1](sid=0xzz)\n");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("sid=0xzz") != std::string::npos);
}

TEST_CASE("cons: client_addresses says why when no server answers") {
  // Port 1 on loopback: refused (nothing listens there), or at worst no answer in 500 ms.
  const auto none = zk::client_addresses({"127.0.0.1:1"}, {200, 500});
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message.find("127.0.0.1:1") != std::string::npos);
  const auto empty = zk::client_addresses({});
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().category == ErrorCategory::configuration);
}

TEST_CASE("cons: an IPv6 client keeps its bracketed address (Java's InetSocketAddress form)") {
  const auto v6 = zk::parse_cons(
      " /[0:0:0:0:0:0:0:1]:47134[1](queued=0,recved=5,sent=5,sid=0x10000d665430000,lop=PING)\n");
  REQUIRE_MESSAGE(v6.has_value(), (v6 ? "" : v6.error().message));
  REQUIRE(v6->size() == 1);
  CHECK(v6->front().address == "[0:0:0:0:0:0:0:1]:47134");
  CHECK(v6->front().session_id == 0x10000d665430000);
}
