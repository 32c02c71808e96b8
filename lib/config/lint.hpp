#pragma once
// `flinkha config check`: findings about a loaded cluster configuration that Flink itself would
// reject later (errors) or that are known operational traps (warnings). Each rule has a stable
// code; the list of rules is the table in lint.cpp and the man page flinkha-config(1).

#include "config/cluster_config.hpp"
#include "config/diagnostics.hpp"

#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace flinkha::config {

// Every finding of every rule, plus what loading already noticed (ClusterConfig::diagnostics).
// `environment` is consulted for $HADOOP_CONF_DIR (yarn-site.xml). Hosts, ports, paths and the
// cluster-id are checked by the rules the commands apply later (validate_host,
// parse_quorum_server, check_value_bytes, check_cluster_id). env.ssh.opts is checked by
// remote::lint_ssh_opts, which `config check` appends (lib/config cannot include lib/remote).
Diagnostics lint_cluster_config(const ClusterConfig& config, const Environment& environment);

// Flink's port-range syntax (NetUtils.getPortRangeFromString): comma-separated elements, each
// trimmed, a single port or "start-end"; ports 0–65535 and start <= end. Returns the ranges, or
// an error message naming the bad element.
using PortRange = std::pair<int, int>;
Result<std::vector<PortRange>> parse_port_range(std::string_view text);

} // namespace flinkha::config
