#pragma once
// Shared by the daemon commands (cluster_cmd.cpp: start-cluster, stop-cluster, status;
// daemon_cmd.cpp: jobmanager, taskmanager): loading what a daemon command needs, and printing
// lib/cluster's rows as the fan-out report (fanout_report.hpp).

#include "cluster/daemons.hpp"
#include "cluster/run_actions.hpp"
#include "context.hpp"
#include "fanout_report.hpp"
#include "remote_setup.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace flinkha::cli {

struct DaemonSetup {
  config::ClusterConfig config;
  cluster::FlinkInstall install;
  RemoteSetup remote;
};

// Loads the config, the install (FLINK_HOME when `need` says so) and the executor; warnings of
// the SSH setup go to stderr. On error the message is printed and the exit code (78) returned.
std::expected<DaemonSetup, ExitCode> prepare_daemons(const Context& context,
                                                     cluster::NeedFlinkHome need);

cluster::RunOptions run_options(const Context& context, const DaemonSetup& setup,
                                remote::OutputSink* sink);

// Prints the report (text table or JSON with `extra` members merged into the top-level object)
// and returns the fan-out exit code.
ExitCode report_daemon_results(const Context& context,
                               const std::vector<remote::HostResult>& results,
                               const std::vector<std::string>& warnings,
                               nlohmann::ordered_json extra = nlohmann::ordered_json::object());

// "[host] line" live output on stderr (for --verbose text runs).
remote::OutputSink& stderr_sink();

} // namespace flinkha::cli
