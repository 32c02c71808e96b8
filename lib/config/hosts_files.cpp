#include "config/hosts_files.hpp"

#include "util/files.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>

namespace flinkha::config {

namespace {

// A hosts file is a handful of lines; anything this large is not one (and must not make us
// allocate without bound).
constexpr std::uintmax_t kMaxHostsFileBytes = 16U * 1024U * 1024U;
constexpr std::size_t kMaxHostLength = 253;
constexpr std::size_t kMaxLabelLength = 63;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

bool is_ipv4_literal(std::string_view host) {
  const std::string copy(host);
  in_addr out{};
  return inet_pton(AF_INET, copy.c_str(), &out) == 1;
}

bool is_ipv6_literal(std::string_view host) {
  // INET6_ADDRSTRLEN bounds every textual IPv6 address; longer input is not one.
  if (host.size() >= INET6_ADDRSTRLEN) {
    return false;
  }
  const std::string copy(host);
  in6_addr out{};
  return inet_pton(AF_INET6, copy.c_str(), &out) == 1;
}

// Characters a POSIX shell treats specially; named in the message because they are the ones that
// matter when a host lands on an ssh command line.
bool is_shell_metachar(char c) {
  return std::string_view(";&|$`'\"\\<>(){}*?[]!#~=%^").find(c) != std::string_view::npos;
}

std::optional<std::string> validate_dns_name(std::string_view host) {
  for (const char c : host) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '.' && c != '_') {
      if (is_shell_metachar(c)) {
        return fmt::format("contains the shell metacharacter '{}'", c);
      }
      if (static_cast<unsigned char>(c) >= 0x80) {
        return std::string("contains a non-ASCII byte (write internationalized names in punycode)");
      }
      if (c == '@') {
        return std::string(
            "contains '@'; set the SSH user with env.ssh.opts (-l user) or --ssh-user instead");
      }
      return fmt::format("contains '{}', which is not allowed in a host name", c);
    }
  }
  // One trailing dot is the fully qualified form ("host.example.com.").
  auto name = host;
  if (name.size() > 1 && name.back() == '.') {
    name.remove_suffix(1);
  }
  for (const auto label : util::split(name, '.')) {
    if (label.empty()) {
      return std::string("has an empty label ('..' or a leading '.')");
    }
    if (label.size() > kMaxLabelLength) {
      return fmt::format("has a label of {} characters (at most {})", label.size(),
                         kMaxLabelLength);
    }
  }
  // "10.0.1" is a valid-looking DNS name, but resolvers read all-numeric names as IPv4 shorthand
  // (inet_aton: 10.0.0.1), so only a full dotted quad is accepted.
  if (std::all_of(name.begin(), name.end(), [](char c) { return is_digit(c) || c == '.'; })) {
    return std::string("is neither a valid IPv4 address nor a host name");
  }
  return std::nullopt;
}

// Bash's `read` and the unquoted `$line` split at IFS (space, tab); other blanks stay in the word.
bool is_ifs_blank(char c) {
  return c == ' ' || c == '\t';
}

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_ifs_blank(text[i])) {
      ++i;
    }
    const auto start = i;
    while (i < text.size() && !is_ifs_blank(text[i])) {
      ++i;
    }
    if (i > start) {
      words.push_back(text.substr(start, i - start));
    }
  }
  return words;
}

// extractHostName's `^.*/([0-9a-zA-Z.-]+)$`: the part after the last '/' when it consists only of
// those characters; otherwise the word is left alone (so "/rack1/m3:8082" keeps its prefix).
std::string_view strip_network_hierarchy(std::string_view word) {
  const auto slash = word.rfind('/');
  if (slash == std::string_view::npos || slash + 1 >= word.size()) {
    return word;
  }
  const auto tail = word.substr(slash + 1);
  const bool plain = std::all_of(tail.begin(), tail.end(), [](char c) {
    return is_alpha(c) || is_digit(c) || c == '.' || c == '-';
  });
  return plain ? tail : word;
}

struct HostLine {
  std::string_view word; // the host entry after comment and hierarchy handling
  int line = 0;
};

// Splits a hosts file into entries as readMasters/readWorkers do, except that a line with more
// than one word is an error: Flink would silently use the first word (extractHostName gets the
// unquoted $line as separate arguments and echoes only $1) and drop the rest.
Result<std::vector<HostLine>> read_host_lines(std::string_view text,
                                              const std::string& display_name) {
  std::vector<HostLine> entries;
  int line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size(); // a last line without newline still counts (`read line || GOON=false`)
    }
    auto line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1); // CRLF files (Flink itself would keep the '\r' in the host name)
    }
    if (const auto hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    const auto words = split_words(line);
    if (words.empty()) {
      continue;
    }
    if (words.size() > 1) {
      return failf("{}:{}: expected one host per line, found {} words in '{}' (Flink's scripts "
                   "would use only '{}' and ignore the rest)",
                   display_name, line_number, words.size(), util::printable(line),
                   util::printable(words.front()));
    }
    entries.push_back({strip_network_hierarchy(words.front()), line_number});
  }
  return entries;
}

std::optional<int> parse_port(std::string_view text) {
  if (!all_digits(text) || text.size() > 10) {
    return std::nullopt;
  }
  long long value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value > 65535) {
    return std::nullopt;
  }
  return static_cast<int>(value);
}

std::unexpected<Error> invalid_host(const std::string& display_name, int line,
                                    std::string_view host, const std::string& why) {
  return std::unexpected(Error{
      fmt::format("{}:{}: invalid host '{}': {}", display_name, line, util::printable(host), why),
      {}});
}

struct HostAndPort {
  std::string_view host;
  std::optional<std::string_view> port; // set when the entry has a ':' after the host
};

// "host", "host:port", "[v6]", "[v6]:port". Bare IPv6 ("2001:db8::1") is refused: Flink's
// `cut -d:` would split it into host "2001" and port "db8".
Result<HostAndPort> split_master(std::string_view entry, const std::string& display_name,
                                 int line) {
  if (entry.starts_with('[')) {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) {
      return failf("{}:{}: '{}' opens '[' without a closing ']'", display_name, line,
                   util::printable(entry));
    }
    HostAndPort result{entry.substr(1, close - 1), std::nullopt};
    const auto rest = entry.substr(close + 1);
    if (rest.empty()) {
      return result;
    }
    if (rest.front() != ':') {
      return failf("{}:{}: unexpected '{}' after ']' in '{}' (expected ':port')", display_name,
                   line, util::printable(rest), util::printable(entry));
    }
    result.port = rest.substr(1);
    return result;
  }
  const auto colon = entry.find(':');
  if (colon == std::string_view::npos) {
    return HostAndPort{entry, std::nullopt};
  }
  if (entry.find(':', colon + 1) != std::string_view::npos) {
    return std::unexpected(
        Error{fmt::format("{}:{}: '{}' has more than one ':' (Flink's scripts would read host '{}' "
                          "and web UI port '{}')",
                          display_name, line, util::printable(entry),
                          util::printable(entry.substr(0, colon)),
                          util::printable(util::split(entry, ':')[1])),
              "write IPv6 addresses in brackets: [2001:db8::1]:8081"});
  }
  return HostAndPort{entry.substr(0, colon), entry.substr(colon + 1)};
}

Result<MasterEntry> parse_master_entry(const HostLine& entry, const std::string& display_name) {
  auto split = split_master(entry.word, display_name, entry.line);
  if (!split) {
    return std::unexpected(split.error());
  }
  if (entry.word.starts_with('[') && !is_ipv6_literal(split->host)) {
    return invalid_host(display_name, entry.line, split->host,
                        "brackets are only for IPv6 addresses");
  }
  if (auto why = validate_host(split->host)) {
    return invalid_host(display_name, entry.line, split->host, *why);
  }
  MasterEntry master;
  master.host = std::string(split->host);
  master.where = {display_name, entry.line};
  // "host:" gives an empty port field, which readMasters stores as 0 like a missing one.
  if (split->port && !split->port->empty()) {
    const auto port = parse_port(*split->port);
    if (!port) {
      return std::unexpected(Error{
          fmt::format("{}:{}: web UI port '{}' of '{}' is not a number from 0 to 65535 (Flink "
                      "would pass it on to jobmanager.sh and the JobManager would not start)",
                      display_name, entry.line, util::printable(*split->port),
                      util::printable(split->host)),
          "write host:port, e.g. jm1.example.com:8081"});
    }
    master.web_ui_port = *port;
    master.port_given = true;
  }
  return master;
}

Result<WorkerEntry> parse_worker_entry(const HostLine& entry, const std::string& display_name) {
  auto host = entry.word;
  // Brackets are optional for a worker (there is no port to separate), but accepted.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    if (!is_ipv6_literal(host)) {
      return invalid_host(display_name, entry.line, host, "brackets are only for IPv6 addresses");
    }
  }
  if (auto why = validate_host(host)) {
    auto error = invalid_host(display_name, entry.line, host, *why);
    if (host.find(':') != std::string_view::npos) {
      error.error().hint = "workers lines name a host only; Flink's scripts take no port here";
    }
    return error;
  }
  return WorkerEntry{std::string(host), {display_name, entry.line}};
}

Diagnostic empty_file_warning(std::string code, const std::string& display_name,
                              std::string_view what) {
  return Diagnostic{Severity::warning, std::move(code), SourceLocation{display_name, 0},
                    fmt::format("{} lists no {}", display_name, what),
                    fmt::format("list one {} per line", what)};
}

} // namespace

std::optional<std::string> validate_host(std::string_view host) {
  if (host.empty()) {
    return std::string("is empty");
  }
  if (host.size() > kMaxHostLength) {
    return fmt::format("is {} characters long (at most {})", host.size(), kMaxHostLength);
  }
  for (const char c : host) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return fmt::format("contains the control character \\x{:02x}", u);
    }
    if (c == ' ') {
      return std::string("contains a space");
    }
  }
  if (host.front() == '-') {
    return std::string("starts with '-' (ssh would read it as an option)");
  }
  if (host.find(':') != std::string_view::npos) {
    if (is_ipv6_literal(host)) {
      return std::nullopt;
    }
    return std::string("contains ':' but is not an IPv6 address");
  }
  if (is_ipv4_literal(host)) {
    return std::nullopt;
  }
  return validate_dns_name(host);
}

Result<MastersFile> parse_masters(std::string_view text, std::string display_name) {
  auto lines = read_host_lines(text, display_name);
  if (!lines) {
    return std::unexpected(lines.error());
  }
  MastersFile file;
  file.path = display_name;
  for (const auto& line : *lines) {
    auto master = parse_master_entry(line, display_name);
    if (!master) {
      return std::unexpected(master.error());
    }
    file.masters.push_back(std::move(*master));
  }
  if (file.masters.empty()) {
    file.diagnostics.push_back(
        empty_file_warning("masters-empty", display_name, "JobManager host"));
  }
  return file;
}

Result<WorkersFile> parse_workers(std::string_view text, std::string display_name) {
  auto lines = read_host_lines(text, display_name);
  if (!lines) {
    return std::unexpected(lines.error());
  }
  WorkersFile file;
  file.path = display_name;
  for (const auto& line : *lines) {
    auto worker = parse_worker_entry(line, display_name);
    if (!worker) {
      return std::unexpected(worker.error());
    }
    file.workers.push_back(std::move(*worker));
  }
  if (file.workers.empty()) {
    file.diagnostics.push_back(
        empty_file_warning("workers-empty", display_name, "TaskManager host"));
  }
  return file;
}

Result<std::optional<MastersFile>> load_masters(const std::filesystem::path& conf_dir) {
  const auto path = conf_dir / "masters";
  auto text = util::read_optional_file(path, kMaxHostsFileBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  if (!*text) {
    return std::optional<MastersFile>{};
  }
  auto parsed = parse_masters(**text, "masters");
  if (!parsed) {
    return std::unexpected(parsed.error());
  }
  parsed->path = path;
  return std::optional<MastersFile>{std::move(*parsed)};
}

Result<std::optional<WorkersFile>> load_workers(const std::filesystem::path& conf_dir) {
  const auto workers_path = conf_dir / "workers";
  const auto slaves_path = conf_dir / "slaves";
  auto text = util::read_optional_file(workers_path, kMaxHostsFileBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  std::error_code ec;
  const bool slaves_exists = std::filesystem::exists(slaves_path, ec);
  if (*text) {
    auto parsed = parse_workers(**text, "workers");
    if (!parsed) {
      return std::unexpected(parsed.error());
    }
    parsed->path = workers_path;
    if (slaves_exists) {
      parsed->diagnostics.push_back(
          {Severity::info,
           "slaves-file-ignored",
           {"slaves", 0},
           "conf/slaves is ignored because conf/workers exists (Flink >= 1.11 reads only workers)",
           "remove conf/slaves"});
    }
    return std::optional<WorkersFile>{std::move(*parsed)};
  }
  auto slaves_text = util::read_optional_file(slaves_path, kMaxHostsFileBytes);
  if (!slaves_text) {
    return std::unexpected(slaves_text.error());
  }
  if (!*slaves_text) {
    return std::optional<WorkersFile>{};
  }
  auto parsed = parse_workers(**slaves_text, "slaves");
  if (!parsed) {
    return std::unexpected(parsed.error());
  }
  parsed->path = slaves_path;
  parsed->diagnostics.insert(
      parsed->diagnostics.begin(),
      Diagnostic{Severity::warning,
                 "slaves-file",
                 {"slaves", 0},
                 "using conf/slaves because there is no conf/workers; Flink >= 1.11 reads only "
                 "conf/workers and its start-cluster.sh stops with 'No workers file'",
                 "rename conf/slaves to conf/workers"});
  return std::optional<WorkersFile>{std::move(*parsed)};
}

} // namespace flinkha::config
