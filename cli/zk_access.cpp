#include "zk_access.hpp"

#include "zk/client_settings.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace flinkha::cli {

namespace {

Result<std::optional<std::string>> digest_from(const ZkAccessOptions& options) {
  if (options.auth_file) {
    std::ifstream in(*options.auth_file, std::ios::binary);
    if (!in) {
      return fail(ErrorCategory::usage,
                  fmt::format("--zk-auth-file {}: cannot read the file", *options.auth_file));
    }
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    auto digest = zk::parse_digest_auth(text, *options.auth_file);
    if (!digest) {
      return std::unexpected(with_category(digest.error(), ErrorCategory::usage));
    }
    return std::optional<std::string>{std::move(*digest)};
  }
  if (const char* env = std::getenv("FLINKHA_ZK_AUTH"); env != nullptr && *env != '\0') {
    auto digest = zk::parse_digest_auth(env, "$FLINKHA_ZK_AUTH");
    if (!digest) {
      return std::unexpected(with_category(digest.error(), ErrorCategory::usage));
    }
    return std::optional<std::string>{std::move(*digest)};
  }
  return std::optional<std::string>{};
}

} // namespace

void add_zk_access_options(CLI::App& app, ZkAccessOptions& options) {
  app.add_option("--zk-auth-file", options.auth_file,
                 "ZooKeeper digest credentials: a file whose first line is user:password "
                 "(else $FLINKHA_ZK_AUTH, else zookeeper.digest)");
  app.add_option("--zk-timeout", options.timeout_ms,
                 "ZooKeeper connection timeout in ms: handshake and first request (default: "
                 "high-availability.zookeeper.client.connection-timeout)")
      ->check(CLI::Range(1, 3'600'000));
}

Result<zk::ClientSettings> zk_client_settings(const Context& context,
                                              const config::ClusterConfig& config,
                                              const ZkAccessOptions& options) {
  auto digest = digest_from(options);
  if (!digest) {
    return std::unexpected(digest.error());
  }
  zk::ClientOverrides overrides{*digest, options.timeout_ms, context.global.verbose};
  auto configured = zk::client_settings(config, overrides);
  if (!configured) {
    return std::unexpected(unless_classified(configured.error(), ErrorCategory::configuration));
  }
  for (const auto& note : configured->notes) {
    fmt::print(stderr, "flinkha: note: {}\n", note);
  }
  return configured->settings;
}

Result<std::unique_ptr<zk::ZkClient>> open_zk(const zk::ClientSettings& settings) {
  auto client = zk::ZkClient::connect(settings);
  if (!client) {
    return std::unexpected(zk::to_error(client.error()));
  }
  return std::move(*client);
}

} // namespace flinkha::cli
