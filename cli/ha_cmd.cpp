// `flinkha ha backup DIR` and `flinkha ha restore DIR` (lib/flink/ha_backup.hpp, ha_restore.hpp):
// the backup prints what it recorded; the restore prints its plan (order, action, target, reason)
// and, unless --dry-run, carries it out with a summary, in the style of `cleanup`.
// -o json: backup {"directory", "namespace", "flink_version", "layout", "cluster_id",
// "created_ms", "znodes", "ephemeral_znodes", "files", "copied_files", "result_store_entries",
// "notes", "error"}; restore {"plan": [...], "notes", "namespace", "dry_run", "results": [...],
// "summary", "error"}. Exit status: 0 done, 1 restore partly done (run it again), 2 refused or
// failed, 3 ZooKeeper unreachable, 64 usage, 78 configuration error.

#include "commands.hpp"
#include "config/cluster_config.hpp"
#include "config/ha_paths.hpp"
#include "flink/ha_backup.hpp"
#include "flink/ha_restore.hpp"
#include "ha_access.hpp"
#include "storage/open_storage.hpp"
#include "table.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <memory>

namespace flinkha::cli {

namespace {

using nlohmann::ordered_json;

struct BackupOptions {
  ZkAccessOptions access;
  StorageAccessOptions storage;
  std::string dir;
  bool with_files = false;
  bool force = false;
};

struct RestoreOptions {
  ZkAccessOptions access;
  StorageAccessOptions storage;
  std::string dir;
  bool replace = false;
  bool force_version = false;
  bool dry_run = false;
  std::optional<std::string> cluster_id;
};

ExitCode print_json_error(ordered_json& out, const Error& error, ExitCode fallback) {
  out["error"] = error.message;
  fmt::print("{}\n", out.dump(2));
  return report_error(error, fallback);
}

ExitCode run_backup(Context& context, const BackupOptions& options) {
  auto session = open_ha_session(context, options.access, options.storage);
  if (!session) {
    return report_error(session.error());
  }
  auto& s = **session;
  auto leader = flink::find_live_leader(s, *s.zk);
  if (!leader) {
    return report_error(zk::to_error(leader.error()));
  }
  flink::BackupOptions backup_options;
  if (*leader) {
    if (!options.force) {
      return report_error(
          Error{fmt::format("{}: a leader is registered ({}): a backup of a running cluster may "
                            "miss what it writes meanwhile; refused, nothing was written",
                            s.input.zk_namespace, (*leader)->description),
                "stop the cluster first (flinkha stop-cluster keeps the HA data), or pass "
                "--force for a stale leader",
                ErrorCategory::refused});
    }
    fmt::print(stderr,
               "flinkha: warning: --force: backing up although a leader is registered ({})\n",
               (*leader)->description);
    backup_options.leader_registered = (*leader)->description;
  }
  backup_options.with_files = options.with_files;
  backup_options.flinkha_version = FLINKHA_VERSION;
  backup_options.flink_version = s.config.flink_version.value.to_string();
  backup_options.flink_version_source = s.config.flink_version.source;
  backup_options.now_ms = s.input.now_ms;
  auto backup = flink::take_backup(*s.zk, s.input, backup_options);
  s.progress->clear();
  if (!backup) {
    return report_error(backup.error(), ExitCode::critical);
  }
  if (auto written = flink::write_backup(options.dir, *backup); !written) {
    return report_error(written.error(), ExitCode::critical);
  }
  const auto& m = backup->manifest;
  std::size_t ephemeral = 0;
  for (const auto& node : m.znodes) {
    ephemeral += node.ephemeral() ? 1 : 0;
  }
  std::size_t referenced = 0;
  std::size_t copied = 0;
  std::size_t entries = 0;
  for (const auto& file : m.files) {
    if (file.side == flink::BackupSide::cluster_storage) {
      ++referenced;
      copied += file.copy.empty() ? 0 : 1;
    } else {
      ++entries;
    }
  }
  if (context.json()) {
    ordered_json out{{"directory", options.dir},
                     {"namespace", m.zk_namespace},
                     {"cluster_id", m.cluster_id},
                     {"flink_version", m.flink_version},
                     {"layout", m.layout},
                     {"created_ms", m.created_ms},
                     {"znodes", m.znodes.size()},
                     {"ephemeral_znodes", ephemeral},
                     {"files", referenced},
                     {"copied_files", copied},
                     {"result_store_entries", entries},
                     {"notes", m.notes},
                     {"error", nullptr}};
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("backup of {} (Flink {}, layout {}) written to {}\n", m.zk_namespace,
               m.flink_version, m.layout, options.dir);
    fmt::print("  {} znodes ({} ephemeral: recorded, not restored)\n", m.znodes.size(), ephemeral);
    fmt::print("  {} referenced files ({} copied{})\n", referenced, copied,
               options.with_files ? "" : "; --with-files copies them");
    fmt::print("  {} result-store entries (copied)\n", entries);
    for (const auto& note : m.notes) {
      fmt::print("  note: {}\n", note);
    }
  }
  return ExitCode::ok;
}

ordered_json step_json(std::size_t index, const flink::RestoreStep& step) {
  return {{"order", index + 1},
          {"action", std::string(to_string(step.action))},
          {"target", step.target},
          {"reason", step.reason}};
}

ExitCode run_restore(Context& context, const RestoreOptions& options) {
  ordered_json out;
  out["namespace"] = nullptr;
  out["dry_run"] = options.dry_run;
  out["plan"] = ordered_json::array();
  out["notes"] = ordered_json::array();
  out["results"] = ordered_json::array();
  const auto error_exit = [&](const Error& error, ExitCode fallback) {
    if (context.json()) {
      return print_json_error(out, error, fallback);
    }
    return report_error(error, fallback);
  };
  auto backup = flink::read_backup(options.dir);
  if (!backup) {
    return error_exit(backup.error(), ExitCode::critical);
  }
  auto session = open_ha_session(context, options.access, options.storage, options.cluster_id);
  if (!session) {
    return error_exit(session.error(), ExitCode::critical);
  }
  auto& s = **session;
  if (auto id = config::check_cluster_id(s.config.ha.cluster_id); !id) {
    return error_exit(id.error(), ExitCode::config);
  }
  out["namespace"] = s.input.zk_namespace;
  auto leader = flink::find_live_leader(s, *s.zk);
  if (!leader) {
    return error_exit(zk::to_error(leader.error()), ExitCode::unknown);
  }
  const auto& m = backup->manifest;
  // The pointers' files stay where the backup found them.
  std::unique_ptr<storage::HaStorage> backup_storage;
  storage::HaStorage* pointer_files = s.cluster_storage.get();
  if (!m.cluster_storage_uri.empty() && m.cluster_storage_uri != s.input.cluster_storage_uri) {
    // The manifest comes from a directory anyone may have written: files are written only
    // where this configuration puts the backup's cluster-id, never where the manifest says.
    const auto expected = config::ha_settings_for(s.config, m.cluster_id).cluster_storage_dir;
    if (!expected || *expected != m.cluster_storage_uri) {
      return error_exit(
          Error{fmt::format("the backup's cluster storage dir {} is not where this configuration "
                            "puts cluster-id {} ({}): refused, nothing was written",
                            m.cluster_storage_uri, m.cluster_id, expected.value_or("none")),
                "restore with the high-availability.storageDir the backup was taken with",
                ErrorCategory::refused},
          ExitCode::critical);
    }
    storage::StorageOptions storage_options;
    storage_options.config = &s.config;
    auto opened = storage::open_storage(m.cluster_storage_uri, storage_options);
    if (!opened) {
      return error_exit(opened.error(), ExitCode::critical);
    }
    backup_storage = std::move(*opened);
    pointer_files = backup_storage.get();
  }
  flink::RestoreTargets targets{*s.zk, pointer_files, s.job_result_store.get(),
                                s.application_result_store.get(), s.cluster_storage.get()};
  flink::RestoreRequest request;
  request.target_namespace = s.input.zk_namespace;
  request.flink_version = s.config.flink_version.value.to_string();
  request.layout = std::string(flink::layout_label(s.era));
  request.replace = options.replace;
  request.force_version = options.force_version;
  if (*leader) {
    request.live_leader = (*leader)->description;
  }
  auto plan = flink::plan_restore(*backup, targets, request);
  s.progress->clear();
  if (!plan) {
    return error_exit(plan.error(), ExitCode::critical);
  }
  const Style style{context.color()};
  if (context.json()) {
    for (std::size_t i = 0; i < plan->steps.size(); ++i) {
      out["plan"].push_back(step_json(i, plan->steps[i]));
    }
    out["notes"] = plan->notes;
  } else {
    if (plan->steps.empty()) {
      fmt::print("plan for {}: nothing to do ({} znodes and {} files already there)\n",
                 plan->target_namespace, plan->znodes_present, plan->files_present);
    } else {
      fmt::print("plan for {}: {} steps, in this order ({} znodes and {} files already there)\n",
                 plan->target_namespace, plan->steps.size(), plan->znodes_present,
                 plan->files_present);
      Table table({"#", "ACTION", "TARGET", "REASON"});
      for (std::size_t i = 0; i < plan->steps.size(); ++i) {
        const auto& step = plan->steps[i];
        table.add(
            {std::to_string(i + 1), std::string(to_string(step.action)), step.target, step.reason});
      }
      table.print(stdout, 2);
    }
    for (const auto& note : plan->notes) {
      fmt::print("  {} {}\n", style.dim("note:"), note);
    }
    std::fflush(stdout);
  }
  const std::size_t total = plan->steps.size();
  if (options.dry_run) {
    if (context.json()) {
      out["summary"] = {{"steps", total}, {"done", 0}};
      out["error"] = nullptr;
      fmt::print("{}\n", out.dump(2));
    } else {
      fmt::print("dry run: nothing was changed\n");
    }
    return ExitCode::ok;
  }
  std::size_t done = 0;
  const auto progress = [&](std::size_t index, const flink::RestoreStep&) {
    ++done;
    if (context.json()) {
      out["results"].push_back({{"order", index + 1}, {"outcome", "done"}});
    } else if (context.global.verbose > 0) {
      fmt::print("[{}/{}] {} {} done\n", index + 1, total, to_string(plan->steps[index].action),
                 plan->steps[index].target);
      std::fflush(stdout);
    }
  };
  auto executed = flink::execute_restore(*backup, *plan, targets, progress);
  ExitCode code = ExitCode::ok;
  if (!executed) {
    // Nothing done: the error's own exit status (3 when ZooKeeper or the storage went away).
    code = done > 0 ? ExitCode::warning : exit_code_for(executed.error(), ExitCode::critical);
  }
  if (context.json()) {
    out["summary"] = {{"steps", total}, {"done", done}};
    out["error"] = executed ? ordered_json(nullptr) : ordered_json(executed.error().message);
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("{}: {} of {} steps; {} restored from {}\n",
               executed ? style.green("done") : style.yellow("stopped"), done, total,
               plan->target_namespace, options.dir);
  }
  if (!executed) {
    Error error = executed.error();
    if (done > 0) {
      error.hint = "run the same restore again: it finishes what is missing";
    }
    report_error(error, code);
  }
  return code;
}

} // namespace

void setup_ha_command(CLI::App& app, Context& context) {
  auto* ha = app.add_subcommand("ha", "Back up Flink's HA state, or restore a backup");
  ha->require_subcommand(1);
  ha->footer(R"(A backup is one directory: manifest.json (every znode of the namespace with data,
ACL and Stat; the referenced storage files with size, mtime and SHA-256) and files/ (the
JobResultStore entries, and with --with-files the referenced job graph / checkpoint files).
Format: docs/ha-backup-format.md. Examples:
  flinkha stop-cluster && flinkha ha backup /backups/flink-ha-$(date +%F) --with-files
  flinkha ha restore /backups/flink-ha-2026-12-04 --dry-run
  flinkha ha restore /backups/flink-ha-2026-12-04 --cluster-id new-cluster
See flinkha-ha(1).)");

  auto backup = std::make_shared<BackupOptions>();
  auto* backup_cmd =
      ha->add_subcommand("backup", "Snapshot the cluster's HA state into a new directory");
  add_zk_access_options(*backup_cmd, backup->access);
  add_storage_access_options(*backup_cmd, backup->storage);
  backup_cmd->add_option("DIR", backup->dir, "The backup directory (new or empty)")->required();
  backup_cmd->add_flag("--with-files", backup->with_files,
                       "Also copy the referenced job graph / execution plan / completedCheckpoint "
                       "files (never the checkpoint data)");
  backup_cmd->add_flag("--force", backup->force,
                       "Go on although a leader is registered (a stale leader)");
  backup_cmd->footer(R"(Refused while a leader is registered (stop the cluster first: the HA data
is kept), unless --force. The persistent znodes are read again at the end: a change meanwhile
fails the backup. Ephemeral nodes are recorded, never restored.
Examples:
  flinkha ha backup /backups/before-upgrade
  flinkha ha backup /backups/before-upgrade --with-files
  flinkha -o json ha backup /backups/x | jq '.znodes')");
  backup_cmd->callback([&context, backup] { context.exit_code = run_backup(context, *backup); });

  auto restore = std::make_shared<RestoreOptions>();
  auto* restore_cmd = ha->add_subcommand("restore", "Put a backup back into ZooKeeper and storage");
  add_zk_access_options(*restore_cmd, restore->access);
  add_storage_access_options(*restore_cmd, restore->storage);
  restore_cmd->add_option("DIR", restore->dir, "The backup directory")->required();
  restore_cmd->add_flag("--replace", restore->replace,
                        "Delete what the namespace holds that is not the backup's (a stopped "
                        "cluster only)");
  restore_cmd->add_flag("--force-version", restore->force_version,
                        "Restore into another Flink major.minor of the backup's HA layout");
  restore_cmd->add_option("--cluster-id", restore->cluster_id,
                          "Restore into this cluster-id (migration); the pointers are unchanged");
  restore_cmd->add_flag("--dry-run", restore->dry_run, "Print the plan and stop: change nothing");
  restore_cmd->footer(
      R"(Checked before anything is written: the same Flink major.minor (else --force-version) and
HA layout (always), an empty namespace (else --replace on a stopped cluster), every referenced
file there with its SHA-256 or restorable from the backup's copy. Then files first, then znodes,
parents before children. A rerun after an interruption finishes the restore.
Examples:
  flinkha ha restore /backups/before-upgrade --dry-run
  flinkha ha restore /backups/before-upgrade
  flinkha ha restore /backups/before-upgrade --cluster-id other)");
  restore_cmd->callback(
      [&context, restore] { context.exit_code = run_restore(context, *restore); });
}

} // namespace flinkha::cli
