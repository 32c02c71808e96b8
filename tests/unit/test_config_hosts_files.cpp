// conf/masters and conf/workers, as Flink's bin/config.sh (readMasters / readWorkers /
// extractHostName) reads them. Fixtures: tests/unit/fixtures/hosts/ (see its README.md; the
// flink-* files are Flink's own shipped conf/masters and conf/workers).
#include "config/hosts_files.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

namespace {

using flinkha::config::load_masters;
using flinkha::config::load_workers;
using flinkha::config::parse_masters;
using flinkha::config::parse_workers;
using flinkha::config::Severity;
using flinkha::config::validate_host;
using flinkha::test::fixture;
using flinkha::test::TempDir;

struct ExpectedMaster {
  std::string host;
  int port = 0;
  bool port_given = false;
  int line = 0;
};

} // namespace

TEST_CASE("hosts_files: Flink's shipped conf/masters and conf/workers") {
  const auto masters = parse_masters(fixture("hosts/flink-masters"), "masters");
  REQUIRE(masters);
  REQUIRE(masters->masters.size() == 1);
  CHECK(masters->masters[0].host == "localhost");
  CHECK(masters->masters[0].web_ui_port == 8081);
  CHECK(masters->masters[0].port_given);
  CHECK(masters->masters[0].where == flinkha::config::SourceLocation{"masters", 1});
  CHECK(masters->diagnostics.empty());

  const auto workers = parse_workers(fixture("hosts/flink-workers"), "workers");
  REQUIRE(workers);
  REQUIRE(workers->workers.size() == 1);
  CHECK(workers->workers[0].host == "localhost");
  CHECK(workers->workers[0].where == flinkha::config::SourceLocation{"workers", 1});
  CHECK(workers->diagnostics.empty());
}

TEST_CASE("hosts_files: masters with comments, racks, IPv6, CRLF and no final newline") {
  const auto parsed = parse_masters(fixture("hosts/masters-mixed"), "masters");
  REQUIRE(parsed);
  const std::vector<ExpectedMaster> expected = {
      {"jm1.example.com", 8081, true, 3},
      {"jm2.example.com", 0, false, 4}, // "/dc1/rack2/" network hierarchy stripped
      {"2001:db8::1", 8082, true, 5},
      {"10.0.0.7", 0, true, 6},
      {"jm4", 0, false, 8}, // "jm4:" on the last line, no newline: empty port is 0 as in Flink
  };
  REQUIRE(parsed->masters.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(parsed->masters[i].host == expected[i].host);
    CHECK(parsed->masters[i].web_ui_port == expected[i].port);
    CHECK(parsed->masters[i].port_given == expected[i].port_given);
    CHECK(parsed->masters[i].where.line == expected[i].line);
    CHECK(parsed->masters[i].where.file == "masters");
  }
  CHECK(parsed->diagnostics.empty());
}

TEST_CASE("hosts_files: workers keep duplicates and accept bare or bracketed IPv6") {
  const auto parsed = parse_workers(fixture("hosts/workers-mixed"), "workers");
  REQUIRE(parsed);
  const std::vector<std::pair<std::string, int>> expected = {
      {"tm1.example.com", 3}, {"tm2.example.com", 4}, {"tm3", 5},           {"tm1.example.com", 6},
      {"2001:db8::2", 7},     {"2001:db8::3", 8},     {"tm_5.internal", 9},
  };
  REQUIRE(parsed->workers.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CAPTURE(i);
    CHECK(parsed->workers[i].host == expected[i].first);
    CHECK(parsed->workers[i].where.line == expected[i].second);
  }
}

TEST_CASE("hosts_files: line handling table") {
  struct Case {
    std::string_view text;
    std::vector<std::string> hosts;
  };
  const std::vector<Case> cases = {
      {"", {}},
      {"\n\n   \n\t\n", {}},
      {"# only a comment\n", {}},
      {"h1#comment", {"h1"}},
      {"  h1  \n", {"h1"}},
      {"h1\r\nh2\r\n", {"h1", "h2"}},
      {"h1\nh2", {"h1", "h2"}},
      {"/rack/h1", {"h1"}},
      {"/a/b/c/h1.example.com", {"h1.example.com"}},
      {"rack/h1", {"h1"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parse_workers(c.text, "workers");
    REQUIRE(parsed);
    std::vector<std::string> hosts;
    for (const auto& w : parsed->workers) {
      hosts.push_back(w.host);
    }
    CHECK(hosts == c.hosts);
  }
}

TEST_CASE("hosts_files: an empty file is a warning, not an error") {
  const auto masters = parse_masters("# nothing here\n", "masters");
  REQUIRE(masters);
  REQUIRE(masters->diagnostics.size() == 1);
  CHECK(masters->diagnostics[0].code == "masters-empty");
  CHECK(masters->diagnostics[0].severity == Severity::warning);
  const auto workers = parse_workers("", "workers");
  REQUIRE(workers);
  REQUIRE(workers->diagnostics.size() == 1);
  CHECK(workers->diagnostics[0].code == "workers-empty");
}

TEST_CASE("hosts_files: masters errors name file:line and the offending text") {
  struct Case {
    std::string_view text;
    std::string_view fragment;
  };
  const std::vector<Case> cases = {
      {"h1\nh2 h3\n", "masters:2: expected one host per line, found 2 words in 'h2 h3'"},
      {"h1\nh2 h3\n", "would use only 'h2'"},
      {"h1:80a\n", "masters:1: web UI port '80a' of 'h1' is not a number"},
      {"h1:65536\n", "masters:1: web UI port '65536'"},
      {"h1:99999999999999999999\n", "is not a number from 0 to 65535"},
      {"h1:-1\n", "web UI port '-1'"},
      {"2001:db8::1:8081\n", "masters:1: '2001:db8::1:8081' has more than one ':'"},
      {"2001:db8::1:8081\n", "would read host '2001' and web UI port 'db8'"},
      {"[2001:db8::1\n", "masters:1: '[2001:db8::1' opens '[' without a closing ']'"},
      {"[2001:db8::1]8081\n", "unexpected '8081' after ']'"},
      {"[h1]:8081\n", "masters:1: invalid host 'h1': brackets are only for IPv6 addresses"},
      {":8081\n", "masters:1: invalid host '': is empty"},
      {"/rack1/m3:8082\n", "invalid host '/rack1/m3'"},
      {"ok\n\nh;rm:8081\n", "masters:3: invalid host 'h;rm': contains the shell metacharacter ';'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parse_masters(c.text, "masters");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find(c.fragment) != std::string::npos);
  }
  const auto bare_v6 = parse_masters("2001:db8::1:8081\n", "masters");
  REQUIRE_FALSE(bare_v6);
  CHECK(bare_v6.error().hint.find("[2001:db8::1]:8081") != std::string::npos);
}

TEST_CASE("hosts_files: port bounds") {
  const auto parsed = parse_masters("a:0\nb:65535\nc:08081\n", "masters");
  REQUIRE(parsed);
  REQUIRE(parsed->masters.size() == 3);
  CHECK(parsed->masters[0].web_ui_port == 0);
  CHECK(parsed->masters[0].port_given);
  CHECK(parsed->masters[1].web_ui_port == 65535);
  CHECK(parsed->masters[2].web_ui_port == 8081);
}

TEST_CASE("hosts_files: hostile workers are refused with file:line") {
  struct Case {
    std::string text;
    std::string_view fragment;
  };
  const std::vector<Case> cases = {
      {"h1;reboot\n", "workers:1: invalid host 'h1;reboot': contains the shell metacharacter ';'"},
      {"ok\n$(touch /tmp/x)\n", "workers:2: expected one host per line"},
      {"$(id)\n", "workers:1: invalid host '$(id)': contains the shell metacharacter '$'"},
      {"`id`\n", "shell metacharacter '`'"},
      {"h1|nc\n", "shell metacharacter '|'"},
      {"h1&\n", "shell metacharacter '&'"},
      {"-oProxyCommand=x\n", "starts with '-' (ssh would read it as an option)"},
      {std::string("h1\x01x\n"),
       "workers:1: invalid host 'h1\\x01x': contains the control character \\x01"},
      {std::string("h\x7f\n"), "control character \\x7f"},
      {std::string("h1\vh2\n"), "control character \\x0b"},
      {std::string("h1\0h2\n", 6), "control character \\x00"},
      {"user@h1\n", "contains '@'"},
      {"h1:8081\n", "contains ':' but is not an IPv6 address"},
      {"h1..example\n", "has an empty label"},
      {".h1\n", "has an empty label"},
      {"10.0.1\n", "is neither a valid IPv4 address nor a host name"},
      {"256.1.1.1\n", "is neither a valid IPv4 address nor a host name"},
      {std::string(64, 'a') + ".example\n", "has a label of 64 characters"},
      {std::string(254, 'a') + "\n", "is 254 characters long"},
      {"h\xc3\xa9\n", "non-ASCII"},
      {"h1,h2\n", "contains ','"},
      {"/r/h_1\n", "contains '/'"}, // the rack regex takes no '_', so the prefix stays
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parse_workers(c.text, "workers");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find(c.fragment) != std::string::npos);
  }
  const auto hostile = parse_workers(fixture("hosts/workers-hostile"), "workers");
  REQUIRE_FALSE(hostile);
  CHECK(hostile.error().message.find("workers:3:") == 0);
  const auto with_port = parse_workers("h1:8081\n", "workers");
  REQUIRE_FALSE(with_port);
  CHECK(with_port.error().hint.find("take no port") != std::string::npos);
}

TEST_CASE("hosts_files: validate_host table") {
  const std::vector<std::string_view> good = {
      "localhost", "h1",  "jm-1.example.com", "tm_5.internal",   "host.example.com.",
      "10.0.0.1",  "::1", "2001:db8::1",      "::ffff:10.0.0.1", std::string_view("a1")};
  for (const auto host : good) {
    CAPTURE(host);
    CHECK_FALSE(validate_host(host));
  }
  const std::vector<std::string_view> bad = {"",      "-h",    "h h",          "h;x", "a..b",
                                             "1.2.3", "[::1]", "2001:db8:::1", "h:1", "h\t",
                                             "$HOME", "h*",    "h?",           "~h",  "h'"};
  for (const auto host : bad) {
    CAPTURE(host);
    CHECK(validate_host(host));
  }
}

TEST_CASE("hosts_files: load_masters and load_workers") {
  TempDir dir;
  {
    const auto masters = load_masters(dir.path());
    REQUIRE(masters);
    CHECK_FALSE(masters->has_value());
    const auto workers = load_workers(dir.path());
    REQUIRE(workers);
    CHECK_FALSE(workers->has_value());
  }

  dir.write("slaves", "old1\nold2\n");
  {
    const auto workers = load_workers(dir.path());
    REQUIRE(workers);
    REQUIRE(workers->has_value());
    const auto& file = **workers;
    CHECK(file.path == dir.path() / "slaves");
    REQUIRE(file.workers.size() == 2);
    CHECK(file.workers[1].where == flinkha::config::SourceLocation{"slaves", 2});
    REQUIRE(file.diagnostics.size() == 1);
    CHECK(file.diagnostics[0].code == "slaves-file");
    CHECK(file.diagnostics[0].severity == Severity::warning);
    CHECK(file.diagnostics[0].where == flinkha::config::SourceLocation{"slaves", 0});
  }

  dir.write("workers", "new1\n");
  dir.write("masters", "jm1:8081\n");
  {
    const auto workers = load_workers(dir.path());
    REQUIRE(workers);
    REQUIRE(workers->has_value());
    const auto& file = **workers;
    CHECK(file.path == dir.path() / "workers");
    REQUIRE(file.workers.size() == 1);
    CHECK(file.workers[0].host == "new1");
    REQUIRE(file.diagnostics.size() == 1);
    CHECK(file.diagnostics[0].code == "slaves-file-ignored");
    CHECK(file.diagnostics[0].severity == Severity::info);

    const auto masters = load_masters(dir.path());
    REQUIRE(masters);
    REQUIRE(masters->has_value());
    CHECK((*masters)->path == dir.path() / "masters");
    CHECK((*masters)->masters[0].host == "jm1");
  }

  dir.write("masters", "bad host\n");
  {
    const auto masters = load_masters(dir.path());
    REQUIRE_FALSE(masters);
    CHECK(masters.error().message.find("masters:1:") == 0);
  }
}

TEST_CASE("hosts_files: unreadable files are errors") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "masters");
  const auto masters = load_masters(dir.path());
  REQUIRE_FALSE(masters);
  CHECK(masters.error().message.find("not a regular file") != std::string::npos);

  const auto workers_path = dir.write("workers", "h1\n");
  std::filesystem::permissions(workers_path, std::filesystem::perms::none);
  // root reads the file anyway; the check only means something for other users.
  if (!std::ifstream(workers_path).good()) {
    const auto workers = load_workers(dir.path());
    REQUIRE_FALSE(workers);
    CHECK(workers.error().message.find("cannot read") != std::string::npos);
  }
}
