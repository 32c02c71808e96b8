// The Hadoop configuration as Flink loads it (HadoopUtils.getHadoopConfiguration per version,
// Hadoop's Configuration rules) and where the WebHDFS endpoints of a URI are (FileSystem
// .getDefaultUri, HAUtilClient.isLogicalUri, DFSUtilClient.getHaNnWebHdfsAddresses).

#include "config/hadoop_conf.hpp"
#include "config/hadoop_namenodes.hpp"
#include "config/lint_hdfs.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

using namespace flinkha::config;
using flinkha::test::fake_environment;
using flinkha::test::TempDir;

namespace {

std::string site(std::initializer_list<std::pair<const char*, const char*>> properties) {
  std::string xml = "<?xml version=\"1.0\"?>\n<configuration>\n";
  for (const auto& [name, value] : properties) {
    xml += fmt::format("  <property>\n    <name>{}</name>\n    <value>{}</value>\n  </property>\n",
                       name, value);
  }
  return xml + "</configuration>\n";
}

HadoopConf parsed(const std::string& xml) {
  HadoopConf conf;
  REQUIRE(parse_hadoop_xml(xml, "core-site.xml", conf));
  return conf;
}

FlatConfig flink_conf(std::initializer_list<std::pair<const char*, std::string>> entries) {
  FlatConfig config;
  int line = 1;
  for (const auto& [key, value] : entries) {
    config.set({key, value, {"config.yaml", line++}});
  }
  return config;
}

std::vector<std::string> reasons(const std::vector<HadoopResource>& resources) {
  std::vector<std::string> out;
  for (const auto& resource : resources) {
    out.push_back(resource.path.filename().string() + " " + resource.reason);
  }
  return out;
}

} // namespace

TEST_CASE("Hadoop XML: name, value, final, attributes, line numbers") {
  HadoopConf conf = parsed("<?xml version=\"1.0\"?>\n"
                           "<configuration>\n"
                           "  <property>\n"
                           "    <name> fs.defaultFS </name>\n"
                           "    <value>hdfs://nn1:8020</value>\n"
                           "    <final>true</final>\n"
                           "  </property>\n"
                           "  <property name=\"dfs.replication\" value=\"2\"/>\n"
                           "  <property><name>no.value</name></property>\n"
                           "</configuration>\n");
  REQUIRE(conf.find("fs.defaultFS") != nullptr);
  CHECK(conf.get("fs.defaultFS") == "hdfs://nn1:8020");
  CHECK(conf.find("fs.defaultFS")->final);
  CHECK(conf.find("fs.defaultFS")->where == SourceLocation{"core-site.xml", 3});
  CHECK(conf.get("dfs.replication") == "2");
  CHECK(conf.find("dfs.replication")->where.line == 8);
  CHECK_FALSE(conf.get("no.value"));

  // A later resource overrides, except a final value.
  REQUIRE(parse_hadoop_xml(site({{"fs.defaultFS", "hdfs://other:8020"}, {"dfs.replication", "3"}}),
                           "hdfs-site.xml", conf));
  CHECK(conf.get("fs.defaultFS") == "hdfs://nn1:8020");
  CHECK(conf.get("dfs.replication") == "3");
  REQUIRE(conf.diagnostics.size() == 1);
  CHECK(conf.diagnostics[0].code == "hadoop-final-override");
  CHECK(conf.diagnostics[0].where.file == "hdfs-site.xml");
}

TEST_CASE("Hadoop XML: deprecated names are read under the new ones") {
  const auto conf =
      parsed(site({{"fs.default.name", "hdfs://old:9000"}, {"dfs.http.address", "old:50070"}}));
  CHECK(conf.get("fs.defaultFS") == "hdfs://old:9000");
  CHECK(conf.get("dfs.namenode.http-address") == "old:50070");
}

TEST_CASE("Hadoop XML: ${} substitution as Configuration.substituteVars") {
  auto conf = parsed(site({{"nn.host", "nn1.example.com"},
                           {"nn.port", "${nn.rpc}"},
                           {"nn.rpc", "8020"},
                           {"fs.defaultFS", "hdfs://${nn.host}:${nn.port}"},
                           {"unknown", "a${no.such}b"},
                           {"self", "x${self}"},
                           {"from.env", "${env.HDFS_NN}/y"},
                           {"bad.var", "${a b}"},
                           {"loop.a", "${loop.b}"},
                           {"loop.b", "${loop.a}"}}));
  conf.environment = fake_environment({{"HDFS_NN", "envnn"}});
  CHECK(conf.get("fs.defaultFS") == "hdfs://nn1.example.com:8020");
  CHECK(conf.get("unknown") == "a${no.such}b");
  CHECK(conf.get("self") == "x${self}");
  CHECK(conf.get("from.env") == "envnn/y");
  CHECK(conf.get("bad.var") == "${a b}");
  // A loop ends after the depth bound, never hangs.
  CHECK(conf.get("loop.a").has_value());
  CHECK(conf.get("user.name.ref") == std::nullopt);
}

TEST_CASE("Hadoop XML: bad XML names the file and the line") {
  HadoopConf conf;
  auto result = parse_hadoop_xml("<configuration>\n<property>\n<name>x</name>\n</configuration>\n",
                                 "/etc/hadoop/conf/hdfs-site.xml", conf);
  REQUIRE_FALSE(result);
  CHECK(result.error().message.starts_with("/etc/hadoop/conf/hdfs-site.xml:4: not well-formed"));
  CHECK(result.error().category == flinkha::ErrorCategory::configuration);

  auto wrong_root = parse_hadoop_xml("<?xml version=\"1.0\"?>\n<conf/>\n", "core-site.xml", conf);
  REQUIRE_FALSE(wrong_root);
  CHECK(wrong_root.error().message == "core-site.xml:2: the root element is <conf>, not "
                                      "<configuration>");
}

TEST_CASE("Hadoop conf lookup per Flink version (HadoopUtils.getHadoopConfiguration)") {
  TempDir dir;
  dir.write("home/etc/hadoop/core-site.xml", site({{"fs.defaultFS", "hdfs://home:8020"}}));
  dir.write("confdir/core-site.xml", site({{"fs.defaultFS", "hdfs://confdir:8020"}}));
  dir.write("confdir/hdfs-site.xml", site({}));
  dir.write("flinkkey/core-site.xml", site({{"fs.defaultFS", "hdfs://flinkkey:8020"}}));
  const auto env = fake_environment({{"HADOOP_HOME", (dir.path() / "home").string()},
                                     {"HADOOP_CONF_DIR", (dir.path() / "confdir").string()}});
  const auto flink = flink_conf({{"fs.hdfs.hadoopconf", (dir.path() / "flinkkey").string()},
                                 {"flink.hadoop.dfs.replication", "5"}});

  SUBCASE("1.20: HADOOP_HOME, fs.hdfs.hadoopconf, HADOOP_CONF_DIR, flink.hadoop.*") {
    const auto order = reasons(hadoop_resources(flink, {1, 20}, env));
    const std::vector<std::string> expected = {"core-site.xml $HADOOP_CONF_DIR (classpath)",
                                               "hdfs-site.xml $HADOOP_CONF_DIR (classpath)",
                                               "core-site.xml $HADOOP_HOME/conf",
                                               "hdfs-site.xml $HADOOP_HOME/conf",
                                               "core-site.xml $HADOOP_HOME/etc/hadoop",
                                               "hdfs-site.xml $HADOOP_HOME/etc/hadoop",
                                               "core-site.xml fs.hdfs.hadoopconf",
                                               "hdfs-site.xml fs.hdfs.hadoopconf",
                                               "core-site.xml $HADOOP_CONF_DIR",
                                               "hdfs-site.xml $HADOOP_CONF_DIR"};
    CHECK(order == expected);
    auto conf = load_hadoop_conf(flink, {1, 20}, env);
    REQUIRE(conf);
    CHECK(conf->get("fs.defaultFS") == "hdfs://confdir:8020"); // HADOOP_CONF_DIR is added last
    CHECK(conf->get("dfs.replication") == "5");
    CHECK(conf->find("dfs.replication")->where == SourceLocation{"config.yaml", 2});
    CHECK(conf->found);
  }
  SUBCASE("1.7: the Flink keys first, HADOOP_HOME last (before FLINK-11135)") {
    auto conf = load_hadoop_conf(flink, {1, 7}, env);
    REQUIRE(conf);
    CHECK(conf->get("fs.defaultFS") == "hdfs://home:8020");
    CHECK_FALSE(conf->get("dfs.replication")); // flink.hadoop.* came with 1.13
  }
  SUBCASE("2.x: fs.hdfs.* keys are gone") {
    const auto no_conf_dir = fake_environment({{"HADOOP_HOME", (dir.path() / "home").string()}});
    auto conf = load_hadoop_conf(flink, {2, 1}, no_conf_dir);
    REQUIRE(conf);
    CHECK(conf->get("fs.defaultFS") == "hdfs://home:8020");
    for (const auto& resource : conf->searched) {
      CHECK(resource.reason != "fs.hdfs.hadoopconf");
    }
    CHECK(conf->get("dfs.replication") == "5");
  }
  SUBCASE("env.hadoop.conf.dir reaches the classpath when HADOOP_CONF_DIR is unset") {
    const auto flink_env_key =
        flink_conf({{"env.hadoop.conf.dir", (dir.path() / "confdir").string()}});
    auto conf = load_hadoop_conf(flink_env_key, {2, 0}, fake_environment({}));
    REQUIRE(conf);
    CHECK(conf->get("fs.defaultFS") == "hdfs://confdir:8020");
    CHECK(conf->where_of("fs.defaultFS").find("confdir/core-site.xml:3") != std::string::npos);
  }
  SUBCASE(
      "the version boundaries: FLINK-11135 in 1.8, flink.hadoop.* in 1.13, no fs.hdfs.* in 2.0") {
    struct Row {
      FlinkVersion version;
      const char* first_reason; // after the classpath copy
      bool flink_hadoop;
      bool fs_hdfs_keys;
    };
    for (const auto& row : {Row{{1, 7}, "fs.hdfs.hadoopconf", false, true},
                            Row{{1, 8}, "$HADOOP_HOME/conf", false, true},
                            Row{{1, 12}, "$HADOOP_HOME/conf", false, true},
                            Row{{1, 13}, "$HADOOP_HOME/conf", true, true},
                            Row{{2, 0}, "$HADOOP_HOME/conf", true, false}}) {
      CAPTURE(row.version.to_string());
      const auto resources = hadoop_resources(flink, row.version, env);
      REQUIRE(resources.size() > 2);
      CHECK(resources[2].reason == row.first_reason);
      CHECK(std::ranges::any_of(resources, [](const HadoopResource& r) {
              return r.reason == "fs.hdfs.hadoopconf";
            }) == row.fs_hdfs_keys);
      auto conf = load_hadoop_conf(flink, row.version, env);
      REQUIRE(conf);
      CHECK(conf->get("dfs.replication").has_value() == row.flink_hadoop);
    }
  }
  SUBCASE("nothing anywhere") {
    auto conf = load_hadoop_conf(FlatConfig{}, {2, 0}, fake_environment({}));
    REQUIRE(conf);
    CHECK_FALSE(conf->found);
    CHECK(conf->loaded.empty());
  }
  SUBCASE("a broken file is an error naming it") {
    dir.write("confdir/hdfs-site.xml", "<configuration><property>");
    auto conf = load_hadoop_conf(FlatConfig{}, {2, 0}, env);
    REQUIRE_FALSE(conf);
    CHECK(conf.error().message.find("confdir/hdfs-site.xml:1") != std::string::npos);
  }
}

namespace {

HadoopConf ha_conf() {
  return parsed(site({{"fs.defaultFS", "hdfs://mycluster"},
                      {"dfs.nameservices", "mycluster, other"},
                      {"dfs.ha.namenodes.mycluster", "nn1,nn2, nn3"},
                      {"dfs.namenode.rpc-address.mycluster.nn1", "host1:8020"},
                      {"dfs.namenode.http-address.mycluster.nn1", "host1:9870"},
                      {"dfs.namenode.rpc-address.mycluster.nn2", "host2:8020"},
                      {"dfs.namenode.http-address.mycluster.nn2", "0.0.0.0:9871"},
                      {"dfs.namenode.https-address.mycluster.nn1", "host1:9881"},
                      {"dfs.namenode.http-address.other", "single:9870"}}));
}

} // namespace

TEST_CASE("NameNode resolution: every URI form") {
  const HadoopConf empty;
  SUBCASE("hdfs://nn:8020 without configuration: port 9870") {
    auto target = resolve_webhdfs("hdfs", "nn:8020", empty);
    REQUIRE(target);
    REQUIRE(target->namenodes.size() == 1);
    CHECK(target->namenodes[0].host == "nn");
    CHECK(target->namenodes[0].port == 9870);
    CHECK_FALSE(target->https);
  }
  SUBCASE("hdfs://nn (no port) and the configured http-address port") {
    const auto conf = parsed(site({{"dfs.namenode.http-address", "0.0.0.0:50070"}}));
    auto target = resolve_webhdfs("hdfs", "nn", conf);
    REQUIRE(target);
    CHECK(target->namenodes[0].host == "nn");
    CHECK(target->namenodes[0].port == 50070);
    CHECK(target->namenodes[0].source.find("dfs.namenode.http-address (core-site.xml:") !=
          std::string::npos);
  }
  SUBCASE("the http-address host when the configuration describes this NameNode") {
    const auto conf = parsed(site({{"fs.defaultFS", "hdfs://nn:8020"},
                                   {"dfs.namenode.http-address", "nn-web.example:9870"}}));
    auto mine = resolve_webhdfs("hdfs", "nn:8020", conf);
    REQUIRE(mine);
    CHECK(mine->namenodes[0].host == "nn-web.example");
    // Another cluster's URI keeps its own host.
    auto other = resolve_webhdfs("hdfs", "elsewhere:8020", conf);
    REQUIRE(other);
    CHECK(other->namenodes[0].host == "elsewhere");
  }
  SUBCASE("hdfs:/// uses fs.defaultFS") {
    const auto conf = parsed(site({{"fs.defaultFS", "hdfs://defnn:8020/"}}));
    auto target = resolve_webhdfs("hdfs", "", conf);
    REQUIRE(target);
    CHECK(target->authority == "defnn:8020");
    CHECK(target->namenodes[0].host == "defnn");
    CHECK(target->namenodes[0].port == 9870);
    CHECK(target->authority_source.starts_with("fs.defaultFS (core-site.xml:"));
  }
  SUBCASE("hdfs:/// without fs.defaultFS, or with file:///, is an error naming the key") {
    for (const auto& conf : {HadoopConf{}, parsed(site({{"fs.defaultFS", "file:///"}}))}) {
      auto target = resolve_webhdfs("hdfs", "", conf);
      REQUIRE_FALSE(target);
      CHECK(target.error().category == flinkha::ErrorCategory::configuration);
      CHECK(target.error().message.find("fs.defaultFS is 'file:///'") != std::string::npos);
      CHECK(target.error().hint.find("fs.defaultFS") != std::string::npos);
    }
  }
  SUBCASE("a nameservice: every member in order, a wildcard host from the RPC address") {
    auto target = resolve_webhdfs("hdfs", "mycluster", ha_conf());
    REQUIRE(target);
    CHECK(target->nameservice == "mycluster");
    REQUIRE(target->namenodes.size() == 2); // nn3 has no address: skipped, as Hadoop does
    CHECK(target->namenodes[0].host == "host1");
    CHECK(target->namenodes[0].port == 9870);
    CHECK(target->namenodes[0].id == "nn1");
    CHECK(target->namenodes[1].host == "host2");
    CHECK(target->namenodes[1].port == 9871);
    CHECK(target->namenodes[1].source.find("host from dfs.namenode.rpc-address.mycluster.nn2") !=
          std::string::npos);
  }
  SUBCASE("hdfs:/// with a nameservice in fs.defaultFS") {
    auto target = resolve_webhdfs("hdfs", "", ha_conf());
    REQUIRE(target);
    CHECK(target->nameservice == "mycluster");
    CHECK(target->namenodes.size() == 2);
  }
  SUBCASE("a nameservice without dfs.ha.namenodes has one address under .<ns>") {
    auto target = resolve_webhdfs("hdfs", "other", ha_conf());
    REQUIRE(target);
    REQUIRE(target->namenodes.size() == 1);
    CHECK(target->namenodes[0].host == "single");
  }
  SUBCASE("a nameservice with no address at all is an error naming the keys") {
    const auto conf = parsed(site({{"dfs.nameservices", "ns"}, {"dfs.ha.namenodes.ns", "a,b"}}));
    auto target = resolve_webhdfs("hdfs", "ns", conf);
    REQUIRE_FALSE(target);
    CHECK(target.error().message.find("dfs.namenode.http-address.ns.a, "
                                      "dfs.namenode.http-address.ns.b are not set") !=
          std::string::npos);
  }
  SUBCASE("webhdfs:// is already the HTTP address; swebhdfs:// is https on 9871") {
    auto web = resolve_webhdfs("webhdfs", "web:50070", empty);
    REQUIRE(web);
    CHECK(web->namenodes[0].port == 50070);
    auto web_default = resolve_webhdfs("WEBHDFS", "web", empty);
    REQUIRE(web_default);
    CHECK(web_default->namenodes[0].port == 9870);
    auto secure = resolve_webhdfs("swebhdfs", "web", empty);
    REQUIRE(secure);
    CHECK(secure->https);
    CHECK(secure->namenodes[0].port == 9871);
  }
  SUBCASE("dfs.http.policy HTTPS_ONLY: https and the https-address keys") {
    auto conf = ha_conf();
    conf.set("dfs.http.policy", {"HTTPS_ONLY", {}, false});
    auto target = resolve_webhdfs("hdfs", "mycluster", conf);
    REQUIRE(target);
    CHECK(target->https);
    REQUIRE(target->namenodes.size() == 1);
    CHECK(target->namenodes[0].port == 9881);
    auto plain = resolve_webhdfs("hdfs", "nn", conf);
    REQUIRE(plain);
    CHECK(plain->namenodes[0].port == 9871);
  }
  SUBCASE("bad hosts and ports are refused") {
    CHECK_FALSE(resolve_webhdfs("hdfs", "nn:99999", empty));
    CHECK_FALSE(resolve_webhdfs("hdfs", "-oProxy=x:8020", empty));
    CHECK_FALSE(resolve_webhdfs("hdfs", "nn;rm:8020", empty));
    const auto conf = parsed(site({{"dfs.namenode.http-address", "nn:port"}}));
    auto target = resolve_webhdfs("hdfs", "nn:8020", conf);
    REQUIRE_FALSE(target);
    CHECK(target.error().message.find("dfs.namenode.http-address") != std::string::npos);
  }
  SUBCASE("IPv6 literals") {
    auto target = resolve_webhdfs("webhdfs", "[::1]:9870", empty);
    REQUIRE(target);
    CHECK(target->namenodes[0].host == "::1");
  }
}

namespace {

// `config check` on a conf dir whose storageDir is `storage_dir`, with HADOOP_CONF_DIR = the
// given dir when set.
Diagnostics lint_hdfs_of(const TempDir& dir, const std::string& storage_dir,
                         std::optional<std::filesystem::path> hadoop_conf_dir) {
  dir.write("flink/flink-conf.yaml", "high-availability.type: zookeeper\n"
                                     "high-availability.zookeeper.quorum: zk1:2181\n"
                                     "high-availability.storageDir: " +
                                         storage_dir + "\n");
  LoadRequest request;
  request.conf_dir = dir.path() / "flink";
  request.flink_version = FlinkVersion{1, 20};
  request.environment = fake_environment({});
  auto config = load_cluster_config(request);
  REQUIRE(config);
  // HADOOP_CLASSPATH set: no /etc/hadoop/conf fallback from this machine.
  std::map<std::string, std::string> env = {{"HADOOP_CLASSPATH", "/none"}};
  if (hadoop_conf_dir) {
    env["HADOOP_CONF_DIR"] = hadoop_conf_dir->string();
  }
  Diagnostics out;
  lint_hdfs(*config, fake_environment(env), out);
  return out;
}

std::vector<std::string> codes_of(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics) {
    out.push_back(d.code);
  }
  return out;
}

} // namespace

TEST_CASE("lint hdfs: hdfs-no-hadoop-conf, hdfs-no-default-fs, hdfs-nameservice-no-http") {
  TempDir dir;
  SUBCASE("an authority needs no Hadoop configuration") {
    CHECK(lint_hdfs_of(dir, "hdfs://nn:8020/flink/ha", std::nullopt).empty());
    CHECK(lint_hdfs_of(dir, "file:///flink/ha", std::nullopt).empty());
  }
  SUBCASE("hdfs:/// and nothing where Flink looks") {
    const auto found = lint_hdfs_of(dir, "hdfs:///flink/ha", std::nullopt);
    REQUIRE(codes_of(found) == std::vector<std::string>{"hdfs-no-hadoop-conf"});
    CHECK(found[0].severity == Severity::warning);
    CHECK(found[0].where == SourceLocation{"flink-conf.yaml", 3});
    CHECK(found[0].hint.find("HADOOP_CONF_DIR") != std::string::npos);
  }
  SUBCASE("hdfs:/// and a configuration without fs.defaultFS") {
    dir.write("hadoop/core-site.xml", site({{"hadoop.tmp.dir", "/tmp"}}));
    const auto found = lint_hdfs_of(dir, "hdfs:///flink/ha", dir.path() / "hadoop");
    REQUIRE(codes_of(found) == std::vector<std::string>{"hdfs-no-default-fs"});
    CHECK(found[0].severity == Severity::error);
    CHECK(found[0].message.find("fs.defaultFS is 'file:///'") != std::string::npos);
  }
  SUBCASE("hdfs:/// and fs.defaultFS on a nameservice with a member lacking its address") {
    dir.write("hadoop/core-site.xml", site({{"fs.defaultFS", "hdfs://ns1"}}));
    dir.write("hadoop/hdfs-site.xml", site({{"dfs.nameservices", "ns1"},
                                            {"dfs.ha.namenodes.ns1", "nn1,nn2"},
                                            {"dfs.namenode.http-address.ns1.nn1", "h1:9870"}}));
    const auto found = lint_hdfs_of(dir, "hdfs:///flink/ha", dir.path() / "hadoop");
    REQUIRE(codes_of(found) == std::vector<std::string>{"hdfs-nameservice-no-http"});
    CHECK(found[0].message.find("dfs.namenode.http-address.ns1.nn2") != std::string::npos);
    // Complete: clean.
    dir.write("hadoop/hdfs-site.xml", site({{"dfs.nameservices", "ns1"},
                                            {"dfs.ha.namenodes.ns1", "nn1,nn2"},
                                            {"dfs.namenode.http-address.ns1.nn1", "h1:9870"},
                                            {"dfs.namenode.http-address.ns1.nn2", "h2:9870"}}));
    CHECK(lint_hdfs_of(dir, "hdfs:///flink/ha", dir.path() / "hadoop").empty());
  }
  SUBCASE("a broken Hadoop file") {
    dir.write("hadoop/core-site.xml", "<configuration>");
    const auto found = lint_hdfs_of(dir, "hdfs:///flink/ha", dir.path() / "hadoop");
    REQUIRE(codes_of(found) == std::vector<std::string>{"hadoop-conf-invalid"});
    CHECK(found[0].message.find("core-site.xml:1") != std::string::npos);
  }
}
