#include "flink/leaders.hpp"

#include "flink/leader_info.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace flinkha::flink {

namespace {

std::string_view sort_key(std::string_view name) {
  const auto at = name.rfind("latch-");
  return at == std::string_view::npos ? name : name.substr(at + 6);
}

// Reads a latch: participants in Curator's order, each with its owner.
zk::ZkResult<std::vector<LatchParticipant>> read_latch(zk::ZkReader& reader,
                                                       const std::string& latch) {
  auto names = reader.children(latch);
  if (!names) {
    if (names.error().code == zk::ZkCode::no_node) {
      return std::vector<LatchParticipant>{};
    }
    return std::unexpected(names.error());
  }
  const auto sorted = curator_sorted(std::move(*names));
  std::vector<std::string> paths;
  for (const auto& name : sorted) {
    paths.push_back(zk::join_path(latch, name));
  }
  auto nodes = reader.get_many(paths);
  std::vector<LatchParticipant> out;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (!nodes[i]) {
      if (nodes[i].error().code == zk::ZkCode::no_node) {
        continue; // left between the two reads
      }
      return std::unexpected(nodes[i].error());
    }
    out.push_back({latch, sorted[i], nodes[i]->stat.ephemeral_owner, nodes[i]->stat.ctime_ms,
                   out.empty(), nodes[i]->stat.czxid});
  }
  return out;
}

void judge(ComponentLeader& c, const std::vector<LatchParticipant>& latch) {
  if (!latch.empty()) {
    c.latch_owner = latch.front().owner;
    c.latch_czxid = latch.front().czxid;
  }
  if (!c.note.empty()) {
    return; // undecodable connection_info: already explained
  }
  if (!c.address) {
    c.note = c.latch_owner
                 ? fmt::format("session {} holds the latch but has not published an address yet "
                               "(failover in progress)",
                               zk::format_session_id(*c.latch_owner))
                 : "no leader";
    return;
  }
  if (!c.latch_owner) {
    c.note = fmt::format("connection_info of session {} but nobody holds the latch: a stale node",
                         zk::format_session_id(c.owner.value_or(0)));
    return;
  }
  if (c.owner != c.latch_owner) {
    c.note = fmt::format("connection_info was written by session {} but session {} holds the "
                         "latch: a stale node or a failover in progress",
                         zk::format_session_id(c.owner.value_or(0)),
                         zk::format_session_id(*c.latch_owner));
    return;
  }
  // Consistent: no note.
}

bool same_leader(const ComponentLeader& a, const ComponentLeader& b) {
  return a.owner == b.owner && a.session_id == b.session_id;
}

} // namespace

std::vector<std::string> curator_sorted(std::vector<std::string> names) {
  std::ranges::sort(names, [](const std::string& a, const std::string& b) {
    const auto ka = sort_key(a);
    const auto kb = sort_key(b);
    return ka != kb ? ka < kb : a < b;
  });
  return names;
}

std::string_view to_string(LeaderVerdict verdict) {
  switch (verdict) {
  case LeaderVerdict::consistent:
    return "consistent";
  case LeaderVerdict::inconsistent:
    return "inconsistent";
  case LeaderVerdict::none:
    return "none";
  }
  return "unknown";
}

zk::ZkResult<LeaderReport> resolve_leaders(zk::ZkReader& reader, const ResolveOptions& options) {
  LeaderReport report;
  report.ns = options.layout.ns;
  if (options.forced_era) {
    report.era = *options.forced_era;
    report.layout_source = "--flink-version";
  } else {
    auto detected = detect_era(reader, options.layout);
    if (!detected) {
      return std::unexpected(detected.error());
    }
    if (*detected) {
      report.era = (*detected)->era;
      report.layout_source = (*detected)->evidence;
    } else {
      report.era = options.fallback_era;
      report.layout_source = "nothing under the namespace; the configured Flink version";
    }
  }

  auto components = cluster_components(report.era, options.layout);
  const auto jobs_parent = job_ids_parent(report.era, options.layout);
  if (!jobs_parent.empty()) {
    auto names = reader.children(jobs_parent);
    if (!names && names.error().code != zk::ZkCode::no_node) {
      return std::unexpected(names.error());
    }
    if (names) {
      std::ranges::sort(*names);
      for (const auto& name : *names) {
        if (is_job_id(name)) {
          components.push_back(job_component(report.era, options.layout, name));
        }
      }
    }
  }

  // Each distinct latch once (1.15+ shares one among all components).
  std::map<std::string, std::vector<LatchParticipant>> latches;
  for (const auto& c : components) {
    if (!latches.contains(c.latch)) {
      auto participants = read_latch(reader, c.latch);
      if (!participants) {
        return std::unexpected(participants.error());
      }
      latches.emplace(c.latch, std::move(*participants));
    }
  }

  std::vector<std::string> info_paths;
  for (const auto& c : components) {
    info_paths.push_back(c.connection_info);
  }
  auto infos = reader.get_many(info_paths);
  for (std::size_t i = 0; i < components.size(); ++i) {
    const auto& paths = components[i];
    ComponentLeader c;
    c.component = paths.component;
    c.kind = paths.kind;
    c.connection_info_path = paths.connection_info;
    c.latch_path = paths.latch;
    auto& info = infos[i];
    if (!info && info.error().code != zk::ZkCode::no_node) {
      return std::unexpected(info.error());
    }
    if (info) {
      c.owner = info->stat.ephemeral_owner;
      c.mzxid = info->stat.mzxid;
      c.version = info->stat.version;
      auto decoded = decode_leader_information(info->data);
      if (!decoded) {
        c.note =
            fmt::format("cannot decode {}: {}", paths.connection_info, decoded.error().message);
      } else if (*decoded) {
        c.address = (*decoded)->address;
        c.session_id = (*decoded)->session_id;
      }
    }
    const auto& latch = latches[paths.latch];
    judge(c, latch);
    // A job whose election is idle (no node, nobody in its latch) is not a finding.
    const bool idle = !info && latch.empty();
    if (c.kind == ComponentKind::job && idle) {
      continue;
    }
    report.leaders.push_back(std::move(c));
  }
  for (auto& [path, participants] : latches) {
    for (auto& p : participants) {
      report.latch.push_back(std::move(p));
    }
  }

  bool any_leader = !report.latch.empty();
  bool all_consistent = true;
  bool any_consistent = false;
  for (const auto& c : report.leaders) {
    const bool relevant = c.address.has_value() || c.latch_owner.has_value();
    any_leader = any_leader || c.address.has_value();
    any_consistent = any_consistent || c.consistent();
    if (relevant && !c.consistent()) {
      all_consistent = false;
    }
  }
  report.verdict = !any_leader                          ? LeaderVerdict::none
                   : (all_consistent && any_consistent) ? LeaderVerdict::consistent
                                                        : LeaderVerdict::inconsistent;
  return report;
}

std::string_view to_string(LeaderChangeKind kind) {
  switch (kind) {
  case LeaderChangeKind::initial:
    return "leader";
  case LeaderChangeKind::leader_lost:
    return "leader_lost";
  case LeaderChangeKind::leader_elected:
    return "leader_elected";
  case LeaderChangeKind::address_changed:
    return "address_changed";
  case LeaderChangeKind::participant_joined:
    return "participant_joined";
  case LeaderChangeKind::participant_left:
    return "participant_left";
  }
  return "unknown";
}

std::vector<LeaderChange> FailoverTracker::observe(const LeaderReport& report,
                                                   Clock::time_point now) {
  std::vector<LeaderChange> changes;
  const bool first = m_first;
  m_first = false;

  // Latch participants first: a leader's latch node goes before (or with) its leadership.
  std::map<std::string, LatchParticipant> participants;
  for (const auto& p : report.latch) {
    participants.emplace(p.latch + "/" + p.node, p);
  }
  if (!first) {
    for (const auto& [key, p] : m_participants) {
      if (!participants.contains(key)) {
        changes.push_back({LeaderChangeKind::participant_left, {}, {}, {}, p, {}, {}});
      }
    }
    for (const auto& [key, p] : participants) {
      if (!m_participants.contains(key)) {
        changes.push_back({LeaderChangeKind::participant_joined, {}, {}, {}, p, {}, {}});
      }
    }
  }
  m_participants = std::move(participants);

  std::set<std::string> seen;
  for (const auto& c : report.leaders) {
    seen.insert(c.component);
    auto& known = m_components[c.component];
    if (first) {
      changes.push_back({LeaderChangeKind::initial, c.component, c, {}, {}, {}, c.note});
      if (c.consistent()) {
        known.consistent = c;
        known.leading = true;
      }
      continue;
    }
    if (c.consistent()) {
      if (known.leading && known.consistent && same_leader(*known.consistent, c)) {
        if (known.consistent->address != c.address) {
          changes.push_back(
              {LeaderChangeKind::address_changed, c.component, c, known.consistent, {}, {}, {}});
        }
      } else {
        std::optional<std::int64_t> failover;
        std::string note;
        if (known.lost_at) {
          failover =
              std::chrono::duration_cast<std::chrono::milliseconds>(now - *known.lost_at).count();
        } else if (known.leading) {
          note = "the leader changed between two observations";
        }
        changes.push_back({LeaderChangeKind::leader_elected,
                           c.component,
                           c,
                           known.consistent,
                           {},
                           failover,
                           std::move(note)});
      }
      known.consistent = c;
      known.leading = true;
      known.lost_at.reset();
    } else if (known.leading) {
      changes.push_back(
          {LeaderChangeKind::leader_lost, c.component, c, known.consistent, {}, {}, c.note});
      known.leading = false;
      known.lost_at = now;
    }
  }
  for (auto& [component, known] : m_components) {
    if (!seen.contains(component) && known.leading) {
      changes.push_back({LeaderChangeKind::leader_lost,
                         component,
                         {},
                         known.consistent,
                         {},
                         {},
                         "the component's leader nodes are gone"});
      known.leading = false;
      known.lost_at = now;
    }
  }
  return changes;
}

} // namespace flinkha::flink
