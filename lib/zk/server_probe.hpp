#pragma once
// Why no ZooKeeper session could be established: a raw TCP probe of one server that sends the
// first message a ZooKeeper client sends (a ConnectRequest) and classifies what comes back, so an
// error can say "127.0.0.1:2181 is not a ZooKeeper server: it answered the handshake with …"
// instead of "no connection". ZkClient::connect() runs it on every server of the connect string
// after a failed connect (in parallel, each within ProbeWindow).
//
// Format (ZooKeeper 3.8, zookeeper-jute/src/main/resources/zookeeper.jute, framing in
// ClientCnxnSocket / NIOServerCnxn.readConnectRequest): every message is a 4-byte big-endian
// length followed by the jute record, ints and longs big-endian, a buffer as a 4-byte length and
// its bytes, a boolean as one byte.
//   ConnectRequest  {int protocolVersion; long lastZxidSeen; int timeOut; long sessionId;
//                    buffer passwd; boolean readOnly}        45 bytes, framed 49
//   ConnectResponse {int protocolVersion; int timeOut; long sessionId; buffer passwd;
//                    boolean readOnly}                       37 bytes (36 from servers before 3.4,
//                                                            which omit readOnly)
// A real server answers protocolVersion 0, the negotiated timeOut (ms, > 0 for a new session)
// and a 16-byte password. Captured answer: tests/unit/fixtures/zk/connect_response.bin
// (tests/integration/zk_capture_fixtures.py). A probe that reaches a real server creates a
// session asking for the probe window as its timeout; the server raises that to its
// minSessionTimeout (2 × tickTime) and expires the session on its own once the probe hangs up.

#include "zk/four_letter.hpp"

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::zk {

enum class ProbeVerdict {
  refused,       // nothing listens there (connection refused)
  unreachable,   // no route, no such host, no TCP connection within the window
  silent,        // accepted the connection, sent nothing within the window
  closed,        // accepted, then closed (or reset) without a byte
  incomplete,    // sent the start of a ConnectResponse, not all of it, within the window
  not_zookeeper, // sent bytes that are not a ConnectResponse
  zookeeper,     // answered a ConnectResponse: it is a ZooKeeper server
};

// "refused", "unreachable", "silent", "closed", "incomplete", "not-zookeeper", "zookeeper".
std::string_view to_string(ProbeVerdict verdict);

struct ConnectResponse {
  std::int32_t protocol_version = 0;
  std::int32_t timeout_ms = 0;
  std::int64_t session_id = 0;
  std::string password;
  std::optional<bool> read_only; // absent from servers before 3.4
};

// The framed ConnectRequest of a new session asking for `timeout_ms`.
std::string connect_request(std::int32_t timeout_ms);

// Parses a framed ConnectResponse. Errors say what is not ZooKeeper about the bytes ("a frame
// length of 1213486160 bytes, not 36 or 37", "protocolVersion 7, not 0", …); "incomplete" when
// the bytes are a consistent start of one.
std::expected<ConnectResponse, std::string> parse_connect_response(std::string_view bytes);

struct ProbeResult {
  std::string server; // "host:port" as in the connect string
  ProbeVerdict verdict = ProbeVerdict::unreachable;
  std::string detail; // what it did, in words, without the server name
  std::string answer; // the bytes it sent (at most 4 KiB)
  int window_ms = 0;
};

// "127.0.0.1:2181 is not a ZooKeeper server: it answered the handshake with 16 bytes that are not
// a ZooKeeper ConnectResponse (\"HTTP/1.1 400 …\")".
std::string describe(const ProbeResult& probe);

// The verdict on one exchange (pure: what probe_server() applies to the transport's answer).
ProbeResult classify_probe(std::string server, const FourLetterResult<TcpAnswer>& exchange,
                           int window_ms);

// Probes one server ("host:port", "[v6]:port"; port 2181 when missing) within `window_ms`.
ProbeResult probe_server(std::string_view server, int window_ms);

// Probes every server of a connect string ("h1:2181,h2:2181/chroot") at once; one result per
// server, in order, all within about `window_ms`.
std::vector<ProbeResult> probe_servers(std::string_view connect_string, int window_ms);

// The probe window after a failed connect that waited `connection_timeout_ms`: a quarter of it,
// between 200 and 1000 ms, so connect plus probe stays within the timeout and a second.
int probe_window_ms(int connection_timeout_ms);

} // namespace flinkha::zk
