#include "doctor/check_shared_cluster.hpp"

#include "cluster/rest_probe.hpp"
#include "util/strings.hpp"
#include "zk/reader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <set>

namespace flinkha::doctor {

namespace {

// "localhost", "127.0.0.1" and "::1" name one host; other names compare case-insensitively.
std::string host_key(std::string_view host) {
  auto key = util::to_lower(host);
  if (key == "localhost" || key == "127.0.0.1" || key == "::1") {
    return "localhost";
  }
  return key;
}

// "host:port" with IPv6 literals bracketed.
std::string host_port(std::string_view host, int port) {
  return host.find(':') != std::string_view::npos ? fmt::format("[{}]:{}", host, port)
                                                  : fmt::format("{}:{}", host, port);
}

// "h:1", "[::1]:1" → host and port; port 0 when there is none.
std::optional<std::pair<std::string, int>> split_authority(std::string_view authority) {
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        return std::nullopt;
      }
      port = rest.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  int number = 0;
  if (!port.empty()) {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec != std::errc{} || end != port.data() + port.size() || number < 1 || number > 65535) {
      return std::nullopt;
    }
  }
  if (host.empty()) {
    return std::nullopt;
  }
  return std::pair{std::string(host), number};
}

bool belongs_to(const LeaderAddress& address, const std::vector<cluster::RestEndpoint>& masters) {
  for (const auto& endpoint : masters) {
    if (host_key(endpoint.host) != host_key(address.host)) {
      continue;
    }
    if (address.kind == LeaderAddress::Kind::rpc || endpoint.port == address.port) {
      return true;
    }
  }
  return false;
}

std::string masters_text(const std::vector<cluster::RestEndpoint>& masters) {
  std::string out;
  for (const auto& endpoint : masters) {
    out += (out.empty() ? "" : ", ") + host_port(endpoint.host, endpoint.port);
  }
  return out;
}

} // namespace

std::optional<LeaderAddress> parse_leader_address(std::string_view address) {
  const auto scheme_end = address.find("://");
  if (scheme_end == std::string_view::npos) {
    return std::nullopt;
  }
  const auto scheme = util::to_lower(address.substr(0, scheme_end));
  auto rest = address.substr(scheme_end + 3);
  LeaderAddress out;
  if (scheme == "http" || scheme == "https") {
    out.kind = LeaderAddress::Kind::rest;
  } else if (scheme.starts_with("pekko") || scheme.starts_with("akka")) {
    out.kind = LeaderAddress::Kind::rpc;
    const auto at = rest.find('@');
    if (at == std::string_view::npos) {
      return std::nullopt;
    }
    rest = rest.substr(at + 1);
  } else {
    return std::nullopt;
  }
  const auto authority = rest.substr(0, rest.find('/'));
  auto split = split_authority(authority);
  if (!split) {
    return std::nullopt;
  }
  out.host = std::move(split->first);
  out.port = split->second;
  if (out.port == 0 && out.kind == LeaderAddress::Kind::rest) {
    out.port = scheme == "https" ? 443 : 80;
  }
  return out;
}

std::optional<std::string> check_shared_cluster(const Snapshot& snapshot,
                                                std::vector<Finding>& out) {
  if (!snapshot.first_leaders) {
    return "ZooKeeper not read: " + snapshot.leaders_error;
  }
  if (snapshot.config == nullptr) {
    return std::string("no configuration loaded");
  }
  const auto& config = *snapshot.config;
  if (!config.masters || config.masters->masters.empty()) {
    return std::string("no conf/masters: the JobManagers of this cluster are not known");
  }
  auto masters = cluster::rest_endpoints(config);
  if (!masters) {
    return "conf/masters: " + masters.error().message;
  }
  const auto& report = *snapshot.first_leaders;

  std::vector<std::string> evidence;
  std::string subject;
  std::set<std::string> latches;
  for (const auto& leader : report.leaders) {
    if (leader.kind != flink::ComponentKind::cluster) {
      continue;
    }
    latches.insert(leader.latch_path);
    if (!leader.address) {
      continue;
    }
    const auto parsed = parse_leader_address(*leader.address);
    if (!parsed || belongs_to(*parsed, *masters)) {
      continue;
    }
    if (subject.empty()) {
      subject = leader.connection_info_path;
    }
    evidence.push_back(fmt::format("the {} leader {} (leader session {}) is no JobManager of "
                                   "conf/masters ({})",
                                   leader.component, *leader.address,
                                   leader.session_id.value_or("none"), masters_text(*masters)));
  }

  // Participant sessions of the cluster latches, each once (1.3-1.14: one latch per component).
  std::vector<std::int64_t> sessions;
  std::string latch_path;
  for (const auto& participant : report.latch) {
    if (!latches.contains(participant.latch)) {
      continue;
    }
    if (std::ranges::find(sessions, participant.owner) == sessions.end()) {
      sessions.push_back(participant.owner);
      latch_path = participant.latch;
    }
  }
  // A JobManager that died keeps its latch node until its session expires (up to the session
  // timeout), so after a crash and restart there is one session too many for a while. Such a
  // session has no connection: when the servers answer `cons`, only connected sessions count
  // and the excess is another cluster's for certain; without `cons` it may be a dead one, and
  // alone it is a warning.
  bool connected_only = false;
  if (snapshot.zk_client_addresses) {
    connected_only = true;
    std::erase_if(sessions, [&](std::int64_t session) {
      return !snapshot.zk_client_addresses->contains(session);
    });
  }
  bool latch_evidence = false;
  const auto configured = config.masters->masters.size();
  if (sessions.size() > configured) {
    latch_evidence = true;
    std::string list;
    for (const auto session : sessions) {
      list += (list.empty() ? "" : ", ") + zk::format_session_id(session);
      if (snapshot.zk_client_addresses) {
        const auto found = snapshot.zk_client_addresses->find(session);
        if (found != snapshot.zk_client_addresses->end()) {
          list += " from " + found->second;
        }
      }
    }
    if (subject.empty()) {
      subject = latch_path;
    }
    evidence.push_back(fmt::format(
        "{} {}JobManager sessions are in the leader latch {} ({}), and conf/masters has {} "
        "JobManager{} ({}){}",
        sessions.size(), connected_only ? "connected " : "", latch_path, list, configured,
        configured == 1 ? "" : "s", masters_text(*masters),
        connected_only ? ""
                       : " (one may be a JobManager that died less than a session timeout ago: "
                         "allow the cons four-letter word on the servers to tell them apart)"));
  }
  if (evidence.empty()) {
    return std::nullopt;
  }
  const bool leader_evidence = evidence.size() > (latch_evidence ? 1U : 0U);

  Finding finding;
  finding.code = "shared-cluster-id";
  finding.severity = leader_evidence || (latch_evidence && connected_only) ? Severity::critical
                                                                           : Severity::warning;
  finding.subject = subject;
  // The REST URL first: it is what conf/masters names (host and web UI port).
  std::string leader_text = "no leader address";
  for (const auto& leader : report.leaders) {
    if (leader.kind == flink::ComponentKind::cluster && leader.address &&
        (leader_text.starts_with("no ") || leader.component == "rest_server")) {
      leader_text = fmt::format("leader {} ({})", *leader.address, leader.component);
    }
  }
  finding.message =
      fmt::format("another cluster shares the cluster-id {} (namespace {}, {}): {}; the "
                  "clusters elect one leader between them and recover each other's jobs",
                  config.ha.cluster_id, report.ns, leader_text, fmt::join(evidence, "; "));
  finding.remedy = fmt::format(
      "give each cluster its own high-availability.cluster-id (the default /default is the usual "
      "cause) and restart the one that must move; `flinkha clusters` lists the cluster-ids on the "
      "ensemble, `flinkha leader show` the leader of {}",
      config.ha.cluster_id);
  out.push_back(std::move(finding));
  return std::nullopt;
}

} // namespace flinkha::doctor
