#include "remote_setup.hpp"

#include "remote/local_executor.hpp"
#include "remote/routing_executor.hpp"
#include "remote/ssh_executor.hpp"
#include "remote/ssh_options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace flinkha::cli {

void add_remote_flags(CLI::App& app, RemoteFlags& flags) {
  const std::string group = "SSH (hosts other than localhost, 127.0.0.1, ::1)";
  app.add_option("--ssh-user", flags.ssh_user,
                 "Remote user (default: env.ssh.opts, ~/.ssh/config, $USER)")
      ->group(group);
  app.add_option("--ssh-port", flags.ssh_port,
                 "Remote port (default: env.ssh.opts, ~/.ssh/config, 22)")
      ->check(CLI::Range(1, 65535))
      ->group(group);
  app.add_option("--ssh-identity", flags.ssh_identity,
                 "Identity file (repeatable); the agent comes first")
      ->allow_extra_args(false)
      ->group(group);
  app.add_option("--known-hosts", flags.known_hosts,
                 "known_hosts file (default ~/.ssh/known_hosts)")
      ->group(group);
  app.add_option("--host-key-check", flags.host_key_check,
                 "strict (default), accept-new (record unknown hosts), off (warned)")
      ->check(CLI::IsMember({"strict", "accept-new", "off"}))
      ->group(group);
  app.add_option("--fanout", flags.fanout, "Hosts worked on at once (default 32)")
      ->check(CLI::Range(1, 4096))
      ->group(group);
  app.add_flag("--ssh-always", flags.ssh_always, "Use ssh for localhost too")->group(group);
  app.add_option("--connect-timeout", flags.connect_timeout_s,
                 "Seconds to connect and log in (default 10)")
      ->check(CLI::PositiveNumber)
      ->group(group);
  app.add_option("--command-timeout", flags.command_timeout_s,
                 "Seconds per remote command (default 120)")
      ->check(CLI::PositiveNumber)
      ->group(group);
  app.add_flag("--no-ssh-config", flags.no_ssh_config, "Do not read ~/.ssh/config")->group(group);
}

namespace {

std::chrono::milliseconds seconds_to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0));
}

Result<remote::SshOptions> options_from_flags(const RemoteFlags& flags) {
  remote::SshOptions options;
  if (!flags.ssh_user.empty()) {
    options.user = flags.ssh_user;
  }
  if (flags.ssh_port != 0) {
    options.port = flags.ssh_port;
  }
  if (!flags.ssh_identity.empty()) {
    options.identity_files = flags.ssh_identity;
  }
  if (!flags.known_hosts.empty()) {
    options.known_hosts_file = flags.known_hosts;
  }
  if (!flags.host_key_check.empty()) {
    auto check = remote::parse_host_key_check(flags.host_key_check);
    if (!check) {
      return std::unexpected(check.error());
    }
    options.host_key_check = *check;
  }
  if (flags.connect_timeout_s > 0) {
    options.connect_timeout = seconds_to_ms(flags.connect_timeout_s);
  }
  if (flags.command_timeout_s > 0) {
    options.command_timeout = seconds_to_ms(flags.command_timeout_s);
  }
  return options;
}

} // namespace

Result<RemoteSetup> make_remote(const RemoteFlags& flags, const config::ClusterConfig& config,
                                const config::Environment& environment) {
  RemoteSetup setup;
  remote::SshOptions from_config;
  if (const auto configured = remote::configured_ssh_opts(config, environment)) {
    const auto& source = configured->source;
    auto parsed = remote::parse_ssh_opts(configured->text);
    if (!parsed) {
      return fail(fmt::format("{} ({}): {}", source, configured->text, parsed.error().message),
                  parsed.error().hint);
    }
    from_config = parsed->options;
    if (!parsed->ignored.empty()) {
      setup.warnings.push_back(fmt::format("{}: ignoring ssh options flinkha does not apply: {}",
                                           source, fmt::join(parsed->ignored, " ")));
    }
  }
  auto from_flags = options_from_flags(flags);
  if (!from_flags) {
    return std::unexpected(from_flags.error());
  }
  const auto settings = remote::resolve(remote::merge(from_config, *from_flags));
  if (settings.host_key_check == remote::HostKeyCheck::off) {
    setup.warnings.push_back(
        "host key checking is off: a host's identity is not verified (--host-key-check off)");
  }
  setup.window = flags.fanout;
  setup.command_timeout = settings.command_timeout;
  setup.executor = std::make_unique<remote::RoutingExecutor>(
      std::make_unique<remote::LocalExecutor>(),
      std::make_unique<remote::SshExecutor>(
          settings, flags.no_ssh_config ? remote::SshConfig::ignore : remote::SshConfig::read),
      flags.ssh_always ? remote::Route::ssh_always : remote::Route::local_shortcut);
  return setup;
}

} // namespace flinkha::cli
