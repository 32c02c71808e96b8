// `flinkha cleanup dirty-jobs | orphans | cluster`: plans with lib/flink/cleanup.hpp, prints the
// plan (order, action, target, reason), and unless --dry-run carries it out with progress lines
// and a summary. -o json: {"plan": [...], "notes": [...], "results": [...], "dry_run": bool, …}.
// Exit status: 0 done or nothing to do, 1 partially done (run it again), 2 refused or failed
// before any step, 3 ZooKeeper unreachable, 64 usage (cluster without --yes), 78 config error.

#include "commands.hpp"
#include "config/ha_paths.hpp"
#include "flink/cleanup.hpp"
#include "ha_access.hpp"
#include "inspect_render.hpp"
#include "table.hpp"
#include "util/duration.hpp"
#include "zk/prefetching_reader.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <memory>
#include <unistd.h>

namespace flinkha::cli {

namespace {

using nlohmann::ordered_json;

enum class DryRun { yes, no };

struct CleanupOptions {
  ZkAccessOptions access;
  StorageAccessOptions storage;
  bool dry_run = false;
  bool force = false;
  std::vector<std::string> job_ids;   // dirty-jobs
  std::string min_age = "1h";         // orphans
  bool yes = false;                   // cluster
  std::optional<std::string> cluster; // cluster: the cluster-id typed again
};

ordered_json step_json(std::size_t index, const flink::CleanupStep& step) {
  return {{"order", index + 1},
          {"action", std::string(to_string(step.action))},
          {"scope", std::string(to_string(step.scope))},
          {"target", step.target},
          {"job_id", step.job_id.empty() ? ordered_json(nullptr) : ordered_json(step.job_id)},
          {"reason", step.reason},
          {"application_id", step.application_id.empty() ? ordered_json(nullptr)
                                                         : ordered_json(step.application_id)}};
}

void print_plan_text(const flink::CleanupPlan& plan, const Style& style) {
  if (plan.steps.empty()) {
    fmt::print("plan for {}: nothing to do\n", plan.zk_namespace);
  } else {
    fmt::print("plan for {}: {} steps, in this order\n", plan.zk_namespace, plan.steps.size());
    Table table({"#", "ACTION", "SCOPE", "TARGET", "REASON"});
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
      const auto& step = plan.steps[i];
      table.add({std::to_string(i + 1), std::string(to_string(step.action)),
                 std::string(to_string(step.scope)), step.target, step.reason});
    }
    table.print(stdout, 2);
  }
  for (const auto& note : plan.notes) {
    fmt::print("  {} {}\n", style.dim("note:"), note);
  }
  std::fflush(stdout);
}

// Progress in text: one line per storage or JobResultStore step, one per run of znode
// deletions (they go to ZooKeeper together); every step with -v.
class TextProgress {
public:
  TextProgress(std::size_t total, bool verbose) : m_total(total), m_verbose(verbose) {}

  void step(std::size_t index, const flink::CleanupStep& step, flink::StepOutcome outcome) {
    const auto state = outcome == flink::StepOutcome::done ? "done" : "already gone";
    if (step.action == flink::StepAction::delete_znode && !m_verbose) {
      if (m_znodes == 0) {
        m_first = index;
      }
      ++m_znodes;
      m_last = index;
      return;
    }
    flush();
    fmt::print("[{}/{}] {} {} {}\n", index + 1, m_total, to_string(step.action), step.target,
               state);
    std::fflush(stdout);
  }

  void flush() {
    if (m_znodes > 0) {
      fmt::print("[{}-{}/{}] deleted {} znode{}\n", m_first + 1, m_last + 1, m_total, m_znodes,
                 m_znodes == 1 ? "" : "s");
      std::fflush(stdout);
      m_znodes = 0;
    }
  }

private:
  std::size_t m_total;
  bool m_verbose;
  std::size_t m_znodes = 0;
  std::size_t m_first = 0;
  std::size_t m_last = 0;
};

ExitCode run_cleanup(Context& context, const CleanupOptions& options,
                     const std::function<flink::CleanupRequest()>& make_request) {
  auto session = open_ha_session(context, options.access, options.storage);
  if (!session) {
    return report_error(session.error());
  }
  auto& s = **session;
  if (auto id = config::check_cluster_id(s.config.ha.cluster_id); !id) {
    return report_error(id.error(), ExitCode::config);
  }
  flink::CleanupRequest request = make_request();
  if (auto* whole = std::get_if<flink::ClusterRequest>(&request.what);
      whole != nullptr && whole->confirm_cluster_id.empty() && options.dry_run) {
    whole->confirm_cluster_id = s.config.ha.cluster_id; // a dry run needs no confirmation
  }
  request.force = options.force ? flink::Force::yes : flink::Force::no;
  request.delete_on_commit = s.delete_on_commit;
  request.application_delete_on_commit = s.application_delete_on_commit;
  auto leader = flink::find_live_leader(s, *s.zk);
  if (!leader) {
    return report_error(zk::to_error(leader.error()));
  }
  if (*leader) {
    // plan_cleanup makes the refusal; a dry run gets the plan with the refusal noted.
    request.live_leader = true;
    request.live_leader_description = (*leader)->description;
    request.plan_only = options.dry_run;
    if (options.force) {
      fmt::print(stderr,
                 "flinkha: warning: --force: going on although a leader is registered ({})\n",
                 (*leader)->description);
    }
  }
  zk::PrefetchingReader tree(*s.zk);
  auto inventory = flink::build_ha_inventory(tree, s.input);
  s.progress->clear();
  if (!inventory) {
    return report_error(inventory.error(), ExitCode::unknown);
  }
  auto plan = flink::plan_cleanup(*inventory, request);
  if (!plan) {
    return report_error(plan.error(), ExitCode::critical);
  }
  if (!plan->refused.empty()) {
    // A dry run changes nothing: show what would go, and say that a real run is refused.
    fmt::print(stderr,
               "flinkha: warning: {}; without --force a real run is refused. The plan "
               "below is for information only.\n",
               plan->refused);
  }
  const DryRun dry_run = options.dry_run ? DryRun::yes : DryRun::no;
  const Style style{context.color()};
  ordered_json out;
  if (context.json()) {
    auto& steps = out["plan"] = ordered_json::array();
    for (std::size_t i = 0; i < plan->steps.size(); ++i) {
      steps.push_back(step_json(i, plan->steps[i]));
    }
    out["notes"] = plan->notes;
    out["namespace"] = plan->zk_namespace;
    out["dry_run"] = dry_run == DryRun::yes;
    out["results"] = ordered_json::array();
  } else {
    print_plan_text(*plan, style);
  }
  if (dry_run == DryRun::yes || plan->steps.empty()) {
    if (context.json()) {
      out["summary"] = {{"steps", plan->steps.size()}, {"done", 0}, {"already_gone", 0}};
      out["error"] = nullptr;
      fmt::print("{}\n", out.dump(2));
    } else if (dry_run == DryRun::yes) {
      fmt::print("dry run: nothing was changed\n");
    }
    return ExitCode::ok;
  }
  flink::CleanupTargets targets{*s.zk, s.cluster_storage.get(), s.job_result_store.get(),
                                s.application_result_store.get()};
  TextProgress text(plan->steps.size(), context.global.verbose);
  const bool stdout_is_terminal = isatty(STDOUT_FILENO) == 1;
  std::size_t done = 0;
  std::size_t gone = 0;
  const auto progress = [&](std::size_t index, const flink::CleanupStep& step,
                            flink::StepOutcome outcome) {
    (outcome == flink::StepOutcome::done ? done : gone) += 1;
    if (context.json()) {
      out["results"].push_back(
          {{"order", index + 1},
           {"outcome", outcome == flink::StepOutcome::done ? "done" : "already_gone"}});
    } else {
      text.step(index, step, outcome);
    }
    if (!stdout_is_terminal) {
      // The step lines go to a file or a pipe: the terminal still sees how far it got.
      s.progress->update(fmt::format("cleanup: {} of {} steps", done + gone, plan->steps.size()));
    }
  };
  auto executed = flink::execute_plan(*plan, targets, progress);
  s.progress->clear();
  text.flush();
  const std::size_t total = plan->steps.size();
  ExitCode code = ExitCode::ok;
  if (!executed) {
    code = done + gone > 0 ? ExitCode::warning : ExitCode::critical;
  }
  if (context.json()) {
    out["summary"] = {{"steps", total}, {"done", done}, {"already_gone", gone}};
    out["error"] = executed ? ordered_json(nullptr) : ordered_json(executed.error().message);
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("{}: {} of {} steps ({} removed now, {} already gone)\n",
               executed ? style.green("done") : style.yellow("stopped"), done + gone, total, done,
               gone);
  }
  if (!executed) {
    report_error(executed.error(), code);
  }
  return code;
}

void add_common(CLI::App& command, CleanupOptions& options) {
  add_zk_access_options(command, options.access);
  add_storage_access_options(command, options.storage);
  command.add_flag("--dry-run", options.dry_run, "Print the plan and stop: change nothing");
  command.add_flag("--force", options.force,
                   "Go on although a leader is registered for the cluster (a stale leader)");
}

} // namespace

void setup_cleanup_command(CLI::App& app, Context& context) {
  auto* cleanup = app.add_subcommand(
      "cleanup", "Remove Flink HA data: dirty jobs, orphaned files, a whole cluster-id");
  cleanup->require_subcommand(1);
  cleanup->footer(R"(Every cleanup prints its plan first (order, action, target, reason); --dry-run
stops there. Order: the ZooKeeper pointer, then the file it points to, then the JobResultStore
entry's mark, so an interrupted run leaves at worst an orphan file and a rerun finishes it.
Flink 2.3's applications follow their jobs: pointer, file, blobs, then the ApplicationResultStore
entry's mark.
Refused while a leader is registered for the cluster, unless --force.
Exit status: 0 done or nothing to do, 1 partially done (run it again), 2 refused or failed,
3 ZooKeeper unreachable, 64 usage error, 78 configuration error.
Examples:
  flinkha cleanup dirty-jobs --dry-run
  flinkha cleanup orphans --min-age 2d
  flinkha cleanup cluster --yes --cluster-id old-cluster
See flinkha-cleanup(1).)");

  auto dirty = std::make_shared<CleanupOptions>();
  auto* dirty_jobs = cleanup->add_subcommand(
      "dirty-jobs", "Finish Flink's global cleanup of jobs with a dirty JobResultStore entry");
  add_common(*dirty_jobs, *dirty);
  dirty_jobs->add_option("JOBID", dirty->job_ids,
                         "Only these jobs or applications (32 hex digits); default all");
  dirty_jobs->footer(R"(Removes what Flink's own global cleanup of a terminated job removes: the
checkpoint pointers and their files, the checkpoint counter, the job graph / execution plan
pointer and its file, blob/job_<id>, the job's other znodes, then marks the JobResultStore entry
clean (deleted, or renamed to <jobid>.json when job-result-store.delete-on-commit is false).
Flink 2.3: then, as Dispatcher.removeApplication does, each application with a dirty
ApplicationResultStore entry: {ns}/applications/<appid> with its locks, its submittedApplication
file, blob/application_<appid>, then the entry is marked clean (application-result-store
.delete-on-commit), only after every job of the application is clean.
Examples:
  flinkha cleanup dirty-jobs --dry-run
  flinkha cleanup dirty-jobs 4f5c9c1f0c1e7d7c8a3b2a1f0e9d8c7b
  flinkha -o json cleanup dirty-jobs | jq '.summary')");
  dirty_jobs->callback([&context, dirty] {
    context.exit_code = run_cleanup(context, *dirty, [dirty] {
      flink::CleanupRequest request;
      request.what = flink::DirtyJobsRequest{dirty->job_ids};
      return request;
    });
  });

  auto orphan = std::make_shared<CleanupOptions>();
  auto* orphans = cleanup->add_subcommand(
      "orphans", "Remove metadata files no pointer refers to, and pointers marked for deletion");
  add_common(*orphans, *orphan);
  orphans->add_option("--min-age", orphan->min_age,
                      "Only what is older than this (90s, 30m, 1h, 2d; default 1h)");
  orphans->footer(R"(Files younger than --min-age are kept: Flink writes the file before the
pointer, so a fresh file may belong to a checkpoint being completed right now.
Examples:
  flinkha cleanup orphans --dry-run
  flinkha cleanup orphans --min-age 2d)");
  orphans->callback([&context, orphan] {
    const auto min_age = util::parse_duration_ms(orphan->min_age);
    if (!min_age) {
      context.exit_code = report_error(Error{
          fmt::format("--min-age: {}", min_age.error().message),
          "write it like 90s, 30m, 1h or 2d (Flink's duration syntax)", ErrorCategory::usage});
      return;
    }
    context.exit_code = run_cleanup(context, *orphan, [min_age] {
      flink::CleanupRequest request;
      request.what = flink::OrphansRequest{*min_age};
      return request;
    });
  });

  auto whole = std::make_shared<CleanupOptions>();
  auto* cluster = cleanup->add_subcommand(
      "cluster", "Remove all HA data of a decommissioned cluster-id (needs --yes and the id)");
  add_common(*cluster, *whole);
  cluster->add_flag("--yes", whole->yes, "Confirm: delete everything of this cluster-id");
  cluster->add_option("--cluster-id", whole->cluster,
                      "The cluster-id typed again; must equal high-availability.cluster-id");
  cluster->footer(R"(Removes every znode under {root}/{cluster-id} (the namespace last), every
file in {storageDir}/{cluster-id} and the cluster's JobResultStore (and, 2.3,
ApplicationResultStore) entries. Only with --yes and
the cluster-id typed again (--dry-run needs neither).
Examples:
  flinkha cleanup cluster --dry-run
  flinkha cleanup cluster --yes --cluster-id old-cluster)");
  cluster->callback([&context, whole] {
    if (!whole->dry_run && (!whole->yes || !whole->cluster)) {
      context.exit_code = report_error(
          Error{"cleanup cluster deletes all HA data of the cluster-id: it needs --yes and "
                "--cluster-id <id>",
                "run it with --dry-run first to see what would be deleted"},
          ExitCode::usage);
      return;
    }
    context.exit_code = run_cleanup(context, *whole, [whole] {
      flink::CleanupRequest request;
      request.what = flink::ClusterRequest{whole->cluster.value_or("")};
      return request;
    });
  });
}

} // namespace flinkha::cli
