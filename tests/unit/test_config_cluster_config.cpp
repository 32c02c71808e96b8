// Loading a whole conf dir: conf dir and version discovery, file choice per version, derived HA
// settings for the three generations of HA keys.

#include "config/cluster_config.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace flinkha::config;
using flinkha::test::fake_environment;
using flinkha::test::TempDir;

namespace {

LoadRequest request_for(const TempDir& dir, std::string_view version) {
  LoadRequest request;
  request.conf_dir = dir.path();
  request.flink_version = parse_flink_version(version).value();
  request.environment = fake_environment({});
  return request;
}

} // namespace

TEST_CASE("cluster_config: conf dir discovery order") {
  LoadRequest request;
  request.environment =
      fake_environment({{"FLINK_CONF_DIR", "/etc/flink"}, {"FLINK_HOME", "/opt/flink"}});
  SUBCASE("--conf-dir wins") {
    request.conf_dir = "/x/conf";
    const auto chosen = choose_conf_dir(request);
    CHECK(chosen.value == "/x/conf");
    CHECK(chosen.source == "--conf-dir");
  }
  SUBCASE("then $FLINK_CONF_DIR") {
    const auto chosen = choose_conf_dir(request);
    CHECK(chosen.value == "/etc/flink");
    CHECK(chosen.source == "$FLINK_CONF_DIR");
  }
  SUBCASE("then $FLINK_HOME/conf") {
    request.environment = fake_environment({{"FLINK_HOME", "/opt/flink"}});
    const auto chosen = choose_conf_dir(request);
    CHECK(chosen.value == "/opt/flink/conf");
    CHECK(chosen.source == "$FLINK_HOME/conf");
  }
  SUBCASE("--flink-home beats $FLINK_HOME") {
    request.environment = fake_environment({{"FLINK_HOME", "/opt/flink"}});
    request.flink_home = "/srv/flink";
    CHECK(choose_conf_dir(request).value == "/srv/flink/conf");
  }
  SUBCASE("else ./conf, made absolute") {
    request.environment = fake_environment({});
    const auto chosen = choose_conf_dir(request);
    CHECK(chosen.value == std::filesystem::current_path() / "conf");
    CHECK(chosen.source == "./conf");
  }
}

TEST_CASE("cluster_config: version discovery order") {
  TempDir home;
  home.write("lib/flink-dist-1.18.1.jar", "");
  LoadRequest request;
  request.environment = fake_environment({{"FLINK_HOME", home.path().string()}});
  SUBCASE("--flink-version wins") {
    request.flink_version = FlinkVersion{1, 15};
    CHECK(choose_flink_version(request).value == FlinkVersion{1, 15});
  }
  SUBCASE("then the flink-dist jar") {
    const auto chosen = choose_flink_version(request);
    CHECK(chosen.value == FlinkVersion{1, 18});
    CHECK(chosen.value.patch == 1);
  }
  SUBCASE("else the newest supported") {
    request.environment = fake_environment({});
    CHECK(choose_flink_version(request).value == kNewestSupported);
  }
}

TEST_CASE("cluster_config: a missing conf dir is an error naming it and its source") {
  LoadRequest request;
  request.conf_dir = "/nonexistent/flinkha/conf";
  request.environment = fake_environment({});
  const auto config = load_cluster_config(request);
  REQUIRE_FALSE(config.has_value());
  CHECK(config.error().message.find("/nonexistent/flinkha/conf") != std::string::npos);
  CHECK(config.error().message.find("--conf-dir") != std::string::npos);
}

// The three generations of HA keys from Flink's documentation (seeds) describe the same cluster.
TEST_CASE("cluster_config: three generations of HA keys resolve to the same settings") {
  struct Case {
    const char* name;
    const char* version;
    const char* file;
    const char* text;
  };
  const Case cases[] = {
      {"recovery.* (1.1)", "1.1", "flink-conf.yaml",
       "recovery.mode: zookeeper\n"
       "recovery.zookeeper.quorum: zk1:2181,zk2:2181\n"
       "recovery.zookeeper.storageDir: hdfs:///flink/recovery\n"
       "recovery.zookeeper.path.root: /flink\n"
       "recovery.zookeeper.path.namespace: /cluster_one\n"},
      {"high-availability + zookeeper.storageDir (1.3)", "1.3", "flink-conf.yaml",
       "high-availability: zookeeper\n"
       "high-availability.zookeeper.quorum: zk1:2181,zk2:2181\n"
       "high-availability.zookeeper.storageDir: hdfs:///flink/recovery\n"
       "high-availability.zookeeper.path.root: /flink\n"
       "high-availability.cluster-id: /cluster_one\n"},
      {"high-availability.type (1.20 legacy)", "1.20", "flink-conf.yaml",
       "high-availability.type: zookeeper\n"
       "high-availability.zookeeper.quorum: zk1:2181,zk2:2181\n"
       "high-availability.storageDir: hdfs:///flink/recovery\n"
       "high-availability.zookeeper.path.root: /flink\n"
       "high-availability.cluster-id: /cluster_one\n"},
      {"config.yaml (2.0)", "2.0", "config.yaml",
       "high-availability:\n"
       "  type: zookeeper\n"
       "  zookeeper:\n"
       "    quorum: zk1:2181,zk2:2181\n"
       "    path:\n"
       "      root: /flink\n"
       "  storageDir: hdfs:///flink/recovery\n"
       "  cluster-id: /cluster_one\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    TempDir dir;
    dir.write(c.file, c.text);
    const auto config = load_cluster_config(request_for(dir, c.version));
    REQUIRE(config.has_value());
    CHECK(config->ha.mode == "zookeeper");
    CHECK(config->ha.zookeeper);
    CHECK(config->ha.quorum == std::vector<std::string>{"zk1:2181", "zk2:2181"});
    CHECK(config->ha.namespace_path == "/flink/cluster_one");
    CHECK(config->ha.storage_dir == "hdfs:///flink/recovery");
    CHECK(config->flink_conf.path.filename() == c.file);
  }
}

TEST_CASE("cluster_config: derived storage paths follow the version") {
  TempDir dir;
  dir.write("flink-conf.yaml", "high-availability: zookeeper\n"
                               "high-availability.storageDir: file:///data/ha/\n"
                               "high-availability.cluster-id: prod\n");
  SUBCASE("1.9: metadata in storageDir itself, no JobResultStore") {
    const auto config = load_cluster_config(request_for(dir, "1.9")).value();
    CHECK(config.ha.cluster_storage_dir == "file:/data/ha");
    CHECK_FALSE(config.ha.job_result_store.has_value());
  }
  SUBCASE("1.15: {storageDir}/{cluster-id} and the default JobResultStore path") {
    const auto config = load_cluster_config(request_for(dir, "1.15")).value();
    CHECK(config.ha.cluster_storage_dir == "file:/data/ha/prod");
    CHECK(config.ha.job_result_store == "file:/data/ha/job-result-store/prod");
    CHECK(config.ha.namespace_path == "/flink/prod");
  }
}

TEST_CASE("cluster_config: standalone means no HA") {
  TempDir dir;
  dir.write("flink-conf.yaml", "high-availability: STANDALONE\n");
  const auto config = load_cluster_config(request_for(dir, "1.16")).value();
  CHECK(config.ha.mode == "none");
  CHECK_FALSE(config.ha.zookeeper);
}

TEST_CASE("cluster_config: HA mode is case-insensitive, as start-cluster.sh compares it") {
  TempDir dir;
  dir.write("flink-conf.yaml", "high-availability.type: ZooKeeper\n");
  const auto config = load_cluster_config(request_for(dir, "1.17")).value();
  CHECK(config.ha.zookeeper);
}

TEST_CASE("cluster_config: masters, workers and zoo.cfg are loaded with the config") {
  TempDir dir;
  dir.write("config.yaml", "high-availability.type: zookeeper\n");
  dir.write("masters", "jm1:8081\njm2:8082\n");
  dir.write("workers", "tm1\ntm1\n");
  dir.write("zoo.cfg", "server.1=zk1:2888:3888\n");
  const auto config = load_cluster_config(request_for(dir, "2.0")).value();
  REQUIRE(config.masters.has_value());
  CHECK(config.masters->masters.size() == 2);
  REQUIRE(config.workers.has_value());
  CHECK(config.workers->workers.size() == 2);
  REQUIRE(config.zoo_cfg.has_value());
  CHECK(config.zoo_cfg->servers.size() == 1);
}
