#include "cluster/zk_peers.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace flinkha::cluster {

namespace {

// Keep byte-identical to templates/zoo-peer.cfg.in (tests/unit/test_cluster_zk_peers.cpp checks).
constexpr std::string_view kPeerTemplate =
    R"(# ZooKeeper peer {{id}}, rendered by flinkha from {{source}}.
# `flinkha zk start` rewrites this file on every start: edit zoo.cfg instead.
# Shared settings of zoo.cfg (its dataDir and clientPort are per peer, below):
{{properties}}
# This peer:
dataDir={{data_dir}}
{{client_port}}
# The ensemble (ZooKeeper 3.5+ syntax: host:peerPort:leaderPort[:role][;[address:]clientPort]):
{{servers}}
)";

bool has_control_character(std::string_view text) {
  return std::ranges::any_of(text, [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

// java.util.Properties.store's escaping, for the ASCII that zoo.cfg holds: '\' always, the key's
// separators and comment starters, and a leading space of the value.
std::string escape_properties(std::string_view text, bool is_key) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool special = c == '\\' || (is_key && (c == '=' || c == ':' || c == ' ')) ||
                         ((is_key || i == 0) && (c == '#' || c == '!')) ||
                         (!is_key && i == 0 && c == ' ');
    if (special) {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

std::string bracket_if_ipv6(std::string_view host) {
  return host.find(':') != std::string_view::npos ? fmt::format("[{}]", host) : std::string(host);
}

} // namespace

std::string_view to_string(ZkLauncher launcher) {
  return launcher == ZkLauncher::flink ? "flink" : "zookeeper";
}

Result<ZkLauncher> parse_zk_launcher(std::string_view text) {
  const auto lower = util::to_lower(util::java_trim(text));
  if (lower == "flink") {
    return ZkLauncher::flink;
  }
  if (lower == "zookeeper") {
    return ZkLauncher::zookeeper;
  }
  return fail(fmt::format("unknown ZooKeeper launcher '{}'", util::printable(text)),
              "use 'flink' (Flink's bin/zookeeper.sh) or 'zookeeper' (a ZooKeeper installation)");
}

Result<std::string> render_template(std::string_view text, const TemplateValues& values) {
  auto lines = util::split(text, '\n');
  const bool final_newline = text.ends_with('\n');
  if (final_newline) {
    lines.pop_back(); // the empty field after the last '\n'
  }
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto line = lines[i];
    std::string rendered;
    bool only_placeholders = !line.empty();
    std::size_t pos = 0;
    while (pos < line.size()) {
      const auto open = line.find("{{", pos);
      if (open == std::string_view::npos) {
        rendered.append(line.substr(pos));
        only_placeholders = false;
        break;
      }
      only_placeholders = only_placeholders && open == pos;
      rendered.append(line.substr(pos, open - pos));
      const auto close = line.find("}}", open + 2);
      if (close == std::string_view::npos) {
        return failf("template: unclosed '{{{{' in line '{}'", util::printable(line));
      }
      const auto name = util::trim(line.substr(open + 2, close - open - 2));
      const auto value = values.find(name);
      if (value == values.end()) {
        return failf("template: unknown placeholder '{{{{{}}}}}'", util::printable(name));
      }
      rendered.append(value->second);
      pos = close + 2;
    }
    if (only_placeholders && rendered.empty()) {
      continue; // an optional line with nothing to say
    }
    out.append(rendered);
    if (i + 1 < lines.size() || final_newline) {
      out.push_back('\n');
    }
  }
  return out;
}

std::string_view default_peer_template() {
  return kPeerTemplate;
}

std::string server_line_value(const config::ZkServer& server) {
  auto value =
      fmt::format("{}:{}:{}", bracket_if_ipv6(server.host), server.peer_port, server.leader_port);
  if (server.role == "observer") {
    value += ":observer";
  }
  if (server.client_port) {
    value += ";";
    if (server.client_address) {
      value += bracket_if_ipv6(*server.client_address) + ":";
    }
    value += std::to_string(*server.client_port);
  }
  return value;
}

Result<std::string> render_peer_config(std::string_view peer_template,
                                       const config::ZooCfg& zoo_cfg,
                                       const config::ZkServer& server, std::string_view data_dir) {
  std::string properties;
  for (const auto& property : zoo_cfg.properties) {
    if (property.key == "dataDir" || property.key == "clientPort") {
      continue;
    }
    if (has_control_character(property.key) || has_control_character(property.value)) {
      return failf("{}: {}: a control character in a zoo.cfg property cannot be written to the "
                   "peer's configuration",
                   to_string(property.where), util::printable(property.key));
    }
    properties += fmt::format("{}={}\n", escape_properties(property.key, true),
                              escape_properties(property.value, false));
  }
  if (!properties.empty()) {
    properties.pop_back();
  }
  if (has_control_character(data_dir)) {
    return failf("dataDir '{}' holds a control character", util::printable(data_dir));
  }
  std::string servers;
  for (const auto& other : zoo_cfg.servers) {
    servers += fmt::format("server.{}={}\n", other.id, server_line_value(other));
  }
  if (!servers.empty()) {
    servers.pop_back();
  }
  const auto client_port = server.client_port
                               ? std::string()
                               : fmt::format("clientPort={}", zoo_cfg.client_port_of(server));
  const TemplateValues values{
      {"id", std::to_string(server.id)},
      {"source", zoo_cfg.path.empty() ? std::string("zoo.cfg") : zoo_cfg.path.string()},
      {"properties", properties},
      {"data_dir", escape_properties(data_dir, false)},
      {"client_port", client_port},
      {"servers", servers},
  };
  return render_template(peer_template, values);
}

std::optional<std::string> data_dir_of(const config::ZooCfg& zoo_cfg, std::int64_t id) {
  const auto* data_dir = zoo_cfg.find("dataDir");
  if (data_dir == nullptr || util::java_trim(data_dir->value).empty()) {
    return std::nullopt;
  }
  std::string base(util::java_trim(data_dir->value));
  while (base.size() > 1 && base.ends_with('/')) {
    base.pop_back();
  }
  return fmt::format("{}/peer-{}", base == "/" ? "" : base, id);
}

std::string pid_file_name(std::string_view user, std::int64_t id) {
  return fmt::format("flinkha-{}-zookeeper-{}.pid", user, id);
}

std::string flink_pid_file_name(std::string_view user) {
  return fmt::format("flink-{}-zookeeper.pid", user);
}

} // namespace flinkha::cluster
