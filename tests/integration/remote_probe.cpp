// flinkha_remote_probe: runs command lines on hosts through lib/remote's SshExecutor and prints
// the outcomes as JSON, so test_remote_ssh.py can check the executor against a real sshd before
// the CLI commands that use it exist. Not installed; not a user tool.
//
//   flinkha_remote_probe [ssh flags] --command CMD [--command CMD2 ...] HOST...
//
// Every --command is one round: a fan-out over all hosts, rounds one after another on the same
// executor (so the second round reuses the first round's sessions). Exit status: 0 when the JSON
// was printed (whatever the hosts did), 64 usage, 78 bad SSH settings.

#include "remote/fan_out.hpp"
#include "remote/ssh_executor.hpp"
#include "remote/ssh_options.hpp"

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

using namespace flinkha::remote;
using nlohmann::json;

namespace {

json outcome_json(const HostOutcome& outcome) {
  json entry{{"index", outcome.index}, {"host", outcome.host}, {"ok", outcome.result.has_value()}};
  if (outcome.result) {
    const CommandResult& result = *outcome.result;
    entry["exit_status"] = result.exit_status;
    entry["stdout"] = result.stdout_text;
    entry["stderr"] = result.stderr_text;
    entry["duration_ms"] = result.duration.count();
    entry["warnings"] = result.warnings;
    entry["error"] = nullptr;
    entry["hint"] = nullptr;
  } else {
    entry["exit_status"] = nullptr;
    entry["error"] = outcome.result.error().message;
    entry["hint"] = outcome.result.error().hint;
  }
  return entry;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs commands on hosts through flinkha's SshExecutor; prints JSON"};
  std::string ssh_opts;
  std::string user;
  int port = 0;
  std::vector<std::string> identities;
  std::string known_hosts;
  std::string host_key_check;
  long connect_timeout_ms = 0;
  long command_timeout_ms = 0;
  bool no_ssh_config = false;
  std::size_t window = kDefaultWindow;
  std::vector<std::string> commands;
  std::vector<std::string> hosts;
  app.add_option("--ssh-opts", ssh_opts, "env.ssh.opts-style string (lowest layer)");
  app.add_option("--user", user);
  app.add_option("--port", port)->check(CLI::Range(1, 65535));
  app.add_option("--identity", identities)->allow_extra_args(false);
  app.add_option("--known-hosts", known_hosts);
  app.add_option("--host-key-check", host_key_check);
  app.add_option("--connect-timeout-ms", connect_timeout_ms)->check(CLI::PositiveNumber);
  app.add_option("--command-timeout-ms", command_timeout_ms)->check(CLI::PositiveNumber);
  app.add_flag("--no-ssh-config", no_ssh_config, "do not read ~/.ssh/config");
  app.add_option("--window", window);
  app.add_option("--command", commands)->required()->allow_extra_args(false);
  app.add_option("hosts", hosts)->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 64;
  }

  auto parsed = parse_ssh_opts(ssh_opts);
  if (!parsed) {
    std::cerr << parsed.error().message << "\n";
    return 78;
  }
  SshOptions flags;
  if (!user.empty()) {
    flags.user = user;
  }
  if (port != 0) {
    flags.port = port;
  }
  if (!identities.empty()) {
    flags.identity_files = identities;
  }
  if (!known_hosts.empty()) {
    flags.known_hosts_file = known_hosts;
  }
  if (!host_key_check.empty()) {
    auto check = parse_host_key_check(host_key_check);
    if (!check) {
      std::cerr << check.error().message << "\n";
      return 64;
    }
    flags.host_key_check = *check;
  }
  if (connect_timeout_ms > 0) {
    flags.connect_timeout = std::chrono::milliseconds(connect_timeout_ms);
  }
  if (command_timeout_ms > 0) {
    flags.command_timeout = std::chrono::milliseconds(command_timeout_ms);
  }
  const SshSettings settings = resolve(merge(parsed->options, flags));

  SshExecutor executor(settings, no_ssh_config ? SshConfig::ignore : SshConfig::read);
  json rounds = json::array();
  for (const auto& command : commands) {
    std::vector<RemoteCommand> tasks;
    for (const auto& host : hosts) {
      tasks.push_back(RemoteCommand{host, command, settings.command_timeout});
    }
    FanOutOptions options;
    options.window = window;
    const auto start = std::chrono::steady_clock::now();
    const auto outcomes = fan_out(executor, tasks, options);
    const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    json results = json::array();
    for (const auto& outcome : outcomes) {
      results.push_back(outcome_json(outcome));
    }
    rounds.push_back({{"command", command}, {"wall_ms", wall.count()}, {"results", results}});
  }
  const json output{{"ignored", parsed->ignored},
                    {"host_key_check", to_string(settings.host_key_check)},
                    {"connections_made", executor.connections_made()},
                    {"rounds", rounds}};
  std::cout << output.dump(2) << "\n";
  return 0;
}
