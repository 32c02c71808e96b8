// `flinkha inspect`: everything a Flink cluster keeps for HA, from ZooKeeper, the storage dir
// and the JobResultStore, cross-referenced (lib/flink/ha_inventory.hpp decides; this file
// renders). Text is grouped by job; -o json carries every piece.
// Exit status: 0 nothing to do, 1 something needs attention (a warning finding), 2 critical
// (a dangling pointer: Flink fails its recovery), 3 ZooKeeper unreachable, 78 config error.

#include "commands.hpp"
#include "ha_access.hpp"
#include "inspect_render.hpp"
#include "table.hpp"

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

// A storage side that could not be reached leaves nothing decided about the files: 3, as for
// an unreachable ZooKeeper. Other broken sides are critical findings (2) through the severity.
ExitCode exit_code_with_storage(const flink::HaInventory& inventory) {
  const bool unreachable =
      (!inventory.storage.available &&
       inventory.storage.error_category == ErrorCategory::unreachable) ||
      (!inventory.job_result_store.available &&
       inventory.job_result_store.error_category == ErrorCategory::unreachable) ||
      (!inventory.application_result_store.available &&
       inventory.application_result_store.error_category == ErrorCategory::unreachable);
  return unreachable ? ExitCode::unknown : exit_code_of(inventory);
}

// The broken storage sides once more on stderr, one line each with the hint, so that what to
// fix is not lost in a long report.
void report_storage_failures(const flink::HaInventory& inventory) {
  const auto one = [](std::string_view what, const std::string& error, ErrorCategory category,
                      const std::string& hint) {
    if (category == ErrorCategory::internal) {
      return;
    }
    fmt::print(stderr, "flinkha: error: {}: {}\n", what, error);
    if (!hint.empty()) {
      fmt::print(stderr, "  hint: {}\n", hint);
    }
  };
  if (!inventory.storage.available) {
    one("storage", inventory.storage.error, inventory.storage.error_category,
        inventory.storage.error_hint);
  }
  if (!inventory.job_result_store.available) {
    one("JobResultStore", inventory.job_result_store.error,
        inventory.job_result_store.error_category, inventory.job_result_store.error_hint);
  }
  const auto& ars = inventory.application_result_store;
  if (!ars.available) {
    one("ApplicationResultStore", ars.error, ars.error_category, ars.error_hint);
  }
}

ExitCode run_inspect(Context& context, const ZkAccessOptions& access,
                     const StorageAccessOptions& storage) {
  auto read = read_ha_inventory(context, access, storage);
  if (!read) {
    return report_error(read.error());
  }
  auto& s = *read->session;
  const auto* inventory = &read->inventory;
  report_storage_failures(*inventory);
  if (context.json()) {
    auto out = inventory_json(*inventory);
    out["layout_source"] = s.era_source;
    out["exit_status"] = static_cast<int>(exit_code_with_storage(*inventory));
    fmt::print("{}\n", out.dump(2));
  } else {
    print_inventory_text(*inventory, s.era_source, Style{context.color()},
                         context.global.verbose ? Verbose::yes : Verbose::no);
  }
  return exit_code_with_storage(*inventory);
}

} // namespace

void setup_inspect_command(CLI::App& app, Context& context) {
  auto* inspect = app.add_subcommand(
      "inspect", "HA znodes, storageDir files and JobResultStore entries, cross-referenced");
  auto access = std::make_shared<ZkAccessOptions>();
  add_zk_access_options(*inspect, *access);
  auto storage = std::make_shared<StorageAccessOptions>();
  add_storage_access_options(*inspect, *storage);
  inspect->footer(R"(Reads everything under the cluster's ZooKeeper namespace ({root}/{cluster-id}),
the files in {storageDir}/{cluster-id} and the JobResultStore, and reports per job: its state
(running, dirty, clean, orphaned), the job graph / execution plan pointer and its file, the
checkpoints (every one with -v), the checkpoint counter, locks with their owner sessions and the
blobs; Flink 2.3's applications ({ns}/applications/<appid>, their submittedApplication file,
blobs and ApplicationResultStore entry); then files no pointer refers to, other cluster-ids and
the findings. Nothing is changed.
The storage may be a local path, hdfs:// (WebHDFS) or s3:// / s3a:// / s3p:// (flinkha-inspect(1)
says where the NameNode, the endpoint and the credentials come from).
Exit status: 0 nothing to do, 1 something needs attention, 2 critical (a pointer to a missing
file: Flink cannot recover that job; a storage that refuses the credentials or fails), 3
ZooKeeper or the storage unreachable, 78 configuration error.
Examples:
  flinkha inspect
  flinkha inspect --storage-timeout 2m
  flinkha -v inspect
  flinkha -o json inspect | jq '.findings[] | select(.severity != "info")'
  flinkha -o json inspect | jq '.applications[] | select(.state == "dirty")'
See flinkha-inspect(1).)");
  inspect->callback(
      [&context, access, storage] { context.exit_code = run_inspect(context, *access, *storage); });
}

} // namespace flinkha::cli
