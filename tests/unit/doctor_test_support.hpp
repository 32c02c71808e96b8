#pragma once
// Helpers of the doctor check tests: an HA inventory and leader report built by the real
// builders over a HaFixtureTree (captured bytes), and the findings of one code.

#include "doctor/checks.hpp"
#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"
#include "fixtures/ha_inventory/ha_fixture_tree.hpp"
#include "flink/leaders.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::test {

// A Snapshot of the tree: inventory (build_ha_inventory) and both leader reads
// (resolve_leaders), at HaFixtureTree::kNow, ZooKeeper reached.
inline doctor::Snapshot snapshot_of(HaFixtureTree& tree, flink::HaEra era) {
  doctor::Snapshot snapshot;
  snapshot.now_ms = HaFixtureTree::kNow;
  snapshot.zookeeper_reached = true;
  auto inventory = flink::build_ha_inventory(tree.zk(), tree.input());
  REQUIRE_MESSAGE(inventory.has_value(), (inventory ? "" : inventory.error().message));
  snapshot.inventory = std::move(*inventory);
  flink::ResolveOptions options;
  options.layout.ns = tree.ns();
  options.forced_era = era;
  auto leaders = flink::resolve_leaders(tree.zk(), options);
  REQUIRE(leaders.has_value());
  snapshot.first_leaders = *leaders;
  snapshot.second_leaders = std::move(*leaders);
  return snapshot;
}

inline std::vector<doctor::Finding> with_code(const std::vector<doctor::Finding>& findings,
                                              std::string_view code) {
  std::vector<doctor::Finding> result;
  for (const auto& finding : findings) {
    if (finding.code == code) {
      result.push_back(finding);
    }
  }
  return result;
}

// Runs the row `name` of the check table on the snapshot and returns the verdict of what it
// found (the other rows judge inputs these snapshots do not have).
inline doctor::Verdict verdict_of_row(const doctor::Snapshot& snapshot, std::string_view name) {
  const auto checks = doctor::all_checks();
  const auto row = std::ranges::find(checks, name, &doctor::Check::name);
  REQUIRE(row != checks.end());
  std::vector<doctor::Finding> findings;
  CHECK_FALSE(row->run(snapshot, findings).has_value());
  return doctor::verdict_of(findings, snapshot.zookeeper_reached);
}

inline bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

} // namespace flinkha::test
