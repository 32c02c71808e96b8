#pragma once
// The command table (ninja's `Tool` table): every command group flinkha has, its one-line summary,
// and the function that registers its subcommands and options with CLI11. main.cpp walks this
// table; adding a command is adding a row and a file pair.

#include "context.hpp"

#include <CLI/CLI.hpp>

#include <span>
#include <string_view>

namespace flinkha::cli {

struct CommandGroup {
  std::string_view name;
  std::string_view summary;
  void (*setup)(CLI::App& app, Context& context);
};

// cli/config_cmd.cpp
void setup_config_command(CLI::App& app, Context& context);
// cli/zk_cmd.cpp
void setup_zk_command(CLI::App& app, Context& context);
// cli/cluster_cmd.cpp
void setup_start_cluster_command(CLI::App& app, Context& context);
void setup_stop_cluster_command(CLI::App& app, Context& context);
void setup_status_command(CLI::App& app, Context& context);
// cli/daemon_cmd.cpp
void setup_jobmanager_command(CLI::App& app, Context& context);
void setup_taskmanager_command(CLI::App& app, Context& context);
// cli/leader_cmd.cpp
void setup_leader_command(CLI::App& app, Context& context);
// cli/inspect_cmd.cpp
void setup_inspect_command(CLI::App& app, Context& context);
// cli/cleanup_cmd.cpp
void setup_cleanup_command(CLI::App& app, Context& context);
// cli/clusters_cmd.cpp
void setup_clusters_command(CLI::App& app, Context& context);
// cli/doctor_cmd.cpp
void setup_doctor_command(CLI::App& app, Context& context);
// cli/checkpoints_cmd.cpp
void setup_checkpoints_command(CLI::App& app, Context& context);
// cli/ha_cmd.cpp
void setup_ha_command(CLI::App& app, Context& context);

inline constexpr CommandGroup kCommands[] = {
    {"config", "show the resolved configuration with provenance, or lint it", setup_config_command},
    {"zk", "start, stop and check the ZooKeeper peers of conf/zoo.cfg", setup_zk_command},
    {"start-cluster", "JobManagers on conf/masters, TaskManagers on conf/workers",
     setup_start_cluster_command},
    {"stop-cluster", "TaskManagers, then JobManagers", setup_stop_cluster_command},
    {"jobmanager", "start or stop one JobManager", setup_jobmanager_command},
    {"taskmanager", "start or stop TaskManagers", setup_taskmanager_command},
    {"status", "daemons per host, REST reachability", setup_status_command},
    {"leader", "current leaders from ZooKeeper; failovers live", setup_leader_command},
    {"inspect", "HA znodes, storageDir files and JobResultStore, cross-referenced",
     setup_inspect_command},
    {"cleanup", "remove dirty jobs, orphaned HA files, or a whole cluster-id",
     setup_cleanup_command},
    {"clusters", "every cluster-id under the ZooKeeper root", setup_clusters_command},
    {"doctor", "one verdict for the cluster: findings with codes, subjects and remedies",
     setup_doctor_command},
    {"checkpoints", "the latest completed checkpoint of every job, and how to restart from it",
     setup_checkpoints_command},
    {"ha", "back up the HA state before an upgrade, or restore a backup", setup_ha_command},
};

} // namespace flinkha::cli
