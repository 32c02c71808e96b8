#include "zk/four_letter.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <utility>

namespace flinkha::zk {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kNotServing =
    "This ZooKeeper instance is not currently serving requests";
// After the 4-letter command itself (FourLetterCommands / NIOServerCnxn in 3.5.3+).
constexpr std::string_view kNotWhitelisted = " is not executed because it is not in the whitelist.";

// ---- transport helpers -----------------------------------------------------------------------

class Socket {
public:
  explicit Socket(int fd) : m_fd(fd) {}
  Socket(Socket&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Socket& operator=(Socket&&) = delete;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  int fd() const { return m_fd; }

private:
  int m_fd;
};

// getaddrinfo() results, freed on scope exit.
struct AddrInfoDeleter {
  void operator()(addrinfo* list) const { ::freeaddrinfo(list); }
};
using AddrInfoList = std::unique_ptr<addrinfo, AddrInfoDeleter>;

FourLetterError make_error(FourLetterErrorKind kind, std::string message, std::string target) {
  return FourLetterError{kind, std::move(message), std::move(target)};
}

std::string format_target(std::string_view host, int port) {
  if (host.find(':') != std::string_view::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

std::string numeric_address(const addrinfo& address) {
  std::array<char, NI_MAXHOST> host{};
  if (::getnameinfo(address.ai_addr, address.ai_addrlen, host.data(), host.size(), nullptr, 0,
                    NI_NUMERICHOST) != 0) {
    return "?";
  }
  return host.data();
}

// Milliseconds left until `deadline`, rounded up so that poll() never spins at 0 too early.
int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 24LL * 3600 * 1000));
}

// poll() for one event, restarting on EINTR. Returns revents, 0 on timeout, -1 on error.
int wait_for(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd entry{fd, events, 0};
    const int rc = ::poll(&entry, 1, remaining_ms(deadline));
    if (rc > 0) {
      return entry.revents;
    }
    if (rc == 0) {
      return 0;
    }
    if (errno != EINTR) {
      return -1;
    }
  }
}

FourLetterErrorKind kind_of_connect_errno(int error) {
  switch (error) {
  case ECONNREFUSED:
    return FourLetterErrorKind::refused;
  case ETIMEDOUT:
    return FourLetterErrorKind::connect_timeout;
  case ENETUNREACH:
  case EHOSTUNREACH:
  case ENETDOWN:
  case EHOSTDOWN:
  case EADDRNOTAVAIL:
  case EAFNOSUPPORT:
    return FourLetterErrorKind::unreachable;
  default:
    return FourLetterErrorKind::io;
  }
}

std::string connect_message(int error, const std::string& address) {
  if (error == ECONNREFUSED) {
    return "connection refused";
  }
  return fmt::format("connect to {}: {}", address, std::strerror(error));
}

// Non-blocking connect to one resolved address, bounded by `deadline`.
FourLetterResult<Socket> connect_one(const addrinfo& address, Clock::time_point deadline,
                                     int timeout_ms, const std::string& target) {
  Socket socket(::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                         address.ai_protocol));
  if (socket.fd() < 0) {
    const int error = errno;
    return std::unexpected(make_error(kind_of_connect_errno(error),
                                      fmt::format("socket: {}", std::strerror(error)), target));
  }
  if (::connect(socket.fd(), address.ai_addr, address.ai_addrlen) == 0) {
    return socket;
  }
  if (errno != EINPROGRESS) {
    const int error = errno;
    return std::unexpected(make_error(kind_of_connect_errno(error),
                                      connect_message(error, numeric_address(address)), target));
  }
  const int revents = wait_for(socket.fd(), POLLOUT, deadline);
  if (revents == 0) {
    return std::unexpected(make_error(FourLetterErrorKind::connect_timeout,
                                      fmt::format("connect timeout: no TCP connection to {} "
                                                  "within {} ms",
                                                  numeric_address(address), timeout_ms),
                                      target));
  }
  int error = 0;
  socklen_t length = sizeof error;
  if (revents < 0) {
    error = errno;
  } else if (::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
    error = errno;
  }
  if (error != 0) {
    return std::unexpected(make_error(kind_of_connect_errno(error),
                                      connect_message(error, numeric_address(address)), target));
  }
  return socket;
}

bool is_valid_command(std::string_view command) {
  return command.size() == 4 &&
         std::ranges::all_of(command, [](char c) { return c >= 'a' && c <= 'z'; });
}

// ---- parsing helpers -------------------------------------------------------------------------

template <typename Number>
std::optional<Number> to_number(std::string_view text, int base = 10) {
  text = util::trim(text);
  Number value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, base);
  if (text.empty() || ec != std::errc{} || ptr != end) {
    return std::nullopt;
  }
  return value;
}

std::optional<double> to_double(std::string_view text) {
  text = util::trim(text);
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// "a/b/c" into three fields.
std::optional<std::array<std::string_view, 3>> split3(std::string_view text) {
  const auto fields = util::split(util::trim(text), '/');
  if (fields.size() != 3) {
    return std::nullopt;
  }
  return std::array<std::string_view, 3>{fields[0], fields[1], fields[2]};
}

std::string refusal_message(std::string_view what, std::string_view answer) {
  return fmt::format("{} answer is a refusal: \"{}\"", what, util::printable(util::trim(answer)));
}

} // namespace

// ---- transport -------------------------------------------------------------------------------

std::string_view to_string(FourLetterErrorKind kind) {
  switch (kind) {
  case FourLetterErrorKind::invalid_request:
    return "invalid-request";
  case FourLetterErrorKind::dns:
    return "dns";
  case FourLetterErrorKind::refused:
    return "refused";
  case FourLetterErrorKind::unreachable:
    return "unreachable";
  case FourLetterErrorKind::connect_timeout:
    return "connect-timeout";
  case FourLetterErrorKind::read_timeout:
    return "read-timeout";
  case FourLetterErrorKind::closed_without_answer:
    return "closed-without-answer";
  case FourLetterErrorKind::too_large:
    return "too-large";
  case FourLetterErrorKind::not_whitelisted:
    return "not-whitelisted";
  case FourLetterErrorKind::not_serving:
    return "not-serving";
  case FourLetterErrorKind::malformed:
    return "malformed";
  case FourLetterErrorKind::io:
    return "io";
  }
  return "io";
}

std::string describe(const FourLetterError& error) {
  if (error.target.empty()) {
    return error.message;
  }
  return fmt::format("{}: {}", error.target, error.message);
}

Error to_error(const FourLetterError& error) {
  std::string hint;
  switch (error.kind) {
  case FourLetterErrorKind::not_whitelisted:
    hint = "add the command to 4lw.commands.whitelist in zoo.cfg (ZooKeeper 3.5+ enables only "
           "srvr by default)";
    break;
  case FourLetterErrorKind::not_serving:
    hint = "the peer runs but has no quorum (it is electing a leader or cannot reach the others)";
    break;
  case FourLetterErrorKind::refused:
    hint = "is ZooKeeper running there, on that client port?";
    break;
  default:
    break;
  }
  return Error{describe(error), std::move(hint)};
}

std::optional<FourLetterErrorKind> classify_refusal(std::string_view answer) {
  const auto text = util::java_trim(answer);
  if (text.starts_with(kNotServing)) {
    return FourLetterErrorKind::not_serving;
  }
  if (text.size() >= 4 && text.substr(4).starts_with(kNotWhitelisted)) {
    return FourLetterErrorKind::not_whitelisted;
  }
  return std::nullopt;
}

FourLetterResult<TcpAnswer> tcp_exchange(std::string_view host, int port, std::string_view request,
                                         const FourLetterOptions& options,
                                         const std::function<bool(std::string_view)>& complete) {
  const auto start = Clock::now();
  const auto total_deadline =
      start + std::chrono::milliseconds(std::max(0, options.total_timeout_ms));
  std::string target = format_target(host, port);
  if (port < 1 || port > 65535 || host.empty()) {
    return std::unexpected(
        make_error(FourLetterErrorKind::invalid_request, "invalid host or port", target));
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* raw = nullptr;
  const std::string host_z(host);
  const std::string port_z = std::to_string(port);
  if (const int rc = ::getaddrinfo(host_z.c_str(), port_z.c_str(), &hints, &raw); rc != 0) {
    const std::string reason = rc == EAI_SYSTEM ? std::strerror(errno) : ::gai_strerror(rc);
    return std::unexpected(make_error(FourLetterErrorKind::dns,
                                      fmt::format("cannot resolve {}: {}", host, reason), target));
  }
  const AddrInfoList addresses(raw);

  // Every address in turn (localhost may be ::1 then 127.0.0.1); the last failure is reported.
  std::optional<Socket> connected;
  std::optional<FourLetterError> last_error;
  for (const addrinfo* address = addresses.get(); address != nullptr; address = address->ai_next) {
    if (remaining_ms(total_deadline) == 0) {
      break;
    }
    const auto connect_deadline =
        std::min(total_deadline,
                 Clock::now() + std::chrono::milliseconds(std::max(0, options.connect_timeout_ms)));
    auto attempt = connect_one(*address, connect_deadline, remaining_ms(connect_deadline), target);
    if (attempt) {
      connected.emplace(std::move(*attempt));
      break;
    }
    last_error = std::move(attempt.error());
  }
  if (!connected) {
    if (last_error) {
      return std::unexpected(std::move(*last_error));
    }
    // Resolution used up the total budget (or gave nothing to try).
    return std::unexpected(
        make_error(FourLetterErrorKind::connect_timeout,
                   fmt::format("connect timeout: total timeout of {} ms spent before connecting",
                               options.total_timeout_ms),
                   target));
  }
  const int fd = connected->fd();

  // The request: a few bytes always fit a fresh socket's send buffer, but stay correct if not.
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (wait_for(fd, POLLOUT, total_deadline) <= 0) {
        return std::unexpected(make_error(
            FourLetterErrorKind::read_timeout,
            fmt::format("could not send the request within {} ms", options.total_timeout_ms),
            target));
      }
      continue;
    }
    const int error = errno;
    if (error == EPIPE || error == ECONNRESET) {
      return std::unexpected(make_error(FourLetterErrorKind::closed_without_answer,
                                        "closed before the request was sent", target));
    }
    return std::unexpected(
        make_error(FourLetterErrorKind::io, fmt::format("send: {}", std::strerror(error)), target));
  }

  // Read until EOF, until the answer is complete, or until the total deadline.
  TcpAnswer out;
  std::array<char, 16384> buffer{};
  while (!(complete && complete(out.bytes))) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      if (out.bytes.size() + static_cast<std::size_t>(n) > options.max_response_bytes) {
        return std::unexpected(make_error(
            FourLetterErrorKind::too_large,
            fmt::format("the answer exceeds {} bytes", options.max_response_bytes), target));
      }
      out.bytes.append(buffer.data(), static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0) {
      out.end = TcpAnswer::End::eof;
      return out;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      const int revents = wait_for(fd, POLLIN, total_deadline);
      if (revents == 0) {
        out.end = TcpAnswer::End::timeout;
        return out;
      }
      if (revents < 0) {
        return std::unexpected(make_error(FourLetterErrorKind::io,
                                          fmt::format("poll: {}", std::strerror(errno)), target));
      }
      continue; // readable, hung up or in error: recv() tells which
    }
    const int error = errno;
    if (error == ECONNRESET) {
      out.end = TcpAnswer::End::reset;
      return out;
    }
    return std::unexpected(make_error(
        FourLetterErrorKind::io,
        fmt::format("recv after {} bytes: {}", out.bytes.size(), std::strerror(error)), target));
  }
  out.end = TcpAnswer::End::complete;
  return out;
}

FourLetterResult<std::string> send_four_letter(std::string_view host, int port,
                                               std::string_view command,
                                               const FourLetterOptions& options) {
  std::string target = format_target(host, port);
  if (!is_valid_command(command)) {
    return std::unexpected(make_error(
        FourLetterErrorKind::invalid_request,
        fmt::format("\"{}\" is not a four-letter word", util::printable(command)), target));
  }
  auto exchanged = tcp_exchange(host, port, command, options);
  if (!exchanged) {
    auto error = std::move(exchanged.error());
    if (error.kind == FourLetterErrorKind::closed_without_answer) {
      error.message = fmt::format("closed before {} was sent", command);
    } else if (error.kind == FourLetterErrorKind::too_large) {
      error.message =
          fmt::format("answer to {} exceeds {} bytes", command, options.max_response_bytes);
    } else if (error.kind == FourLetterErrorKind::read_timeout) {
      error.message =
          fmt::format("could not send {} within {} ms", command, options.total_timeout_ms);
    }
    return std::unexpected(std::move(error));
  }
  // The server answers, then closes: the answer ends at EOF.
  auto& answer = exchanged->bytes;
  switch (exchanged->end) {
  case TcpAnswer::End::timeout:
    return std::unexpected(make_error(
        FourLetterErrorKind::read_timeout,
        fmt::format("read timeout: the answer to {} did not end within {} ms ({} bytes read)",
                    command, options.total_timeout_ms, answer.size()),
        target));
  case TcpAnswer::End::reset:
    if (answer.empty()) {
      return std::unexpected(
          make_error(FourLetterErrorKind::closed_without_answer,
                     fmt::format("connection reset without an answer to {}", command), target));
    }
    return std::unexpected(make_error(
        FourLetterErrorKind::io,
        fmt::format("recv after {} bytes: {}", answer.size(), std::strerror(ECONNRESET)), target));
  case TcpAnswer::End::eof:
  case TcpAnswer::End::complete:
    break;
  }
  if (answer.empty()) {
    return std::unexpected(make_error(FourLetterErrorKind::closed_without_answer,
                                      fmt::format("closed without an answer to {}", command),
                                      target));
  }
  if (const auto refusal = classify_refusal(answer)) {
    return std::unexpected(make_error(*refusal, std::string(util::java_trim(answer)), target));
  }
  return std::move(answer);
}

// ---- srvr ------------------------------------------------------------------------------------

std::string_view to_string(ServerMode mode) {
  switch (mode) {
  case ServerMode::leader:
    return "leader";
  case ServerMode::follower:
    return "follower";
  case ServerMode::observer:
    return "observer";
  case ServerMode::standalone:
    return "standalone";
  case ServerMode::read_only:
    return "read-only";
  }
  return "standalone";
}

std::optional<ServerMode> parse_server_mode(std::string_view text) {
  text = util::trim(text);
  for (const auto mode : {ServerMode::leader, ServerMode::follower, ServerMode::observer,
                          ServerMode::standalone, ServerMode::read_only}) {
    if (text == to_string(mode)) {
      return mode;
    }
  }
  return std::nullopt;
}

Result<Zxid> parse_zxid(std::string_view text) {
  const auto trimmed = util::trim(text);
  if (!trimmed.starts_with("0x") || trimmed.size() < 3 || trimmed.size() > 18) {
    return failf("zxid \"{}\" is not 0x followed by 1 to 16 hex digits", util::printable(text));
  }
  const auto value = to_number<std::uint64_t>(trimmed.substr(2), 16);
  // from_chars accepts no sign for unsigned types, so "0x-1" fails here as it should.
  if (!value) {
    return failf("zxid \"{}\" is not 0x followed by 1 to 16 hex digits", util::printable(text));
  }
  return Zxid{*value, std::string(trimmed)};
}

Result<SrvrStats> parse_srvr(std::string_view answer) {
  if (classify_refusal(answer)) {
    return fail(refusal_message("srvr", answer));
  }
  SrvrStats stats;
  bool have_version = false;
  bool have_mode = false;
  int line_number = 0;
  for (const auto raw_line : util::split_lines(answer)) {
    ++line_number;
    const auto line = util::trim(raw_line);
    const auto colon = line.find(':');
    if (line.starts_with("READ-ONLY mode")) {
      stats.read_only_banner = true;
      continue;
    }
    if (colon == std::string_view::npos) {
      continue; // blank lines, "Clients:" entries of `stat`, future additions
    }
    const auto key = line.substr(0, colon);
    const auto value = util::trim(line.substr(colon + 1));
    const auto bad = [&](std::string_view what) {
      return failf("srvr line {}: \"{}\" is not {}", line_number, util::printable(line), what);
    };
    const auto counter = [&](std::optional<std::int64_t>& field) -> Status {
      field = to_number<std::int64_t>(value);
      if (!field) {
        return bad("a number");
      }
      return {};
    };
    Status status;
    if (key == "Zookeeper version") {
      stats.version = std::string(value);
      have_version = true;
    } else if (key == "Latency min/avg/max") {
      const auto fields = split3(value);
      const auto min = fields ? to_number<std::int64_t>((*fields)[0]) : std::nullopt;
      const auto avg = fields ? to_double((*fields)[1]) : std::nullopt;
      const auto max = fields ? to_number<std::int64_t>((*fields)[2]) : std::nullopt;
      if (!min || !avg || !max) {
        return bad("min/avg/max latency");
      }
      stats.latency = Latency{*min, *avg, *max};
    } else if (key == "Received") {
      status = counter(stats.received);
    } else if (key == "Sent") {
      status = counter(stats.sent);
    } else if (key == "Connections") {
      status = counter(stats.connections);
    } else if (key == "Outstanding") {
      status = counter(stats.outstanding);
    } else if (key == "Node count") {
      status = counter(stats.node_count);
    } else if (key == "Zxid") {
      auto zxid = parse_zxid(value);
      if (!zxid) {
        return fail(fmt::format("srvr line {}: {}", line_number, zxid.error().message));
      }
      stats.zxid = std::move(*zxid);
    } else if (key == "Mode") {
      const auto mode = parse_server_mode(value);
      if (!mode) {
        return bad("a known mode (leader, follower, observer, standalone, read-only)");
      }
      stats.mode = *mode;
      have_mode = true;
    } else if (key == "Proposal sizes last/min/max") {
      const auto fields = split3(value);
      const auto last = fields ? to_number<std::int64_t>((*fields)[0]) : std::nullopt;
      const auto min = fields ? to_number<std::int64_t>((*fields)[1]) : std::nullopt;
      const auto max = fields ? to_number<std::int64_t>((*fields)[2]) : std::nullopt;
      if (!last || !min || !max) {
        return bad("last/min/max proposal sizes");
      }
      stats.proposal_sizes = ProposalSizes{*last, *min, *max};
    }
    if (!status) {
      return std::unexpected(status.error());
    }
  }
  if (!have_version || !have_mode) {
    const char* missing = !have_version && !have_mode ? "'Zookeeper version:' and 'Mode:' lines"
                          : !have_version             ? "'Zookeeper version:' line"
                                                      : "'Mode:' line";
    return failf("srvr answer has no {} (got \"{}\")", missing, util::printable(answer, 60));
  }
  return stats;
}

// ---- mntr ------------------------------------------------------------------------------------

std::optional<std::string_view> MntrStats::get(std::string_view key) const {
  if (const auto it = m_values.find(key); it != m_values.end()) {
    return std::string_view(it->second);
  }
  return std::nullopt;
}

std::optional<std::int64_t> MntrStats::get_int(std::string_view key) const {
  const auto value = get(key);
  return value ? to_number<std::int64_t>(*value) : std::nullopt;
}

std::optional<double> MntrStats::get_double(std::string_view key) const {
  const auto value = get(key);
  return value ? to_double(*value) : std::nullopt;
}

std::optional<ServerMode> MntrStats::server_state() const {
  const auto value = get("zk_server_state");
  return value ? parse_server_mode(*value) : std::nullopt;
}

std::optional<std::int64_t> MntrStats::followers() const {
  if (auto followers = get_int("zk_followers")) {
    return followers;
  }
  return get_int("zk_learners");
}

Result<MntrStats> parse_mntr(std::string_view answer) {
  if (classify_refusal(answer)) {
    return fail(refusal_message("mntr", answer));
  }
  MntrStats::Map values;
  for (const auto line : util::split_lines(answer)) {
    const auto tab = line.find('\t');
    if (tab == std::string_view::npos || !line.starts_with("zk_")) {
      continue;
    }
    values.insert_or_assign(std::string(line.substr(0, tab)),
                            std::string(util::trim(line.substr(tab + 1))));
  }
  if (!values.contains("zk_server_state")) {
    return failf("mntr answer has no zk_server_state line (got \"{}\")",
                 util::printable(answer, 60));
  }
  return MntrStats(std::move(values));
}

} // namespace flinkha::zk
