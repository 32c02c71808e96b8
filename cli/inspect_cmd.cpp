// `flinkha inspect`: everything a Flink cluster keeps for HA, from ZooKeeper, the storage dir
// and the JobResultStore, cross-referenced (lib/flink/ha_inventory.hpp decides; this file
// renders). Text is grouped by job; -o json carries every piece.
// Exit status: 0 nothing to do, 1 something needs attention (a warning finding), 2 critical
// (a dangling pointer: Flink fails its recovery), 3 ZooKeeper unreachable, 78 config error.

#include "commands.hpp"
#include "ha_access.hpp"
#include "inspect_render.hpp"
#include "table.hpp"
#include "zk/prefetching_reader.hpp"

#include <fmt/format.h>

#include <memory>

namespace flinkha::cli {

namespace {

ExitCode exit_code_of(const flink::HaInventory& inventory) {
  switch (inventory.worst_severity()) {
  case flink::Severity::critical:
    return ExitCode::critical;
  case flink::Severity::warning:
    return ExitCode::warning;
  case flink::Severity::info:
    return ExitCode::ok;
  }
  return ExitCode::unknown;
}

ExitCode run_inspect(Context& context, const ZkAccessOptions& access) {
  auto session = open_ha_session(context, access);
  if (!session) {
    return report_error(session.error());
  }
  auto& s = **session;
  zk::PrefetchingReader tree(*s.zk);
  auto inventory = flink::build_ha_inventory(tree, s.input);
  if (!inventory) {
    return report_error(inventory.error(), ExitCode::unknown);
  }
  if (context.json()) {
    auto out = inventory_json(*inventory);
    out["layout_source"] = s.era_source;
    out["exit_status"] = static_cast<int>(exit_code_of(*inventory));
    fmt::print("{}\n", out.dump(2));
  } else {
    print_inventory_text(*inventory, s.era_source, Style{context.color()},
                         context.global.verbose ? Verbose::yes : Verbose::no);
  }
  return exit_code_of(*inventory);
}

} // namespace

void setup_inspect_command(CLI::App& app, Context& context) {
  auto* inspect = app.add_subcommand(
      "inspect", "HA znodes, storageDir files and JobResultStore entries, cross-referenced");
  auto access = std::make_shared<ZkAccessOptions>();
  add_zk_access_options(*inspect, *access);
  inspect->footer(R"(Reads everything under the cluster's ZooKeeper namespace ({root}/{cluster-id}),
the files in {storageDir}/{cluster-id} and the JobResultStore, and reports per job: its state
(running, dirty, clean, orphaned), the job graph / execution plan pointer and its file, the
checkpoints (every one with -v), the checkpoint counter, locks with their owner sessions and the
blobs; then files no pointer refers to, other cluster-ids and the findings. Nothing is changed.
Exit status: 0 nothing to do, 1 something needs attention, 2 critical (a pointer to a missing
file: Flink cannot recover that job), 3 ZooKeeper unreachable, 78 configuration error.
Examples:
  flinkha inspect
  flinkha -v inspect
  flinkha -o json inspect | jq '.findings[] | select(.severity != "info")'
See flinkha-inspect(1).)");
  inspect->callback([&context, access] { context.exit_code = run_inspect(context, *access); });
}

} // namespace flinkha::cli
