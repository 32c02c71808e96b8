// `flinkha zk status [--watch SECONDS]`: srvr (+ mntr) to every peer at once, the verdict of
// lib/zk's health model, a table or the DESIGN.md JSON, and exit 0/1/2 (3: nothing reachable).

#include "table.hpp"
#include "zk/quorum_health.hpp"
#include "zk_cmd.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <ctime>
#include <map>
#include <thread>

namespace flinkha::cli {

namespace {

using nlohmann::ordered_json;

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int /*signal*/) {
  g_interrupted.store(true);
}

ExitCode exit_code_of(const zk::QuorumHealth& health) {
  if (health.reachable == 0) {
    return ExitCode::unknown;
  }
  switch (health.verdict) {
  case zk::Verdict::healthy:
    return ExitCode::ok;
  case zk::Verdict::degraded:
    return ExitCode::warning;
  case zk::Verdict::lost:
    break;
  }
  return ExitCode::critical;
}

// "2026-11-05T12:00:00Z"
std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

// What a peer is, in one word: its mode when serving, else "down" / "not-serving".
std::string mode_of(const zk::PeerHealth& peer) {
  if (peer.state == zk::PeerState::serving && peer.srvr) {
    return std::string(zk::to_string(peer.srvr->mode));
  }
  return std::string(zk::to_string(peer.state));
}

std::string error_of(const zk::PeerHealth& peer) {
  return peer.error ? peer.error->message : std::string();
}

ordered_json or_null(const auto& optional) {
  return optional ? ordered_json(*optional) : ordered_json(nullptr);
}

ordered_json status_json(const zk::QuorumHealth& health) {
  ordered_json out;
  out["verdict"] = zk::to_string(health.verdict);
  out["leader_id"] = or_null(health.leader_id);
  out["voting_members"] = health.voting_members;
  out["serving"] = health.serving;
  out["reachable"] = health.reachable;
  auto& servers = out["servers"] = ordered_json::array();
  for (const auto& peer : health.servers) {
    ordered_json s;
    s["id"] = peer.peer.id;
    s["host"] = peer.peer.host;
    s["client_port"] = peer.peer.client_port;
    s["voter"] = peer.peer.is_voter;
    s["reachable"] = peer.reachable;
    s["state"] = zk::to_string(peer.state);
    const auto* srvr = peer.srvr ? &*peer.srvr : nullptr;
    s["mode"] = srvr != nullptr ? ordered_json(zk::to_string(srvr->mode)) : ordered_json(nullptr);
    s["zxid"] = srvr != nullptr && srvr->zxid ? ordered_json(srvr->zxid->hex) : ordered_json();
    s["epoch"] = srvr != nullptr && srvr->zxid ? ordered_json(srvr->zxid->epoch()) : ordered_json();
    s["node_count"] = srvr != nullptr ? or_null(srvr->node_count) : ordered_json();
    if (srvr != nullptr && srvr->latency) {
      s["latency_ms"] = {{"min", srvr->latency->min_ms},
                         {"avg", srvr->latency->avg_ms},
                         {"max", srvr->latency->max_ms}};
    } else {
      s["latency_ms"] = nullptr;
    }
    s["connections"] = srvr != nullptr ? or_null(srvr->connections) : ordered_json();
    s["outstanding"] = srvr != nullptr ? or_null(srvr->outstanding) : ordered_json();
    s["version"] = srvr != nullptr ? ordered_json(srvr->version) : ordered_json();
    if (peer.mntr) {
      s["synced_followers"] = or_null(peer.mntr->synced_followers());
      s["peer_state"] = or_null(peer.mntr->peer_state());
    }
    s["error"] = peer.error ? ordered_json(peer.error->message) : ordered_json(nullptr);
    s["error_kind"] =
        peer.error ? ordered_json(zk::to_string(peer.error->kind)) : ordered_json(nullptr);
    s["mntr_error"] =
        peer.mntr_error ? ordered_json(peer.mntr_error->message) : ordered_json(nullptr);
    servers.push_back(std::move(s));
  }
  out["reasons"] = health.reasons;
  out["notes"] = health.notes;
  return out;
}

std::string dash_or(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : std::string("-");
}

void print_status_text(const zk::QuorumHealth& health, const Style& style) {
  Table table(
      {"ID", "HOST:PORT", "MODE", "ZXID", "EPOCH", "NODES", "LATENCY", "CONN", "OUT", "ERROR"});
  for (const auto& peer : health.servers) {
    std::vector<std::string> row{std::to_string(peer.peer.id), peer.peer.address()};
    auto mode = mode_of(peer);
    if (!peer.peer.is_voter && peer.state != zk::PeerState::serving) {
      mode += " (observer)";
    }
    row.push_back(peer.state == zk::PeerState::serving ? mode
                  : peer.state == zk::PeerState::down  ? style.red(mode)
                                                       : style.yellow(mode));
    if (peer.srvr) {
      const auto& s = *peer.srvr;
      row.push_back(s.zxid ? s.zxid->hex : "-");
      row.push_back(s.zxid ? std::to_string(s.zxid->epoch()) : "-");
      row.push_back(dash_or(s.node_count));
      row.push_back(s.latency ? fmt::format("{}/{:.1f}/{}", s.latency->min_ms, s.latency->avg_ms,
                                            s.latency->max_ms)
                              : "-");
      row.push_back(dash_or(s.connections));
      row.push_back(dash_or(s.outstanding));
    } else {
      row.insert(row.end(), 6, "-");
    }
    std::string error = error_of(peer);
    if (error.empty() && peer.mntr_error) {
      error = "mntr: " + peer.mntr_error->message;
    }
    row.push_back(error);
    table.add(std::move(row));
  }
  table.print(stdout);

  const auto verdict = std::string(zk::to_string(health.verdict));
  const auto colored = health.verdict == zk::Verdict::healthy    ? style.green(verdict)
                       : health.verdict == zk::Verdict::degraded ? style.yellow(verdict)
                                                                 : style.red(verdict);
  fmt::print("\n{}: {}, {} of {} voters serving{}\n", style.bold("verdict"), colored,
             health.serving, health.voting_members,
             health.leader_id ? fmt::format(", leader {}", *health.leader_id)
                              : std::string(", no leader"));
  if (health.reachable == 0) {
    fmt::print("no peer could be reached\n");
  }
  for (const auto& reason : health.reasons) {
    fmt::print("  - {}\n", reason);
  }
  for (const auto& note : health.notes) {
    fmt::print("  {} {}\n", style.dim("note:"), note);
  }
}

zk::QuorumHealth probe(std::span<const zk::PeerTarget> targets, const ZkStatusOptions& options) {
  zk::ProbeOptions probe_options;
  probe_options.four_letter.connect_timeout_ms = options.timeout_ms;
  probe_options.four_letter.total_timeout_ms = options.timeout_ms;
  probe_options.ask_mntr = !options.no_mntr;
  const auto probes = zk::probe_ensemble(targets, probe_options);
  return zk::assess_quorum(probes);
}

// What --watch compares between two rounds, per peer.
struct PeerView {
  std::string mode;  // leader/follower/… or down/not-serving
  std::string error; // the error kind, so a changing message (timings) is not news
  std::string epoch;
};

std::map<std::int64_t, PeerView> view_of(const zk::QuorumHealth& health) {
  std::map<std::int64_t, PeerView> view;
  for (const auto& peer : health.servers) {
    view[peer.peer.id] = {
        mode_of(peer), peer.error ? std::string(zk::to_string(peer.error->kind)) : std::string(),
        peer.srvr && peer.srvr->zxid ? std::to_string(peer.srvr->zxid->epoch()) : std::string()};
  }
  return view;
}

// The changes from `before` to `now`, as lines without the timestamp.
std::vector<std::string> changes(const zk::QuorumHealth& before, const zk::QuorumHealth& now) {
  std::vector<std::string> lines;
  const auto old_view = view_of(before);
  for (const auto& peer : now.servers) {
    const auto it = old_view.find(peer.peer.id);
    if (it == old_view.end()) {
      continue;
    }
    const auto& old = it->second;
    const auto mode = mode_of(peer);
    const auto kind = peer.error ? std::string(zk::to_string(peer.error->kind)) : std::string();
    if (old.mode != mode || old.error != kind) {
      lines.push_back(fmt::format("peer {} ({}): {} -> {}{}", peer.peer.id, peer.peer.address(),
                                  old.mode, mode,
                                  peer.error ? " (" + peer.error->message + ")" : std::string()));
    }
  }
  if (before.leader_id != now.leader_id) {
    lines.push_back(now.leader_id ? fmt::format("new leader: peer {}{}", *now.leader_id,
                                                before.leader_id ? fmt::format(" (was peer {})",
                                                                               *before.leader_id)
                                                                 : std::string())
                                  : fmt::format("no leader (was peer {})", *before.leader_id));
  }
  if (before.verdict != now.verdict) {
    lines.push_back(fmt::format("verdict: {} -> {} ({} of {} voters serving)",
                                zk::to_string(before.verdict), zk::to_string(now.verdict),
                                now.serving, now.voting_members));
    for (const auto& reason : now.reasons) {
      lines.push_back("  " + reason);
    }
  }
  return lines;
}

void print_round(const Context& context, const zk::QuorumHealth& health,
                 const std::vector<std::string>& lines, bool first) {
  const auto stamp = utc_timestamp();
  if (context.json()) {
    auto out = status_json(health);
    out["time"] = stamp;
    out["changes"] = lines;
    fmt::print("{}\n", out.dump());
  } else if (first) {
    fmt::print("{}\n", stamp);
    print_status_text(health, Style{context.color()});
  } else {
    for (const auto& line : lines) {
      fmt::print("{} {}\n", stamp, line);
    }
  }
  std::fflush(stdout);
}

ExitCode watch(Context& context, std::span<const zk::PeerTarget> targets,
               const ZkStatusOptions& options) {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  struct sigaction old_int {};
  struct sigaction old_term {};
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);

  const auto period = std::chrono::milliseconds(static_cast<long long>(*options.watch * 1000));
  auto last = probe(targets, options);
  print_round(context, last, {}, true);
  while (!g_interrupted.load()) {
    const auto next = std::chrono::steady_clock::now() + period;
    while (!g_interrupted.load() && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (g_interrupted.load()) {
      break;
    }
    auto now = probe(targets, options);
    const auto lines = changes(last, now);
    if (!lines.empty()) {
      print_round(context, now, lines, false);
    }
    last = std::move(now);
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  return exit_code_of(last);
}

} // namespace

ExitCode run_zk_status(Context& context, const ZkStatusOptions& options) {
  auto config = context.load_config_with_zoo_cfg();
  if (!config) {
    return report_error(config.error());
  }
  const auto targets = zk::peer_targets(*config->zoo_cfg);
  if (targets.empty()) {
    return report_error(
        Error{fmt::format("{} lists no server.X", config->zoo_cfg->path.string()), {}},
        ExitCode::config);
  }
  if (options.watch) {
    return watch(context, targets, options);
  }
  const auto health = probe(targets, options);
  if (context.json()) {
    fmt::print("{}\n", status_json(health).dump(2));
  } else {
    print_status_text(health, Style{context.color()});
  }
  return exit_code_of(health);
}

} // namespace flinkha::cli
