#include "leader_lookup.hpp"

#include "zk_access.hpp"

#include <fmt/format.h>

#include <memory>

namespace flinkha::cli {

namespace {

// Short enough for a status check, long enough for a loaded loopback ensemble.
constexpr int kLookupConnectTimeoutMs = 3000;

cluster::LeaderSummary summarize(const flink::LeaderReport& report) {
  // The REST URL is what an operator opens; the dispatcher's RPC address identifies the process.
  const flink::ComponentLeader* best = nullptr;
  for (const auto& leader : report.leaders) {
    if (leader.address && (best == nullptr || leader.component == "rest_server")) {
      best = &leader;
    }
  }
  cluster::LeaderSummary summary;
  summary.address = best != nullptr ? *best->address : std::string("(no address)");
  if (report.verdict == flink::LeaderVerdict::consistent) {
    summary.detail = fmt::format("consistent, session {}",
                                 best != nullptr ? best->session_id.value_or("?") : "?");
  } else {
    std::string notes;
    for (const auto& leader : report.leaders) {
      if (!leader.note.empty()) {
        notes += fmt::format("{}{}: {}", notes.empty() ? "" : "; ", leader.component, leader.note);
      }
    }
    summary.detail = "inconsistent: " + notes;
  }
  return summary;
}

} // namespace

cluster::LeaderLookup make_leader_lookup(const Context& context,
                                         const config::ClusterConfig& config) {
  if (!config.ha.zookeeper || config.ha.quorum.empty()) {
    return {};
  }
  ZkAccessOptions access;
  access.timeout_ms = kLookupConnectTimeoutMs;
  auto settings = zk_client_settings(context, config, access);
  const auto resolve = flink::leader_resolve_options(config);
  auto client = std::make_shared<std::unique_ptr<zk::ZkClient>>();
  return [settings = std::move(settings), resolve,
          client]() -> Result<std::optional<cluster::LeaderSummary>> {
    if (!settings) {
      return std::unexpected(settings.error());
    }
    if (!*client) {
      auto fast = *settings;
      fast.max_retry_attempts = 0; // a polling caller retries by itself
      auto opened = open_zk(fast);
      if (!opened) {
        return std::unexpected(opened.error());
      }
      *client = std::move(*opened);
    }
    auto report = flink::resolve_leaders(**client, resolve);
    if (!report) {
      client->reset(); // reconnect on the next call
      return std::unexpected(zk::to_error(report.error()));
    }
    if (report->verdict == flink::LeaderVerdict::none) {
      return std::optional<cluster::LeaderSummary>{};
    }
    return std::optional(summarize(*report));
  };
}

} // namespace flinkha::cli
