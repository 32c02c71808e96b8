// `flinkha leader show` and `flinkha leader watch`: the current leaders from ZooKeeper, and
// failovers as they happen (lib/flink/leaders.hpp decides; this file renders).

#include "commands.hpp"
#include "flink/leaders.hpp"
#include "leader_lookup.hpp"
#include "table.hpp"
#include "zk_access.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <memory>
#include <thread>

namespace flinkha::cli {

namespace {

using nlohmann::ordered_json;

ordered_json json_or_null(const std::optional<std::string>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json session_or_null(const std::optional<std::int64_t>& session) {
  return session ? ordered_json(zk::format_session_id(*session)) : ordered_json(nullptr);
}

std::string session_text(const std::optional<std::int64_t>& session) {
  return session ? zk::format_session_id(*session) : "-";
}

ordered_json leader_json(const flink::ComponentLeader& c) {
  return {{"component", c.component},
          {"kind", c.kind == flink::ComponentKind::job ? "job" : "cluster"},
          {"address", json_or_null(c.address)},
          {"session_id", json_or_null(c.session_id)},
          {"owner", session_or_null(c.owner)},
          {"latch_owner", session_or_null(c.latch_owner)},
          {"consistent", c.consistent()},
          {"note", c.note.empty() ? ordered_json(nullptr) : ordered_json(c.note)},
          {"connection_info", c.connection_info_path},
          {"latch_path", c.latch_path}};
}

ordered_json participant_json(const flink::LatchParticipant& p) {
  return {{"node", p.node},
          {"owner", zk::format_session_id(p.owner)},
          {"leader", p.leader},
          {"latch_path", p.latch},
          {"ctime_ms", p.ctime_ms}};
}

ordered_json report_json(const flink::LeaderReport& report) {
  ordered_json out;
  out["namespace"] = report.ns;
  out["layout"] = std::string(flink::layout_label(report.era));
  // Deprecated: the value "layout" had before 0.x merged the vocabularies ("1.15+"); see
  // CHANGELOG.md. Remove in the next release.
  out["layout_compat"] = std::string(flink::legacy_leader_layout_label(report.era));
  out["layout_source"] = report.layout_source;
  out["verdict"] = std::string(to_string(report.verdict));
  auto& leaders = out["leaders"] = ordered_json::array();
  for (const auto& c : report.leaders) {
    leaders.push_back(leader_json(c));
  }
  auto& latch = out["latch"] = ordered_json::array();
  for (const auto& p : report.latch) {
    latch.push_back(participant_json(p));
  }
  return out;
}

void print_report_text(const flink::LeaderReport& report, const Style& style) {
  fmt::print("{:<11}{}\n", "namespace", report.ns);
  fmt::print("{:<11}{}  {}\n", "layout", flink::layout_label(report.era),
             style.dim("(" + report.layout_source + ")"));
  const auto verdict = std::string(to_string(report.verdict));
  fmt::print("{:<11}{}\n\n", "leader",
             report.verdict == flink::LeaderVerdict::consistent ? style.green(verdict)
             : report.verdict == flink::LeaderVerdict::none     ? style.red(verdict)
                                                                : style.yellow(verdict));
  Table table({"COMPONENT", "ADDRESS", "LEADER SESSION ID", "OWNER SESSION", "CONSISTENT"});
  for (const auto& c : report.leaders) {
    table.add({c.component, c.address.value_or("-"), c.session_id.value_or("-"),
               session_text(c.owner), c.consistent() ? style.green("yes") : style.red("no")});
  }
  table.print(stdout);
  for (const auto& c : report.leaders) {
    if (!c.note.empty()) {
      fmt::print("  {}: {}\n", c.component, c.note);
    }
  }
  std::string latch_path;
  for (const auto& p : report.latch) {
    if (p.latch != latch_path) {
      latch_path = p.latch;
      fmt::print("\n{} {}\n", style.bold("latch"), latch_path);
    }
    fmt::print("  {}  {}{}\n", p.node, zk::format_session_id(p.owner),
               p.leader ? "  " + style.green("leader") : "");
  }
  if (report.latch.empty()) {
    fmt::print("\n{} no participants\n", style.bold("latch"));
  }
}

ExitCode exit_code_of(flink::LeaderVerdict verdict) {
  switch (verdict) {
  case flink::LeaderVerdict::consistent:
    return ExitCode::ok;
  case flink::LeaderVerdict::inconsistent:
    return ExitCode::warning;
  case flink::LeaderVerdict::none:
    return ExitCode::critical;
  }
  return ExitCode::unknown;
}

struct Prepared {
  zk::ClientSettings settings;
  flink::ResolveOptions resolve;
};

Result<Prepared> prepare(const Context& context, const ZkAccessOptions& access) {
  auto config = context.load_config();
  if (!config) {
    return std::unexpected(unless_classified(config.error(), ErrorCategory::configuration));
  }
  auto settings = zk_client_settings(context, *config, access);
  if (!settings) {
    return std::unexpected(settings.error());
  }
  Prepared out{std::move(*settings), flink::leader_resolve_options(*config)};
  return out;
}

// The settings and the first session, shared by `show` and `watch` (which reconnects later with
// the same settings). Errors are reported here; the caller returns the exit code.
struct Connected {
  Prepared prepared;
  std::unique_ptr<zk::ZkClient> zk;
};

std::expected<Connected, ExitCode> connect(const Context& context, const ZkAccessOptions& access) {
  auto prepared = prepare(context, access);
  if (!prepared) {
    return std::unexpected(report_error(prepared.error()));
  }
  auto client = open_zk(prepared->settings);
  if (!client) {
    return std::unexpected(report_error(client.error()));
  }
  return Connected{std::move(*prepared), std::move(*client)};
}

ExitCode run_show(Context& context, const ZkAccessOptions& access) {
  auto connected = connect(context, access);
  if (!connected) {
    return connected.error();
  }
  auto report = flink::resolve_leaders(*connected->zk, connected->prepared.resolve);
  if (!report) {
    return report_error(zk::to_error(report.error()));
  }
  if (context.json()) {
    fmt::print("{}\n", report_json(*report).dump(2));
  } else {
    print_report_text(*report, Style{context.color()});
  }
  return exit_code_of(report->verdict);
}

// ---- leader watch ---------------------------------------------------------------------------

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int /*signal*/) {
  g_stop.store(true);
}

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

std::string iso_time(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", std::chrono::floor<std::chrono::seconds>(t),
                     ms);
}

ordered_json change_json(const flink::LeaderChange& change, const std::string& time) {
  ordered_json out;
  out["time"] = time;
  out["event"] = std::string(to_string(change.kind));
  if (change.participant) {
    out["participant"] = participant_json(*change.participant);
  } else {
    out["component"] = change.component;
    const auto* now = change.leader ? &*change.leader : nullptr;
    out["address"] = now ? json_or_null(now->address) : ordered_json(nullptr);
    out["session_id"] = now ? json_or_null(now->session_id) : ordered_json(nullptr);
    out["owner"] = now ? session_or_null(now->owner) : ordered_json(nullptr);
    out["consistent"] = now != nullptr && now->consistent();
    if (change.previous) {
      out["previous"] = {{"address", json_or_null(change.previous->address)},
                         {"session_id", json_or_null(change.previous->session_id)},
                         {"owner", session_or_null(change.previous->owner)}};
    } else {
      out["previous"] = nullptr;
    }
    out["failover_ms"] = change.failover_ms ? ordered_json(*change.failover_ms) : nullptr;
  }
  out["note"] = change.note.empty() ? ordered_json(nullptr) : ordered_json(change.note);
  return out;
}

std::string change_text(const flink::LeaderChange& change, const Style& style) {
  const auto kind = std::string(to_string(change.kind));
  if (change.participant) {
    const auto& p = *change.participant;
    return fmt::format("{:<19}{}/{} {}", kind, p.latch, p.node, zk::format_session_id(p.owner));
  }
  std::string line = fmt::format("{:<19}{:<17}", kind, change.component);
  if (change.kind == flink::LeaderChangeKind::leader_lost) {
    line = style.red(line);
    if (change.previous) {
      line += fmt::format("was {} (session {})", change.previous->address.value_or("-"),
                          session_text(change.previous->owner));
    }
  } else if (change.leader) {
    if (change.kind == flink::LeaderChangeKind::leader_elected) {
      line = style.green(line);
    }
    line +=
        fmt::format("{} (leader session {}, owner {})", change.leader->address.value_or("-"),
                    change.leader->session_id.value_or("-"), session_text(change.leader->owner));
  }
  if (change.failover_ms) {
    line += fmt::format("  failover {} ms", *change.failover_ms);
  }
  if (!change.note.empty()) {
    line += "  " + style.dim("(" + change.note + ")");
  }
  return line;
}

void print_change(const Context& context, const flink::LeaderChange& change,
                  std::chrono::system_clock::time_point when) {
  const auto time = iso_time(when);
  if (context.json()) {
    fmt::print("{}\n", change_json(change, time).dump());
  } else {
    fmt::print("{}  {}\n", time, change_text(change, Style{context.color()}));
  }
  std::fflush(stdout);
}

// Re-reads after every watch event (and at least every kSafetyPoll, in case ZooKeeper was
// unreachable and no watch could be armed); reconnects with a new session after expiry.
constexpr auto kSafetyPoll = std::chrono::seconds(5);

ExitCode run_watch(Context& context, const ZkAccessOptions& access) {
  auto connected = connect(context, access);
  if (!connected) {
    return connected.error();
  }
  install_stop_handlers();
  const Prepared* prepared = &connected->prepared;
  std::unique_ptr<zk::ZkClient> zk = std::move(connected->zk);
  flink::FailoverTracker tracker;
  std::string last_error;
  while (!g_stop.load()) {
    // Expired, or closed by flinkha after a request went unanswered (client.hpp): a new session.
    if (zk == nullptr || zk->state() == zk::SessionState::expired ||
        zk->state() == zk::SessionState::closed) {
      zk.reset();
      auto reconnected = open_zk(prepared->settings);
      if (!reconnected) {
        // Said once per distinct failure, as the read errors below (it said nothing before).
        if (reconnected.error().message != last_error) {
          fmt::print(stderr, "flinkha: {}: {}\n", iso_time(std::chrono::system_clock::now()),
                     reconnected.error().message);
          last_error = reconnected.error().message;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        continue;
      }
      zk = std::move(*reconnected);
    }
    auto report = flink::resolve_leaders(zk->watching(), prepared->resolve);
    const auto now = std::chrono::system_clock::now();
    if (!report) {
      const auto message = zk::describe(report.error());
      if (message != last_error) {
        fmt::print(stderr, "flinkha: {}: {}\n", iso_time(now), message);
        last_error = message;
      }
    } else {
      last_error.clear();
      for (const auto& change : tracker.observe(*report, now)) {
        print_change(context, change, now);
      }
    }
    // Wait for a watch to fire; wake up regularly to notice SIGINT.
    const auto deadline = std::chrono::steady_clock::now() + kSafetyPoll;
    while (!g_stop.load() && std::chrono::steady_clock::now() < deadline) {
      if (!zk->events().wait(std::chrono::milliseconds(100)).empty()) {
        break;
      }
    }
  }
  return ExitCode::ok;
}

} // namespace

void setup_leader_command(CLI::App& app, Context& context) {
  auto* leader = app.add_subcommand("leader", "Current leaders from ZooKeeper; failovers live");
  leader->require_subcommand(1);
  auto access = std::make_shared<ZkAccessOptions>();
  add_zk_access_options(*leader, *access);
  leader->footer(R"(Examples:
  flinkha leader show
  flinkha leader watch -o json
See flinkha-leader(1).)");

  auto* show = leader->add_subcommand(
      "show", "Which JobManager leads each component, read from Flink's HA nodes in ZooKeeper");
  show->footer(R"(Exit status: 0 a consistent leader, 1 inconsistent (stale node or failover in
progress), 2 no leader, 3 ZooKeeper unreachable, 78 configuration error.
Examples:
  flinkha leader show
  flinkha --conf-dir /opt/flink/conf leader show --zk-auth-file ~/.flink-zk-auth
  flinkha -o json leader show | jq -r '.leaders[] | select(.component == "rest_server") | .address')");
  show->callback([&context, access] { context.exit_code = run_show(context, *access); });

  auto* watch = leader->add_subcommand(
      "watch", "Follow leader changes with ZooKeeper watches until interrupted (Ctrl-C)");
  watch->footer(R"(Prints the current leaders, then one line per change: leader_lost,
leader_elected (with failover_ms, the time from loss to the new leader), address_changed,
participant_joined, participant_left. -o json prints one JSON object per line.
Examples:
  flinkha leader watch
  flinkha -o json leader watch | jq -c 'select(.event == "leader_elected")')");
  watch->callback([&context, access] { context.exit_code = run_watch(context, *access); });
}

} // namespace flinkha::cli
