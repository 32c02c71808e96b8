// The HA context (flink/ha_context.hpp): era choice (forced, detected, the 2.x correction, the
// fallback), znode paths with custom high-availability.zookeeper.path.* values, the storage
// sides per version, the cluster-id rule and the live-leader rule, against the in-memory tree.

#include "config/ha_paths.hpp"
#include "flink/ha_context.hpp"
#include "test_support.hpp"
#include "zk/memory_tree.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace flinkha;
using flink::HaEra;
using flinkha::test::TempDir;

namespace {

struct Cluster {
  TempDir dir;
  std::string storage = "file://" + (dir.path() / "ha").string();

  // A conf dir with ZooKeeper HA and `extra` lines; the version from --flink-version when
  // `flag` is set, else from a flink-dist jar named `dist_version` (or the default when empty).
  config::ClusterConfig load(std::string_view version, bool flag, std::string_view extra = {},
                             std::string_view cluster_id = "/c1") const {
    const std::string conf = fmt::format("high-availability: zookeeper\n"
                                         "high-availability.type: zookeeper\n"
                                         "high-availability.zookeeper.quorum: localhost:2181\n"
                                         "high-availability.storageDir: {}\n"
                                         "high-availability.cluster-id: {}\n{}",
                                         storage, cluster_id, extra);
    dir.write("conf/flink-conf.yaml", conf);
    dir.write("conf/config.yaml", conf.substr(conf.find('\n') + 1));
    config::LoadRequest request;
    request.conf_dir = dir.path() / "conf";
    request.environment = [](std::string_view) { return std::optional<std::string>(); };
    if (flag) {
      request.flink_version = config::parse_flink_version(version).value();
    } else if (!version.empty()) {
      dir.write(fmt::format("home/lib/flink-dist-{}.jar", version), "");
      request.flink_home = dir.path() / "home";
    }
    return config::load_cluster_config(request).value();
  }
};

} // namespace

TEST_CASE("ha_context: era choice") {
  Cluster cluster;
  zk::MemoryTree tree;
  tree.put("/flink/c1/leader/latch", "");

  SUBCASE("--flink-version forces the era, whatever the namespace holds") {
    const auto choice = flink::choose_era(cluster.load("1.14", true), tree);
    CHECK(choice.era == HaEra::v1_14);
    CHECK(choice.source == "--flink-version");
    CHECK(flink::leader_resolve_options(cluster.load("1.14", true)).forced_era == HaEra::v1_14);
  }
  SUBCASE("detected from the namespace") {
    const auto choice = flink::choose_era(cluster.load("1.20.1", false), tree);
    CHECK(choice.era == HaEra::v1_15);
    CHECK(choice.source.find("/flink/c1/leader/latch") != std::string::npos);
    CHECK_FALSE(flink::leader_resolve_options(cluster.load("1.20.1", false)).forced_era);
  }
  SUBCASE("a 2.x distribution corrects a namespace that looks like 1.15-1.20") {
    const auto choice = flink::choose_era(cluster.load("2.1.0", false), tree);
    CHECK(choice.era == HaEra::v2_0);
    CHECK(choice.source.find("Flink 2.1") != std::string::npos);
    CHECK(choice.source.find("leader/latch") != std::string::npos);
  }
  SUBCASE("the default version does not correct the detection") {
    const auto choice = flink::choose_era(cluster.load("", false), tree);
    CAPTURE(choice.source);
    CHECK(choice.era == HaEra::v1_15);
  }
  SUBCASE("an empty namespace falls back to the configured version") {
    zk::MemoryTree empty;
    const auto choice = flink::choose_era(cluster.load("1.13.6", false), empty);
    CAPTURE(choice.source);
    CHECK(choice.era == HaEra::v1_3);
    CHECK(choice.source.find("Flink 1.13 from") != std::string::npos);
    CHECK(flink::leader_resolve_options(cluster.load("1.13.6", false)).fallback_era == HaEra::v1_3);
  }
}

TEST_CASE("ha_context: znode paths with custom high-availability.zookeeper.path.* values") {
  Cluster cluster;
  const std::string custom = "high-availability.zookeeper.path.jobgraphs: my-graphs/\n"
                             "high-availability.zookeeper.path.checkpoints: /my-checkpoints\n"
                             "high-availability.zookeeper.path.latch: /my-latch\n"
                             "high-availability.zookeeper.path.leader: /my-leader\n"
                             "high-availability.zookeeper.path.running-registry: /my-registry\n";
  SUBCASE("1.3-1.13: all of them are read") {
    const auto config = cluster.load("1.13", true, custom);
    const auto paths = flink::znode_paths(config, HaEra::v1_3);
    CHECK(paths.job_graphs == "/my-graphs");
    CHECK(paths.checkpoints == "/my-checkpoints");
    CHECK(paths.latch == "/my-latch");
    CHECK(paths.leader == "/my-leader");
    CHECK(paths.running_registry == "/my-registry");
    const auto layout = flink::layout_options(config);
    CHECK(layout.ns == "/flink/c1");
    CHECK(layout.latch_root == "/my-latch");
    CHECK(layout.leader_root == "/my-leader");
  }
  SUBCASE("1.15-1.20: only the job graph path is, the rest is fixed") {
    const auto paths = flink::znode_paths(cluster.load("1.20", true, custom), HaEra::v1_15);
    CHECK(paths.job_graphs == "/my-graphs");
    CHECK(paths.checkpoints == "/checkpoints");
    CHECK(paths.latch == "/leaderlatch");
    CHECK(paths.running_registry == "/running_job_registry");
  }
  SUBCASE("2.x: the execution plans") {
    const auto config = cluster.load("2.1", true);
    CHECK(flink::znode_paths(config, HaEra::v2_0).job_graphs == "/execution-plans");
  }
}

TEST_CASE("ha_context: storage sides per version") {
  Cluster cluster;
  zk::MemoryTree tree;
  SUBCASE("before 1.10 the storageDir itself, no JobResultStore") {
    auto context = flink::open_ha_context(cluster.load("1.9", true), tree, 42).value();
    CHECK(context.era == HaEra::v1_3);
    CHECK(context.input.era == HaEra::v1_3);
    CHECK(context.input.cluster_storage_uri.ends_with("/ha"));
    CHECK(context.input.job_result_store == nullptr);
    CHECK(context.input.job_result_store_uri.empty());
    CHECK(context.input.storage_root == nullptr);
    CHECK(context.input.now_ms == 42);
  }
  SUBCASE("1.15+: {storageDir}/{cluster-id}, the storageDir and the JobResultStore") {
    auto context =
        flink::open_ha_context(
            cluster.load("1.20", true, "job-result-store.delete-on-commit: false\n"), tree, 0)
            .value();
    CHECK(context.input.cluster_storage_uri.ends_with("/ha/c1"));
    CHECK(context.input.cluster_storage != nullptr);
    CHECK(context.input.storage_root != nullptr);
    CHECK(context.input.job_result_store != nullptr);
    CHECK(context.input.job_result_store_uri.find("job-result-store/c1") != std::string::npos);
    CHECK(context.delete_on_commit == flink::DeleteOnCommit::no);
    CHECK(context.input.zk_namespace == "/flink/c1");
    CHECK(context.input.cluster_id == "/c1");
  }
  SUBCASE("an unsupported scheme is the side's error, not the context's") {
    cluster.storage = "gs://bucket/flink/ha";
    auto context = flink::open_ha_context(cluster.load("1.20", true), tree, 0).value();
    CHECK(context.input.cluster_storage_uri.starts_with("gs:"));
    CHECK(context.input.cluster_storage == nullptr);
    CHECK_FALSE(context.input.cluster_storage_error.empty());
  }
  SUBCASE("no ZooKeeper HA: a configuration error") {
    TempDir dir;
    dir.write("conf/flink-conf.yaml", "jobmanager.rpc.address: localhost\n");
    config::LoadRequest request;
    request.conf_dir = dir.path() / "conf";
    request.flink_version = config::parse_flink_version("1.20").value();
    request.environment = [](std::string_view) { return std::optional<std::string>(); };
    auto config = config::load_cluster_config(request).value();
    CHECK_FALSE(flink::check_zookeeper_ha(config));
    auto context = flink::open_ha_context(config, tree, 0);
    REQUIRE_FALSE(context);
    CHECK(context.error().message.find("not zookeeper") != std::string::npos);
  }
}

TEST_CASE("ha_context: the cluster-id rule") {
  CHECK(config::check_cluster_id("/c1"));
  CHECK(config::check_cluster_id("team/c1/"));
  CHECK(config::check_cluster_id("/caf\xc3\xa9"));
  const std::vector<std::string> bad_ids = {
      "",
      "/",
      "//",
      ".",
      "..",
      "/./",
      "/a/../b",
      "a//b",
      "./c1",
      "//c1",
      std::string("/a\0b", 4),
      "/a\nb",
      "/c\xff"
      "1",
      "/a\xc2\x85"
      "b", // U+0085
      "/a\xef\xbf\xbf"
      "b", // U+FFFF
  };
  for (const auto& bad : bad_ids) {
    CAPTURE(bad);
    const auto checked = config::check_cluster_id(bad);
    REQUIRE_FALSE(checked);
    CHECK(checked.error().message.find("refused") != std::string::npos);
  }
}

TEST_CASE("ha_context: the live-leader rule") {
  Cluster cluster;
  zk::MemoryTree tree;
  auto context = flink::open_ha_context(cluster.load("1.20", true), tree, 0).value();
  SUBCASE("no latch participant, no leader: none") {
    tree.put("/flink/c1/leader/latch", "");
    auto leader = flink::find_live_leader(context, tree);
    REQUIRE(leader);
    CHECK_FALSE(leader->has_value());
  }
  SUBCASE("a latch participant: a live leader, named by its latch node and session") {
    zk::Stat owner;
    owner.ephemeral_owner = 0x1234;
    tree.put("/flink/c1/leader/latch/_c_11111111-1111-1111-1111-111111111111-latch-0000000001", "",
             owner);
    auto leader = flink::find_live_leader(context, tree);
    REQUIRE(leader);
    REQUIRE(leader->has_value());
    CHECK((*leader)->description.find("latch-0000000001") != std::string::npos);
    CHECK((*leader)->description.find("0x") != std::string::npos);
  }
}
