#include "remote/ssh_options.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>

namespace flinkha::remote {

namespace {

// The options of ssh(1)'s getopt string (OpenSSH 9.x) that take an argument, so a cluster like
// "-nqp2222" is read as ssh reads it; every other letter is a flag without one.
constexpr std::string_view kOptionsWithArgument = "BDEFIJLOPQRSWbceilmopw";

constexpr std::string_view kHint = "fix env.ssh.opts in the Flink configuration or $FLINK_SSH_OPTS";

// Bash word splitting with the default IFS and no quote removal (Flink passes the value
// unquoted). Globbing is not reproduced: ssh options do not rely on it.
std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!current.empty()) {
        words.push_back(std::move(current));
        current.clear();
      }
    } else {
      current += c;
    }
  }
  if (!current.empty()) {
    words.push_back(std::move(current));
  }
  return words;
}

Result<int> parse_port(std::string_view text, std::string_view spelled) {
  int port = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, port);
  if (text.empty() || ec != std::errc() || ptr != end || port < 1 || port > 65535) {
    return fail(fmt::format("env.ssh.opts: \"{}\": the port must be a number from 1 to 65535",
                            util::printable(spelled)),
                std::string(kHint));
  }
  return port;
}

// OpenSSH's convtime(): "30", "30s", "1m30s", "2h"; units s, m, h, d, w (case-insensitive).
Result<std::chrono::milliseconds> parse_seconds(std::string_view text, std::string_view spelled) {
  auto bad = [&]() {
    return fail(fmt::format("env.ssh.opts: \"{}\": ConnectTimeout must be a positive number of "
                            "seconds (optionally with s, m, h, d or w)",
                            util::printable(spelled)),
                std::string(kHint));
  };
  if (text.empty()) {
    return bad();
  }
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    const auto* begin = text.data() + i;
    auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), number);
    if (ec != std::errc() || ptr == begin || number > 1'000'000'000) {
      return bad();
    }
    i = static_cast<std::size_t>(ptr - text.data());
    std::int64_t unit = 1;
    if (i < text.size()) {
      switch (text[i] | 0x20) {
      case 's':
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      case 'w':
        unit = 604800;
        break;
      default:
        return bad();
      }
      ++i;
    }
    total += number * unit;
    if (total > 1'000'000'000) {
      return bad();
    }
  }
  if (total <= 0) {
    return bad();
  }
  return std::chrono::milliseconds(total * 1000);
}

// As ssh does, the first value obtained for a scalar option wins.
template <typename T>
void set_first(std::optional<T>& field, T value) {
  if (!field) {
    field = std::move(value);
  }
}

class OptsParser {
public:
  explicit OptsParser(std::vector<std::string> words) : m_words(std::move(words)) {}

  Result<ParsedSshOpts> run() {
    for (m_next = 0; m_next < m_words.size();) {
      const std::string word = m_words[m_next++];
      if (word == "--") {
        // ssh stops reading options here; what follows would be host and command.
        for (; m_next < m_words.size(); ++m_next) {
          m_parsed.ignored.push_back(m_words[m_next]);
        }
        break;
      }
      if (word.size() < 2 || word[0] != '-') {
        m_parsed.ignored.push_back(word);
        continue;
      }
      if (auto status = read_cluster(word); !status) {
        return std::unexpected(status.error());
      }
    }
    return std::move(m_parsed);
  }

private:
  Status read_cluster(const std::string& word) {
    for (std::size_t j = 1; j < word.size(); ++j) {
      const char flag = word[j];
      if (kOptionsWithArgument.find(flag) == std::string_view::npos) {
        // Flags without an argument (and unknown ones, which ssh would reject) change nothing
        // flinkha controls: -n is implied, -v and the like do not apply.
        m_parsed.ignored.push_back(fmt::format("-{}", flag));
        continue;
      }
      std::string argument = word.substr(j + 1);
      std::string spelled = word;
      if (argument.empty()) {
        if (m_next >= m_words.size()) {
          return fail(fmt::format("env.ssh.opts: option -{} needs an argument", flag),
                      std::string(kHint));
        }
        argument = m_words[m_next++];
        spelled = fmt::format("-{} {}", flag, argument);
      } else if (j > 1) {
        spelled = fmt::format("-{}{}", flag, argument);
      }
      return apply(flag, argument, spelled);
    }
    return {};
  }

  Status apply(char flag, const std::string& argument, const std::string& spelled) {
    switch (flag) {
    case 'p': {
      auto port = parse_port(argument, spelled);
      if (!port) {
        return std::unexpected(port.error());
      }
      set_first(m_parsed.options.port, *port);
      return {};
    }
    case 'l':
      set_first(m_parsed.options.user, argument);
      return {};
    case 'i':
      add_identity(argument);
      return {};
    case 'o':
      return apply_o(argument, spelled);
    default:
      m_parsed.ignored.push_back(spelled);
      return {};
    }
  }

  Status apply_o(const std::string& argument, std::string spelled) {
    std::string key;
    std::string value;
    if (auto eq = argument.find('='); eq != std::string::npos) {
      key = argument.substr(0, eq);
      value = argument.substr(eq + 1);
    } else {
      // "-o Key Value": ssh itself would fail on this once bash has split it; flinkha takes the
      // next word as the value rather than misreading it.
      if (m_next >= m_words.size()) {
        return fail(fmt::format("env.ssh.opts: \"{}\" has no value (write -o {}=VALUE)",
                                util::printable(spelled), util::printable(argument)),
                    std::string(kHint));
      }
      key = argument;
      value = m_words[m_next++];
      spelled += " " + value;
    }
    const std::string lower = util::to_lower(key);
    // "-oUser=" (nothing after '='): ssh refuses it ("missing argument"); an empty user, key
    // file or known_hosts file must not reach the ssh session either.
    if (value.empty() &&
        (lower == "user" || lower == "identityfile" || lower == "userknownhostsfile")) {
      return fail(fmt::format("env.ssh.opts: \"{}\" has no value (write -o {}=VALUE)",
                              util::printable(spelled), util::printable(key)),
                  std::string(kHint));
    }
    if (lower == "port") {
      auto port = parse_port(value, spelled);
      if (!port) {
        return std::unexpected(port.error());
      }
      set_first(m_parsed.options.port, *port);
    } else if (lower == "user") {
      set_first(m_parsed.options.user, value);
    } else if (lower == "identityfile") {
      add_identity(value);
    } else if (lower == "userknownhostsfile") {
      set_first(m_parsed.options.known_hosts_file, value);
    } else if (lower == "stricthostkeychecking") {
      auto check = parse_host_key_check(value);
      if (!check) {
        return fail(fmt::format("env.ssh.opts: \"{}\": {}", util::printable(spelled),
                                check.error().message),
                    std::string(kHint));
      }
      set_first(m_parsed.options.host_key_check, *check);
    } else if (lower == "connecttimeout") {
      auto timeout = parse_seconds(value, spelled);
      if (!timeout) {
        return std::unexpected(timeout.error());
      }
      set_first(m_parsed.options.connect_timeout, *timeout);
    } else {
      m_parsed.ignored.push_back(std::move(spelled));
    }
    return {};
  }

  void add_identity(const std::string& path) {
    if (!m_parsed.options.identity_files) {
      m_parsed.options.identity_files.emplace();
    }
    m_parsed.options.identity_files->push_back(path);
  }

  std::vector<std::string> m_words;
  std::size_t m_next = 0;
  ParsedSshOpts m_parsed;
};

template <typename T>
void take_if_set(std::optional<T>& target, const std::optional<T>& source) {
  if (source) {
    target = source;
  }
}

} // namespace

std::string_view to_string(HostKeyCheck check) {
  switch (check) {
  case HostKeyCheck::strict:
    return "strict";
  case HostKeyCheck::accept_new:
    return "accept-new";
  case HostKeyCheck::off:
    return "off";
  }
  return "strict";
}

Result<HostKeyCheck> parse_host_key_check(std::string_view text) {
  const std::string value = util::to_lower(text);
  if (value == "strict" || value == "yes" || value == "true" || value == "ask") {
    return HostKeyCheck::strict;
  }
  if (value == "accept-new" || value == "accept_new") {
    return HostKeyCheck::accept_new;
  }
  if (value == "off" || value == "no" || value == "false") {
    return HostKeyCheck::off;
  }
  return fail(fmt::format("unknown host key policy \"{}\"", util::printable(text)),
              "use strict (yes), accept-new or off (no)");
}

SshOptions merge(const SshOptions& lower, const SshOptions& higher) {
  SshOptions merged = lower;
  take_if_set(merged.user, higher.user);
  take_if_set(merged.port, higher.port);
  take_if_set(merged.identity_files, higher.identity_files);
  take_if_set(merged.known_hosts_file, higher.known_hosts_file);
  take_if_set(merged.host_key_check, higher.host_key_check);
  take_if_set(merged.connect_timeout, higher.connect_timeout);
  take_if_set(merged.command_timeout, higher.command_timeout);
  return merged;
}

Result<ParsedSshOpts> parse_ssh_opts(std::string_view text) {
  return OptsParser(split_words(text)).run();
}

std::optional<ConfiguredSshOpts> configured_ssh_opts(const config::ClusterConfig& config,
                                                     const config::Environment& environment) {
  if (auto text = environment("FLINK_SSH_OPTS")) {
    return ConfiguredSshOpts{std::move(*text), "$FLINK_SSH_OPTS", {}};
  }
  auto text = config.value("env.ssh.opts");
  if (!text) {
    return std::nullopt;
  }
  const auto* option = config.option("env.ssh.opts");
  if (option != nullptr && !option->is_default) {
    return ConfiguredSshOpts{std::move(*text), config::to_string(option->where), option->where};
  }
  return ConfiguredSshOpts{std::move(*text), "env.ssh.opts", {}};
}

config::Diagnostics lint_ssh_opts(const config::ClusterConfig& config,
                                  const config::Environment& environment) {
  config::Diagnostics out;
  const auto configured = configured_ssh_opts(config, environment);
  if (!configured) {
    return out;
  }
  const std::string_view name =
      configured->source == "$FLINK_SSH_OPTS" ? "$FLINK_SSH_OPTS" : "env.ssh.opts";
  auto parsed = parse_ssh_opts(configured->text);
  if (!parsed) {
    out.push_back({config::Severity::error, "bad-ssh-opts", configured->where,
                   fmt::format("{}: {}", name, parsed.error().message), parsed.error().hint});
    return out;
  }
  for (const auto& word : parsed->ignored) {
    out.push_back({config::Severity::warning, "ssh-opts-ignored", configured->where,
                   fmt::format("{}: flinkha does not apply \"{}\"; its own ssh connections "
                               "ignore it (Flink's scripts would pass it to ssh)",
                               name, util::printable(word)),
                   "flinkha applies -p, -i, -l and -o Port, User, IdentityFile, "
                   "UserKnownHostsFile, StrictHostKeyChecking, ConnectTimeout; put anything "
                   "else in ~/.ssh/config"});
  }
  return out;
}

SshSettings resolve(const SshOptions& options) {
  SshSettings settings;
  settings.user = options.user;
  settings.port = options.port;
  settings.identity_files = options.identity_files.value_or(std::vector<std::string>{});
  settings.known_hosts_file = options.known_hosts_file;
  settings.host_key_check = options.host_key_check.value_or(HostKeyCheck::strict);
  settings.connect_timeout = options.connect_timeout.value_or(kDefaultConnectTimeout);
  settings.command_timeout = options.command_timeout.value_or(kDefaultCommandTimeout);
  return settings;
}

} // namespace flinkha::remote
