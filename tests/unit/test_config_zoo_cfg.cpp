// conf/zoo.cfg: java.util.Properties.load, ZooKeeper's server.X parsing (QuorumMaj,
// QuorumPeer.QuorumServer, ConfigUtils.getHostAndPort) and Flink's FlinkZooKeeperQuorumPeer
// defaults. Fixtures: tests/unit/fixtures/zoo_cfg/ (flink-zoo.cfg is Flink's shipped conf/zoo.cfg,
// see its README.md).
#include "config/zoo_cfg.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using flinkha::config::Diagnostic;
using flinkha::config::load_zoo_cfg;
using flinkha::config::parse_zoo_cfg;
using flinkha::config::Severity;
using flinkha::config::SourceLocation;
using flinkha::config::ZooCfg;
using flinkha::test::fixture;
using flinkha::test::TempDir;

// dataDir keeps the zk-datadir-temp warning out of cases that are about something else.
constexpr std::string_view kDataDir = "dataDir=/var/lib/zookeeper\n";

ZooCfg parse_ok(std::string_view text) {
  auto parsed = parse_zoo_cfg(text, "zoo.cfg");
  REQUIRE(parsed);
  return std::move(*parsed);
}

std::vector<std::string> codes(const ZooCfg& cfg) {
  std::vector<std::string> out;
  for (const auto& d : cfg.diagnostics) {
    out.push_back(d.code);
  }
  return out;
}

std::string value_of(const ZooCfg& cfg, std::string_view key) {
  const auto* property = cfg.find(key);
  REQUIRE(property != nullptr);
  return property->value;
}

} // namespace

TEST_CASE("zoo_cfg: Flink's shipped conf/zoo.cfg") {
  const auto cfg = parse_ok(fixture("zoo_cfg/flink-zoo.cfg"));
  REQUIRE(cfg.properties.size() == 4);
  const std::vector<std::pair<std::string, int>> lines = {
      {"tickTime", 20}, {"initLimit", 23}, {"syncLimit", 26}, {"clientPort", 32}};
  for (const auto& [key, line] : lines) {
    CAPTURE(key);
    const auto* property = cfg.find(key);
    REQUIRE(property != nullptr);
    CHECK(property->where == SourceLocation{"zoo.cfg", line});
  }
  CHECK(value_of(cfg, "tickTime") == "2000");
  CHECK(value_of(cfg, "clientPort") == "2181");
  CHECK(cfg.find("dataDir") == nullptr);
  CHECK(cfg.find("server.1") == nullptr);

  REQUIRE(cfg.servers.size() == 1);
  const auto& server = cfg.servers[0];
  CHECK(server.id == 1);
  CHECK(server.host == "localhost");
  CHECK(server.peer_port == 2888);
  CHECK(server.leader_port == 3888);
  CHECK(server.role == "participant");
  CHECK(server.is_voter());
  CHECK_FALSE(server.client_port);
  CHECK(server.where == SourceLocation{"zoo.cfg", 35});
  CHECK(cfg.client_port_of(server) == 2181);

  // The template leaves dataDir commented out: Flink then uses a fresh temp dir per start.
  REQUIRE(cfg.diagnostics.size() == 1);
  CHECK(cfg.diagnostics[0].code == "zk-datadir-temp");
  CHECK(cfg.diagnostics[0].severity == Severity::warning);
  CHECK(cfg.diagnostics[0].where == SourceLocation{"zoo.cfg", 0});
  CHECK(cfg.diagnostics[0].message.find("zoo.cfg") != std::string::npos);
}

TEST_CASE("zoo_cfg: a production ensemble") {
  const auto cfg = parse_ok(fixture("zoo_cfg/quorum.cfg"));
  CHECK(cfg.diagnostics.empty());
  CHECK(value_of(cfg, "tickTime") == "2000");
  CHECK(value_of(cfg, "initLimit") == "10");
  CHECK(value_of(cfg, "syncLimit") == "5");
  CHECK(value_of(cfg, "4lw.commands.whitelist") == "srvr, mntr, ruok");
  REQUIRE(cfg.servers.size() == 4);

  CHECK(cfg.servers[0].id == 1); // "server.001"
  CHECK(cfg.servers[0].host == "zk1.example.com");
  CHECK(cfg.servers[0].client_port == 2181);
  CHECK_FALSE(cfg.servers[0].client_address);
  CHECK(cfg.servers[0].where.line == 9);

  CHECK(cfg.servers[1].id == 2);
  CHECK(cfg.servers[1].client_address == "0.0.0.0");
  CHECK(cfg.servers[1].role == "participant");

  CHECK(cfg.servers[2].id == 3);
  CHECK(cfg.servers[2].host == "2001:db8::3");
  CHECK(cfg.servers[2].peer_port == 2888);
  CHECK(cfg.servers[2].leader_port == 3888);

  CHECK(cfg.servers[3].id == 10);
  CHECK(cfg.servers[3].role == "observer"); // "OBSERVER": ZooKeeper lower-cases the role
  CHECK_FALSE(cfg.servers[3].is_voter());
  CHECK(cfg.servers[3].where.line == 12);
}

TEST_CASE("zoo_cfg: java.util.Properties syntax") {
  const auto cfg = parse_ok(fixture("zoo_cfg/properties-syntax.cfg"));
  struct Expected {
    std::string key;
    std::string value;
    int line;
  };
  const std::vector<Expected> expected = {
      {"key with spaces", "v1", 3},
      {"escaped=key", "v2", 4},
      {"continued", "first, second, third", 5},
      {"unicode", "caf\xc3\xa9", 8},
      {"escapes", "a\tb\ncqd", 9},
      {"empty", "", 10},
      {"onlyblank", "", 11},
      {"winner", "two", 13},
      {"trailing", "value", 14},
      {"last", "no newline", 15},
  };
  for (const auto& e : expected) {
    CAPTURE(e.key);
    const auto* property = cfg.find(e.key);
    REQUIRE(property != nullptr);
    CHECK(property->value == e.value);
    CHECK(property->where == SourceLocation{"zoo.cfg", e.line});
  }
  // Properties reads these lines, but no zoo.cfg line is written so: a key with a blank or '=',
  // a value with a control byte, a bare word (lines 3, 4, 9, 10, 11).
  CHECK(codes(cfg) == std::vector<std::string>{"zk-malformed-line", "zk-malformed-line",
                                               "zk-malformed-line", "zk-malformed-line",
                                               "zk-malformed-line", "zk-duplicate-key",
                                               "zk-datadir-temp"});
  std::vector<int> malformed_lines;
  for (const auto& d : cfg.diagnostics) {
    if (d.code == "zk-malformed-line") {
      CHECK(d.severity == Severity::error);
      malformed_lines.push_back(d.where.line);
    }
  }
  CHECK(malformed_lines == std::vector<int>{3, 4, 9, 10, 11});
  CHECK(cfg.diagnostics[5].where.line == 13);
  CHECK(cfg.diagnostics[5].message.find("first on line 12") != std::string::npos);
  // Flink's defaults for absent keys, marked as defaults by an empty location.
  for (const auto* key : {"clientPort", "initLimit", "syncLimit"}) {
    CAPTURE(key);
    const auto* property = cfg.find(key);
    REQUIRE(property != nullptr);
    CHECK(property->where.empty());
  }
  CHECK(value_of(cfg, "clientPort") == "2181");
  CHECK(value_of(cfg, "initLimit") == "10");
  CHECK(value_of(cfg, "syncLimit") == "5");
}

TEST_CASE("zoo_cfg: Properties separators and continuations table") {
  struct Case {
    std::string_view text;
    std::string key;
    std::string value;
    int line;
  };
  const std::vector<Case> cases = {
      {"a=b", "a", "b", 1},
      {"a:b", "a", "b", 1},
      {"a b", "a", "b", 1},
      {"a \t = \t b", "a", "b", 1},
      {"a==b", "a", "=b", 1},
      {"a:=b", "a", "=b", 1},
      {"a =:b", "a", ":b", 1},
      {"a\\:b=c", "a:b", "c", 1},
      {"a\\ b c", "a b", "c", 1},
      {"\n\n  a=1\\\n   2\\\n\t3\n", "a", "123", 3},
      {"a=1\\\r\n  2", "a", "12", 1},
      {"a=1\\\n#kept\n", "a", "1#kept", 1},
      {"a=1\\\\\nb=2", "a", "1\\", 1},
      {"x=1\ra=2\r", "a", "2", 2},
      {"x=1\r\n\r\na=2", "a", "2", 3},
      {"# c\\\na=2", "a", "2", 2}, // a comment line does not continue
      {"a=\\u0041\\u00DF\\uD83D\\uDE00", "a", "A\xc3\x9f\xf0\x9f\x98\x80", 1},
      {"a=\\x\\\\y", "a", "x\\y", 1},
      {"\\u0061=b", "a", "b", 1},
      {"a=1\\", "a", "1", 1},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto cfg = parse_ok(c.text);
    const auto* property = cfg.find(c.key);
    REQUIRE(property != nullptr);
    CHECK(property->value == c.value);
    CHECK(property->where.line == c.line);
  }
}

TEST_CASE("zoo_cfg: a malformed \\uXXXX escape fails like Properties.load") {
  const std::vector<std::pair<std::string_view, std::string_view>> cases = {
      {"a=\\u12", "zoo.cfg:1: malformed \\uXXXX escape in 'a=\\u12'"},
      {"ok=1\nkey=\\uZZZZ\n", "zoo.cfg:2: malformed \\uXXXX escape in 'key=\\uZZZZ'"},
      {"k\\u0=v", "zoo.cfg:1: malformed"},
  };
  for (const auto& [text, fragment] : cases) {
    CAPTURE(text);
    const auto parsed = parse_zoo_cfg(text, "zoo.cfg");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find(fragment) != std::string::npos);
  }
}

TEST_CASE("zoo_cfg: server values that parse") {
  struct Case {
    std::string value;
    std::string host;
    int peer;
    int leader;
    std::string role;
    std::optional<std::string> client_address;
    std::optional<int> client_port;
    std::vector<std::string> codes; // besides none
  };
  const std::vector<Case> cases = {
      {"h1", "h1", 2888, 3888, "participant", {}, {}, {"zk-server-no-ports"}},
      {"h1:2999", "h1", 2999, 3888, "participant", {}, {}, {"zk-server-no-ports"}},
      {"h1:1:2:observer", "h1", 1, 2, "observer", {}, {}, {}},
      {"h1:1:2: Participant", "h1", 1, 2, "participant", {}, {}, {}},
      {"h1:2888:3888;2182", "h1", 2888, 3888, "participant", {}, 2182, {}},
      {"h1:2888:3888;10.0.0.1:2182", "h1", 2888, 3888, "participant", "10.0.0.1", 2182, {}},
      {"[::1]:2888:3888;[::1]:2182", "::1", 2888, 3888, "participant", "::1", 2182, {}},
      {"h1:2888:3888;", "h1", 2888, 3888, "participant", {}, {}, {}},
      {"h1:2888:3888:", "h1", 2888, 3888, "participant", {}, {}, {}},
      {"h1;2181",
       "h1",
       2888,
       3888,
       "participant",
       {},
       2181,
       {"zk-server-no-ports", "zk-server-flink-launcher"}},
      {"h1:2999;2181",
       "h1",
       2999,
       3888,
       "participant",
       {},
       2181,
       {"zk-server-no-ports", "zk-server-flink-launcher"}},
      {"[::1]",
       "::1",
       2888,
       3888,
       "participant",
       {},
       {},
       {"zk-server-no-ports", "zk-server-flink-launcher"}},
      {"[::1]:2999",
       "::1",
       2999,
       3888,
       "participant",
       {},
       {},
       {"zk-server-no-ports", "zk-server-flink-launcher"}},
      {"h1:2888:3888|h2:2889:3889",
       "h1",
       2888,
       3888,
       "participant",
       {},
       {},
       {"zk-server-multi-address"}},
      {"h1:2888:3888 ", "h1", 2888, 3888, "participant", {}, {}, {"zk-server-trailing-blank"}},
      {"h1:2888:3888:observer \t", "h1", 2888, 3888, "observer", {}, {}, {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.value);
    const auto cfg = parse_ok(std::string(kDataDir) + "server.7=" + c.value);
    REQUIRE(cfg.servers.size() == 1);
    const auto& server = cfg.servers[0];
    CHECK(server.id == 7);
    CHECK(server.host == c.host);
    CHECK(server.peer_port == c.peer);
    CHECK(server.leader_port == c.leader);
    CHECK(server.role == c.role);
    CHECK(server.client_address == c.client_address);
    CHECK(server.client_port == c.client_port);
    CHECK(server.where == SourceLocation{"zoo.cfg", 2});
    CHECK(codes(cfg) == c.codes);
    for (const auto& d : cfg.diagnostics) {
      CHECK(d.severity == Severity::warning);
      CHECK(d.where == SourceLocation{"zoo.cfg", 2});
    }
  }
}

TEST_CASE("zoo_cfg: server lines ZooKeeper refuses are error diagnostics") {
  struct Case {
    std::string line;
    std::string code;
    std::string_view fragment;
  };
  const std::vector<Case> cases = {
      {"server.1=", "zk-server-host-missing", "server.1=: host is missing"},
      {"server.1=:2888:3888", "zk-server-host-missing", "server.1=:2888:3888: host is missing"},
      {"server.1=h1:70000:3888", "zk-server-port-range", "peer port 70000 is out of range"},
      {"server.1=h1:0:3888", "zk-server-port-range", "peer port 0 is out of range"},
      {"server.1=h1:2888:99999999999999999999", "zk-server-port-range", "leader election port"},
      {"server.1=h1:2888:3888;65536", "zk-server-port-range", "client port 65536"},
      {"server.1=h1:abc:3888", "zk-server-port-invalid", "peer port 'abc' is not a number"},
      {"server.1=h1: 2888:3888", "zk-server-port-invalid", "peer port ' 2888'"},
      {"server.1=h1:+2888:3888", "zk-server-port-invalid", "'+2888'"},
      {"server.1=h1:2888:2888", "zk-port-clash", "both 2888"},
      {"server.1=h1:2888:3888;2888", "zk-port-clash", "client port 2888"},
      {"server.1=h1:1:2:voter", "zk-server-role", "role 'voter'"},
      {"server.1=h1:2888:3888|h2:2888:3888:observer", "zk-server-role", "different roles"},
      {"server.1=h1:1:2:observer:x", "zk-server-format", "has 5 ':'-separated fields"},
      {"server.1=2001:db8::1:2888:3888", "zk-server-format", "':'-separated fields"},
      {"server.1=h1:1:2;3;4", "zk-server-format", "more than one ';'"},
      {"server.1=[::1:2888:3888", "zk-server-format", "no matching ']'"},
      {"server.1=[::1]2888:3888", "zk-server-format", "needs ':port' after ']'"},
      {"server.1=h1:2888:3888;a:b:2181", "zk-server-format", "client part 'a:b:2181'"},
      {"server.1=h$x:2888:3888", "zk-server-host-invalid", "host 'h$x'"},
      {"server.1=-oProxy:2888:3888", "zk-server-host-invalid", "starts with '-'"},
      {"server.1=h1:2888:3888;h`x`:2181", "zk-server-host-invalid", "client address 'h`x`'"},
      {"server.abc=h1", "zk-server-id", "server id 'abc' is not a number"},
      {"server.=h1", "zk-server-id", "server id ''"},
      {"server.-1=h1", "zk-server-id", "server id '-1'"},
      {"server.+1=h1", "zk-server-id", "server id '+1'"},
      {"server.2147483648=h1", "zk-server-id", "2147483648"},
      {"server.1.2=h1", "zk-server-id", "'1.2'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    const auto cfg = parse_ok(std::string(kDataDir) + c.line + "\n");
    CHECK(cfg.servers.empty());
    REQUIRE(cfg.diagnostics.size() == 1);
    const auto& d = cfg.diagnostics[0];
    CHECK(d.code == c.code);
    CHECK(d.severity == Severity::error);
    CHECK(d.where == SourceLocation{"zoo.cfg", 2});
    CHECK(d.message.find(c.fragment) != std::string::npos);
  }
}

TEST_CASE("zoo_cfg: server ids") {
  const auto cfg = parse_ok(std::string(kDataDir) +
                            "server.00042=h42:2888:3888\nserver.2147483647=hmax:2888:3888\n"
                            "server.0=h0:2888:3888\n");
  REQUIRE(cfg.servers.size() == 3);
  CHECK(cfg.servers[0].id == 0);
  CHECK(cfg.servers[1].id == 42);
  CHECK(cfg.servers[2].id == 2147483647);
  CHECK(cfg.diagnostics.empty());
}

TEST_CASE("zoo_cfg: duplicate ids and duplicate keys") {
  SUBCASE("two spellings of one id are rejected; the first line is kept") {
    const auto cfg =
        parse_ok(std::string(kDataDir) + "server.1=a:2888:3888\nserver.01=b:2888:3888\n");
    REQUIRE(cfg.servers.size() == 1);
    CHECK(cfg.servers[0].host == "a");
    CHECK(codes(cfg) == std::vector<std::string>{"zk-duplicate-id"});
    CHECK(cfg.diagnostics[0].severity == Severity::error);
    CHECK(cfg.diagnostics[0].where == SourceLocation{"zoo.cfg", 3});
    CHECK(cfg.diagnostics[0].message.find("already defined at zoo.cfg:2") != std::string::npos);
  }
  SUBCASE("the same key twice: the last wins, as in Properties") {
    const auto cfg =
        parse_ok(std::string(kDataDir) + "server.1=a:2888:3888\nserver.1=b:2888:3888\n");
    REQUIRE(cfg.servers.size() == 1);
    CHECK(cfg.servers[0].host == "b");
    CHECK(cfg.servers[0].where.line == 3);
    CHECK(codes(cfg) == std::vector<std::string>{"zk-duplicate-key"});
    CHECK(cfg.diagnostics[0].severity == Severity::warning);
  }
}

TEST_CASE("zoo_cfg: servers that would clash on one host") {
  const auto cfg = parse_ok(fixture("zoo_cfg/local-clash.cfg"));
  REQUIRE(cfg.servers.size() == 3);
  REQUIRE(codes(cfg) == std::vector<std::string>{"zk-address-clash"});
  const auto& d = cfg.diagnostics[0];
  CHECK(d.severity == Severity::error);
  CHECK(d.where == SourceLocation{"zoo.cfg", 4});
  CHECK(d.message.find("server.1 (zoo.cfg:3) and server.2 both use localhost:2181") !=
        std::string::npos);

  const std::vector<std::pair<std::string, bool>> cases = {
      {"server.1=h:2888:3888;2181\nserver.2=h:2889:3889;2182\n", false},
      {"server.1=h:2888:3888;2181\nserver.2=H:2888:3889;2182\n", true}, // host names ignore case
      {"server.1=h:2888:3888;2181\nserver.2=h:2889:2888;2182\n", true}, // leader = other's peer
      {"server.1=h:2888:3888;2181\nserver.2=g:2888:3888;2181\n", false},
  };
  for (const auto& [text, clash] : cases) {
    CAPTURE(text);
    const auto other = parse_ok(std::string(kDataDir) + text);
    CHECK(other.servers.size() == 2);
    CHECK((codes(other) == std::vector<std::string>{"zk-address-clash"}) == clash);
  }
}

TEST_CASE("zoo_cfg: client_port_of and numeric properties") {
  SUBCASE("own port, then global clientPort") {
    const auto cfg = parse_ok(std::string(kDataDir) +
                              "clientPort = 2200 \nserver.1=a:2888:3888\nserver.2=b:1:2;2300\n");
    REQUIRE(cfg.servers.size() == 2);
    CHECK(value_of(cfg, "clientPort") == "2200");
    CHECK(cfg.client_port_of(cfg.servers[0]) == 2200);
    CHECK(cfg.client_port_of(cfg.servers[1]) == 2300);
    CHECK(cfg.diagnostics.empty());
  }
  SUBCASE("no clientPort: Flink's default 2181") {
    const auto cfg = parse_ok(std::string(kDataDir) + "server.1=a\n");
    CHECK(cfg.client_port_of(cfg.servers.at(0)) == 2181);
    CHECK(cfg.find("clientPort")->where.empty());
  }
  SUBCASE("a clientPort that is not a number") {
    const auto cfg = parse_ok(std::string(kDataDir) + "clientPort=21x81\nserver.1=a:2888:3888\n");
    CHECK(cfg.client_port_of(cfg.servers.at(0)) == 2181);
    REQUIRE(codes(cfg) == std::vector<std::string>{"zk-property-invalid"});
    CHECK(cfg.diagnostics[0].severity == Severity::error);
    CHECK(cfg.diagnostics[0].where == SourceLocation{"zoo.cfg", 2});
    CHECK(cfg.diagnostics[0].message.find("clientPort=21x81") != std::string::npos);
  }
  SUBCASE("initLimit, syncLimit and tickTime are checked too") {
    const auto cfg = parse_ok(std::string(kDataDir) + "tickTime=2s\ninitLimit=-1\nsyncLimit=\n");
    CHECK(codes(cfg) == std::vector<std::string>{"zk-property-invalid", "zk-property-invalid",
                                                 "zk-property-invalid"});
  }
}

TEST_CASE("zoo_cfg: load_zoo_cfg") {
  TempDir dir;
  {
    const auto missing = load_zoo_cfg(dir.path());
    REQUIRE(missing);
    CHECK_FALSE(missing->has_value());
  }
  dir.write("zoo.cfg", fixture("zoo_cfg/quorum.cfg"));
  {
    const auto loaded = load_zoo_cfg(dir.path());
    REQUIRE(loaded);
    REQUIRE(loaded->has_value());
    CHECK((*loaded)->path == dir.path() / "zoo.cfg");
    CHECK((*loaded)->servers.size() == 4);
    CHECK((*loaded)->servers[0].where.file == "zoo.cfg");
  }
  dir.write("zoo.cfg", "a=\\u00\n");
  {
    const auto broken = load_zoo_cfg(dir.path());
    REQUIRE_FALSE(broken);
    CHECK(broken.error().message.find("zoo.cfg:1:") == 0);
  }
  std::filesystem::remove(dir.path() / "zoo.cfg");
  std::filesystem::create_directories(dir.path() / "zoo.cfg");
  {
    const auto directory = load_zoo_cfg(dir.path());
    REQUIRE_FALSE(directory);
    CHECK(directory.error().message.find("not a regular file") != std::string::npos);
  }
}

TEST_CASE("zoo_cfg: a server line without ports says so, and so does the clash it causes") {
  const auto cfg =
      parse_ok(std::string(kDataDir) + "server.1=localhost\nserver.2=localhost:2889\n");
  REQUIRE(cfg.servers.size() == 2);
  CHECK_FALSE(cfg.servers[0].ports_given);
  CHECK_FALSE(cfg.servers[1].ports_given);
  REQUIRE(codes(cfg) ==
          std::vector<std::string>{"zk-server-no-ports", "zk-server-no-ports", "zk-address-clash"});
  CHECK(cfg.diagnostics[0].where == SourceLocation{"zoo.cfg", 2});
  CHECK(cfg.diagnostics[0].message ==
        "server.1=localhost: no quorum/election port (expected localhost:2888:3888); ZooKeeper "
        "itself refuses the line, Flink's launcher and flinkha use the default ports 2888:3888");
  CHECK(cfg.diagnostics[0].hint == "write server.1=localhost:2888:3888");
  CHECK(cfg.diagnostics[1].message.find("server.2=localhost:2889: no election port (expected "
                                        "localhost:2889:3888)") != std::string::npos);
  CHECK(cfg.diagnostics[2].message.find("both use localhost:3888 (a server line without ports "
                                        "gets the defaults 2888:3888)") != std::string::npos);
}

TEST_CASE("zoo_cfg: lines that are not key=value") {
  struct Case {
    std::string_view line;
    std::string_view fragment; // empty: the line is fine
  };
  const std::vector<Case> cases = {
      {"tickTime 2000", ""}, // Properties syntax, for a key ZooKeeper reads
      {"autopurge.purgeInterval 1", ""},
      {"clientPort: 2181", ""},
      {"foo bar", "'foo bar' is not key=value: there is no '='"},
      {"stray", "'stray' is not key=value: there is no '=' and no value"},
      {"k\\ey=v", ""}, // "\e" is "e" to Properties
      {"k\\ x=v", "the key has the byte ' '"},
      {"k\x01=v", "the key has the byte '\\x01'"},
      {"dataLogDir=/a\\nb", "the value has the control byte \\x0a"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    const auto cfg = parse_ok(std::string(kDataDir) + std::string(c.line) + "\n");
    const auto found = std::ranges::find(cfg.diagnostics, "zk-malformed-line", &Diagnostic::code);
    if (c.fragment.empty()) {
      CHECK(found == cfg.diagnostics.end());
      continue;
    }
    REQUIRE(found != cfg.diagnostics.end());
    CHECK(found->severity == Severity::error);
    CHECK(found->where == SourceLocation{"zoo.cfg", 2});
    CHECK(found->message.find(c.fragment) != std::string::npos);
  }
}
