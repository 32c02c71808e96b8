#pragma once
// What `flinkha doctor` looked at, gathered once (cli/doctor_cmd.cpp does the I/O through the
// same library calls as `config check`, `zk status`, `status`, `leader show` and `inspect`) and
// then judged by pure checks (checks.hpp). Every input is optional: what could not be read is
// nullopt with the reason next to it, and the checks that need it are skipped, saying why.
//
// Adding an input: add a field here (with its unit and source), fill it in the gathering, and
// read it in a check. Nothing here is changed by a check.

#include "cluster/status.hpp"
#include "config/cluster_config.hpp"
#include "config/diagnostics.hpp"
#include "flink/ha_inventory.hpp"
#include "flink/leaders.hpp"
#include "zk/quorum_health.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace flinkha::doctor {

// Thresholds of the checks that need one; each is a doctor option (flinkha-doctor(1)).
struct Thresholds {
  // connection_info versions gained between the two leader reads above which the leader
  // information is churning (FLINK-27848).
  std::int64_t leader_version_churn = 3;
  // A peer whose last zxid is more than this behind the leader's.
  std::int64_t zxid_lag = 10000;
  // mntr zk_outstanding_requests above this.
  std::int64_t outstanding_requests = 100;
  // Bytes under the cluster's storage per job above this (default 10 GiB).
  std::int64_t storage_bytes_per_job = std::int64_t{10} << 30;
  // Orphan files older than this are reported as storage growth (default 24 h, in ms).
  std::int64_t orphan_age_ms = std::int64_t{24} * 3600 * 1000;
  // JobResultStore / ApplicationResultStore entries above this.
  std::int64_t result_store_entries = 1000;
  // A pointer marked for deletion (1.15+: no `locks` child) whose znode was last written longer
  // ago than this (ms) is stuck: Flink removes it right after marking it. Default 1 h, as
  // `cleanup orphans --min-age`.
  std::int64_t marked_for_deletion_age_ms = std::int64_t{3600} * 1000;
};

struct Snapshot {
  std::int64_t now_ms = 0; // ms since the Unix epoch, when the gathering began
  Thresholds thresholds;

  const config::ClusterConfig* config = nullptr; // always set
  config::Diagnostics lint;                      // config check's findings

  std::optional<zk::QuorumHealth> quorum; // zk status (conf/zoo.cfg peers); nullopt: no zoo.cfg
  std::string quorum_error;

  // leader show, read twice `leader_read_interval_ms` apart (the churn and flapping checks
  // compare the two); nullopt when ZooKeeper could not be read.
  std::optional<flink::LeaderReport> first_leaders;
  std::optional<flink::LeaderReport> second_leaders;
  std::int64_t leader_read_interval_ms = 0;
  std::string leaders_error;

  std::optional<flink::HaInventory> inventory; // inspect
  std::string inventory_error;

  std::optional<cluster::ClusterStatus> status; // status (daemons per host, REST)
  std::string status_error;

  // high-availability.zookeeper.client.session-timeout as asked (ms) and as the ensemble
  // granted it to flinkha's own session (the server caps it at maxSessionTimeout).
  std::optional<std::int64_t> requested_session_timeout_ms;
  std::optional<std::int64_t> negotiated_session_timeout_ms;

  // The client address ("127.0.0.1:43518", as the server saw the connection) of every session
  // connected to the ensemble, by session id, from the `cons` four-letter word of each server of
  // the quorum (zk::parse_cons, zk/connections.hpp);
  // nullopt when no server answered cons (it is not in 4lw.commands.whitelist by default).
  // check_shared_cluster names the latch participants' clients with it.
  std::optional<std::map<std::int64_t, std::string>> zk_client_addresses;
  std::string zk_client_addresses_error;

  // True when some ZooKeeper server answered: without that the verdict is unknown.
  bool zookeeper_reached = false;
};

} // namespace flinkha::doctor
