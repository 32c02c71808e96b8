#include "zk/connections.hpp"

#include "config/ha_paths.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <charconv>

namespace flinkha::zk {

Result<std::vector<ClientConnection>> parse_cons(std::string_view answer) {
  std::vector<ClientConnection> out;
  std::size_t line_number = 0;
  while (!answer.empty()) {
    const auto end = answer.find('\n');
    const auto line = util::trim(answer.substr(0, end));
    answer = end == std::string_view::npos ? std::string_view{} : answer.substr(end + 1);
    ++line_number;
    if (line.empty()) {
      continue;
    }
    // "/127.0.0.1:54321[1](queued=0,…)"; an IPv6 client is "/[0:0:0:0:0:0:0:1]:47134[1](…)",
    // so the interest-ops bracket is the last '[' before the '('.
    const auto open = line.find('(');
    const auto bracket = open == std::string_view::npos ? line.find('[') : line.rfind('[', open);
    const auto slash = line.substr(0, bracket).rfind('/');
    if (bracket == std::string_view::npos || open == std::string_view::npos ||
        slash == std::string_view::npos || !line.ends_with(')')) {
      return fail(fmt::format("cons answer, line {}: not a connection: \"{}\"", line_number,
                              line.substr(0, 120)));
    }
    ClientConnection connection;
    connection.address = std::string(line.substr(slash + 1, bracket - slash - 1));
    auto fields = line.substr(open + 1, line.size() - open - 2);
    bool has_session = false;
    while (!fields.empty()) {
      const auto comma = fields.find(',');
      const auto field = fields.substr(0, comma);
      fields = comma == std::string_view::npos ? std::string_view{} : fields.substr(comma + 1);
      if (!field.starts_with("sid=0x")) {
        continue;
      }
      const auto hex = field.substr(6);
      std::uint64_t value = 0;
      const auto [ptr, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
      if (ec != std::errc{} || ptr != hex.data() + hex.size()) {
        return fail(fmt::format("cons answer, line {}: bad session id \"{}\"", line_number, field));
      }
      connection.session_id = static_cast<std::int64_t>(value);
      has_session = true;
    }
    if (has_session) {
      out.push_back(std::move(connection));
    }
  }
  return out;
}

Result<std::map<std::int64_t, std::string>>
client_addresses(const std::vector<std::string>& servers, const FourLetterOptions& options) {
  std::map<std::int64_t, std::string> out;
  bool answered = false;
  Error last{"no ZooKeeper server in the quorum", "", ErrorCategory::configuration};
  for (const auto& entry : servers) {
    auto server = config::parse_quorum_server(entry);
    if (!server) {
      last = server.error();
      continue;
    }
    auto answer = send_four_letter(server->host, server->port, "cons", options);
    if (!answer) {
      last = to_error(answer.error());
      continue;
    }
    auto connections = parse_cons(*answer);
    if (!connections) {
      last = Error{entry + ": " + connections.error().message, "", ErrorCategory::failed};
      continue;
    }
    answered = true;
    for (auto& connection : *connections) {
      out.emplace(connection.session_id, std::move(connection.address));
    }
  }
  if (!answered) {
    return std::unexpected(last);
  }
  return out;
}

} // namespace flinkha::zk
