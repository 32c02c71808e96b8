#include "zk/client_settings.hpp"

#include "util/duration.hpp"
#include "util/strings.hpp"

#include <climits>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

namespace flinkha::zk {

namespace {

Result<int> duration_option(const config::ClusterConfig& config, std::string_view key,
                            int fallback_ms) {
  const auto value = config.value(key);
  if (!value) {
    return fallback_ms;
  }
  auto ms = util::parse_duration_ms(*value);
  if (!ms) {
    return fail(fmt::format("{}: {}", key, ms.error().message));
  }
  return static_cast<int>(std::clamp<std::int64_t>(*ms, 0, INT_MAX));
}

Result<int> int_option(const config::ClusterConfig& config, std::string_view key, int fallback) {
  const auto value = config.value(key);
  if (!value) {
    return fallback;
  }
  int out = 0;
  const auto text = util::trim(*value);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc{} || end != text.data() + text.size() || out < 0) {
    return fail(fmt::format("{}: \"{}\" is not a non-negative integer", key, *value));
  }
  return out;
}

std::string raw_value(const config::ClusterConfig& config, std::string_view key) {
  const auto* entry = config.flink_conf.config.find(key);
  return entry != nullptr ? entry->value : std::string{};
}

void security_notes(const config::ClusterConfig& config, std::vector<std::string>& notes) {
  std::string java_opts;
  for (const auto* key :
       {"env.java.opts", "env.java.opts.all", "env.java.opts.jobmanager", "env.java.opts.client"}) {
    java_opts += raw_value(config, key) + " ";
  }
  const auto sasl_disabled =
      util::to_lower(config.value("zookeeper.sasl.disable").value_or("false"));
  const auto contexts = util::to_lower(raw_value(config, "security.kerberos.login.contexts"));
  const bool jaas = java_opts.find("java.security.auth.login.config") != std::string::npos;
  const bool kerberos_context =
      contexts.find("client") != std::string::npos ||
      contexts.find(
          util::to_lower(config.value("zookeeper.sasl.login-context-name").value_or("Client"))) !=
          std::string::npos;
  if (sasl_disabled != "true" && (kerberos_context || jaas)) {
    notes.push_back("the cluster configures ZooKeeper SASL (Kerberos/JAAS); Debian's ZooKeeper C "
                    "client has no SASL, so flinkha connects without it (reads of nodes "
                    "protected by SASL ACLs will fail with ZNOAUTH)");
  }
  if (java_opts.find("zookeeper.client.secure") != std::string::npos ||
      java_opts.find("zookeeper.clientCnxnSocket") != std::string::npos ||
      java_opts.find("zookeeper.ssl.") != std::string::npos) {
    notes.push_back("the cluster configures ZooKeeper TLS (zookeeper.client.secure / "
                    "clientCnxnSocket / zookeeper.ssl.*); Debian's ZooKeeper C client has no TLS, "
                    "so flinkha connects in plain text: the quorum must also serve a plain "
                    "client port");
  }
}

} // namespace

Result<std::string> parse_digest_auth(std::string_view text, std::string_view origin) {
  auto line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return fail(
        fmt::format("{}: expected user:password for ZooKeeper digest authentication", origin),
        "write one line \"user:password\"");
  }
  return std::string(line);
}

Result<ConfiguredClient> client_settings(const config::ClusterConfig& config,
                                         const ClientOverrides& overrides) {
  const auto& ha = config.ha;
  if (!ha.zookeeper) {
    return fail(fmt::format("high-availability is \"{}\", not ZooKeeper",
                            ha.mode.empty() ? "none" : ha.mode),
                "set high-availability.type: zookeeper in the Flink configuration");
  }
  if (ha.quorum.empty()) {
    return fail("high-availability.zookeeper.quorum is not set",
                "set it to the ZooKeeper peers, e.g. zk1:2181,zk2:2181,zk3:2181");
  }
  ConfiguredClient out;
  auto& s = out.settings;
  std::string connect;
  for (const auto& server : ha.quorum) {
    // The rule `config check` reports (config::parse_quorum_server): no bad host or port
    // reaches the ZooKeeper client.
    if (auto checked = config::parse_quorum_server(server); !checked) {
      return fail(ErrorCategory::configuration,
                  "high-availability.zookeeper.quorum: " + checked.error().message,
                  checked.error().hint);
    }
    connect += (connect.empty() ? "" : ",") + server;
  }
  s.connect_string = connect + ha.quorum_chroot;

  auto session =
      duration_option(config, "high-availability.zookeeper.client.session-timeout", 60'000);
  auto connection =
      duration_option(config, "high-availability.zookeeper.client.connection-timeout", 15'000);
  auto retry_wait = duration_option(config, "high-availability.zookeeper.client.retry-wait", 5'000);
  auto max_wait =
      duration_option(config, "high-availability.zookeeper.client.max-retry-wait", INT_MAX);
  auto attempts = int_option(config, "high-availability.zookeeper.client.max-retry-attempts", 3);
  for (const auto* r : {&session, &connection, &retry_wait, &max_wait}) {
    if (!*r) {
      return std::unexpected(r->error());
    }
  }
  if (!attempts) {
    return std::unexpected(attempts.error());
  }
  s.session_timeout_ms = *session;
  s.connection_timeout_ms = overrides.timeout_ms.value_or(*connection);
  s.retry_wait_ms = *retry_wait;
  s.max_retry_wait_ms = *max_wait;
  s.max_retry_attempts = *attempts;
  s.digest_auth = overrides.digest_auth;
  s.c_client_log = overrides.verbosity >= 2;
  security_notes(config, out.notes);
  const auto digest = config.flink_conf.config.find("zookeeper.digest");
  if (!s.digest_auth && digest != nullptr && !digest->value.empty()) {
    auto parsed = parse_digest_auth(digest->value, "zookeeper.digest");
    if (!parsed) {
      return std::unexpected(parsed.error());
    }
    s.digest_auth = std::move(*parsed);
  }
  return out;
}

} // namespace flinkha::zk
