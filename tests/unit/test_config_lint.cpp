// `config check` rules: one case per diagnostic code, each against a whole conf dir on disk, plus
// the clean shipped example (no false positives).

#include "config/lint.hpp"
#include "remote/ssh_options.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

using namespace flinkha::config;
using flinkha::test::fake_environment;
using flinkha::test::TempDir;

namespace {

// A valid HA cluster: 3 voters, quorum matching zoo.cfg, its own cluster-id, masters with ports.
constexpr const char* kGoodConf = "high-availability.type: zookeeper\n"
                                  "high-availability.zookeeper.quorum: zk1:2181,zk2:2181,zk3:2181\n"
                                  "high-availability.storageDir: hdfs://namenode:8020/flink/ha\n"
                                  "high-availability.cluster-id: /prod\n";
constexpr const char* kGoodZoo = "server.1=zk1:2888:3888\nserver.2=zk2:2888:3888\n"
                                 "server.3=zk3:2888:3888\ndataDir=/var/lib/zookeeper\n";

struct Lint {
  TempDir dir;
  std::string version = "1.20";
  std::map<std::string, std::string> env;

  Lint() {
    dir.write("masters", "jm1:8081\njm2:8081\n");
    dir.write("zoo.cfg", kGoodZoo);
  }

  Diagnostics run(const std::string& flink_conf) {
    dir.write("flink-conf.yaml", flink_conf);
    LoadRequest request;
    request.conf_dir = dir.path();
    request.flink_version = parse_flink_version(version).value();
    request.environment = fake_environment({});
    auto config = load_cluster_config(request);
    REQUIRE(config.has_value());
    return lint_cluster_config(*config, fake_environment(env));
  }
};

// A copy, so that checks on a temporary list stay valid.
std::optional<Diagnostic> find_code(const Diagnostics& diagnostics, std::string_view code) {
  auto it = std::ranges::find(diagnostics, code, &Diagnostic::code);
  if (it == diagnostics.end()) {
    return std::nullopt;
  }
  return *it;
}

std::vector<std::string> codes(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics) {
    out.push_back(d.code);
  }
  return out;
}

} // namespace

TEST_CASE("lint: a well-configured HA cluster has no findings") {
  Lint lint;
  const auto diagnostics = lint.run(kGoodConf);
  CHECK(codes(diagnostics) == std::vector<std::string>{});
}

TEST_CASE("lint: the shipped example conf/ is clean") {
  LoadRequest request;
  request.conf_dir = std::filesystem::path(FLINKHA_FIXTURES_DIR) / "../../../conf";
  request.environment = fake_environment({});
  const auto config = load_cluster_config(request);
  REQUIRE(config.has_value());
  CHECK(config->ha.namespace_path == "/flink/flinkha-local");
  CHECK(codes(lint_cluster_config(*config, fake_environment({}))) == std::vector<std::string>{});
}

TEST_CASE("lint: HA without quorum or storageDir is an error") {
  Lint lint;
  const auto diagnostics = lint.run("high-availability.type: zookeeper\n");
  const auto quorum = find_code(diagnostics, "ha-no-quorum");
  REQUIRE(quorum.has_value());
  CHECK(quorum->severity == Severity::error);
  CHECK(quorum->where == SourceLocation{"flink-conf.yaml", 1});
  const auto storage = find_code(diagnostics, "ha-no-storage-dir");
  REQUIRE(storage.has_value());
  CHECK(storage->severity == Severity::error);
  CHECK(has_errors(diagnostics));
}

TEST_CASE("lint: masters given but HA off") {
  Lint lint;
  const auto diagnostics = lint.run("high-availability.type: NONE\n");
  const auto d = find_code(diagnostics, "masters-ignored");
  REQUIRE(d.has_value());
  CHECK(d->severity == Severity::warning);
  CHECK(d->message.find("2 JobManager") != std::string::npos);
}

TEST_CASE("lint: the shipped default masters file is no reason to warn when HA is off") {
  Lint lint;
  lint.dir.write("masters", "localhost:8081\n");
  CHECK(find_code(lint.run("jobmanager.rpc.address: localhost\n"), "masters-ignored") ==
        std::nullopt);
}

TEST_CASE("lint: a masters line without web UI port") {
  Lint lint;
  lint.dir.write("masters", "jm1:8081\njm2\n");
  const auto d = find_code(lint.run(kGoodConf), "masters-no-port");
  REQUIRE(d.has_value());
  CHECK(d->where == SourceLocation{"masters", 2});
}

TEST_CASE("lint: the same host and port twice in masters") {
  Lint lint;
  lint.dir.write("masters", "jm1:8081\njm1:8081\n");
  const auto d = find_code(lint.run(kGoodConf), "masters-duplicate");
  REQUIRE(d.has_value());
  CHECK(d->severity == Severity::error);
  CHECK(d->where == SourceLocation{"masters", 2});
}

TEST_CASE("lint: quorum hosts that are not the zoo.cfg servers") {
  Lint lint;
  const auto diagnostics =
      lint.run("high-availability.type: zookeeper\n"
               "high-availability.storageDir: hdfs:///flink/ha\n"
               "high-availability.cluster-id: /prod\n"
               "high-availability.zookeeper.quorum: zk1:2181, zk2:2181, zk9:2181\n");
  const auto d = find_code(diagnostics, "quorum-mismatch");
  REQUIRE(d.has_value());
  CHECK(d->where == SourceLocation{"flink-conf.yaml", 4});
  CHECK(d->message.find("not in zoo.cfg: zk9:2181") != std::string::npos);
  CHECK(d->message.find("missing from the quorum: zk3:2181") != std::string::npos);
}

TEST_CASE("lint: an even number of ZooKeeper voters; observers do not count") {
  Lint lint;
  SUBCASE("four voters") {
    lint.dir.write("zoo.cfg", std::string(kGoodZoo) + "server.4=zk4:2888:3888\n");
    const auto d = find_code(lint.run(kGoodConf), "even-voters");
    REQUIRE(d.has_value());
    CHECK(d->message.find("4 voting servers") != std::string::npos);
  }
  SUBCASE("three voters and an observer") {
    lint.dir.write("zoo.cfg", std::string(kGoodZoo) + "server.4=zk4:2888:3888:observer\n");
    CHECK(find_code(lint.run(kGoodConf), "even-voters") == std::nullopt);
  }
}

TEST_CASE("lint: cluster-id left at /default") {
  Lint lint;
  const auto diagnostics =
      lint.run("high-availability.type: zookeeper\n"
               "high-availability.zookeeper.quorum: zk1:2181,zk2:2181,zk3:2181\n"
               "high-availability.storageDir: hdfs:///flink/ha\n");
  const auto d = find_code(diagnostics, "default-cluster-id");
  REQUIRE(d.has_value());
  CHECK(d->severity == Severity::warning);
}

TEST_CASE("lint: cluster-id set on YARN or Kubernetes") {
  Lint lint;
  for (const char* target : {"yarn-application", "kubernetes-session"}) {
    CAPTURE(target);
    const auto diagnostics =
        lint.run(std::string(kGoodConf) + "execution.target: " + target + "\n");
    const auto d = find_code(diagnostics, "cluster-id-managed");
    REQUIRE(d.has_value());
    CHECK(d->where == SourceLocation{"flink-conf.yaml", 4});
    CHECK(find_code(diagnostics, "default-cluster-id") == std::nullopt);
  }
}

TEST_CASE("lint: parse_port_range follows NetUtils.getPortRangeFromString") {
  CHECK(parse_port_range("50010").value() == std::vector<PortRange>{{50010, 50010}});
  CHECK(parse_port_range(" 50000-50025 , 50100").value() ==
        std::vector<PortRange>{{50000, 50025}, {50100, 50100}});
  CHECK(parse_port_range("0").value() == std::vector<PortRange>{{0, 0}});
  for (const char* bad : {"", "abc", "5-", "-5", "70000", "50025-50000", "1,,2", "1.5"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_port_range(bad).has_value());
  }
}

TEST_CASE("lint: high-availability.jobmanager.port that is not a port range") {
  Lint lint;
  const auto d =
      find_code(lint.run(std::string(kGoodConf) + "high-availability.jobmanager.port: 6123-abc\n"),
                "bad-port-range");
  REQUIRE(d.has_value());
  CHECK(d->severity == Severity::error);
  CHECK(d->where == SourceLocation{"flink-conf.yaml", 5});
  CHECK(find_code(
            lint.run(std::string(kGoodConf) + "high-availability.jobmanager.port: 50000-50025\n"),
            "bad-port-range") == std::nullopt);
}

TEST_CASE("lint: acl creator with SASL disabled, and unknown ACL values") {
  Lint lint;
  const auto creator =
      lint.run(std::string(kGoodConf) + "high-availability.zookeeper.client.acl: creator\n"
                                        "zookeeper.sasl.disable: true\n");
  const auto d = find_code(creator, "acl-creator-without-sasl");
  REQUIRE(d.has_value());
  CHECK(d->severity == Severity::error);
  CHECK(find_code(
            lint.run(std::string(kGoodConf) + "high-availability.zookeeper.client.acl: creator\n"),
            "acl-creator-without-sasl") == std::nullopt);
  CHECK(find_code(
            lint.run(std::string(kGoodConf) + "high-availability.zookeeper.client.acl: world\n"),
            "bad-acl")
            .has_value());
}

TEST_CASE("lint: tolerate-suspended-connections on") {
  Lint lint;
  const auto d = find_code(
      lint.run(std::string(kGoodConf) +
               "high-availability.zookeeper.client.tolerate-suspended-connections: true\n"),
      "tolerate-suspended");
  REQUIRE(d.has_value());
  CHECK(d->where == SourceLocation{"flink-conf.yaml", 5});
}

TEST_CASE("lint: yarn.application-attempts above the ResourceManager's max attempts") {
  Lint lint;
  TempDir hadoop;
  hadoop.write("yarn-site.xml", R"(<?xml version="1.0"?>
<configuration>
  <property><name>yarn.resourcemanager.am.max-attempts</name><value>4</value></property>
</configuration>
)");
  lint.env["HADOOP_CONF_DIR"] = hadoop.path().string();
  const auto over = lint.run(std::string(kGoodConf) + "yarn.application-attempts: 10\n");
  const auto d = find_code(over, "yarn-attempts");
  REQUIRE(d.has_value());
  CHECK(d->message.find("at 4") != std::string::npos);
  CHECK(find_code(lint.run(std::string(kGoodConf) + "yarn.application-attempts: 4\n"),
                  "yarn-attempts") == std::nullopt);
  SUBCASE("without the property YARN's default of 2 applies") {
    hadoop.write("yarn-site.xml", "<configuration/>");
    CHECK(find_code(lint.run(std::string(kGoodConf) + "yarn.application-attempts: 3\n"),
                    "yarn-attempts")
              .has_value());
  }
}

TEST_CASE("lint: conflicting values under several names of one option") {
  Lint lint;
  lint.version = "1.17";
  const auto diagnostics = lint.run(std::string(kGoodConf) + "high-availability: NONE\n");
  const auto d = find_code(diagnostics, "conflicting-keys");
  REQUIRE(d.has_value());
  CHECK(d->where == SourceLocation{"flink-conf.yaml", 5});
  CHECK(d->message.find("high-availability.type (flink-conf.yaml:1)") != std::string::npos);
  SUBCASE("the same value under two names is no conflict") {
    CHECK(find_code(lint.run(std::string(kGoodConf) + "high-availability: zookeeper\n"),
                    "conflicting-keys") == std::nullopt);
  }
}

TEST_CASE("lint: a cluster-id that names no place of its own") {
  Lint lint;
  for (const char* id : {"/", "//prod//", "/a/../b", "/./", ""}) {
    CAPTURE(id);
    const auto diagnostics =
        lint.run("high-availability.type: zookeeper\n"
                 "high-availability.zookeeper.quorum: zk1:2181,zk2:2181,zk3:2181\n"
                 "high-availability.storageDir: hdfs:///flink/ha\n"
                 "high-availability.cluster-id: " +
                 std::string(id) + "\n");
    const auto d = find_code(diagnostics, "bad-cluster-id");
    if (std::string(id).empty()) {
      // "key: " is a malformed line for Flink's legacy parser: the default /default applies.
      CHECK_FALSE(d.has_value());
      continue;
    }
    REQUIRE(d.has_value());
    CHECK(d->severity == Severity::error);
    CHECK(d->where == SourceLocation{"flink-conf.yaml", 4});
  }
}

TEST_CASE("lint: zoo.cfg without dataDir warns only when Flink's ZooKeeper launcher is used") {
  Lint lint;
  lint.dir.write("zoo.cfg", "server.1=zk1:2888:3888\nserver.2=zk2:2888:3888\n"
                            "server.3=zk3:2888:3888\n");
  CHECK(find_code(lint.run(std::string(kGoodConf) + "zookeeper.launcher: flink\n"),
                  "zk-datadir-temp"));
  // flinkha's own launcher gives every peer a stable dataDir.
  CHECK_FALSE(find_code(lint.run(std::string(kGoodConf) + "zookeeper.launcher: ZooKeeper\n"),
                        "zk-datadir-temp"));
  const auto bad =
      find_code(lint.run(std::string(kGoodConf) + "zookeeper.launcher: zkServer\n"), "zk-launcher");
  REQUIRE(bad);
  CHECK(bad->severity == Severity::error);
  CHECK(bad->where.line == 5);
}

TEST_CASE("lint: an HA type Flink would load as a factory class") {
  Lint lint;
  const auto d = find_code(lint.run("high-availability.type: zookeper\n"), "ha-unknown-type");
  REQUIRE(d.has_value());
  CHECK(d->severity == Severity::warning);
  CHECK(d->where == SourceLocation{"flink-conf.yaml", 1});
  SUBCASE("a factory class name is what the operator meant") {
    CHECK_FALSE(find_code(lint.run(std::string(kGoodConf) +
                                   "high-availability.type: com.example.MyHaServicesFactory\n"),
                          "ha-unknown-type")
                    .has_value());
  }
}

TEST_CASE("lint: ZooKeeper HA without a masters file") {
  Lint lint;
  std::filesystem::remove(lint.dir.path() / "masters");
  const auto d = find_code(lint.run(kGoodConf), "ha-no-masters");
  REQUIRE(d.has_value());
  CHECK(d->severity == Severity::warning);
}

// ---- Hostile inputs (issue 12): one conf dir per kind, each valid but for one value -----------

namespace {

// What `flinkha config check` runs: the loader, the configuration's rules and env.ssh.opts by
// the ssh executor's parser (cli/config_cmd.cpp run_check).
struct Checked {
  std::optional<Diagnostics> diagnostics; // empty when loading failed
  std::string load_error;
};

Checked config_check(const std::filesystem::path& conf_dir, std::string_view version = "1.20") {
  LoadRequest request;
  request.conf_dir = conf_dir;
  request.flink_version = parse_flink_version(version).value();
  request.environment = fake_environment({});
  auto config = load_cluster_config(request);
  if (!config) {
    return {std::nullopt, config.error().message};
  }
  auto diagnostics = lint_cluster_config(*config, fake_environment({}));
  const auto ssh = flinkha::remote::lint_ssh_opts(*config, fake_environment({}));
  diagnostics.insert(diagnostics.end(), ssh.begin(), ssh.end());
  return {std::move(diagnostics), {}};
}

struct Expected {
  std::string code;
  SourceLocation where;
  std::string fragment; // the key, entry or line the message must name
  Severity severity = Severity::error;
};

void check_reports(const Diagnostics& diagnostics, const std::vector<Expected>& expected) {
  for (const auto& e : expected) {
    CAPTURE(e.code);
    CAPTURE(e.fragment);
    const auto found = std::ranges::find_if(diagnostics, [&](const Diagnostic& d) {
      return d.code == e.code && d.where == e.where &&
             d.message.find(e.fragment) != std::string::npos;
    });
    if (found == diagnostics.end()) {
      for (const auto& d : diagnostics) {
        MESSAGE(d.code << " " << to_string(d.where) << " " << d.message);
      }
    }
    REQUIRE(found != diagnostics.end());
    CHECK(found->severity == e.severity);
  }
}

std::filesystem::path hostile(std::string_view name) {
  return std::filesystem::path(FLINKHA_FIXTURES_DIR) / "hostile" / name;
}

} // namespace

TEST_CASE("lint: hostile inputs in fixtures/hostile each give a finding naming key and line") {
  const auto conf = [](int line) { return SourceLocation{"flink-conf.yaml", line}; };
  const auto zoo = [](int line) { return SourceLocation{"zoo.cfg", line}; };
  const std::vector<std::pair<std::string, std::vector<Expected>>> cases = {
      {"quorum-port", {{"bad-quorum-entry", conf(2), "quorum entry 'zk2:70000' has port '70000'"}}},
      {"quorum-host",
       {{"bad-quorum-entry", conf(2), "'-oProxyCommand=id:2181' has host '-oProxyCommand=id'"},
        {"bad-quorum-entry", conf(2),
         "'zk3;id:2181' has host 'zk3;id', which contains the "
         "shell metacharacter ';'"}}},
      {"port-options",
       {{"bad-port", conf(5), "rest.port '99999'"},
        {"bad-port-range", conf(6), "blob.server.port '50100-70000'"},
        {"bad-port-range", conf(7), "taskmanager.rpc.port '6122;id'"}}},
      {"host-options",
       {{"bad-host", conf(5), "jobmanager.rpc.address 'jm1;reboot'"},
        {"bad-host", conf(6), "rest.bind-address '-oProxyCommand=x'"},
        {"bad-host", conf(7), "taskmanager.host 'tm`id`'"}}},
      {"host-newline", {{"bad-host", {"config.yaml", 5}, "jobmanager.rpc.address 'jm1\\x0aid'"}}},
      {"ssh-opts-ignored",
       {{"ssh-opts-ignored", conf(5), "\"-o ProxyCommand=nc\"", Severity::warning},
        {"ssh-opts-ignored", conf(5), "\"-o LocalCommand=id\"", Severity::warning},
        {"ssh-opts-ignored", conf(5), "\"-v\"", Severity::warning}}},
      {"ssh-opts-bad", {{"bad-ssh-opts", conf(5), "env.ssh.opts: \"-p 70000\""}}},
      {"zoo-no-ports",
       {{"zk-server-no-ports", zoo(1),
         "server.1=zk1: no quorum/election port (expected zk1:2888:3888)", Severity::warning},
        {"zk-server-no-ports", zoo(2), "server.2=zk2: no quorum/election port",
         Severity::warning}}},
      {"zoo-not-key-value",
       {{"zk-malformed-line", zoo(5), "'this is not a zoo.cfg' is not key=value"},
        {"zk-malformed-line", zoo(6), "'GIF89a' is not key=value"}}},
      {"cluster-id-dot",
       {{"bad-cluster-id", conf(4), "high-availability.cluster-id: cluster-id '/./' has a '.'"}}},
  };
  for (const auto& [name, expected] : cases) {
    CAPTURE(name);
    const auto checked = config_check(hostile(name));
    REQUIRE_MESSAGE(checked.diagnostics.has_value(), checked.load_error);
    check_reports(*checked.diagnostics, expected);
  }
}

TEST_CASE("lint: hostile bytes (NUL, control bytes, invalid UTF-8, binary zoo.cfg)") {
  Lint lint;
  const std::string base = "high-availability.type: zookeeper\n"
                           "high-availability.zookeeper.quorum: zk1:2181,zk2:2181,zk3:2181\n";
  SUBCASE("a NUL byte in the cluster-id") {
    const auto d = find_code(lint.run(base + "high-availability.storageDir: hdfs:///ha\n" +
                                      std::string("high-availability.cluster-id: /a\0b\n", 35)),
                             "bad-cluster-id");
    REQUIRE(d.has_value());
    CHECK(d->where == SourceLocation{"flink-conf.yaml", 4});
    CHECK(d->message.find("control byte \\x00") != std::string::npos);
  }
  SUBCASE("invalid UTF-8 in the cluster-id") {
    const auto d = find_code(lint.run(base + "high-availability.storageDir: hdfs:///ha\n"
                                             "high-availability.cluster-id: /caf\xc3(\n"),
                             "bad-cluster-id");
    REQUIRE(d.has_value());
    CHECK(d->message.find("not valid UTF-8 at byte 5") != std::string::npos);
  }
  SUBCASE("a control byte in storageDir") {
    const auto d = find_code(lint.run(base + "high-availability.storageDir: hdfs:///h\x01"
                                             "a\n"
                                             "high-availability.cluster-id: /prod\n"),
                             "bad-path");
    REQUIRE(d.has_value());
    CHECK(d->where == SourceLocation{"flink-conf.yaml", 3});
    CHECK(d->message.find("high-availability.storageDir") != std::string::npos);
  }
  SUBCASE("a zoo.cfg of binary garbage") {
    // Deterministic noise with '=' and newlines in it, as a binary file has.
    std::string garbage;
    std::uint32_t state = 12345;
    for (int i = 0; i < 64 * 1024; ++i) {
      state = state * 1103515245U + 12345U;
      garbage.push_back(static_cast<char>(state >> 24));
    }
    lint.dir.write("zoo.cfg", garbage);
    const auto diagnostics = lint.run(std::string(kGoodConf));
    const auto malformed = std::ranges::count(diagnostics, "zk-malformed-line", &Diagnostic::code);
    // The first 100 lines (the readers' cap, CappedDiagnostics), and one line saying how many
    // more there are and where.
    CHECK(malformed == 101);
    const auto summary = std::ranges::find_if(diagnostics, [](const Diagnostic& d) {
      return d.code == "zk-malformed-line" && d.message.find("are not listed") != std::string::npos;
    });
    CHECK(summary != diagnostics.end());
    // Malformed lines get no further findings (no zk-duplicate-key for the random "keys"), so the
    // report stays readable whatever the size of the file.
    CHECK(std::ranges::count(diagnostics, "zk-duplicate-key", &Diagnostic::code) == 0);
    for (const auto& d : diagnostics) {
      if (d.code == "zk-malformed-line") {
        CHECK(d.severity == Severity::error);
        CHECK(d.where.file == "zoo.cfg");
        CHECK(d.where.line > 0);
      }
    }
  }
}

TEST_CASE("lint: hostile masters and workers fail loading, naming file:line") {
  TempDir dir;
  dir.write("flink-conf.yaml", kGoodConf);
  dir.write("zoo.cfg", kGoodZoo);
  for (const auto& [file, text, fragment] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"masters", "jm1:8081\njm2;id:8081\n", "masters:2: invalid host 'jm2;id'"},
           {"workers", "tm1\n-oProxyCommand=x\n", "workers:2: invalid host '-oProxyCommand=x'"},
       }) {
    CAPTURE(file);
    std::filesystem::remove(dir.path() / "masters");
    std::filesystem::remove(dir.path() / "workers");
    dir.write(file, text);
    const auto checked = config_check(dir.path());
    REQUIRE_FALSE(checked.diagnostics.has_value());
    CHECK(checked.load_error.find(fragment) != std::string::npos);
  }
}

TEST_CASE("lint: well-formed ports, hosts and ssh options give no finding") {
  Lint lint;
  const auto diagnostics = lint.run(std::string(kGoodConf) +
                                    "rest.port: 8081\n"
                                    "rest.bind-port: 50100-50200\n"
                                    "blob.server.port: 6124,50100-50200\n"
                                    "taskmanager.data.port: 0\n"
                                    "jobmanager.rpc.address: jm1.example.com\n"
                                    "rest.bind-address: 0.0.0.0\n"
                                    "taskmanager.host: 2001:db8::1\n"
                                    "env.ssh.opts: -p 2222 -o StrictHostKeyChecking=accept-new\n");
  CHECK(codes(diagnostics) == std::vector<std::string>{});
  LoadRequest request;
  request.conf_dir = lint.dir.path();
  request.flink_version = parse_flink_version("1.20").value();
  request.environment = fake_environment({});
  const auto config = load_cluster_config(request).value();
  CHECK(flinkha::remote::lint_ssh_opts(config, fake_environment({})).empty());
  // $FLINK_SSH_OPTS wins over env.ssh.opts, as in config.sh; its findings have no file.
  const auto from_env =
      flinkha::remote::lint_ssh_opts(config, fake_environment({{"FLINK_SSH_OPTS", "-A"}}));
  REQUIRE(from_env.size() == 1);
  CHECK(from_env[0].code == "ssh-opts-ignored");
  CHECK(from_env[0].where.empty());
  CHECK(from_env[0].message.find("$FLINK_SSH_OPTS") != std::string::npos);
}
