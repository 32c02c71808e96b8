#include "config/ha_paths.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

using flinkha::config::check_value_bytes;
using flinkha::config::cluster_storage_dir;
using flinkha::config::FlinkVersion;
using flinkha::config::job_result_store_path;
using flinkha::config::normalize_flink_path;
using flinkha::config::parse_quorum;
using flinkha::config::parse_quorum_server;
using flinkha::config::zookeeper_namespace;

TEST_CASE("ha_paths: zookeeper_namespace per Flink version") {
  struct Case {
    std::string_view root;
    std::string_view cluster_id;
    FlinkVersion version;
    std::string_view expected;
  };
  // clang-format off
  const std::vector<Case> cases = {
    // 1.0: the root only, one leading '/' dropped and re-added by Curator; no cluster-id.
    {"/flink",    "/default",     {1, 0},  "/flink"},
    {"/flink",    "/cluster_one", {1, 0},  "/flink"},
    {"flink",     "",             {1, 0},  "/flink"},
    {"/",         "/default",     {1, 0},  "/"},
    // 1.1: root + namespace; '/' prefixed to the namespace, one trailing '/' off the namespace,
    // the root's trailing '/' is kept.
    {"/flink",    "/default",     {1, 1},  "/flink/default"},
    {"/flink",    "default",      {1, 1},  "/flink/default"},
    {"/flink/",   "/default",     {1, 1},  "/flink//default"},
    {"/flink",    "/default/",    {1, 1},  "/flink/default"},
    {"/flink",    "",             {1, 1},  "/flink"},
    // 1.2-1.13: as 1.1, plus one trailing '/' off the root.
    {"/flink/",   "/default",     {1, 2},  "/flink/default"},
    {"/flink",    "default",      {1, 5},  "/flink/default"},
    {"/flink",    "default//",    {1, 13}, "/flink/default/"},
    {"/flink//",  "/default",     {1, 13}, "/flink//default"},
    {"/flink/",   "//default//",  {1, 13}, "/flink//default/"},
    {"flink",     "/c1",          {1, 13}, "/flink/c1"},
    {"/flink",    "",             {1, 13}, "/flink"},
    {"",          "/default",     {1, 2},  "/default"},
    // 1.14+: each part trimmed of every leading/trailing '/', empty parts dropped.
    {"/flink/",   "//default//",  {1, 14}, "/flink/default"},
    {"/flink/",   "//default//",  {1, 15}, "/flink/default"},
    {"/flink",    "/default",     {1, 20}, "/flink/default"},
    {"/flink",    "",             {1, 20}, "/flink"},
    {"/flink",    "/",            {2, 0},  "/flink"},
    {"",          "",             {2, 0},  "/"},
    {"//",        "/c1/",         {2, 3},  "/c1"},
    {"/flink//",  "/a/b/",        {2, 0},  "/flink/a/b"},
    {"/my/root",  "cluster_one",  {2, 1},  "/my/root/cluster_one"},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.root);
    CAPTURE(c.cluster_id);
    CAPTURE(c.version.to_string());
    CHECK(zookeeper_namespace(c.root, c.cluster_id, c.version) == c.expected);
  }
}

TEST_CASE("ha_paths: normalize_flink_path follows core.fs.Path") {
  struct Case {
    std::string_view input;
    std::string_view expected;
  };
  // clang-format off
  const std::vector<Case> cases = {
    // An empty authority ("file:///") is null in java.net.URI; Path.toString() drops it.
    {"file:///x//y/",             "file:/x/y"},
    {"file:///x",                 "file:/x"},
    {"file:/x/",                  "file:/x"},
    {"file:///",                  "file:/"},
    {"hdfs:///flink/recovery",    "hdfs:/flink/recovery"},
    // A real authority is kept.
    {"hdfs://nn:8020/a/",         "hdfs://nn:8020/a"},
    {"hdfs://nn:8020//a//b//",    "hdfs://nn:8020/a/b"},
    {"hdfs://nn",                 "hdfs://nn"},
    {"s3://bucket/",              "s3://bucket/"},
    {"s3://bucket/ha/",           "s3://bucket/ha"},
    // Local paths.
    {"/tmp//flink/ha/",           "/tmp/flink/ha"},
    {"/",                         "/"},
    {"//",                        "/"},
    {"relative//dir/",            "relative/dir"},
    {"\\tmp\\flink",              "/tmp/flink"},
    // A ':' after the first '/' is not a scheme.
    {"/data/a:b/",                "/data/a:b"},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.input);
    CHECK(normalize_flink_path(c.input) == c.expected);
  }
}

TEST_CASE("ha_paths: cluster_storage_dir is new Path(new Path(storageDir), clusterId)") {
  struct Case {
    std::string_view storage_dir;
    std::string_view cluster_id;
    std::optional<std::string> expected;
  };
  // clang-format off
  const std::vector<Case> cases = {
    {"file:///x",                  "/default",     "file:/x/default"},
    {"file:///x/",                 "/default",     "file:/x/default"},
    {"file:///x//",                "default",      "file:/x/default"},
    {"file:///",                   "/default",     "file:/default"},
    {"hdfs:///flink/recovery",     "/cluster_one", "hdfs:/flink/recovery/cluster_one"},
    {"hdfs://nn:8020/flink/ha/",   "/default",     "hdfs://nn:8020/flink/ha/default"},
    {"s3://bucket",                "/default",     "s3://bucket/default"},
    {"s3://bucket/",               "/default",     "s3://bucket/default"},
    {"/tmp/ha//",                  "default",      "/tmp/ha/default"},
    // Checked with Flink 1.20's Path: a leading "//" is an authority, and the result is not
    // inside the storage dir (or Flink throws).
    {"/tmp/ha",                    "//a//b//",     std::nullopt},
    {"file:///data//ha/",          "//default//",  std::nullopt},
    {"/tmp/ha",                    "/default/",    "/tmp/ha/default"},
    // Flink throws on an empty cluster-id ("Can not create a Path from an empty string").
    {"/tmp/ha/",                   "",             std::nullopt},
    {"/tmp/ha",                    "/",            "/tmp/ha"},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.storage_dir);
    CAPTURE(c.cluster_id);
    CHECK(cluster_storage_dir(c.storage_dir, c.cluster_id) == c.expected);
  }
}

TEST_CASE("ha_paths: job_result_store_path set vs blank") {
  struct Case {
    std::optional<std::string_view> storage_path;
    std::string_view storage_dir;
    std::string_view cluster_id;
    std::string_view expected;
  };
  // clang-format off
  const std::vector<Case> cases = {
    // Default: {storageDir}/job-result-store/{cluster-id}, Path-normalized.
    {std::nullopt,           "file:///x",            "/default", "file:/x/job-result-store/default"},
    {std::nullopt,           "file:///x/",           "default",  "file:/x/job-result-store/default"},
    {std::nullopt,           "hdfs://nn:8020/ha/",   "/c1",      "hdfs://nn:8020/ha/job-result-store/c1"},
    {std::nullopt,           "/ha",                  "",         "/ha/job-result-store"},
    {std::nullopt,           "/ha",                  "//a/b//",  "/ha/job-result-store/a/b"},
    // Blank counts as unset.
    {"",                     "file:///x",            "/default", "file:/x/job-result-store/default"},
    {"  \t",                 "file:///x",            "/default", "file:/x/job-result-store/default"},
    // Set: used as is, Path-normalized; storageDir and cluster-id play no part.
    {"hdfs://nn/jrs/",       "file:///x",            "/default", "hdfs://nn/jrs"},
    {"file:///var/jrs//a/",  "file:///x",            "/default", "file:/var/jrs/a"},
    {"/jrs",                 "",                     "",         "/jrs"},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.storage_path.value_or("<unset>"));
    CAPTURE(c.storage_dir);
    CAPTURE(c.cluster_id);
    CHECK(job_result_store_path(c.storage_path, c.storage_dir, c.cluster_id) == c.expected);
  }
}

TEST_CASE("ha_paths: parse_quorum strips whitespace and splits off the chroot") {
  struct Case {
    std::string_view input;
    std::vector<std::string> servers;
    std::string chroot;
  };
  // clang-format off
  const std::vector<Case> cases = {
    {"zk1:2181,zk2:2181,zk3:2181",        {"zk1:2181", "zk2:2181", "zk3:2181"}, ""},
    {" zk1:2181 , zk2:2181\t,\nzk3:2181 ", {"zk1:2181", "zk2:2181", "zk3:2181"}, ""},
    {"zk1 :2181,zk2: 2182",               {"zk1:2181", "zk2:2182"},             ""},
    {"zk1:2181,zk2:2181/flink-chroot",    {"zk1:2181", "zk2:2181"},             "/flink-chroot"},
    {"zk1:2181/a/b",                      {"zk1:2181"},                         "/a/b"},
    {"zk1:2181/",                         {"zk1:2181"},                         ""},
    {"zk1,zk2:2182",                      {"zk1:2181", "zk2:2182"},             ""},
    {"zk1:",                              {"zk1:2181"},                         ""},
    {"[::1]:2181,[::2]",                  {"[::1]:2181", "[::2]:2181"},         ""},
    {"zk1:2181,,zk2:2181,",               {"zk1:2181", "zk2:2181"},             ""},
    {"",                                  {},                                   ""},
    {"  \t ",                             {},                                   ""},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.input);
    const auto quorum = parse_quorum(c.input);
    CHECK(quorum.servers == c.servers);
    CHECK(quorum.chroot == c.chroot);
  }
}

TEST_CASE("ha_paths: parse_quorum_server, the one rule for quorum entries") {
  const auto ok = parse_quorum_server("zk1.example.com:2181");
  REQUIRE(ok);
  CHECK(ok->host == "zk1.example.com");
  CHECK(ok->port == 2181);
  const auto v6 = parse_quorum_server("[2001:db8::1]:2182");
  REQUIRE(v6);
  CHECK(v6->host == "2001:db8::1");
  CHECK(v6->port == 2182);
  CHECK(parse_quorum_server("10.0.0.1:65535"));
  const std::vector<std::pair<std::string_view, std::string_view>> bad = {
      {"zk1:0", "port '0'"},
      {"zk1:65536", "port '65536'"},
      {"zk1:99999999999", "port '99999999999'"},
      {"zk1:21x", "port '21x'"},
      {"zk1:", "port ''"},
      {"-oProxyCommand=x:2181", "starts with '-'"},
      {"zk;id:2181", "shell metacharacter ';'"},
      {"zk$(id):2181", "shell metacharacter '$'"},
      {"zk\x01:2181", "control character"},
      {":2181", "is empty"},
      {"[::1:2181", "without a closing ']'"},
      {"[zk1]:2181", "only for IPv6 addresses"},
      {"[::1x]:2181", "contains ':' but is not an IPv6 address"},
  };
  for (const auto& [entry, fragment] : bad) {
    CAPTURE(entry);
    const auto parsed = parse_quorum_server(entry);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.find("quorum entry") != std::string::npos);
    CHECK(parsed.error().message.find(fragment) != std::string::npos);
  }
}

TEST_CASE("ha_paths: check_value_bytes refuses control bytes and invalid UTF-8") {
  CHECK_FALSE(check_value_bytes("hdfs:///flink/ha"));
  CHECK_FALSE(check_value_bytes("/caf\xc3\xa9"));
  CHECK(check_value_bytes(std::string_view("/a\0b", 4)).value() ==
        "contains the control byte \\x00 at byte 3");
  CHECK(check_value_bytes("/a\nb").value() == "contains the control byte \\x0a at byte 3");
  CHECK(check_value_bytes("/a\x7f").value() == "contains the control byte \\x7f at byte 3");
  CHECK(check_value_bytes("/a\xff").value() == "is not valid UTF-8 at byte 3 (\\xff)");
}

TEST_CASE("ha_paths: the cluster-id rule reads backslashes as Flink's Path does") {
  // Path.normalizePath turns '\' into '/': these ids name the storageDir itself, the directory
  // above it, or an authority, so a cleanup by them would leave the cluster's own directory.
  using flinkha::config::check_cluster_id;
  using flinkha::config::cluster_storage_dir;
  CHECK(cluster_storage_dir("file:///flink/ha", "\\") == "file:/flink/ha");
  CHECK(cluster_storage_dir("file:///flink/ha", "\\..") == "file:/flink/ha/..");
  for (const std::string bad :
       {"\\", "\\\\", "\\..", "a\\..\\..", "c1\\..", "\\\\x", "\\/x", "\\.\\"}) {
    CAPTURE(bad);
    const auto checked = check_cluster_id(bad);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().message.find("refused") != std::string::npos);
  }
  // A backslash inside a component is still just a character of the id.
  CHECK(check_cluster_id("team\\c1"));
  CHECK(cluster_storage_dir("file:///flink/ha", "team\\c1") == "file:/flink/ha/team/c1");
}
