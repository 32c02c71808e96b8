// The session probe (zk/server_probe.hpp): the jute ConnectRequest it sends, the ConnectResponse
// parser against the answer captured from Debian's ZooKeeper 3.8 (fixtures/zk/
// connect_response.bin, tests/integration/zk_capture_fixtures.py), the verdicts on what hostile
// or silent endpoints send, and a connect that names the server that is not ZooKeeper.

#include "test_support.hpp"
#include "zk/client.hpp"
#include "zk/server_probe.hpp"

#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace flinkha;
using namespace flinkha::zk;

namespace {

// A loopback socket that listens and never accepts: the kernel completes the TCP handshake, so
// a client is connected and hears nothing. Closed on destruction.
struct SilentListener {
  int fd = -1;
  int port = 0;
  SilentListener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 8) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
};

FourLetterResult<TcpAnswer> answered(std::string bytes, TcpAnswer::End end) {
  return TcpAnswer{std::move(bytes), end};
}

} // namespace

TEST_CASE("server_probe: the ConnectRequest of a new session, as jute frames it") {
  const auto request = connect_request(4000);
  // length 45; protocolVersion 0; lastZxidSeen 0; timeOut 4000; sessionId 0; passwd 16 × 0;
  // readOnly false.
  const std::string expected = std::string("\0\0\0\x2d", 4) + std::string(4, '\0') +
                               std::string(8, '\0') + std::string("\0\0\x0f\xa0", 4) +
                               std::string(8, '\0') + std::string("\0\0\0\x10", 4) +
                               std::string(16, '\0') + std::string(1, '\0');
  CHECK(request == expected);
  CHECK(request.size() == 49);
}

TEST_CASE("server_probe: the ConnectResponse of ZooKeeper 3.8") {
  const auto bytes = test::fixture("zk/connect_response.bin");
  REQUIRE(bytes.size() == 41);
  const auto parsed = parse_connect_response(bytes);
  REQUIRE(parsed.has_value());
  CHECK(parsed->protocol_version == 0);
  CHECK(parsed->timeout_ms == 4000); // asked 4000, inside the server's [2, 20] × tickTime
  CHECK(format_session_id(parsed->session_id) == "0x10000d0a2120000");
  CHECK(parsed->password.size() == 16);
  CHECK(parsed->read_only == false);

  const auto probe = classify_probe("zk1:2181", answered(bytes, TcpAnswer::End::complete), 750);
  CHECK(probe.verdict == ProbeVerdict::zookeeper);

  // Every strict prefix is the consistent start of one: incomplete, never "not ZooKeeper".
  for (std::size_t n = 1; n < bytes.size(); ++n) {
    CAPTURE(n);
    const auto prefix = bytes.substr(0, n);
    CHECK(parse_connect_response(prefix).error() == "incomplete");
    const auto cut = classify_probe("zk1:2181", answered(prefix, TcpAnswer::End::timeout), 750);
    CHECK(cut.verdict == ProbeVerdict::incomplete);
    CHECK(describe(cut).find(fmt::format("only {} bytes", n)) != std::string::npos);
  }
}

TEST_CASE("server_probe: bytes that are not a ConnectResponse name what is wrong") {
  const std::string http = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  const auto probe = classify_probe("127.0.0.1:2181", answered(http, TcpAnswer::End::eof), 750);
  CHECK(probe.verdict == ProbeVerdict::not_zookeeper);
  CHECK(describe(probe) ==
        "127.0.0.1:2181 is not a ZooKeeper server: it answered the handshake with 47 bytes that "
        "are not a ZooKeeper ConnectResponse (a frame length of 1213486160 bytes, not 36 or 37: "
        "\"HTTP/1.1 400 Bad Request\\x0d\\x0aContent-Length: ...\")");

  auto wrong_version = test::fixture("zk/connect_response.bin");
  wrong_version[7] = '\x07';
  CHECK(parse_connect_response(wrong_version).error() == "protocolVersion 7, not 0");
  // Named from the first 8 bytes on, before the rest arrives.
  CHECK(parse_connect_response(wrong_version.substr(0, 8)).error() == "protocolVersion 7, not 0");

  auto wrong_password = test::fixture("zk/connect_response.bin");
  wrong_password[23] = '\x20';
  CHECK(parse_connect_response(wrong_password).error() == "a password of 32 bytes, not 16");

  auto wrong_flag = test::fixture("zk/connect_response.bin");
  wrong_flag[40] = '\x02';
  CHECK(parse_connect_response(wrong_flag).error() == "a readOnly byte of 2, not 0 or 1");
}

TEST_CASE("server_probe: silence, a close and a refusal are told apart") {
  const auto silent = classify_probe("h:1", answered("", TcpAnswer::End::timeout), 750);
  CHECK(silent.verdict == ProbeVerdict::silent);
  CHECK(describe(silent) == "h:1 is not answering as a ZooKeeper server: it accepted the "
                            "connection but sent nothing within 750 ms");
  CHECK(classify_probe("h:1", answered("", TcpAnswer::End::eof), 750).verdict ==
        ProbeVerdict::closed);
  CHECK(classify_probe("h:1", answered("", TcpAnswer::End::reset), 750).verdict ==
        ProbeVerdict::closed);
  const FourLetterResult<TcpAnswer> refused =
      std::unexpected(FourLetterError{FourLetterErrorKind::refused, "connection refused", "h:1"});
  CHECK(classify_probe("h:1", refused, 750).verdict == ProbeVerdict::refused);
  CHECK(probe_window_ms(3000) == 750);
  CHECK(probe_window_ms(100) == 200);
  CHECK(probe_window_ms(60'000) == 1000);
}

TEST_CASE("server_probe: a listener that never answers, probed for real") {
  const SilentListener listener;
  const auto server = "127.0.0.1:" + std::to_string(listener.port);
  const auto probe = probe_server(server, 200);
  CHECK(probe.verdict == ProbeVerdict::silent);
  const auto all = probe_servers(server + "," + server + "/chroot", 200);
  REQUIRE(all.size() == 2);
  CHECK(all[1].server == server);
  CHECK(all[1].verdict == ProbeVerdict::silent);
}

TEST_CASE("zk_client: a connect to a server that never answers names it") {
  const SilentListener listener;
  ClientSettings settings;
  settings.connect_string = "127.0.0.1:" + std::to_string(listener.port);
  settings.connection_timeout_ms = 300;
  const auto client = ZkClient::connect(settings);
  REQUIRE_FALSE(client.has_value());
  CHECK(client.error().code == ZkCode::connection_loss);
  CHECK(client.error().message ==
        fmt::format("no connection to ZooKeeper at {0} within 300 ms: {0} is not answering as a "
                    "ZooKeeper server: it accepted the connection but sent nothing within 200 ms",
                    settings.connect_string));
  CHECK(to_error(client.error()).category == ErrorCategory::unreachable);
}

namespace {

// A loopback server that answers every connection's handshake with the ConnectResponse captured
// from ZooKeeper 3.8, with `answered` requests more (each answered as an exists that found the
// node: ReplyHeader {xid, zxid, err 0} and a Stat of 68 bytes), and then never again (a server
// that hangs). Stopped on destruction: every socket shut down, the thread joined.
class HandshakeThenSilence {
public:
  explicit HandshakeThenSilence(int answered = 0)
      : m_response(test::fixture("zk/connect_response.bin")), m_answered(answered) {
    m_thread = std::thread([this] { serve(); });
  }
  ~HandshakeThenSilence() {
    m_stop = true;
    ::shutdown(m_listener.fd, SHUT_RDWR);
    m_thread.join();
    for (const int fd : m_connections) {
      ::close(fd);
    }
  }
  HandshakeThenSilence(const HandshakeThenSilence&) = delete;
  HandshakeThenSilence& operator=(const HandshakeThenSilence&) = delete;
  int port() const { return m_listener.port; }
  int handshakes() const { return m_handshakes.load(); }

private:
  void serve() {
    while (!m_stop) {
      const int fd = ::accept(m_listener.fd, nullptr, nullptr);
      if (fd < 0) {
        return;
      }
      m_connections.push_back(fd);
      // Whole frames only: an answer to half a frame would be an unsolicited reply, which makes
      // the C client abort() (zookeeper.c: assert(cptr) in zookeeper_process).
      if (read_frame(fd).size() == 45 &&
          ::send(fd, m_response.data(), m_response.size(), MSG_NOSIGNAL) > 0) {
        ++m_handshakes;
      }
      for (int i = 0; i < m_answered; ++i) {
        // One request frame: xid, type, …; the answer repeats the xid.
        const auto frame = read_frame(fd);
        if (frame.size() < 8) {
          break;
        }
        std::string reply(4, '\0');                  // length, set below
        reply.append(frame.substr(0, 4));            // xid
        reply.append(std::string(7, '\0') + "\x01"); // zxid 1
        reply.append(4, '\0');                       // err 0
        reply.append(68, '\0');                      // Stat
        reply[3] = static_cast<char>(reply.size() - 4);
        (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
      }
    }
  }

  // The body of one length-prefixed frame (empty when the peer hung up first).
  static std::string read_frame(int fd) {
    const auto read_exactly = [fd](std::size_t n) {
      std::string out(n, '\0');
      std::size_t got = 0;
      while (got < n) {
        const auto r = ::recv(fd, out.data() + got, n - got, 0);
        if (r <= 0) {
          return std::string{};
        }
        got += static_cast<std::size_t>(r);
      }
      return out;
    };
    const auto length = read_exactly(4);
    if (length.size() != 4) {
      return {};
    }
    std::size_t n = 0;
    for (const char c : length) {
      n = (n << 8) | static_cast<unsigned char>(c);
    }
    return n > 4096 ? std::string{} : read_exactly(n);
  }

  SilentListener m_listener;
  std::string m_response;
  int m_answered = 0;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_handshakes{0};
  std::vector<int> m_connections; // only touched by the thread until it is joined
  std::thread m_thread;
};

} // namespace

TEST_CASE("zk_client: a server that answers the handshake and then no request is no session") {
  const HandshakeThenSilence server;
  ClientSettings settings;
  settings.connect_string = "127.0.0.1:" + std::to_string(server.port());
  settings.connection_timeout_ms = 300;
  const auto client = ZkClient::connect(settings);
  REQUIRE_FALSE(client.has_value());
  CHECK(server.handshakes() >= 1);
  CHECK(client.error().code == ZkCode::connection_loss);
  // The probe finds a ZooKeeper handshake, so it adds nothing; the message says what failed.
  CHECK(client.error().message ==
        fmt::format("no working ZooKeeper session with {}: the first request got no answer "
                    "within 300 ms",
                    settings.connect_string));
}

TEST_CASE("zk_client: a session that stops answering is closed; no request looks answered") {
  const HandshakeThenSilence server(1); // answers the first request (connect's), then nothing
  ClientSettings settings;
  settings.connect_string = "127.0.0.1:" + std::to_string(server.port());
  settings.connection_timeout_ms = 300;
  settings.session_timeout_ms = 300;
  settings.max_in_flight = 1; // the second and third reads wait for a slot that never frees
  auto client = ZkClient::connect(settings);
  REQUIRE_MESSAGE(client.has_value(), (client ? "" : describe(client.error())));
  const auto reads = (*client)->get_many({"/a", "/b", "/c"});
  REQUIRE(reads.size() == 3);
  for (const auto& read : reads) {
    REQUIRE_FALSE(read.has_value());
    CHECK(read.error().code == ZkCode::operation_timeout);
    CHECK(read.error().message ==
          fmt::format("no answer from ZooKeeper at {} within 300 ms; flinkha closed the session",
                      settings.connect_string));
  }
  CHECK((*client)->state() == SessionState::closed);
  // Every later call fails at once, with the same reason, and classifies as unreachable.
  const auto later = (*client)->children("/");
  REQUIRE_FALSE(later.has_value());
  CHECK(later.error().code == ZkCode::closing);
  CHECK(to_error(later.error()).category == ErrorCategory::unreachable);
  CHECK((*client)->session_id() == 0);
}
