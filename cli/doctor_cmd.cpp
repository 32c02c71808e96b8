// `flinkha doctor`: gathers what `config check`, `zk status`, `status`, `leader show` and
// `inspect` look at into one doctor::Snapshot, judges it with the checks of lib/doctor
// (doctor::diagnose), renders the verdict and the findings (text, or DESIGN.md's JSON), writes
// the node_exporter textfile with --prometheus FILE, and exits 0 ok, 1 warning, 2 critical,
// 3 unknown (64 usage, 78 configuration).
//
// Gathering never aborts on what it cannot reach: a step that fails leaves its input nullopt
// with the reason, and the checks that need it are skipped, saying why. Every step is bounded:
// the four-letter words by --zk-status-timeout, ZooKeeper by the client's deadlines
// (client.hpp), REST by the probe's timeouts (rest_probe.hpp), storage by --storage-timeout.
//
// `status` is REST only by default (every conf/masters JobManager's /overview, no SSH): doctor
// runs from cron or a systemd timer, where a host-key prompt or an SSH login per run is not
// wanted. --daemons adds the pid files per host as `flinkha status` reads them (over SSH for
// hosts that are not local).

#include "cluster_cmd.hpp"
#include "commands.hpp"
#include "config/lint.hpp"
#include "doctor/check_counter.hpp"
#include "doctor/checks.hpp"
#include "doctor/prometheus.hpp"
#include "ha_access.hpp"
#include "inspect_render.hpp"
#include "remote/ssh_options.hpp"
#include "table.hpp"
#include "util/duration.hpp"
#include "zk/connections.hpp"
#include "zk/prefetching_reader.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <thread>
#include <tuple>

namespace flinkha::cli {

namespace {

using nlohmann::ordered_json;

struct DoctorOptions {
  ZkAccessOptions access;
  StorageAccessOptions storage;
  std::string interval = "3s";
  std::optional<std::string> prometheus;
  bool daemons = false;
  bool no_status = false;
  int zk_status_timeout_ms = 2000;
  doctor::Thresholds thresholds;
  std::string orphan_age = "24h";
  std::string marked_for_deletion_age = "1h";
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// zk status: srvr + mntr to every server.N of conf/zoo.cfg.
void gather_quorum(const config::ClusterConfig& config, const DoctorOptions& options,
                   doctor::Snapshot& snapshot) {
  if (!config.zoo_cfg) {
    snapshot.quorum_error = "no conf/zoo.cfg: the ensemble's peers are not known";
    return;
  }
  const auto targets = zk::peer_targets(*config.zoo_cfg);
  if (targets.empty()) {
    snapshot.quorum_error = fmt::format("{} lists no server.X", config.zoo_cfg->path.string());
    return;
  }
  zk::ProbeOptions probe;
  probe.four_letter.connect_timeout_ms = options.zk_status_timeout_ms;
  probe.four_letter.total_timeout_ms = options.zk_status_timeout_ms;
  snapshot.quorum = zk::assess_quorum(zk::probe_ensemble(targets, probe));
  snapshot.zookeeper_reached |= snapshot.quorum->reachable > 0;
}

// cons to every server of high-availability.zookeeper.quorum: the client address of each
// session, so shared-cluster-id names the latch participants' clients (cons is not in
// ZooKeeper's default whitelist: then only the reason is kept).
void gather_connections(const config::ClusterConfig& config, const DoctorOptions& options,
                        doctor::Snapshot& snapshot) {
  zk::FourLetterOptions four_letter;
  four_letter.connect_timeout_ms = options.zk_status_timeout_ms;
  four_letter.total_timeout_ms = options.zk_status_timeout_ms;
  auto addresses = zk::client_addresses(config.ha.quorum, four_letter);
  if (addresses) {
    snapshot.zk_client_addresses = std::move(*addresses);
  } else {
    snapshot.zk_client_addresses_error = addresses.error().message;
  }
}

// status, REST part: every JobManager's /overview; the leader from the first leader read.
void gather_status(const Context& context, const config::ClusterConfig& config,
                   const DoctorOptions& options, doctor::Snapshot& snapshot) {
  if (options.no_status) {
    snapshot.status_error = "--no-status";
    return;
  }
  cluster::ClusterStatus status;
  if (options.daemons) {
    auto setup = prepare_daemons(context, cluster::NeedFlinkHome::no);
    if (!setup) {
      snapshot.status_error = "the daemons could not be asked (see the error above)";
      return;
    }
    cluster::StatusOptions status_options;
    status_options.window = setup->remote.window;
    status_options.command_timeout =
        std::min(setup->remote.command_timeout, std::chrono::milliseconds(30000));
    auto collected = cluster::collect_status(*setup->remote.executor, setup->config, setup->install,
                                             status_options);
    if (!collected) {
      snapshot.status_error = collected.error().message;
      return;
    }
    status = std::move(*collected);
  } else {
    auto endpoints = cluster::rest_endpoints(config);
    if (!endpoints) {
      snapshot.status_error = endpoints.error().message;
      return;
    }
    status.rest = cluster::probe_all(*endpoints);
  }
  if (snapshot.first_leaders) {
    status.leader_checked = true;
    for (const auto& leader : snapshot.first_leaders->leaders) {
      if (leader.kind == flink::ComponentKind::cluster && leader.address && leader.consistent()) {
        status.leader = cluster::LeaderSummary{*leader.address, leader.component};
        break;
      }
    }
  }
  cluster::judge(status);
  snapshot.status = std::move(status);
}

// leader show twice, inspect in between; the requested and the negotiated session timeout.
// Returns a classified error only for what ends the command (configuration, usage).
Status gather_ha(const Context& context, const DoctorOptions& options, std::int64_t interval_ms,
                 doctor::Snapshot& snapshot) {
  auto session = open_ha_session(context, options.access, options.storage);
  if (!session) {
    const auto category = session.error().category;
    if (category == ErrorCategory::usage || category == ErrorCategory::configuration) {
      return std::unexpected(session.error());
    }
    auto reason = session.error().message;
    if (!session.error().hint.empty()) {
      reason += " (" + session.error().hint + ")";
    }
    snapshot.leaders_error = reason;
    snapshot.inventory_error = reason;
    return {};
  }
  auto& s = **session;
  snapshot.zookeeper_reached = true;
  snapshot.requested_session_timeout_ms = s.zk->settings().session_timeout_ms;
  snapshot.negotiated_session_timeout_ms = s.zk->negotiated_session_timeout_ms();

  auto resolve = flink::leader_resolve_options(s.config);
  resolve.forced_era = s.era;
  const auto first_at = std::chrono::steady_clock::now();
  if (auto first = flink::resolve_leaders(*s.zk, resolve)) {
    snapshot.first_leaders = std::move(*first);
  } else {
    snapshot.leaders_error = zk::to_error(first.error()).message;
  }

  zk::PrefetchingReader tree(*s.zk);
  auto inventory = flink::build_ha_inventory(tree, s.input);
  s.progress->clear();
  if (inventory) {
    doctor::reread_counters_behind(*s.zk, *inventory);
    snapshot.inventory = std::move(*inventory);
  } else {
    snapshot.inventory_error = inventory.error().message;
  }

  if (snapshot.first_leaders) {
    std::this_thread::sleep_until(first_at + std::chrono::milliseconds(interval_ms));
    const auto second_at = std::chrono::steady_clock::now();
    if (auto second = flink::resolve_leaders(*s.zk, resolve)) {
      snapshot.second_leaders = std::move(*second);
      snapshot.leader_read_interval_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(second_at - first_at).count();
    } else {
      snapshot.leaders_error = zk::to_error(second.error()).message;
    }
  }
  return {};
}

ordered_json report_json(const doctor::Report& report) {
  ordered_json out;
  out["verdict"] = std::string(doctor::to_string(report.verdict));
  auto& findings = out["findings"] = ordered_json::array();
  for (const auto& f : report.findings) {
    findings.push_back({{"code", f.code},
                        {"severity", std::string(flink::to_string(f.severity))},
                        {"subject", f.subject},
                        {"flink_issue", f.flink_issue.empty() ? ordered_json(nullptr)
                                                              : ordered_json(f.flink_issue)},
                        {"message", f.message},
                        {"remedy", f.remedy}});
  }
  auto& checks = out["checks"] = ordered_json::object();
  for (const auto& c : report.checks) {
    checks[c.name] = {{"state", std::string(doctor::to_string(c.state))},
                      {"findings", c.findings},
                      {"detail", c.detail}};
  }
  return out;
}

void print_report_text(const doctor::Report& report, const Style& style, bool verbose) {
  int counts[3] = {0, 0, 0};
  for (const auto& f : report.findings) {
    ++counts[static_cast<int>(f.severity)];
  }
  const auto verdict = std::string(doctor::to_string(report.verdict));
  fmt::print("{}: {} ({} critical, {} warning, {} info)\n", style.bold("verdict"),
             report.verdict == doctor::Verdict::ok         ? style.green(verdict)
             : report.verdict == doctor::Verdict::warning  ? style.yellow(verdict)
             : report.verdict == doctor::Verdict::critical ? style.red(verdict)
                                                           : verdict,
             counts[2], counts[1], counts[0]);
  if (!report.findings.empty()) {
    fmt::print("\n");
    Table table({"SEVERITY", "CODE", "SUBJECT", "FLINK", "MESSAGE"});
    for (const auto& f : report.findings) {
      table.add({severity_text(f.severity, style), f.code, f.subject.empty() ? "-" : f.subject,
                 f.flink_issue.empty() ? "-" : f.flink_issue, f.message});
    }
    table.print(stdout);
    fmt::print("\n{}\n", style.bold("remedies"));
    for (const auto& f : report.findings) {
      if (!f.remedy.empty()) {
        fmt::print("  {}{}: {}\n", f.code, f.subject.empty() ? "" : " (" + f.subject + ")",
                   f.remedy);
      }
    }
  }
  bool header = false;
  for (const auto& c : report.checks) {
    if (c.state == doctor::CheckOutcome::State::skipped || verbose) {
      if (!header) {
        fmt::print("\n{}\n", style.bold("checks"));
        header = true;
      }
      fmt::print("  {:<24}{:<8}{}\n", c.name, doctor::to_string(c.state), style.dim(c.detail));
    }
  }
}

ExitCode run_doctor(Context& context, DoctorOptions options) {
  const auto interval_ms = util::parse_duration_ms(options.interval);
  if (!interval_ms || *interval_ms < 0 || *interval_ms > 600'000) {
    return report_error(
        Error{fmt::format("--interval '{}': {}", options.interval,
                          interval_ms ? "must be between 0 and 10m" : interval_ms.error().message),
              "write it like 3s, 500ms or 1500 (ms)", ErrorCategory::usage});
  }
  for (const auto& [option, text, ms] :
       {std::tuple{"--orphan-age", &options.orphan_age, &options.thresholds.orphan_age_ms},
        std::tuple{"--marked-for-deletion-age", &options.marked_for_deletion_age,
                   &options.thresholds.marked_for_deletion_age_ms}}) {
    const auto age_ms = util::parse_duration_ms(*text);
    if (!age_ms || *age_ms < 0) {
      return report_error(
          Error{fmt::format("{} '{}': {}", option, *text,
                            age_ms ? "must not be negative" : age_ms.error().message),
                "write it like 1h, 24h or 7d", ErrorCategory::usage});
    }
    *ms = *age_ms;
  }
  auto config = context.load_config();
  if (!config) {
    return report_error(config.error(), ExitCode::config);
  }

  doctor::Snapshot snapshot;
  snapshot.now_ms = now_ms();
  snapshot.thresholds = options.thresholds;
  snapshot.config = &*config;
  const auto environment = config::process_environment();
  snapshot.lint = config::lint_cluster_config(*config, environment);
  const auto ssh = remote::lint_ssh_opts(*config, environment);
  snapshot.lint.insert(snapshot.lint.end(), ssh.begin(), ssh.end());

  // The four-letter words run while ZooKeeper and the storage are read (into a snapshot of
  // their own: the two steps write some of the same fields).
  doctor::Snapshot quorum_part;
  std::thread quorum([&] {
    gather_quorum(*config, options, quorum_part);
    gather_connections(*config, options, quorum_part);
  });
  auto ha = gather_ha(context, options, *interval_ms, snapshot);
  quorum.join();
  snapshot.quorum = std::move(quorum_part.quorum);
  snapshot.quorum_error = std::move(quorum_part.quorum_error);
  snapshot.zookeeper_reached |= quorum_part.zookeeper_reached;
  snapshot.zk_client_addresses = std::move(quorum_part.zk_client_addresses);
  snapshot.zk_client_addresses_error = std::move(quorum_part.zk_client_addresses_error);
  if (!ha) {
    return report_error(ha.error());
  }
  gather_status(context, *config, options, snapshot);

  const auto report = doctor::diagnose(snapshot);
  if (context.json()) {
    fmt::print("{}\n", report_json(report).dump(2));
  } else {
    print_report_text(report, Style{context.color()}, context.global.verbose > 0);
  }
  std::fflush(stdout);
  if (options.prometheus) {
    const auto text = doctor::prometheus_text(report, config->ha.cluster_id, now_ms());
    if (auto written = doctor::write_prometheus_file(*options.prometheus, text); !written) {
      report_error(written.error());
      return ExitCode::unknown;
    }
  }
  return static_cast<ExitCode>(doctor::exit_status_of(report.verdict));
}

} // namespace

void setup_doctor_command(CLI::App& app, Context& context) {
  auto* cmd = app.add_subcommand(
      "doctor", "One verdict for the cluster: every finding with its code, subject and remedy");
  auto options = std::make_shared<DoctorOptions>();
  add_zk_access_options(*cmd, options->access);
  add_storage_access_options(*cmd, options->storage);
  cmd->add_option("--interval", options->interval,
                  "Time between the two leader reads the churn and flapping checks compare, "
                  "e.g. 3s or 500ms; a bare number is milliseconds")
      ->capture_default_str();
  cmd->add_option("--prometheus", options->prometheus,
                  "Also write the verdict and the findings as gauges to FILE (node_exporter "
                  "textfile format; written to a temporary file and renamed)")
      ->type_name("FILE");
  cmd->add_flag("--daemons", options->daemons,
                "Also read the pid files on every host as `flinkha status` does (over SSH for "
                "hosts that are not local); by default only the JobManagers' REST is asked");
  cmd->add_flag("--no-status", options->no_status,
                "Do not ask the JobManagers' REST endpoints (the status check is skipped)");
  cmd->add_option("--zk-status-timeout", options->zk_status_timeout_ms,
                  "Milliseconds one ZooKeeper peer may take to answer srvr and mntr")
      ->capture_default_str()
      ->check(CLI::Range(1, 600000));
  cmd->add_option("--leader-version-churn", options->thresholds.leader_version_churn,
                  "connection_info writes between the two leader reads above which the leader "
                  "information churns (FLINK-27848)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--zxid-lag", options->thresholds.zxid_lag,
                  "zxids a ZooKeeper peer may be behind the leader")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--outstanding-requests", options->thresholds.outstanding_requests,
                  "mntr zk_outstanding_requests above which a peer is overloaded")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--storage-bytes-per-job", options->thresholds.storage_bytes_per_job,
                  "Bytes under the cluster's storage per job above which it is growth")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--orphan-age", options->orphan_age,
                  "Orphaned files older than this are storage growth, e.g. 24h or 7d")
      ->capture_default_str();
  cmd->add_option("--marked-for-deletion-age", options->marked_for_deletion_age,
                  "A pointer marked for deletion older than this is stuck, e.g. 1h")
      ->capture_default_str();
  cmd->add_option("--result-store-entries", options->thresholds.result_store_entries,
                  "JobResultStore / ApplicationResultStore entries above which they grow")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->footer(R"(Reads what config check, zk status, status (REST only unless --daemons),
leader show (twice, --interval apart) and inspect read, runs every check on it and prints one
verdict with the findings: code, severity, subject (znode, file, host:port or key), the Flink
issue and the remedy. Nothing is changed.
Exit status: 0 ok (info findings only), 1 warning, 2 critical, 3 unknown (no ZooKeeper server
answered, or the --prometheus file could not be written), 64 usage error, 78 configuration error.
Examples:
  flinkha doctor
  flinkha -o json doctor | jq '.findings[] | select(.severity != "info")'
  flinkha doctor --interval 10s --prometheus /var/lib/node_exporter/textfile/flinkha.prom
  flinkha doctor --daemons
See flinkha-doctor(1).)");
  cmd->callback([&context, options] { context.exit_code = run_doctor(context, *options); });
}

} // namespace flinkha::cli
