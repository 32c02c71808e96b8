#include "zk/server_probe.hpp"

#include "config/ha_paths.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <future>

namespace flinkha::zk {

namespace {

constexpr std::size_t kMaxAnswer = 4096;

void put_int(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xffU));
  }
}

void put_long(std::string& out, std::uint64_t value) {
  put_int(out, static_cast<std::uint32_t>(value >> 32));
  put_int(out, static_cast<std::uint32_t>(value & 0xffffffffU));
}

std::uint32_t get_int(std::string_view bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

std::string framed(const std::string& record) {
  std::string out;
  put_int(out, static_cast<std::uint32_t>(record.size()));
  return out + record;
}

std::string excerpt(std::string_view bytes) {
  return util::printable(bytes, 48);
}

} // namespace

std::string_view to_string(ProbeVerdict verdict) {
  switch (verdict) {
  case ProbeVerdict::refused:
    return "refused";
  case ProbeVerdict::unreachable:
    return "unreachable";
  case ProbeVerdict::silent:
    return "silent";
  case ProbeVerdict::closed:
    return "closed";
  case ProbeVerdict::incomplete:
    return "incomplete";
  case ProbeVerdict::not_zookeeper:
    return "not-zookeeper";
  case ProbeVerdict::zookeeper:
    return "zookeeper";
  }
  return "unknown";
}

std::string connect_request(std::int32_t timeout_ms) {
  std::string record;
  put_int(record, 0);                                      // protocolVersion
  put_long(record, 0);                                     // lastZxidSeen
  put_int(record, static_cast<std::uint32_t>(timeout_ms)); // timeOut
  put_long(record, 0);                                     // sessionId: a new session
  put_int(record, 16);                                     // passwd: 16 zero bytes, as clients send
  record.append(16, '\0');
  record.push_back('\0'); // readOnly: false
  return framed(record);
}

std::expected<ConnectResponse, std::string> parse_connect_response(std::string_view bytes) {
  if (bytes.size() < 4) {
    return std::unexpected(std::string("incomplete"));
  }
  const auto length = get_int(bytes, 0);
  if (length != 36 && length != 37) {
    return std::unexpected(fmt::format("a frame length of {} bytes, not 36 or 37", length));
  }
  // Each field is checked as soon as its bytes are there, so a wrong start is named even when the
  // rest never came.
  if (bytes.size() >= 8 && get_int(bytes, 4) != 0) {
    return std::unexpected(
        fmt::format("protocolVersion {}, not 0", static_cast<std::int32_t>(get_int(bytes, 4))));
  }
  if (bytes.size() >= 24 && get_int(bytes, 20) != 16) {
    return std::unexpected(fmt::format("a password of {} bytes, not 16",
                                       static_cast<std::int32_t>(get_int(bytes, 20))));
  }
  if (bytes.size() < 4 + length) {
    return std::unexpected(std::string("incomplete"));
  }
  ConnectResponse out;
  out.protocol_version = 0;
  out.timeout_ms = static_cast<std::int32_t>(get_int(bytes, 8));
  out.session_id = static_cast<std::int64_t>(
      (static_cast<std::uint64_t>(get_int(bytes, 12)) << 32) | get_int(bytes, 16));
  out.password = std::string(bytes.substr(24, 16));
  if (length == 37) {
    const auto flag = static_cast<unsigned char>(bytes[40]);
    if (flag > 1) {
      return std::unexpected(fmt::format("a readOnly byte of {}, not 0 or 1", flag));
    }
    out.read_only = flag == 1;
  }
  if (out.timeout_ms < 0) {
    return std::unexpected(fmt::format("a negotiated timeout of {} ms", out.timeout_ms));
  }
  return out;
}

ProbeResult classify_probe(std::string server, const FourLetterResult<TcpAnswer>& exchange,
                           int window_ms) {
  ProbeResult out;
  out.server = std::move(server);
  out.window_ms = window_ms;
  if (!exchange) {
    const auto& error = exchange.error();
    switch (error.kind) {
    case FourLetterErrorKind::refused:
      out.verdict = ProbeVerdict::refused;
      out.detail = "connection refused (nothing listens there)";
      break;
    case FourLetterErrorKind::closed_without_answer:
      out.verdict = ProbeVerdict::closed;
      out.detail = "accepted the connection, then closed it before the handshake was sent";
      break;
    case FourLetterErrorKind::too_large:
      out.verdict = ProbeVerdict::not_zookeeper;
      out.detail = "answered the handshake with more bytes than any ConnectResponse";
      break;
    default:
      out.verdict = ProbeVerdict::unreachable;
      out.detail = error.message;
      break;
    }
    return out;
  }
  const auto& bytes = exchange->bytes;
  out.answer = bytes.substr(0, kMaxAnswer);
  if (bytes.empty()) {
    if (exchange->end == TcpAnswer::End::timeout) {
      out.verdict = ProbeVerdict::silent;
      out.detail = fmt::format("accepted the connection but sent nothing within {} ms", window_ms);
    } else {
      out.verdict = ProbeVerdict::closed;
      out.detail = "accepted the connection, then closed it without answering the handshake";
    }
    return out;
  }
  auto parsed = parse_connect_response(bytes);
  if (parsed) {
    out.verdict = ProbeVerdict::zookeeper;
    out.detail = fmt::format("answered the handshake as ZooKeeper does (session timeout {} ms)",
                             parsed->timeout_ms);
    return out;
  }
  if (parsed.error() == "incomplete") {
    out.verdict = ProbeVerdict::incomplete;
    out.detail = fmt::format(
        "answered the handshake with only {} bytes of a ConnectResponse within {} ms (\"{}\")",
        bytes.size(), window_ms, excerpt(bytes));
    if (exchange->end != TcpAnswer::End::timeout) {
      out.detail = fmt::format("answered the handshake with {} bytes and closed the connection, "
                               "not a whole ConnectResponse (\"{}\")",
                               bytes.size(), excerpt(bytes));
    }
    return out;
  }
  out.verdict = ProbeVerdict::not_zookeeper;
  out.detail = fmt::format("it answered the handshake with {} bytes that are not a ZooKeeper "
                           "ConnectResponse ({}: \"{}\")",
                           bytes.size(), parsed.error(), excerpt(bytes));
  return out;
}

std::string describe(const ProbeResult& probe) {
  switch (probe.verdict) {
  case ProbeVerdict::not_zookeeper:
    return fmt::format("{} is not a ZooKeeper server: {}", probe.server, probe.detail);
  case ProbeVerdict::incomplete:
  case ProbeVerdict::silent:
  case ProbeVerdict::closed:
    return fmt::format("{} is not answering as a ZooKeeper server: it {}", probe.server,
                       probe.detail);
  case ProbeVerdict::refused:
  case ProbeVerdict::unreachable:
  case ProbeVerdict::zookeeper:
    break;
  }
  return fmt::format("{}: {}", probe.server, probe.detail);
}

ProbeResult probe_server(std::string_view server, int window_ms) {
  // The one split of a quorum entry (config::parse_quorum_server). The connect string passed
  // that rule before any connect; an entry it refuses only makes tcp_exchange answer "invalid
  // host or port".
  const auto entry = config::parse_quorum_server(server);
  const std::string host = entry ? entry->host : std::string(server);
  const int port = entry ? entry->port : 0;
  FourLetterOptions options;
  options.connect_timeout_ms = window_ms;
  options.total_timeout_ms = window_ms;
  options.max_response_bytes = kMaxAnswer;
  // Stop as soon as a whole frame is there (a real server keeps the connection open), or the
  // bytes cannot be the start of one.
  const auto complete = [](std::string_view bytes) {
    const auto parsed = parse_connect_response(bytes);
    return parsed || parsed.error() != "incomplete";
  };
  const auto exchange =
      tcp_exchange(host, port, connect_request(std::max(window_ms, 1)), options, complete);
  return classify_probe(std::string(server), exchange, window_ms);
}

std::vector<ProbeResult> probe_servers(std::string_view connect_string, int window_ms) {
  const auto quorum = config::parse_quorum(connect_string);
  std::vector<std::future<ProbeResult>> pending;
  pending.reserve(quorum.servers.size());
  for (const auto& server : quorum.servers) {
    pending.push_back(std::async(std::launch::async,
                                 [server, window_ms] { return probe_server(server, window_ms); }));
  }
  std::vector<ProbeResult> out;
  out.reserve(pending.size());
  for (auto& probe : pending) {
    out.push_back(probe.get());
  }
  return out;
}

int probe_window_ms(int connection_timeout_ms) {
  return std::clamp(connection_timeout_ms / 4, 200, 1000);
}

} // namespace flinkha::zk
