// `flinkha checkpoints [JOBID...]`: per job, the completed checkpoints and the latest one to
// restart it from, with the command that does it (printed, never run). From the HA data
// (ZooKeeper pointers and their completedCheckpoint files), or with --from-storage from the
// checkpoint and savepoint directories alone (lib/flink/checkpoint_finder.hpp decides; this file
// renders). Read-only.
// Exit status: 0 a restore point for every job; 1 a job whose newest checkpoint's _metadata is
// missing or not a valid _metadata (an older one is named); 2 a job (or, without JOBID, no job at
// all) with nothing to restore from, or whose newer _metadata could not be checked; 3 ZooKeeper or
// the storage unreachable (also when a _metadata could not be checked for it: never fallen back
// past); 64 usage; 78 configuration.

#include "commands.hpp"
#include "config/flink_conf.hpp"
#include "exit_codes.hpp"
#include "flink/checkpoint_finder.hpp"
#include "flink/ha_layout.hpp"
#include "ha_access.hpp"
#include "storage/open_storage.hpp"
#include "table.hpp"
#include "util/duration.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flinkha::cli {

namespace {

using nlohmann::ordered_json;

struct CheckpointsOptions {
  std::vector<std::string> job_ids;
  bool from_storage = false;
  std::string checkpoint_dir; // overrides execution.checkpointing.dir
  std::string savepoint_dir;  // overrides execution.checkpointing.savepoint-dir
};

template <typename T>
ordered_json or_null(const std::optional<T>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json or_null(const std::string& text) {
  return text.empty() ? ordered_json(nullptr) : ordered_json(text);
}

std::string category_name(ErrorCategory category) {
  for (const auto& c : error_categories()) {
    if (c.category == category) {
      return std::string(c.name);
    }
  }
  return "internal";
}

ordered_json category_or_null(const std::optional<ErrorCategory>& category) {
  return category ? ordered_json(category_name(*category)) : ordered_json(nullptr);
}

// A pointer for the terminal: control characters as \xNN.
std::string shown(std::string_view pointer) {
  return util::printable(pointer, 4096);
}

// One checkpoint or savepoint: the DESIGN.md fields first, then the extensions.
ordered_json entry_json(const flink::CheckpointEntry& e) {
  return ordered_json{
      {"checkpoint_id", e.checkpoint_id},
      {"external_pointer", e.external_pointer},
      {"metadata_exists", e.metadata_exists},
      {"timestamp_ms", e.timestamp_ms},
      {"kind", e.savepoint ? "savepoint" : "checkpoint"},
      {"completion_timestamp_ms", or_null(e.completion_timestamp_ms)},
      {"metadata_path", e.metadata_path},
      {"metadata_size", or_null(e.metadata_size)},
      {"metadata_version", or_null(e.metadata_version)},
      {"usable", e.usable()},
      {"aborted", e.aborted},
      {"znode", or_null(e.znode)},
      {"file", or_null(e.completed_checkpoint_file)},
      {"error", or_null(!e.error.empty() ? e.error : e.metadata_error)},
      {"header_checked", e.header_checked},
      {"check_error_category", category_or_null(e.check_failure)},
      {"notes", e.notes},
  };
}

ordered_json entries_json(const std::vector<flink::CheckpointEntry>& entries) {
  ordered_json out = ordered_json::array();
  std::ranges::transform(entries, std::back_inserter(out), entry_json);
  return out;
}

// DESIGN.md "Contracts": the `checkpoints` row, extended (savepoints, restore_option,
// fell_back, note).
ordered_json job_json(const flink::JobCheckpoints& job) {
  ordered_json restore_option = nullptr;
  if (job.restore) {
    restore_option = {{"key", job.restore->option_key}, {"value", job.restore->option_value}};
  }
  return ordered_json{
      {"job_id", job.job_id},
      {"source", std::string(flink::to_string(job.source))},
      {"latest", job.latest ? entry_json(*job.latest) : ordered_json(nullptr)},
      {"checkpoints", entries_json(job.checkpoints)},
      {"savepoints", entries_json(job.savepoints)},
      {"restore_command", job.restore ? ordered_json(job.restore->command) : ordered_json(nullptr)},
      {"restore_option", restore_option},
      {"fell_back", job.fell_back},
      {"note", or_null(job.note)},
      {"blocked_category", category_or_null(job.blocked)},
  };
}

ordered_json report_json(const flink::CheckpointReport& report) {
  ordered_json jobs = ordered_json::array();
  std::ranges::transform(report.jobs, std::back_inserter(jobs), job_json);
  return ordered_json{{"source", std::string(flink::to_string(report.source))},
                      {"searched", report.searched},
                      {"jobs", std::move(jobs)}};
}

// The ID column: a savepoint found in the storage has its id from its header, unknown until read.
std::string id_text(const flink::CheckpointEntry& e) {
  return e.savepoint && e.checkpoint_id == 0 && !e.header_checked ? "-"
                                                                  : std::to_string(e.checkpoint_id);
}

std::string state_text(const flink::CheckpointEntry& e, const Style& style) {
  if (e.usable()) {
    return "ok";
  }
  if (e.aborted) {
    return style.dim("aborted");
  }
  if (!e.error.empty()) {
    return style.bold("unreadable");
  }
  if (e.check_failure) {
    return style.bold(e.metadata_exists ? "header not checked" : "could not check");
  }
  if (!e.metadata_exists) {
    return style.bold("no _metadata");
  }
  if (!e.header_checked) {
    return style.dim("not checked");
  }
  return style.bold("bad _metadata");
}

void print_report_text(const flink::CheckpointReport& report, const Style& style) {
  fmt::print("source    {}\nsearched  {}\n", flink::to_string(report.source),
             report.searched.empty() ? std::string("-")
                                     : fmt::format("{}", fmt::join(report.searched, ", ")));
  if (report.jobs.empty()) {
    fmt::print("\nno job with checkpoints found\n");
    return;
  }
  for (const auto& job : report.jobs) {
    fmt::print("\njob {}\n", job.job_id);
    if (!job.checkpoints.empty() || !job.savepoints.empty()) {
      Table table({"KIND", "ID", "TIME", "STATE", "METADATA BYTES", "EXTERNAL POINTER"});
      auto add = [&](const flink::CheckpointEntry& e) {
        table.add({e.savepoint ? "savepoint" : "checkpoint", id_text(e), time_text(e.timestamp_ms),
                   state_text(e, style), e.metadata_size ? std::to_string(*e.metadata_size) : "-",
                   e.external_pointer.empty() ? "-" : shown(e.external_pointer)});
      };
      for (const auto& e : job.checkpoints) {
        add(e);
      }
      for (const auto& e : job.savepoints) {
        add(e);
      }
      table.print(stdout);
      auto explain = [](const flink::CheckpointEntry& e) {
        const std::string& why = !e.error.empty() ? e.error : e.metadata_error;
        if (!e.usable() && !e.aborted && !why.empty()) {
          fmt::print("  {} {}: {}\n", e.savepoint ? "savepoint" : "checkpoint", id_text(e),
                     util::printable(why, 4096));
        }
        for (const auto& note : e.notes) {
          fmt::print("  {} {}: note: {}\n", e.savepoint ? "savepoint" : "checkpoint", id_text(e),
                     util::printable(note, 4096));
        }
      };
      std::ranges::for_each(job.checkpoints, explain);
      std::ranges::for_each(job.savepoints, explain);
    }
    if (job.latest) {
      fmt::print("latest    {} {} at {}{}\n", job.latest->savepoint ? "savepoint" : "checkpoint",
                 job.latest->checkpoint_id, shown(job.latest->external_pointer),
                 job.fell_back ? style.bold("  (the newest is not usable: fell back)") : "");
      fmt::print("restore   {}\n          or {}: {}\n", job.restore->command,
                 job.restore->option_key, job.restore->option_value);
    } else {
      fmt::print("latest    {}: {}\n", style.bold("nothing to restore from"),
                 util::printable(job.note, 4096));
    }
  }
}

// A job blocked by a check that could not decide: 3 when its storage was unreachable, else 2.
ExitCode exit_code_of(const flink::CheckpointReport& report) {
  if (report.jobs.empty()) {
    return ExitCode::critical;
  }
  ExitCode code = ExitCode::ok;
  bool unreachable = false;
  for (const auto& job : report.jobs) {
    if (job.blocked == ErrorCategory::unreachable) {
      unreachable = true;
    } else if (!job.latest) {
      code = ExitCode::critical;
    } else if (job.fell_back && code == ExitCode::ok) {
      code = ExitCode::warning;
    }
  }
  return unreachable ? ExitCode::unknown : code;
}

// On stderr, per job whose search stopped at a _metadata that could not be checked.
void report_blocked(const flink::CheckpointReport& report) {
  for (const auto& job : report.jobs) {
    if (job.blocked) {
      report_error(Error{fmt::format("job {}: no restore point named: {}", job.job_id,
                                     util::printable(job.note, 4096)),
                         {},
                         *job.blocked});
    }
  }
}

Status check_job_ids(const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    if (!flink::is_job_id(id)) {
      return fail(ErrorCategory::usage, fmt::format("JOBID '{}' is not a Flink job id", id),
                  "a job id is 32 lower-case hex digits, as `flink list` and the web UI show it");
    }
  }
  return {};
}

flink::StorageOpener opener(const config::ClusterConfig& config, std::int64_t timeout_ms) {
  return [&config, timeout_ms](std::string_view uri) {
    storage::StorageOptions options;
    options.config = &config;
    options.timeout_ms = timeout_ms;
    return storage::open_storage(uri, options);
  };
}

void render(const Context& context, const flink::CheckpointReport& report) {
  report_blocked(report);
  if (context.json()) {
    fmt::print("{}\n", report_json(report).dump(2));
  } else {
    print_report_text(report, Style{context.color()});
  }
}

ExitCode run_from_storage(Context& context, const CheckpointsOptions& options,
                          const StorageAccessOptions& storage) {
  const auto timeout_ms = util::parse_duration_ms(storage.timeout);
  if (!timeout_ms || *timeout_ms < 1) {
    return report_error(Error{fmt::format("--storage-timeout '{}': invalid", storage.timeout),
                              "write it like 30s, 2m or 1500 (ms)", ErrorCategory::usage});
  }
  auto config = context.load_config();
  if (!config) {
    return report_error(config.error(), ExitCode::config);
  }
  flink::StorageScanInput input;
  input.checkpoints_dir = !options.checkpoint_dir.empty()
                              ? options.checkpoint_dir
                              : config->value("execution.checkpointing.dir").value_or("");
  input.savepoints_dir = !options.savepoint_dir.empty()
                             ? options.savepoint_dir
                             : config->value("execution.checkpointing.savepoint-dir").value_or("");
  const std::string create_subdir =
      config->value("execution.checkpointing.create-subdir").value_or("true");
  const auto subdir = config::flink_bool(create_subdir);
  if (!subdir) {
    const auto* option = config->option("execution.checkpointing.create-subdir");
    const std::string where =
        option != nullptr && !option->where.empty() ? config::to_string(option->where) + ": " : "";
    return report_error(
        Error{fmt::format("{}{}: '{}' is not a boolean", where,
                          option != nullptr && option->key_written ? *option->key_written
                                                                   : "execution.checkpointing."
                                                                     "create-subdir",
                          util::printable(create_subdir)),
              "write true or false (any case), as Flink reads it", ErrorCategory::configuration});
  }
  input.create_subdir = *subdir;
  input.job_ids = options.job_ids;
  auto report = flink::find_checkpoints_in_storage(input, opener(*config, *timeout_ms),
                                                   config->flink_version.value);
  if (!report) {
    return report_error(report.error(), ExitCode::unknown);
  }
  render(context, *report);
  return exit_code_of(*report);
}

ExitCode run_checkpoints(Context& context, const CheckpointsOptions& options,
                         const ZkAccessOptions& access, const StorageAccessOptions& storage) {
  if (auto ids = check_job_ids(options.job_ids); !ids) {
    return report_error(ids.error());
  }
  if (options.from_storage) {
    return run_from_storage(context, options, storage);
  }
  auto read = read_ha_inventory(context, access, storage);
  if (!read) {
    return report_error(read.error());
  }
  auto& s = *read->session;
  const auto* inventory = &read->inventory;
  const std::int64_t timeout_ms = util::parse_duration_ms(storage.timeout).value_or(30'000);
  auto report =
      flink::find_checkpoints_in_ha(*inventory, s.cluster_storage.get(), options.job_ids,
                                    opener(s.config, timeout_ms), s.config.flink_version.value);
  if (!report) {
    return report_error(report.error(), ExitCode::unknown);
  }
  if (!inventory->storage.available) {
    report_error(Error{fmt::format("the cluster storage {} is not readable: {}",
                                   inventory->storage.uri, inventory->storage.error),
                       inventory->storage.error_hint, inventory->storage.error_category});
  }
  render(context, *report);
  if (!inventory->storage.available &&
      inventory->storage.error_category == ErrorCategory::unreachable) {
    return ExitCode::unknown;
  }
  return exit_code_of(*report);
}

} // namespace

void setup_checkpoints_command(CLI::App& app, Context& context) {
  auto options = std::make_shared<CheckpointsOptions>();
  auto access = std::make_shared<ZkAccessOptions>();
  auto storage = std::make_shared<StorageAccessOptions>();
  auto* cmd = app.add_subcommand(
      "checkpoints", "The latest completed checkpoint of every job and how to restart from it");
  cmd->add_option("JOBID", options->job_ids, "Only these jobs (32 hex digits each)");
  cmd->add_flag("--from-storage", options->from_storage,
                "Scan the checkpoint and savepoint directories instead of the HA data");
  cmd->add_option("--checkpoint-dir", options->checkpoint_dir,
                  "With --from-storage: this directory instead of execution.checkpointing.dir");
  cmd->add_option("--savepoint-dir", options->savepoint_dir,
                  "With --from-storage: this directory instead of "
                  "execution.checkpointing.savepoint-dir");
  add_zk_access_options(*cmd, *access);
  add_storage_access_options(*cmd, *storage);
  cmd->footer(R"footer(Lists, per job, the completed checkpoints Flink keeps in its HA data (the
checkpoint pointers in ZooKeeper and their completedCheckpoint files in
{storageDir}/{cluster-id}): id, trigger time, the external pointer (the chk-<n> directory) and
whether its _metadata still exists. The newest one whose _metadata is there and whose header
(magic number, version, checkpoint id) fits is the restore point; headers are read newest first
and the search stops there (older entries show "not checked"). A _metadata that could not be
checked (storage unreachable, a failed read, a file too large to read for its header) is never
fallen back past: nothing is named and the path is reported (exit 3 when unreachable, else 2).
A checkpoint without a checkpoint directory (external pointer
<checkpoint-not-externally-addressable>) and a pointer with control characters are not restore
points.
the command that restarts the job from it is printed, never run (`flink run -s <pointer>`, or the
key execution.state-recovery.path from Flink 1.20, execution.savepoint.path before).
With --from-storage (the HA data is gone) it scans execution.checkpointing.dir
(state.checkpoints.dir) for <job-id>/chk-<n>/_metadata, newest first (a chk-<n> without _metadata
never completed), and execution.checkpointing.savepoint-dir (state.savepoints.dir) for
savepoint-<job-id prefix>-*/_metadata, newest first; a savepoint is matched to its job by that
6-digit prefix only, which a note says (and names the jobs when several share it). Local paths,
hdfs:// and s3:// alike. Nothing is changed.
Exit status: 0 a restore point for every job, 1 the newest checkpoint of a job is not usable (an
older one is named), 2 nothing to restore from for a job (or no job found, or a _metadata that
could not be checked), 3 ZooKeeper or the storage unreachable, 64 usage, 78 configuration error.
Examples:
  flinkha checkpoints
  flinkha checkpoints 3d8f0e5c9b2a4f718e6d5c4b3a291f01
  flinkha -o json checkpoints | jq -r '.jobs[] | "\(.job_id) \(.latest.external_pointer)"'
  flinkha checkpoints --from-storage
  flinkha checkpoints --from-storage --checkpoint-dir hdfs:///flink/checkpoints
See flinkha-checkpoints(1).)footer");
  cmd->callback([&context, options, access, storage] {
    context.exit_code = run_checkpoints(context, *options, *access, *storage);
  });
}

} // namespace flinkha::cli
