// `flinkha clusters`: every cluster-id under high-availability.zookeeper.path.root with its
// layout, leader, latch participants, jobs, storage bytes and last change
// (lib/flink/cluster_survey.hpp decides; this file renders). Read-only.
// Exit status: 0 surveyed (also when the root holds nothing), 3 ZooKeeper unreachable, 2 refused
// credentials, 64 usage, 78 configuration error.

#include "commands.hpp"
#include "flink/cluster_survey.hpp"
#include "ha_access.hpp"
#include "table.hpp"
#include "util/duration.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string_view>

namespace flinkha::cli {

namespace {

using nlohmann::ordered_json;

// DESIGN.md "Contracts": the `clusters` shape.
ordered_json survey_json(const flink::ClusterSurvey& survey) {
  ordered_json out;
  out["root"] = survey.root;
  auto& clusters = out["clusters"] = ordered_json::array();
  for (const auto& c : survey.clusters) {
    ordered_json row;
    row["cluster_id"] = c.cluster_id;
    row["namespace"] = c.zk_namespace;
    row["layout"] = std::string(flink::layout_label(c.era));
    row["leader"] = c.leader ? ordered_json{{"address", c.leader->address},
                                            {"session_id", c.leader->session_id}}
                             : ordered_json(nullptr);
    row["participants"] = c.participants;
    row["jobs"] = {
        {"running", c.jobs.running}, {"dirty", c.jobs.dirty}, {"orphaned", c.jobs.orphaned}};
    row["storage_bytes"] = c.storage_bytes ? ordered_json(*c.storage_bytes) : ordered_json(nullptr);
    row["last_change_ms"] = c.last_change_ms;
    // An extension of the contract: why the row is empty (ZNOAUTH), else null.
    row["error"] = c.error.empty() ? ordered_json(nullptr) : ordered_json(c.error);
    clusters.push_back(std::move(row));
  }
  return out;
}

void print_survey_text(const flink::ClusterSurvey& survey, const Style& style) {
  fmt::print("{:<6}{}\n\n", "root", survey.root);
  if (survey.clusters.empty()) {
    fmt::print("no cluster-id under {}\n", survey.root);
    return;
  }
  Table table({"CLUSTER-ID", "LAYOUT", "LEADER", "LEADER SESSION ID", "PARTICIPANTS", "JOBS R/D/O",
               "STORAGE BYTES", "LAST CHANGE"});
  for (const auto& c : survey.clusters) {
    const auto id = c.configured ? c.cluster_id + " " + style.bold("*") : c.cluster_id;
    table.add({id, std::string(flink::layout_label(c.era)),
               c.leader ? c.leader->address : style.dim("none"),
               c.leader && !c.leader->session_id.empty() ? c.leader->session_id : "-",
               std::to_string(c.participants),
               fmt::format("{}/{}/{}", c.jobs.running, c.jobs.dirty, c.jobs.orphaned),
               c.storage_bytes ? std::to_string(*c.storage_bytes) : "-",
               time_text(c.last_change_ms)});
  }
  table.print(stdout);
  fmt::print("\n* the configured cluster-id; JOBS R/D/O: running / dirty / orphaned\n");
  for (const auto& c : survey.clusters) {
    if (!c.error.empty()) {
      fmt::print("{}: not read: {}\n", c.cluster_id, c.error);
    } else if (!c.storage_bytes && !c.storage_error.empty()) {
      fmt::print("{}: storage not listed: {}\n", c.cluster_id, c.storage_error);
    }
  }
}

ExitCode run_clusters(Context& context, const ZkAccessOptions& access,
                      const StorageAccessOptions& storage) {
  // The configuration, the ZooKeeper client and --storage-timeout as inspect opens them.
  auto session = open_ha_session(context, access, storage);
  if (!session) {
    return report_error(session.error());
  }
  auto& s = **session;
  storage::StorageOptions options;
  options.timeout_ms = util::parse_duration_ms(storage.timeout).value_or(1); // checked above
  options.progress = [line = s.progress.get()](std::string_view text) { line->update(text); };
  auto survey = flink::survey_clusters(s.config, *s.zk, s.input.now_ms, std::move(options));
  s.progress->clear();
  if (!survey) {
    return report_error(survey.error(), ExitCode::unknown);
  }
  if (context.json()) {
    fmt::print("{}\n", survey_json(*survey).dump(2));
  } else {
    print_survey_text(*survey, Style{context.color()});
  }
  return ExitCode::ok;
}

} // namespace

void setup_clusters_command(CLI::App& app, Context& context) {
  auto* clusters = app.add_subcommand(
      "clusters", "Every cluster-id under the ZooKeeper root: leader, jobs, storage");
  auto access = std::make_shared<ZkAccessOptions>();
  add_zk_access_options(*clusters, *access);
  auto storage = std::make_shared<StorageAccessOptions>();
  add_storage_access_options(*clusters, *storage);
  clusters->footer(R"(Lists every cluster-id under high-availability.zookeeper.path.root (each
standalone, YARN or session cluster on the ensemble creates one), with its layout, leader address
and leader session id, the number of latch participants (JobManager sessions), its jobs (running:
a job graph / execution plan in ZooKeeper; dirty: a dirty JobResultStore entry; orphaned:
anything else a job left behind), the bytes under {storageDir}/{cluster-id} where that storage is
readable, and the last change (the mtime of the newest znode). The configured cluster-id is marked
with *. Nothing is changed.
Exit status: 0 surveyed, 3 ZooKeeper unreachable, 2 credentials refused, 78 configuration error.
Examples:
  flinkha clusters
  flinkha -o json clusters | jq -r '.clusters[] | select(.leader == null) | .cluster_id'
  flinkha --conf-dir /opt/flink/conf clusters --zk-timeout 5000
See flinkha-clusters(1).)");
  clusters->callback([&context, access, storage] {
    context.exit_code = run_clusters(context, *access, *storage);
  });
}

} // namespace flinkha::cli
