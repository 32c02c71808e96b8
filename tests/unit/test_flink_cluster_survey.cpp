// The cluster survey (flink/cluster_survey.hpp, `flinkha clusters`): every cluster-id under the
// root from an in-memory tree holding the namespace a real Flink 2.3.0 pair of JobManagers wrote
// (tests/unit/fixtures/flink_ha/2.3.0/tree.json) under several cluster-ids, with jobs built from
// Flink's own pointer and JobResultStore bytes (ha_inventory/ha_fixture_tree.hpp) and a real
// local storageDir.

#include "fixtures/ha_inventory/ha_fixture_tree.hpp"
#include "flink/cluster_survey.hpp"
#include "test_support.hpp"
#include "zk/memory_tree.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace flinkha;
using flink::HaEra;
using flinkha::test::TempDir;

namespace {

constexpr std::string_view kJobA = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
constexpr std::string_view kJobDirty = "11112222333344445555666677778888";
constexpr std::string_view kJobOrphan = "99990000aaaabbbbccccddddeeeeffff";

// The captured 2.3.0 namespace re-rooted at `ns`, every Stat as the server returned it, mtimes
// shifted by `mtime_shift_ms` and zxids by `zxid_shift` (a later cluster on the same ensemble).
void put_captured(zk::MemoryTree& zk, const std::string& ns, std::int64_t zxid_shift = 0,
                  std::int64_t mtime_shift_ms = 0) {
  const auto tree = nlohmann::json::parse(test::fixture("flink_ha/2.3.0/tree.json"));
  const std::string captured_ns = tree["namespace"];
  for (const auto& node : tree["nodes"]) {
    const std::string path = node["path"];
    if (!path.starts_with(captured_ns)) {
      continue; // the root itself
    }
    zk::Stat stat;
    stat.czxid = node["stat"]["czxid"].get<std::int64_t>() + zxid_shift;
    stat.mzxid = node["stat"]["mzxid"].get<std::int64_t>() + zxid_shift;
    stat.ctime_ms = node["stat"]["ctime"].get<std::int64_t>() + mtime_shift_ms;
    stat.mtime_ms = node["stat"]["mtime"].get<std::int64_t>() + mtime_shift_ms;
    stat.ephemeral_owner = node["stat"]["ephemeralOwner"];
    const auto at = ns + path.substr(captured_ns.size());
    if (node["data_hex"].is_null()) {
      zk.put_null(at, stat);
      continue;
    }
    std::string data;
    const std::string hex = node["data_hex"];
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
      data.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    }
    zk.put(at, data, stat);
  }
}

struct Ensemble {
  TempDir dir;
  zk::MemoryTree zk;
  std::string storage = (dir.path() / "ha").string();
  std::int64_t zxid = 5000;

  config::ClusterConfig load(std::string_view cluster_id, std::string_view version = "2.3.0") {
    dir.write("conf/config.yaml", fmt::format("high-availability.type: zookeeper\n"
                                              "high-availability.zookeeper.quorum: localhost:2181\n"
                                              "high-availability.storageDir: file://{}\n"
                                              "high-availability.cluster-id: {}\n",
                                              storage, cluster_id));
    dir.write(fmt::format("home/lib/flink-dist-{}.jar", version), "");
    config::LoadRequest request;
    request.conf_dir = dir.path() / "conf";
    request.flink_home = dir.path() / "home";
    request.environment = [](std::string_view) { return std::optional<std::string>(); };
    return config::load_cluster_config(request).value();
  }

  // A running job of cluster `id`: its execution plan file and the pointer znode with its lock.
  void add_running_job(std::string_view id, std::string_view job, std::int64_t bytes) {
    const auto file = fmt::format("{}/submittedExecutionPlan0000000000a1", id);
    dir.write("ha/" + file, std::string(static_cast<std::size_t>(bytes), 'p'));
    const auto znode = fmt::format("/flink/{}/execution-plans/{}", id, job);
    // Written after the leader nodes: later zxids (5001-5003), at kNow.
    const auto put = [&](const std::string& path, std::string data, std::int64_t owner) {
      zk::Stat stat;
      stat.czxid = stat.mzxid = ++zxid;
      stat.ctime_ms = stat.mtime_ms = test::HaFixtureTree::kNow;
      stat.ephemeral_owner = owner;
      zk.put(path, std::move(data), stat);
    };
    put(znode, test::pointer_bytes(fmt::format("file:{}/{}", storage, file), bytes), 0);
    put(znode + "/locks", "", 0);
    put(znode + "/locks/8d3b6f1e-2c4a-4f0b-9e7d-1a2b3c4d5e6f", "", test::HaFixtureTree::kSession);
  }
};

const flink::ClusterSummary& find(const flink::ClusterSurvey& survey, std::string_view id) {
  for (const auto& c : survey.clusters) {
    if (c.cluster_id == id) {
      return c;
    }
  }
  FAIL("no cluster " << id);
  throw std::logic_error("unreachable");
}

} // namespace

TEST_CASE("cluster_survey: every cluster-id under the root, each with its own leader and jobs") {
  Ensemble e;
  put_captured(e.zk, "/flink/shared");
  put_captured(e.zk, "/flink/other", 1000, 3'600'000);
  e.add_running_job("shared", kJobA, 321);
  // A dirty JobResultStore entry of `shared` (Flink 1.20.5's bytes; the format is the same in 2.x).
  e.dir.write(fmt::format("ha/job-result-store/shared/{}_DIRTY.json", kJobDirty),
              test::job_result_json(kJobDirty));
  // A blob directory of a job with nothing else left: orphaned.
  e.dir.write(fmt::format("ha/shared/blob/job_{}/blob_p-0123", kJobOrphan), "0123456789");
  // A stopped cluster that left only its namespace: no leader, no participants.
  e.zk.put_owned("/flink/gone/execution-plans", "", 0, 1'700'000'000'000);

  const auto survey = flink::survey_clusters(e.load("/shared"), e.zk, test::HaFixtureTree::kNow);
  REQUIRE_MESSAGE(survey.has_value(), (survey ? "" : survey.error().message));
  CHECK(survey->root == "/flink");
  REQUIRE(survey->clusters.size() == 3);
  CHECK(survey->clusters[0].cluster_id == "/gone");
  CHECK(survey->clusters[1].cluster_id == "/other");
  CHECK(survey->clusters[2].cluster_id == "/shared");

  const auto tree = nlohmann::json::parse(test::fixture("flink_ha/2.3.0/tree.json"));
  const auto leader_rpc = fmt::format("pekko.tcp://flink@127.0.0.1:{}/user/rpc/resourcemanager_",
                                      tree["jobmanagers"][0]["rpc_port"].get<std::string>());

  const auto& shared = find(*survey, "/shared");
  CHECK(shared.configured);
  CHECK(shared.zk_namespace == "/flink/shared");
  CHECK(shared.era == HaEra::v2_0);
  REQUIRE(shared.leader.has_value());
  CHECK(shared.leader->component == "resource_manager");
  CHECK(shared.leader->address.starts_with(leader_rpc));
  CHECK(shared.leader->session_id.size() == 36);
  CHECK(shared.participants == 2); // both captured JobManagers sit in the latch
  CHECK(shared.jobs.running == 1);
  CHECK(shared.jobs.dirty == 1);
  CHECK(shared.jobs.orphaned == 1);
  REQUIRE(shared.storage_bytes.has_value());
  CHECK(*shared.storage_bytes == 321 + 10);
  // The newest znode is the execution plan pointer's lock, written at kNow.
  CHECK(shared.last_change_ms == test::HaFixtureTree::kNow);

  const auto& other = find(*survey, "/other");
  CHECK_FALSE(other.configured);
  REQUIRE(other.leader.has_value());
  CHECK(other.leader->session_id == shared.leader->session_id); // the same captured bytes
  CHECK(other.participants == 2);
  CHECK(other.jobs.running + other.jobs.dirty + other.jobs.orphaned == 0);
  // {storageDir}/other does not exist: an empty directory for the local storage, 0 bytes.
  REQUIRE(other.storage_bytes.has_value());
  CHECK(*other.storage_bytes == 0);
  // The captured namespace's newest mzxid (the leader nodes), its mtime shifted by an hour.
  std::int64_t newest_zxid = 0;
  std::int64_t newest_mtime = 0;
  for (const auto& node : tree["nodes"]) {
    if (node["stat"]["mzxid"].get<std::int64_t>() >= newest_zxid) {
      newest_zxid = node["stat"]["mzxid"];
      newest_mtime = node["stat"]["mtime"];
    }
  }
  CHECK(other.last_change_mzxid == newest_zxid + 1000);
  CHECK(other.last_change_ms == newest_mtime + 3'600'000);

  const auto& gone = find(*survey, "/gone");
  CHECK_FALSE(gone.leader.has_value());
  CHECK(gone.participants == 0);
  CHECK(gone.era == HaEra::v2_0); // {ns}/execution-plans
  CHECK(gone.last_change_ms == 1'700'000'000'000);
}

TEST_CASE("cluster_survey: a missing root is an empty survey; a ZooKeeper error fails it") {
  Ensemble e;
  SUBCASE("no root") {
    const auto survey = flink::survey_clusters(e.load("/c1"), e.zk, test::HaFixtureTree::kNow);
    REQUIRE(survey.has_value());
    CHECK(survey->clusters.empty());
  }
  SUBCASE("a cluster-id this session may not read is a row with its error") {
    put_captured(e.zk, "/flink/c1");
    put_captured(e.zk, "/flink/tenant");
    e.zk.deny("/flink/tenant/leader");
    const auto survey = flink::survey_clusters(e.load("/c1"), e.zk, test::HaFixtureTree::kNow);
    REQUIRE_MESSAGE(survey.has_value(), (survey ? "" : survey.error().message));
    REQUIRE(survey->clusters.size() == 2);
    CHECK(survey->clusters[0].error.empty());
    CHECK(survey->clusters[0].leader.has_value());
    CHECK(survey->clusters[1].cluster_id == "/tenant");
    CHECK(survey->clusters[1].zk_namespace == "/flink/tenant");
    CHECK(survey->clusters[1].error.find("ZNOAUTH") != std::string::npos);
    CHECK_FALSE(survey->clusters[1].leader.has_value());
  }
  SUBCASE("a root this session may not read") {
    e.zk.put("/flink/c1", "");
    e.zk.deny("/flink");
    const auto survey = flink::survey_clusters(e.load("/c1"), e.zk, test::HaFixtureTree::kNow);
    REQUIRE_FALSE(survey.has_value());
    CHECK(survey.error().category == ErrorCategory::refused);
    CHECK(survey.error().message.find("/flink") != std::string::npos);
  }
}

TEST_CASE("cluster_survey: another cluster-id's paths are derived as Flink derives them") {
  Ensemble e;
  auto config = e.load("/mine");
  const auto other = flink::cluster_config_for(config, "/yours");
  CHECK(other.ha.cluster_id == "/yours");
  CHECK(other.ha.namespace_path == "/flink/yours");
  REQUIRE(other.ha.cluster_storage_dir.has_value());
  CHECK(*other.ha.cluster_storage_dir == fmt::format("file:{}/yours", e.storage));
  REQUIRE(other.ha.job_result_store.has_value());
  CHECK(*other.ha.job_result_store == fmt::format("file:{}/job-result-store/yours", e.storage));
  REQUIRE(other.ha.application_result_store.has_value());
  CHECK(*other.ha.application_result_store ==
        fmt::format("file:{}/application-result-store/yours", e.storage));
  REQUIRE(config.ha.application_result_store.has_value());
  CHECK(*config.ha.application_result_store ==
        fmt::format("file:{}/application-result-store/mine", e.storage));
  // The configured cluster-id keeps its configuration as loaded.
  const auto same = flink::cluster_config_for(config, "/mine");
  CHECK(same.ha.job_result_store == config.ha.job_result_store);
}
