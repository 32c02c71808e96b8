#pragma once
// ZooKeeper four-letter words ("4lw"): a 4-byte command sent in plain TCP to a peer's client
// port, answered with text, then the server closes the connection (reference
// flink-scripts.md §6.1). Two parts:
//   1. send_four_letter(): the transport (IPv4/IPv6, connect and total timeouts in ms, size cap),
//      with precise errors, including the two refusals a server answers in text;
//   2. parse_srvr() / parse_mntr(): pure parsers of the answers, as printed by ZooKeeper 3.8's
//      `StatCommand` (srvr, + `ServerStats.toString()`) and `MonitorCommand` (mntr). Byte fixtures
//      captured from Debian's ZooKeeper 3.8.0 live in tests/unit/fixtures/zk/
//      (tests/integration/zk_capture_fixtures.py recreates them).

#include "util/result.hpp"

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace flinkha::zk {

// ---- transport -------------------------------------------------------------------------------

enum class FourLetterErrorKind {
  invalid_request,       // not a 4-letter lower-case command, or port outside 1..65535
  dns,                   // the host name did not resolve
  refused,               // connection refused (nothing listens on the port)
  unreachable,           // no route, network down, address not available
  connect_timeout,       // no TCP connection within the connect timeout
  read_timeout,          // connected, but the answer did not end (EOF) within the total timeout
  closed_without_answer, // connected, then closed (or reset) without a byte
  too_large,             // more bytes than FourLetterOptions::max_response_bytes
  not_whitelisted,       // "<cmd> is not executed because it is not in the whitelist." (3.5.3+)
  not_serving,           // "This ZooKeeper instance is not currently serving requests"
  malformed,             // answered, but not in the format of the command (parsers)
  io,                    // any other socket error
};

// "refused", "connect-timeout", … (stable identifiers for JSON and tests).
std::string_view to_string(FourLetterErrorKind kind);

struct FourLetterError {
  FourLetterErrorKind kind = FourLetterErrorKind::io;
  // What happened, without the target: "connection refused", "no answer within 2000 ms".
  std::string message;
  // "host:port" (IPv6 literals bracketed) the command was sent to; may be empty (parsers).
  std::string target;
};

// "zk1:2181: connection refused" (or the bare message when there is no target).
std::string describe(const FourLetterError& error);

// Converts to the project's Error (message = describe(error), hint for the refusals).
Error to_error(const FourLetterError& error);

template <typename T>
using FourLetterResult = std::expected<T, FourLetterError>;

struct FourLetterOptions {
  // Budget for the TCP handshake with one resolved address, in ms.
  int connect_timeout_ms = 2000;
  // Budget for everything (name resolution, connect, send, read until EOF), in ms. Name
  // resolution is getaddrinfo(), which blocks and is bounded by resolv.conf, not by this.
  int total_timeout_ms = 5000;
  // ZooKeeper 3.8's mntr is ~20 KiB; 1 MiB leaves room for `cons`/`dump` on busy servers.
  std::size_t max_response_bytes = std::size_t{1} << 20;
};

// Sends `command` (e.g. "srvr", "mntr", "ruok", "conf") to host:port and returns the raw answer
// read until EOF. Tries every address getaddrinfo() gives, in order (IPv6 and IPv4). Textual
// refusals become errors (not_whitelisted, not_serving); the answer is otherwise returned as is.
// Thread-safe; never raises SIGPIPE.
FourLetterResult<std::string> send_four_letter(std::string_view host, int port,
                                               std::string_view command,
                                               const FourLetterOptions& options = {});

// The transport under send_four_letter() and the session probe (server_probe.hpp): connect
// (every resolved address in turn, each within connect_timeout_ms), send `request`, then read
// until EOF, until `complete(bytes so far)` is true, or until total_timeout_ms has passed since
// the start. Errors: invalid_request (host or port), dns, refused, unreachable, connect_timeout,
// closed_without_answer (closed before the request was sent), too_large, io. An answer that
// stops early is not an error here: `end` says how it ended, the caller decides.
struct TcpAnswer {
  enum class End { eof, complete, timeout, reset };
  std::string bytes;
  End end = End::eof;
};
FourLetterResult<TcpAnswer>
tcp_exchange(std::string_view host, int port, std::string_view request,
             const FourLetterOptions& options,
             const std::function<bool(std::string_view)>& complete = {});

// The refusal contained in a complete answer, if any (what send_four_letter() applies).
std::optional<FourLetterErrorKind> classify_refusal(std::string_view answer);

// ---- srvr ------------------------------------------------------------------------------------

enum class ServerMode { leader, follower, observer, standalone, read_only };

// "leader", "follower", "observer", "standalone", "read-only" (as ZooKeeper prints them).
std::string_view to_string(ServerMode mode);
std::optional<ServerMode> parse_server_mode(std::string_view text);

// A ZooKeeper transaction id: the high 32 bits are the leader epoch, the low 32 a counter.
struct Zxid {
  std::uint64_t value = 0;
  std::string hex; // as printed, e.g. "0x100000004"

  std::uint32_t epoch() const { return static_cast<std::uint32_t>(value >> 32); }
  std::uint32_t counter() const { return static_cast<std::uint32_t>(value & 0xffffffffU); }
};

// Parses "0x100000004" (ZooKeeper prints "0x" + Long.toHexString).
Result<Zxid> parse_zxid(std::string_view text);

// Request latency in ms, as ServerStats prints it: min and max are longs, avg a double.
struct Latency {
  std::int64_t min_ms = 0;
  double avg_ms = 0;
  std::int64_t max_ms = 0;
};

// Proposal sizes in bytes (leader only; -1 until a proposal was made).
struct ProposalSizes {
  std::int64_t last = 0;
  std::int64_t min = 0;
  std::int64_t max = 0;
};

// The answer to `srvr`. Only the version and Mode lines are required; the others are optional
// because ZooKeeper omits Outstanding/Zxid without a stats provider and versions differ.
struct SrvrStats {
  std::string version; // "3.8.0-…, built on …"
  ServerMode mode = ServerMode::standalone;
  bool read_only_banner = false; // "READ-ONLY mode; serving only read-only clients"
  std::optional<Latency> latency;
  std::optional<std::int64_t> received;
  std::optional<std::int64_t> sent;
  std::optional<std::int64_t> connections;
  std::optional<std::int64_t> outstanding;
  std::optional<Zxid> zxid;
  std::optional<std::int64_t> node_count;
  std::optional<ProposalSizes> proposal_sizes;
};

// Parses a `srvr` (or `stat`: the Clients block is skipped) answer. Errors name the missing or
// malformed line; a refusal text gives an error naming the refusal.
Result<SrvrStats> parse_srvr(std::string_view answer);

// ---- mntr ------------------------------------------------------------------------------------

// The answer to `mntr`: one "zk_<key>\t<value>" line per metric (3.6+ dumps every metric, so
// the set of keys varies by version and role). Keys keep their "zk_" prefix.
class MntrStats {
public:
  using Map = std::map<std::string, std::string, std::less<>>;

  explicit MntrStats(Map values) : m_values(std::move(values)) {}

  const Map& values() const { return m_values; }
  std::optional<std::string_view> get(std::string_view key) const;
  // The value as an integer / a double; empty when absent or not a number.
  std::optional<std::int64_t> get_int(std::string_view key) const;
  std::optional<double> get_double(std::string_view key) const;

  std::optional<std::string_view> version() const { return get("zk_version"); }
  // zk_server_state: "leader", "follower", "observer", "standalone", "read-only".
  std::optional<ServerMode> server_state() const;
  // zk_peer_state (3.6+), e.g. "following - broadcast".
  std::optional<std::string_view> peer_state() const { return get("zk_peer_state"); }
  std::optional<double> avg_latency_ms() const { return get_double("zk_avg_latency"); }
  std::optional<std::int64_t> outstanding_requests() const {
    return get_int("zk_outstanding_requests");
  }
  std::optional<std::int64_t> znode_count() const { return get_int("zk_znode_count"); }
  std::optional<std::int64_t> open_file_descriptor_count() const {
    return get_int("zk_open_file_descriptor_count");
  }
  // Leader only. Voting followers in sync (observers are counted in zk_synced_observers).
  std::optional<std::int64_t> synced_followers() const { return get_int("zk_synced_followers"); }
  std::optional<std::int64_t> pending_syncs() const { return get_int("zk_pending_syncs"); }
  // Leader only: zk_followers (3.5) or zk_learners (3.6+, which also counts observers).
  std::optional<std::int64_t> followers() const;
  // zk_quorum_size (3.6+, quorum peers only): the number of voters.
  std::optional<std::int64_t> quorum_size() const { return get_int("zk_quorum_size"); }

private:
  Map m_values;
};

// Parses a `mntr` answer. Lines without a tab or not starting with "zk_" are skipped (tolerant
// of additions); zk_server_state is required, so arbitrary text is an error.
Result<MntrStats> parse_mntr(std::string_view answer);

} // namespace flinkha::zk
