#include "config/zoo_cfg.hpp"

#include "config/detail/capped_diagnostics.hpp"
#include "config/hosts_files.hpp"
#include "util/files.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <system_error>
#include <unordered_map>

// Error contract: parse_zoo_cfg fails (Result error) only when java.util.Properties.load itself
// would throw (a malformed \uXXXX escape), because then no ZooKeeper peer starts at all.
// Everything about server.X lines and values is a Diagnostic: Severity::error when ZooKeeper or
// Flink's launcher would refuse it (the server is then left out of `servers`), warning when it
// starts but is risky. Callers that start peers check has_errors(diagnostics).

namespace flinkha::config {

namespace {

constexpr std::uintmax_t kMaxZooCfgBytes = 16U * 1024U * 1024U;
constexpr int kDefaultClientPort = 2181; // ConfigConstants.DEFAULT_ZOOKEEPER_CLIENT_PORT
constexpr int kDefaultPeerPort = 2888;
constexpr int kDefaultLeaderPort = 3888;

// ---------------------------------------------------------------------------------------------
// java.util.Properties.load, ported from the JDK's Properties.LineReader.readLine, load0 and
// loadConvert. Bytes are kept as they are (Properties.load(InputStream) reads ISO-8859-1; for the
// ASCII that zoo.cfg holds this is the same), \uXXXX escapes are emitted as UTF-8.

struct LogicalLine {
  std::string text;
  int line = 0; // physical line where the logical line starts
};

class LineReader {
public:
  explicit LineReader(std::string_view text) : m_text(text) {}

  // The next logical line: comments and blank lines skipped, leading blanks dropped, backslash
  // continuations joined (leading blanks of the continued line dropped). Empty at the end.
  std::optional<LogicalLine> next() {
    LogicalLine out;
    bool skip_white_space = true;
    bool appended_line_begin = false;
    bool preceding_backslash = false;
    while (true) {
      if (m_pos >= m_text.size()) {
        return finish(std::move(out), preceding_backslash);
      }
      const char c = take();
      if (skip_white_space) {
        if (c == ' ' || c == '\t' || c == '\f') {
          continue;
        }
        if (!appended_line_begin && (c == '\r' || c == '\n')) {
          continue;
        }
        skip_white_space = false;
        appended_line_begin = false;
      }
      if (out.text.empty() && (c == '#' || c == '!')) {
        skip_comment();
        skip_white_space = true;
        continue;
      }
      if (c != '\n' && c != '\r') {
        if (out.text.empty()) {
          out.line = m_char_line;
        }
        out.text.push_back(c);
        preceding_backslash = c == '\\' ? !preceding_backslash : false;
        continue;
      }
      if (out.text.empty()) {
        skip_white_space = true;
        continue;
      }
      if (m_pos >= m_text.size() || !preceding_backslash) {
        return finish(std::move(out), preceding_backslash);
      }
      // A backslash at the end of the line continues it; the backslash is not part of it.
      out.text.pop_back();
      skip_white_space = true;
      appended_line_begin = true;
      preceding_backslash = false;
      if (c == '\r' && m_pos < m_text.size() && m_text[m_pos] == '\n') {
        take();
      }
    }
  }

private:
  static std::optional<LogicalLine> finish(LogicalLine out, bool preceding_backslash) {
    if (out.text.empty()) {
      return std::nullopt;
    }
    if (preceding_backslash) {
      out.text.pop_back();
    }
    return out;
  }

  char take() {
    const char c = m_text[m_pos++];
    m_char_line = m_line;
    if (c == '\r' || (c == '\n' && !m_previous_cr)) {
      ++m_line;
    }
    m_previous_cr = c == '\r';
    return c;
  }

  void skip_comment() {
    while (m_pos < m_text.size()) {
      const char c = take();
      if (c == '\r' || c == '\n') {
        return;
      }
    }
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
  int m_line = 1;
  int m_char_line = 1;
  bool m_previous_cr = false;
};

std::optional<std::uint32_t> hex4(std::string_view text) {
  std::uint32_t value = 0;
  for (const char c : text) {
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<std::uint32_t>(digit);
  }
  return value;
}

// Properties.loadConvert: \t \n \r \f, \uXXXX, and "\x" → "x" for any other x. Empty optional on
// a malformed \uXXXX (Properties.load throws IllegalArgumentException).
std::optional<std::string> load_convert(std::string_view in) {
  std::string out;
  // A pending high surrogate (0xD800-0xDBFF), 0 when none. (A plain integer rather than an
  // optional: GCC 12 -O2 reports the optional as maybe-uninitialized.)
  std::uint32_t high_surrogate = 0;
  const auto flush_surrogate = [&] {
    if (high_surrogate != 0) {
      util::append_utf8(out, high_surrogate); // a lone surrogate, kept as its code unit
      high_surrogate = 0;
    }
  };
  std::size_t i = 0;
  while (i < in.size()) {
    char c = in[i++];
    if (c != '\\' || i >= in.size()) {
      flush_surrogate();
      out.push_back(c);
      continue;
    }
    c = in[i++];
    if (c != 'u') {
      flush_surrogate();
      switch (c) {
      case 't':
        c = '\t';
        break;
      case 'r':
        c = '\r';
        break;
      case 'n':
        c = '\n';
        break;
      case 'f':
        c = '\f';
        break;
      default:
        break;
      }
      out.push_back(c);
      continue;
    }
    if (in.size() - i < 4) {
      return std::nullopt;
    }
    const auto unit = hex4(in.substr(i, 4));
    if (!unit) {
      return std::nullopt;
    }
    i += 4;
    if (*unit >= 0xdc00 && *unit <= 0xdfff && high_surrogate != 0) {
      util::append_utf8(out, 0x10000 + ((high_surrogate - 0xd800) << 10) + (*unit - 0xdc00));
      high_surrogate = 0;
    } else {
      flush_surrogate();
      if (*unit >= 0xd800 && *unit <= 0xdbff) {
        high_surrogate = *unit;
      } else {
        util::append_utf8(out, *unit);
      }
    }
  }
  flush_surrogate();
  return out;
}

struct RawProperty {
  std::string key;
  std::string value; // as Properties holds it: leading blanks gone, trailing blanks kept
  int line = 0;
  // The line has a '=' or ':' after the key. Properties also reads "key value" and a bare word
  // (a key with an empty value), but no zoo.cfg line ZooKeeper means is written so.
  bool separated = false;
};

bool is_properties_blank(char c) {
  return c == ' ' || c == '\t' || c == '\f';
}

// Properties.load0: the key ends at the first unescaped '=', ':' or blank; blanks (and one '=' or
// ':') after it are skipped; the rest of the logical line is the value.
Result<RawProperty> split_property(const LogicalLine& line, const std::string& display_name) {
  const std::string_view text = line.text;
  std::size_t key_length = 0;
  std::size_t value_start = text.size();
  bool has_separator = false;
  bool preceding_backslash = false;
  while (key_length < text.size()) {
    const char c = text[key_length];
    if ((c == '=' || c == ':') && !preceding_backslash) {
      value_start = key_length + 1;
      has_separator = true;
      break;
    }
    if (is_properties_blank(c) && !preceding_backslash) {
      value_start = key_length + 1;
      break;
    }
    preceding_backslash = c == '\\' ? !preceding_backslash : false;
    ++key_length;
  }
  while (value_start < text.size()) {
    const char c = text[value_start];
    if (!is_properties_blank(c)) {
      if (has_separator || (c != '=' && c != ':')) {
        break;
      }
      has_separator = true;
    }
    ++value_start;
  }
  auto key = load_convert(text.substr(0, key_length));
  auto value = load_convert(text.substr(value_start));
  if (!key || !value) {
    return std::unexpected(
        Error{fmt::format("{}:{}: malformed \\uXXXX escape in '{}' (java.util.Properties.load "
                          "fails on it, so no ZooKeeper peer starts)",
                          display_name, line.line, util::printable(text)),
              "write \\u followed by exactly four hex digits, or remove the backslash"});
  }
  return RawProperty{std::move(*key), std::move(*value), line.line, has_separator};
}

Result<std::vector<RawProperty>> load_properties(std::string_view text,
                                                 const std::string& display_name) {
  std::vector<RawProperty> properties;
  LineReader reader(text);
  while (auto line = reader.next()) {
    auto property = split_property(*line, display_name);
    if (!property) {
      return std::unexpected(property.error());
    }
    properties.push_back(std::move(*property));
  }
  return properties;
}

// ---------------------------------------------------------------------------------------------
// ZooKeeper's server.X values (QuorumPeer.QuorumServer(long, String), ConfigUtils.getHostAndPort)
// with the defaults of Flink's FlinkZooKeeperQuorumPeer.

// Java's String.split drops trailing empty fields; ZooKeeper's parsing relies on that.
std::vector<std::string_view> java_split(std::string_view text, char separator) {
  auto fields = util::split(text, separator);
  while (!fields.empty() && fields.back().empty()) {
    fields.pop_back();
  }
  if (fields.empty()) {
    fields.emplace_back(); // "".split(x) is [""], not []
  }
  return fields;
}

struct Problem {
  Severity severity = Severity::error;
  std::string code;
  std::string message;
  std::string hint;
};

// ConfigUtils.getHostAndPort: "[v6]:a:b" → {v6, a, b}; otherwise a split at ':'.
std::expected<std::vector<std::string_view>, Problem> host_and_ports(std::string_view text) {
  if (!text.starts_with('[')) {
    return java_split(text, ':');
  }
  const auto close = text.find(']');
  if (close == std::string_view::npos) {
    return std::unexpected(
        Problem{Severity::error,
                "zk-server-format",
                fmt::format("'{}' starts with '[' but has no matching ']'", util::printable(text)),
                {}});
  }
  std::vector<std::string_view> parts{text.substr(1, close - 1)};
  const auto rest = text.substr(close + 1);
  if (rest.empty()) {
    return parts;
  }
  // ZooKeeper skips whatever single character follows ']'; only ':' makes sense there.
  if (rest.front() != ':' || rest.size() == 1) {
    return std::unexpected(
        Problem{Severity::error,
                "zk-server-format",
                fmt::format("'{}' needs ':port' after ']'", util::printable(text)),
                {}});
  }
  for (const auto field : java_split(rest.substr(1), ':')) {
    parts.push_back(field);
  }
  return parts;
}

std::expected<int, Problem> parse_server_port(std::string_view text, std::string_view what) {
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  long long value = 0;
  if (digits) {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range) {
      value = 65536;
    }
  }
  if (!digits) {
    return std::unexpected(
        Problem{Severity::error,
                "zk-server-port-invalid",
                fmt::format("{} '{}' is not a number", what, util::printable(text)),
                {}});
  }
  if (value < 1 || value > 65535) {
    return std::unexpected(
        Problem{Severity::error,
                "zk-server-port-range",
                fmt::format("{} {} is out of range (1-65535)", what, util::printable(text)),
                {}});
  }
  return static_cast<int>(value);
}

std::optional<Problem> check_host(std::string_view host, std::string_view what) {
  if (host.empty()) {
    return Problem{Severity::error, "zk-server-host-missing", fmt::format("{} is missing", what),
                   "write server.N=host:2888:3888"};
  }
  if (auto why = validate_host(host)) {
    return Problem{Severity::error,
                   "zk-server-host-invalid",
                   fmt::format("{} '{}' {}", what, util::printable(host), *why),
                   {}};
  }
  return std::nullopt;
}

struct ParsedAddress {
  std::string host;
  int peer_port = kDefaultPeerPort;
  int leader_port = kDefaultLeaderPort;
  std::optional<std::string> role;
  std::size_t ports_given = 0;
};

std::expected<ParsedAddress, Problem> parse_server_address(std::string_view text) {
  auto parts = host_and_ports(text);
  if (!parts) {
    return std::unexpected(parts.error());
  }
  if (parts->size() > 4) {
    return std::unexpected(Problem{Severity::error, "zk-server-format",
                                   fmt::format("'{}' has {} ':'-separated fields; the form is "
                                               "host[:peerPort[:leaderPort[:role]]]",
                                               util::printable(text), parts->size()),
                                   "write IPv6 addresses in brackets: [2001:db8::1]:2888:3888"});
  }
  ParsedAddress address;
  address.host = std::string((*parts)[0]);
  if (auto problem = check_host(address.host, "host")) {
    return std::unexpected(std::move(*problem));
  }
  address.ports_given = std::min<std::size_t>(parts->size() - 1, 2);
  if (parts->size() > 1) {
    auto port = parse_server_port((*parts)[1], "peer port");
    if (!port) {
      return std::unexpected(port.error());
    }
    address.peer_port = *port;
  }
  if (parts->size() > 2) {
    auto port = parse_server_port((*parts)[2], "leader election port");
    if (!port) {
      return std::unexpected(port.error());
    }
    address.leader_port = *port;
  }
  if (parts->size() > 3) {
    const auto role = util::to_lower(util::java_trim((*parts)[3]));
    if (role != "participant" && role != "observer") {
      return std::unexpected(Problem{Severity::error,
                                     "zk-server-role",
                                     fmt::format("role '{}' is neither participant nor observer",
                                                 util::printable((*parts)[3])),
                                     {}});
    }
    address.role = role;
  }
  if (address.peer_port == address.leader_port) {
    return std::unexpected(Problem{Severity::error,
                                   "zk-port-clash",
                                   fmt::format("peer port and leader election port are both {} "
                                               "(ZooKeeper requires them to differ)",
                                               address.peer_port),
                                   {}});
  }
  return address;
}

// The ";[clientAddr:]clientPort" part.
std::optional<Problem> parse_client_part(std::string_view text, ZkServer& server) {
  auto parts = host_and_ports(text);
  if (!parts) {
    return parts.error();
  }
  if (parts->size() > 2) {
    return Problem{
        Severity::error,
        "zk-server-format",
        fmt::format("client part '{}' is not port or address:port", util::printable(text)),
        {}};
  }
  auto port = parse_server_port(parts->back(), "client port");
  if (!port) {
    return port.error();
  }
  if (parts->size() == 2) {
    if (auto problem = check_host((*parts)[0], "client address")) {
      return problem;
    }
    server.client_address = std::string((*parts)[0]);
  }
  server.client_port = *port;
  return std::nullopt;
}

// What Flink's FlinkZooKeeperQuorumPeer.setRequiredProperties does to a value that leaves ports
// out: it splits at ':' and rewrites 1 part to "p0:2888:3888", 2 parts to "p0:p1:3888". That
// breaks a value with a ";client" part or an IPv6 address, which ZooKeeper then rejects.
std::optional<Problem> flink_launcher_problem(std::string_view value, bool has_client,
                                              std::size_t ports_given) {
  if (ports_given >= 2) {
    return std::nullopt;
  }
  const auto parts = java_split(value, ':');
  const auto fix = "write both ports, e.g. host:2888:3888;2181";
  if (parts.size() >= 3) {
    return Problem{Severity::warning, "zk-server-flink-launcher",
                   "Flink's ZooKeeper launcher fills in default ports only when the value has "
                   "fewer than 3 ':'-separated parts; this one has more (an IPv6 address or a "
                   "client address), so ZooKeeper gets no ports and refuses it",
                   fix};
  }
  if (has_client) {
    return Problem{Severity::warning, "zk-server-flink-launcher",
                   "Flink's ZooKeeper launcher appends the default ports after the ';client' "
                   "part (or fails to read the port before it), so its peer does not start",
                   fix};
  }
  return std::nullopt;
}

bool role_token_at_end(std::string_view value) {
  const auto lower = util::to_lower(util::java_trim(value));
  return lower.ends_with("participant") || lower.ends_with("observer");
}

struct ServerResult {
  std::optional<ZkServer> server;
  std::vector<Problem> problems;
};

ServerResult parse_server_value(std::int64_t id, std::string_view raw_value) {
  ServerResult result;
  const auto value = util::java_trim(raw_value);
  if (value.size() != raw_value.size() && !role_token_at_end(value)) {
    // QuorumMaj passes the value on untrimmed (Properties keeps trailing blanks), so a trailing
    // blank after a port makes Integer.parseInt fail: "Address unresolved".
    // flinkha reads it trimmed (it renders its own per-peer zoo.cfg), hence only a warning.
    result.problems.push_back({Severity::warning, "zk-server-trailing-blank",
                               "ends with blanks; ZooKeeper does not trim server values, so its "
                               "own start (and Flink's launcher) fail to read the last port",
                               "remove the trailing blanks"});
  }
  const auto server_client = java_split(value, ';');
  if (server_client.size() > 2) {
    result.problems.push_back({Severity::error,
                               "zk-server-format",
                               "has more than one ';' (the form is server_config;client_config)",
                               {}});
    return result;
  }
  ZkServer server;
  server.id = id;
  const auto addresses = java_split(server_client[0], '|');
  std::vector<ParsedAddress> parsed;
  for (const auto address_text : addresses) {
    auto address = parse_server_address(address_text);
    if (!address) {
      result.problems.push_back(std::move(address.error()));
      return result;
    }
    parsed.push_back(std::move(*address));
  }
  for (const auto& address : parsed) {
    if (address.role != parsed.front().role) {
      result.problems.push_back({Severity::error,
                                 "zk-server-role",
                                 "the addresses of one server name different roles",
                                 {}});
      return result;
    }
  }
  const auto& first = parsed.front();
  server.host = first.host;
  server.peer_port = first.peer_port;
  server.leader_port = first.leader_port;
  server.role = first.role.value_or("participant");
  if (parsed.size() > 1) {
    result.problems.push_back(
        {Severity::warning,
         "zk-server-multi-address",
         fmt::format("lists {} addresses (ZooKeeper 3.6+ multi-address, which needs "
                     "multiAddress.enabled=true); flinkha uses the first, '{}'",
                     parsed.size(), first.host),
         {}});
  }
  if (server_client.size() == 2) {
    if (auto problem = parse_client_part(server_client[1], server)) {
      result.problems.push_back(std::move(*problem));
      return result;
    }
  }
  server.ports_given = first.ports_given == 2;
  if (first.ports_given < 2) {
    // ZooKeeper's QuorumServer refuses a server without both ports; Flink's launcher and
    // flinkha's fill in 2888/3888, which is what a clash on a shared host then reports.
    result.problems.push_back(
        {Severity::warning, "zk-server-no-ports",
         fmt::format("no {} (expected {}:{}:{}); ZooKeeper itself refuses the line, Flink's "
                     "launcher and flinkha use the default {}",
                     first.ports_given == 0 ? "quorum/election port" : "election port",
                     util::printable(first.host), first.peer_port, first.leader_port,
                     first.ports_given == 0 ? "ports 2888:3888" : "election port 3888"),
         fmt::format("write server.{}={}:{}:{}", id, util::printable(first.host), first.peer_port,
                     first.leader_port)});
  }
  if (auto problem = flink_launcher_problem(value, server_client.size() == 2, first.ports_given)) {
    result.problems.push_back(std::move(*problem));
  }
  if (server.client_port &&
      (*server.client_port == server.peer_port || *server.client_port == server.leader_port)) {
    result.problems.push_back(
        {Severity::error,
         "zk-port-clash",
         fmt::format("client port {} is also its peer or leader port", *server.client_port),
         {}});
    return result;
  }
  const bool fatal = std::any_of(result.problems.begin(), result.problems.end(),
                                 [](const Problem& p) { return p.severity == Severity::error; });
  if (!fatal) {
    result.server = std::move(server);
  }
  return result;
}

// "server.001" is id 1 (QuorumMaj: Long.parseLong of the text after the first '.'). Ids outside
// int are refused too: Flink's zookeeper.sh hands the id to FlinkZooKeeperQuorumPeer, which reads
// it with getInt, and its start script only accepts `server\.[0-9]+`.
std::expected<std::int64_t, Problem> parse_server_id(std::string_view key) {
  const auto text = key.substr(key.find('.') + 1);
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  std::int64_t id = 0;
  if (digits) {
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec == std::errc{} && id <= 2147483647) {
      return id;
    }
  }
  return std::unexpected(Problem{
      Severity::error, "zk-server-id",
      fmt::format("server id '{}' is not a number from 0 to 2147483647 (ZooKeeper fails on a "
                  "non-numeric id; Flink's start-zookeeper-quorum.sh skips the line)",
                  util::printable(text)),
      "write server.N with a small number N, the peer's myid"});
}

// The place is in `where`; the message names the offending text.
Diagnostic to_diagnostic(Problem problem, const std::string& display_name, int line,
                         std::string_view key, std::string_view value) {
  return Diagnostic{
      problem.severity, std::move(problem.code), SourceLocation{display_name, line},
      fmt::format("{}={}: {}", util::printable(key), util::printable(value), problem.message),
      std::move(problem.hint)};
}

std::optional<int> parse_plain_port(std::string_view text) {
  const auto trimmed = util::java_trim(text);
  int value = 0;
  const auto [ptr, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), value);
  if (trimmed.empty() || ec != std::errc{} || ptr != trimmed.data() + trimmed.size() || value < 1 ||
      value > 65535) {
    return std::nullopt;
  }
  return value;
}

// Keys QuorumPeerConfig.parseProperties reads (ZooKeeper 3.4-3.9), for the one leniency below:
// "tickTime 2000" is Properties syntax for tickTime=2000, and accepted for these keys only.
bool is_known_key(std::string_view key) {
  static constexpr std::string_view kKeys[] = {
      "dataDir",
      "dataLogDir",
      "clientPort",
      "clientPortAddress",
      "secureClientPort",
      "secureClientPortAddress",
      "tickTime",
      "initLimit",
      "syncLimit",
      "maxClientCnxns",
      "minSessionTimeout",
      "maxSessionTimeout",
      "electionAlg",
      "peerType",
      "standaloneEnabled",
      "reconfigEnabled",
      "quorumListenOnAllIPs",
      "dynamicConfigFile",
      "connectToLearnerMasterLimit",
      "localSessionsEnabled",
      "localSessionsUpgradingEnabled",
      "snapCount",
      "preAllocSize",
      "globalOutstandingLimit",
      "metricsProvider.className",
  };
  static constexpr std::string_view kPrefixes[] = {"autopurge.",    "4lw.",    "admin.",
                                                   "group.",        "weight.", "ssl.",
                                                   "authProvider.", "quorum.", "multiAddress."};
  return std::ranges::find(kKeys, key) != std::end(kKeys) ||
         std::ranges::any_of(kPrefixes, [key](std::string_view p) { return key.starts_with(p); });
}

class ZooCfgBuilder {
public:
  explicit ZooCfgBuilder(std::string display_name) : m_display_name(std::move(display_name)) {
    m_cfg.path = m_display_name;
  }

  void add(RawProperty property) {
    // Reported, but kept as Properties keeps it: the property list stays what ZooKeeper reads.
    // A malformed line gets no further findings (binary garbage repeats "keys" at random).
    const auto why = malformed(property);
    if (why) {
      report_malformed(property.line, *why);
    }
    if (const auto [it, inserted] = m_seen_keys.emplace(property.key, property.line);
        !inserted && !why) {
      m_cfg.diagnostics.push_back(
          {Severity::warning,
           "zk-duplicate-key",
           {m_display_name, property.line},
           fmt::format("'{}' is set again (first on line {}); the last value wins",
                       util::printable(property.key), it->second),
           "remove the earlier line"});
      it->second = property.line;
    }
    if (property.key.starts_with("server.")) {
      add_server(std::move(property));
    } else {
      add_property(std::move(property));
    }
  }

  ZooCfg finish() && {
    apply_flink_defaults();
    check_int_properties();
    for (auto& [key, server] : m_servers_by_key) {
      m_cfg.servers.push_back(std::move(server));
    }
    std::stable_sort(m_cfg.servers.begin(), m_cfg.servers.end(),
                     [](const ZkServer& a, const ZkServer& b) {
                       return a.id != b.id ? a.id < b.id : a.where.line < b.where.line;
                     });
    drop_duplicate_ids();
    check_address_clashes();
    m_malformed.finish();
    return std::move(m_cfg);
  }

private:
  // A zoo.cfg line is key=value with a key of letters, digits, '.', '_' and '-' (every key
  // QuorumPeerConfig knows, and the system properties it passes on) and a value without control
  // bytes (a newline in a value would also split the line in the zoo.cfg flinkha renders per
  // peer). Anything else is not a line ZooKeeper means, though ZooKeeper itself stores it as a
  // system property and says nothing: binary garbage, a stray word, a control byte.
  static std::optional<std::string> malformed(const RawProperty& property) {
    const auto& key = property.key;
    if (key.empty()) {
      return fmt::format("'{}' is not key=value: the key is empty",
                         util::printable("=" + property.value, 60));
    }
    if (key.starts_with("server.")) {
      return std::nullopt; // parse_server_id and parse_server_value judge these
    }
    const auto bad_key = std::find_if(key.begin(), key.end(), [](char c) {
      return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-');
    });
    if (bad_key != key.end()) {
      return fmt::format("'{}' is not key=value: the key has the byte '{}', which no ZooKeeper "
                         "key has",
                         util::printable(key + "=" + property.value, 60),
                         util::printable(std::string_view(&*bad_key, 1)));
    }
    if (!property.separated && !(is_known_key(key) && !property.value.empty())) {
      if (property.value.empty()) {
        return fmt::format("'{}' is not key=value: there is no '=' and no value",
                           util::printable(key, 60));
      }
      return fmt::format("'{} {}' is not key=value: there is no '=' (java.util.Properties reads "
                         "key '{}' with the value '{}')",
                         util::printable(key, 60), util::printable(property.value, 60),
                         util::printable(key, 60), util::printable(property.value, 60));
    }
    const auto control = std::find_if(property.value.begin(), property.value.end(), [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return (u < 0x20 && c != '\t') || u == 0x7f;
    });
    if (control != property.value.end()) {
      return fmt::format("{}={}: the value has the control byte \\x{:02x}", util::printable(key),
                         util::printable(property.value, 60), static_cast<unsigned char>(*control));
    }
    return std::nullopt;
  }

  // One error per malformed line, capped as the Flink configuration readers cap theirs: a large
  // binary file gives a readable report, not a million lines.
  void report_malformed(int line, std::string message) {
    const SourceLocation where{m_display_name, line};
    if (m_malformed.room("zk-malformed-line", Severity::error, where)) {
      m_malformed.add({Severity::error, "zk-malformed-line", where, std::move(message),
                       "write one key=value per line, e.g. clientPort=2181"});
    }
  }

  void add_property(RawProperty property) {
    // ZooKeeper trims every value it reads (QuorumPeerConfig.parseProperties).
    ZkProperty entry{property.key,
                     std::string(util::java_trim(property.value)),
                     {m_display_name, property.line}};
    // An index, not a scan: a large file of garbage must not cost the square of its lines.
    const auto [it, inserted] = m_property_index.emplace(entry.key, m_cfg.properties.size());
    if (!inserted) {
      m_cfg.properties[it->second] = std::move(entry);
      return;
    }
    m_cfg.properties.push_back(std::move(entry));
  }

  void add_server(RawProperty property) {
    // A repeated identical key replaces the earlier line, as Properties does.
    m_servers_by_key.erase(property.key);
    const auto report = [&](Problem problem) {
      m_cfg.diagnostics.push_back(to_diagnostic(std::move(problem), m_display_name, property.line,
                                                property.key, property.value));
    };
    auto id = parse_server_id(property.key);
    if (!id) {
      report(std::move(id.error()));
      return;
    }
    auto result = parse_server_value(*id, property.value);
    for (auto& problem : result.problems) {
      report(std::move(problem));
    }
    if (result.server) {
      result.server->where = {m_display_name, property.line};
      m_servers_by_key.insert_or_assign(property.key, std::move(*result.server));
    }
  }

  void apply_flink_defaults() {
    // FlinkZooKeeperQuorumPeer.setRequiredProperties; only absent keys get a default (an empty
    // value is kept). An empty `where` marks a default.
    for (const auto& [key, value] : {std::pair{"clientPort", "2181"}, std::pair{"initLimit", "10"},
                                     std::pair{"syncLimit", "5"}}) {
      if (m_cfg.find(key) == nullptr) {
        m_cfg.properties.push_back({key, value, {}});
      }
    }
    if (m_cfg.find("dataDir") == nullptr) {
      m_cfg.diagnostics.push_back(
          {Severity::warning,
           "zk-datadir-temp",
           {m_display_name, 0},
           fmt::format("{} sets no dataDir: Flink's ZooKeeper launcher then uses a new random "
                       "directory under java.io.tmpdir on every start, so ZooKeeper (and Flink's "
                       "HA data in it) is lost when a peer restarts",
                       m_display_name),
           "set dataDir to a persistent directory, e.g. dataDir=/var/lib/zookeeper"});
    }
  }

  void check_int_properties() {
    for (const auto* key : {"clientPort", "tickTime", "initLimit", "syncLimit"}) {
      const auto* property = m_cfg.find(key);
      if (property == nullptr) {
        continue;
      }
      const bool is_port = std::string_view(key) == "clientPort";
      int value = 0;
      const auto& text = property->value;
      const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      const bool ok = !text.empty() && ec == std::errc{} && ptr == text.data() + text.size() &&
                      (is_port ? (value >= 0 && value <= 65535) : value >= 0);
      if (!ok) {
        m_cfg.diagnostics.push_back(
            {Severity::error,
             "zk-property-invalid",
             property->where,
             fmt::format("{}={}: {} (ZooKeeper reads it with Integer.parseInt)", key,
                         util::printable(text),
                         is_port ? "not a port number" : "not a non-negative number"),
             {}});
      }
    }
  }

  void drop_duplicate_ids() {
    auto& servers = m_cfg.servers;
    for (std::size_t i = 1; i < servers.size();) {
      if (servers[i].id != servers[i - 1].id) {
        ++i;
        continue;
      }
      // "server.1" and "server.01" are two keys for one id; ZooKeeper keeps whichever its
      // HashMap visits last, so neither is safe to assume.
      const auto& kept = servers[i - 1];
      const auto& dropped = servers[i];
      m_cfg.diagnostics.push_back(
          {Severity::error, "zk-duplicate-id", dropped.where,
           fmt::format("server id {} is already defined at {}; ZooKeeper would keep only one "
                       "of them",
                       dropped.id, to_string(kept.where)),
           "give every server.N a distinct N"});
      servers.erase(servers.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }

  // Two servers on one host cannot bind the same port (peer, leader election or client).
  void check_address_clashes() {
    const auto& servers = m_cfg.servers;
    for (std::size_t i = 0; i < servers.size(); ++i) {
      for (std::size_t j = i + 1; j < servers.size(); ++j) {
        if (const auto port = shared_port(servers[i], servers[j])) {
          std::string defaults;
          if (!servers[i].ports_given || !servers[j].ports_given) {
            defaults = " (a server line without ports gets the defaults 2888:3888)";
          }
          m_cfg.diagnostics.push_back(
              {Severity::error, "zk-address-clash", servers[j].where,
               fmt::format("server.{} ({}) and server.{} both use {}:{}{}; they cannot run on "
                           "one host",
                           servers[i].id, to_string(servers[i].where), servers[j].id,
                           servers[j].host, *port, defaults),
               "give each server on a shared host its own peer, leader and client ports "
               "(server.N=host:peer:leader;clientPort)"});
        }
      }
    }
  }

  std::optional<int> shared_port(const ZkServer& a, const ZkServer& b) const {
    if (!util::iequals(a.host, b.host)) {
      return std::nullopt;
    }
    const int a_ports[] = {a.peer_port, a.leader_port, m_cfg.client_port_of(a)};
    const int b_ports[] = {b.peer_port, b.leader_port, m_cfg.client_port_of(b)};
    for (const int pa : a_ports) {
      for (const int pb : b_ports) {
        if (pa == pb) {
          return pa;
        }
      }
    }
    return std::nullopt;
  }

  std::string m_display_name;
  ZooCfg m_cfg;
  std::map<std::string, int> m_seen_keys;
  std::unordered_map<std::string, std::size_t> m_property_index; // key → index in properties
  std::map<std::string, ZkServer> m_servers_by_key;
  detail::CappedDiagnostics m_malformed{m_cfg.diagnostics}; // after m_cfg: refers to it
};

} // namespace

const ZkProperty* ZooCfg::find(std::string_view key) const {
  for (const auto& property : properties) {
    if (property.key == key) {
      return &property;
    }
  }
  return nullptr;
}

int ZooCfg::client_port_of(const ZkServer& server) const {
  if (server.client_port) {
    return *server.client_port;
  }
  if (const auto* property = find("clientPort")) {
    if (auto port = parse_plain_port(property->value)) {
      return *port;
    }
  }
  return kDefaultClientPort;
}

Result<ZooCfg> parse_zoo_cfg(std::string_view text, std::string display_name) {
  auto properties = load_properties(text, display_name);
  if (!properties) {
    return std::unexpected(properties.error());
  }
  ZooCfgBuilder builder(std::move(display_name));
  for (auto& property : *properties) {
    builder.add(std::move(property));
  }
  return std::move(builder).finish();
}

Result<std::optional<ZooCfg>> load_zoo_cfg(const std::filesystem::path& conf_dir) {
  const auto path = conf_dir / "zoo.cfg";
  auto text = util::read_optional_file(path, kMaxZooCfgBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  if (!*text) {
    return std::optional<ZooCfg>{};
  }
  auto parsed = parse_zoo_cfg(**text, "zoo.cfg");
  if (!parsed) {
    return std::unexpected(parsed.error());
  }
  parsed->path = path;
  return std::optional<ZooCfg>{std::move(*parsed)};
}

} // namespace flinkha::config
