#include "flink/ha_layout.hpp"
#include "zk/memory_tree.hpp"

#include <doctest/doctest.h>

using namespace flinkha;
using flink::HaEra;

TEST_CASE("ha_layout: era per Flink version") {
  using config::FlinkVersion;
  CHECK(flink::era_of(FlinkVersion{1, 0}) == HaEra::v1_0);
  CHECK(flink::era_of(FlinkVersion{1, 2}) == HaEra::v1_0);
  CHECK(flink::era_of(FlinkVersion{1, 3}) == HaEra::v1_3);
  CHECK(flink::era_of(FlinkVersion{1, 13}) == HaEra::v1_3);
  CHECK(flink::era_of(FlinkVersion{1, 14}) == HaEra::v1_14);
  CHECK(flink::era_of(FlinkVersion{1, 15}) == HaEra::v1_15);
  CHECK(flink::era_of(FlinkVersion{1, 20}) == HaEra::v1_15);
  CHECK(flink::era_of(FlinkVersion{2, 3}) == HaEra::v2_0);
  // One vocabulary for every JSON "layout" (inspect's); leader show's old "1.15+" stays
  // readable for one release as its "layout_compat" field.
  CHECK(flink::layout_label(HaEra::v1_15) == "1.15-1.20");
  CHECK(flink::legacy_leader_layout_label(HaEra::v1_15) == "1.15+");
  CHECK(flink::layout_label(HaEra::v1_3) == "1.3-1.13");
  CHECK(flink::legacy_leader_layout_label(HaEra::v1_3) == "1.3-1.13");
  CHECK(flink::layout_label(HaEra::v1_0) == "1.0-1.2");
  CHECK(flink::layout_label(HaEra::v1_14) == "1.14");
  CHECK(flink::layout_label(HaEra::v2_0) == "2.x");
  CHECK(flink::legacy_leader_layout_label(HaEra::v2_0) == "2.x");
}

TEST_CASE("ha_layout: paths per era (flink-ha-format.md §1.2)") {
  flink::LayoutOptions options{"/flink/c1"};
  const auto v115 = flink::cluster_components(HaEra::v1_15, options);
  REQUIRE(v115.size() == 3);
  CHECK(v115[1].component == "dispatcher");
  CHECK(v115[1].latch == "/flink/c1/leader/latch");
  CHECK(v115[1].connection_info == "/flink/c1/leader/dispatcher/connection_info");
  const auto job = flink::job_component(HaEra::v2_0, options, "00000000000000000000000000000001");
  CHECK(job.connection_info == "/flink/c1/leader/00000000000000000000000000000001/connection_info");
  CHECK(flink::job_ids_parent(HaEra::v1_15, options) == "/flink/c1/leader");

  const auto v114 = flink::cluster_components(HaEra::v1_14, options);
  CHECK(v114[0].latch == "/flink/c1/leader/resource_manager/latch");
  CHECK(v114[0].connection_info == "/flink/c1/leader/resource_manager/connection_info");
  CHECK(flink::job_component(HaEra::v1_14, options, "ab").latch ==
        "/flink/c1/jobs/ab/leader/latch");
  CHECK(flink::job_ids_parent(HaEra::v1_14, options) == "/flink/c1/jobs");

  options.latch_root = "/custom-latch";
  const auto v13 = flink::cluster_components(HaEra::v1_3, options);
  CHECK(v13[2].latch == "/flink/c1/custom-latch/rest_server_lock");
  CHECK(v13[2].connection_info == "/flink/c1/leader/rest_server_lock");
  CHECK(flink::job_component(HaEra::v1_3, options, "ab").connection_info ==
        "/flink/c1/leader/ab/job_manager_lock");

  const auto v10 = flink::cluster_components(HaEra::v1_0, flink::LayoutOptions{"/flink"});
  REQUIRE(v10.size() == 1);
  CHECK(v10[0].latch == "/flink/leaderlatch");
  CHECK(v10[0].connection_info == "/flink/leader");
  CHECK(flink::job_ids_parent(HaEra::v1_0, options).empty());
}

TEST_CASE("ha_layout: job ids are 32 lower-case hex digits") {
  CHECK(flink::is_job_id("0123456789abcdef0123456789abcdef"));
  CHECK_FALSE(flink::is_job_id("0123456789ABCDEF0123456789abcdef"));
  CHECK_FALSE(flink::is_job_id("latch"));
  CHECK_FALSE(flink::is_job_id("0123456789abcdef0123456789abcde"));
}

TEST_CASE("ha_layout: detection from what exists under the namespace") {
  const flink::LayoutOptions options{"/flink/default"};
  auto detect = [&](zk::MemoryTree& tree) {
    auto detected = flink::detect_era(tree, options);
    REQUIRE(detected.has_value());
    return *detected;
  };
  {
    zk::MemoryTree tree;
    CHECK_FALSE(detect(tree).has_value());
    tree.put("/flink/default/leader/latch", "");
    CHECK(detect(tree)->era == HaEra::v1_15);
    tree.put("/flink/default/execution-plans", "");
    CHECK(detect(tree)->era == HaEra::v2_0);
    CHECK(detect(tree)->evidence.find("/flink/default/execution-plans") != std::string::npos);
  }
  {
    // Flink 2.3 ensures {ns}/applications when its Dispatcher starts, before any job.
    zk::MemoryTree tree;
    tree.put("/flink/default/leader/latch", "");
    tree.put("/flink/default/applications", "");
    CHECK(detect(tree)->era == HaEra::v2_0);
    CHECK(detect(tree)->evidence.find("/flink/default/applications") != std::string::npos);
  }
  {
    zk::MemoryTree tree;
    tree.put("/flink/default/leader/dispatcher/latch", "");
    CHECK(detect(tree)->era == HaEra::v1_14);
  }
  {
    zk::MemoryTree tree;
    tree.put("/flink/default/jobs/0123456789abcdef0123456789abcdef/leader/latch", "");
    CHECK(detect(tree)->era == HaEra::v1_14);
  }
  {
    zk::MemoryTree tree;
    tree.put("/flink/default/leaderlatch/resource_manager_lock", "");
    CHECK(detect(tree)->era == HaEra::v1_3);
  }
  {
    zk::MemoryTree tree;
    tree.put("/flink/default/leaderlatch/_c_x-latch-0000000000", "");
    CHECK(detect(tree)->era == HaEra::v1_0);
  }
  {
    zk::MemoryTree tree;
    tree.put("/flink/default/execution-plans", "");
    CHECK(detect(tree)->era == HaEra::v2_0);
  }
}
