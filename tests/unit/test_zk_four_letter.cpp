// Four-letter words: the srvr/mntr parsers against answers captured from Debian's ZooKeeper 3.8.0
// (fixtures/zk, recreated by tests/integration/zk_capture_fixtures.py), and the transport against
// an in-process TCP server on loopback for every error it distinguishes.

#include "test_support.hpp"
#include "zk/four_letter.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace flinkha::zk;
using flinkha::test::fixture;

namespace {

// A loopback server answering four-letter words: per command a canned answer, or silence, or an
// immediate close. Serves connections until destroyed.
class FakeZooKeeper {
public:
  enum class Behavior { answer, silent, close };

  explicit FakeZooKeeper(std::map<std::string, std::string> answers,
                         Behavior behavior = Behavior::answer, int family = AF_INET)
      : m_answers(std::move(answers)), m_behavior(behavior) {
    m_listener = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(m_listener >= 0);
    sockaddr_storage address{};
    socklen_t length = 0;
    if (family == AF_INET6) {
      auto* in6 = reinterpret_cast<sockaddr_in6*>(&address);
      in6->sin6_family = AF_INET6;
      in6->sin6_addr = in6addr_loopback;
      length = sizeof *in6;
    } else {
      auto* in4 = reinterpret_cast<sockaddr_in*>(&address);
      in4->sin_family = AF_INET;
      in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      length = sizeof *in4;
    }
    m_bound = ::bind(m_listener, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
              ::listen(m_listener, 16) == 0 &&
              ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&address), &length) == 0;
    if (m_bound) {
      m_port = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&address)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&address)->sin_port);
      m_thread = std::thread([this] { serve(); });
    }
  }
  ~FakeZooKeeper() {
    m_stop = true;
    if (m_thread.joinable()) {
      m_thread.join();
    }
    ::close(m_listener);
  }
  FakeZooKeeper(const FakeZooKeeper&) = delete;
  FakeZooKeeper& operator=(const FakeZooKeeper&) = delete;

  bool bound() const { return m_bound; }
  int port() const { return m_port; }
  std::string received() const {
    std::lock_guard lock(m_mutex);
    return m_received;
  }

private:
  bool wait_readable(int fd) const {
    while (!m_stop) {
      pollfd entry{fd, POLLIN, 0};
      if (::poll(&entry, 1, 20) > 0) {
        return true;
      }
    }
    return false;
  }

  void serve() {
    while (wait_readable(m_listener)) {
      const int client = ::accept(m_listener, nullptr, nullptr);
      if (client < 0) {
        continue;
      }
      handle(client);
      ::close(client);
    }
  }

  void handle(int client) {
    if (m_behavior == Behavior::close) {
      return;
    }
    std::string command;
    char buffer[4];
    while (command.size() < 4 && wait_readable(client)) {
      const auto n = ::recv(client, buffer, 4 - command.size(), 0);
      if (n <= 0) {
        return;
      }
      command.append(buffer, static_cast<std::size_t>(n));
    }
    {
      std::lock_guard lock(m_mutex);
      m_received += command;
    }
    if (m_behavior == Behavior::silent) {
      while (!m_stop) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      return;
    }
    const auto it = m_answers.find(command);
    const std::string answer = it == m_answers.end() ? std::string() : it->second;
    std::size_t sent = 0;
    while (sent < answer.size()) {
      const auto n = ::send(client, answer.data() + sent, answer.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        return;
      }
      sent += static_cast<std::size_t>(n);
    }
  }

  std::map<std::string, std::string> m_answers;
  Behavior m_behavior;
  int m_listener = -1;
  bool m_bound = false;
  int m_port = 0;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::string m_received;
  std::thread m_thread;
};

// A port on 127.0.0.1 with nothing listening (bound, then released).
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), length) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  ::close(fd);
  return ntohs(address.sin_port);
}

FourLetterOptions fast() {
  FourLetterOptions options;
  options.connect_timeout_ms = 1000;
  options.total_timeout_ms = 2000;
  return options;
}

} // namespace

// ---- srvr ------------------------------------------------------------------------------------

TEST_CASE("zk: parse_srvr leader (ZooKeeper 3.8.0)") {
  const auto stats = parse_srvr(fixture("zk/leader.srvr"));
  REQUIRE(stats.has_value());
  CHECK(stats->version.starts_with("3.8.0-"));
  CHECK(stats->mode == ServerMode::leader);
  CHECK_FALSE(stats->read_only_banner);
  REQUIRE(stats->latency);
  CHECK(stats->latency->min_ms <= stats->latency->avg_ms);
  CHECK(stats->latency->avg_ms <= static_cast<double>(stats->latency->max_ms));
  CHECK(stats->received.value_or(-1) > 0);
  CHECK(stats->sent.value_or(-1) > 0);
  CHECK(stats->connections == 1);
  CHECK(stats->outstanding == 0);
  REQUIRE(stats->zxid);
  CHECK(stats->zxid->hex == "0x100000004");
  CHECK(stats->zxid->value == 0x100000004ULL);
  CHECK(stats->zxid->epoch() == 1);
  CHECK(stats->zxid->counter() == 4);
  CHECK(stats->node_count == 7);
  REQUIRE(stats->proposal_sizes);
  CHECK(stats->proposal_sizes->max >= stats->proposal_sizes->min);
}

TEST_CASE("zk: parse_srvr follower, observer, standalone, fresh leader") {
  const auto follower = parse_srvr(fixture("zk/follower.srvr"));
  REQUIRE(follower.has_value());
  CHECK(follower->mode == ServerMode::follower);
  CHECK_FALSE(follower->proposal_sizes);
  CHECK(follower->zxid->hex == "0x100000004");

  const auto observer = parse_srvr(fixture("zk/observer.srvr"));
  REQUIRE(observer.has_value());
  CHECK(observer->mode == ServerMode::observer);

  const auto standalone = parse_srvr(fixture("zk/standalone.srvr"));
  REQUIRE(standalone.has_value());
  CHECK(standalone->mode == ServerMode::standalone);
  CHECK(standalone->zxid->value == 0);
  CHECK(standalone->node_count == 5);
  REQUIRE(standalone->latency);
  CHECK(standalone->latency->avg_ms == 0.0);

  const auto fresh = parse_srvr(fixture("zk/fresh_leader.srvr"));
  REQUIRE(fresh.has_value());
  CHECK(fresh->zxid->hex == "0x100000000");
  REQUIRE(fresh->proposal_sizes);
  CHECK(fresh->proposal_sizes->last == -1);
  CHECK(fresh->proposal_sizes->min == -1);

  const auto reelected = parse_srvr(fixture("zk/reelected_leader.srvr"));
  REQUIRE(reelected.has_value());
  CHECK(reelected->zxid->epoch() == 2);
  CHECK(reelected->zxid->counter() == 0);
}

TEST_CASE("zk: parse_srvr tolerates missing, extra and CRLF lines") {
  const auto minimal = parse_srvr("Zookeeper version: 3.4.14-4c25d480\nMode: follower\n");
  REQUIRE(minimal.has_value());
  CHECK(minimal->version == "3.4.14-4c25d480");
  CHECK_FALSE(minimal->zxid);
  CHECK_FALSE(minimal->latency);

  const auto extra =
      parse_srvr("Zookeeper version: 3.9.2\r\nREAD-ONLY mode; serving only "
                 "read-only clients\r\nLatency min/avg/max: 0/1.0E-4/1\r\n"
                 "Clients:\r\n /127.0.0.1:4242[0](queued=0,recved=1,sent=0)\r\n\r\n"
                 "Future line: 1\r\nMode: read-only\r\nZxid: 0xffffffffffffffff\r\n");
  REQUIRE(extra.has_value());
  CHECK(extra->read_only_banner);
  CHECK(extra->mode == ServerMode::read_only);
  CHECK(extra->latency->avg_ms == doctest::Approx(0.0001));
  CHECK(extra->zxid->epoch() == 0xffffffffU);
}

TEST_CASE("zk: parse_srvr errors name what is missing or wrong") {
  const auto refusal = parse_srvr(fixture("zk/not_serving.srvr"));
  REQUIRE_FALSE(refusal.has_value());
  CHECK(refusal.error().message.find("not currently serving") != std::string::npos);

  const auto garbage = parse_srvr("HTTP/1.1 400 Bad Request\r\n\r\n");
  REQUIRE_FALSE(garbage.has_value());
  CHECK(garbage.error().message.find("'Zookeeper version:' and 'Mode:'") != std::string::npos);

  const auto no_mode = parse_srvr("Zookeeper version: 3.8.0\nZxid: 0x1\n");
  REQUIRE_FALSE(no_mode.has_value());
  CHECK(no_mode.error().message.find("'Mode:' line") != std::string::npos);

  const auto bad_mode = parse_srvr("Zookeeper version: 3.8.0\nMode: looking\n");
  REQUIRE_FALSE(bad_mode.has_value());
  CHECK(bad_mode.error().message.find("line 2") != std::string::npos);

  CHECK_FALSE(parse_srvr("Zookeeper version: x\nMode: leader\nZxid: 12\n").has_value());
  CHECK_FALSE(
      parse_srvr("Zookeeper version: x\nMode: leader\nZxid: 0x1ffffffffffffffff\n").has_value());
  CHECK_FALSE(parse_srvr("Zookeeper version: x\nMode: leader\nReceived: -\n").has_value());
  CHECK_FALSE(
      parse_srvr("Zookeeper version: x\nMode: leader\nLatency min/avg/max: 1/NaN/2\n").has_value());
  CHECK_FALSE(parse_srvr("").has_value());
}

// ---- mntr ------------------------------------------------------------------------------------

TEST_CASE("zk: parse_mntr leader (ZooKeeper 3.8.0)") {
  const auto stats = parse_mntr(fixture("zk/leader.mntr"));
  REQUIRE(stats.has_value());
  CHECK(stats->values().size() > 100); // 3.6+ dumps every metric
  CHECK(stats->version().value_or("").starts_with("3.8.0-"));
  CHECK(stats->server_state() == ServerMode::leader);
  CHECK(stats->peer_state() == "leading - broadcast");
  CHECK(stats->synced_followers() == 2); // voters only; the observer is in zk_synced_observers
  CHECK(stats->get_int("zk_synced_observers") == 1);
  CHECK(stats->followers() == 3); // zk_learners counts the observer too
  CHECK(stats->pending_syncs() == 0);
  CHECK(stats->outstanding_requests() == 0);
  CHECK(stats->quorum_size() == 3);
  CHECK(stats->znode_count() == 7);
  CHECK(stats->open_file_descriptor_count().value_or(0) > 0);
  CHECK(stats->avg_latency_ms().has_value());
}

TEST_CASE("zk: parse_mntr follower, standalone, re-elected leader") {
  const auto follower = parse_mntr(fixture("zk/follower.mntr"));
  REQUIRE(follower.has_value());
  CHECK(follower->server_state() == ServerMode::follower);
  CHECK_FALSE(follower->synced_followers());
  CHECK(follower->peer_state() == "following - broadcast");

  const auto standalone = parse_mntr(fixture("zk/standalone.mntr"));
  REQUIRE(standalone.has_value());
  CHECK(standalone->server_state() == ServerMode::standalone);
  CHECK_FALSE(standalone->quorum_size());
  CHECK(standalone->avg_latency_ms() == 0.0);

  const auto reelected = parse_mntr(fixture("zk/reelected_leader.mntr"));
  REQUIRE(reelected.has_value());
  CHECK(reelected->synced_followers() == 1);
}

TEST_CASE("zk: parse_mntr tolerates 3.5-style output and rejects the unknown") {
  const auto old = parse_mntr("zk_version\t3.5.9-83df9301\nzk_server_state\tleader\n"
                              "zk_followers\t2\nzk_synced_followers\t2\r\nnoise line\n"
                              "zk_avg_latency\t0\n");
  REQUIRE(old.has_value());
  CHECK(old->followers() == 2);
  CHECK(old->synced_followers() == 2);
  CHECK(old->avg_latency_ms() == 0.0);
  CHECK_FALSE(old->get_int("zk_version"));

  const auto refused = parse_mntr(fixture("zk/whitelist_refused.mntr"));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message.find("whitelist") != std::string::npos);

  const auto missing = parse_mntr("zk_version\t3.8.0\n");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message.find("zk_server_state") != std::string::npos);
}

TEST_CASE("zk: classify_refusal on real refusals") {
  CHECK(classify_refusal(fixture("zk/not_serving.srvr")) == FourLetterErrorKind::not_serving);
  CHECK(classify_refusal(fixture("zk/not_serving.mntr")) == FourLetterErrorKind::not_serving);
  CHECK(classify_refusal(fixture("zk/whitelist_refused.mntr")) ==
        FourLetterErrorKind::not_whitelisted);
  CHECK(classify_refusal(fixture("zk/whitelist_refused.ruok")) ==
        FourLetterErrorKind::not_whitelisted);
  CHECK_FALSE(classify_refusal(fixture("zk/standalone.ruok")));
  CHECK_FALSE(classify_refusal(fixture("zk/leader.srvr")));
}

// ---- transport -------------------------------------------------------------------------------

TEST_CASE("zk: send_four_letter reads the answer until EOF") {
  FakeZooKeeper server({{"srvr", fixture("zk/leader.srvr")}, {"ruok", "imok"}});
  REQUIRE(server.bound());
  const auto answer = send_four_letter("127.0.0.1", server.port(), "srvr", fast());
  REQUIRE(answer.has_value());
  CHECK(*answer == fixture("zk/leader.srvr"));
  const auto ruok = send_four_letter("localhost", server.port(), "ruok", fast());
  REQUIRE(ruok.has_value()); // "localhost" may try ::1 first: refused there, then 127.0.0.1
  CHECK(*ruok == "imok");
  CHECK(server.received() == "srvrruok");
}

TEST_CASE("zk: send_four_letter over IPv6") {
  FakeZooKeeper server({{"srvr", fixture("zk/follower.srvr")}}, FakeZooKeeper::Behavior::answer,
                       AF_INET6);
  if (!server.bound()) {
    MESSAGE("no ::1 on this host; skipped");
    return;
  }
  const auto answer = send_four_letter("::1", server.port(), "srvr", fast());
  REQUIRE(answer.has_value());
  CHECK(answer->find("Mode: follower") != std::string::npos);
}

TEST_CASE("zk: send_four_letter errors are distinct") {
  SUBCASE("refused") {
    const auto port = closed_port();
    const auto result = send_four_letter("127.0.0.1", port, "srvr", fast());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == FourLetterErrorKind::refused);
    CHECK(result.error().message == "connection refused");
    CHECK(describe(result.error()) == "127.0.0.1:" + std::to_string(port) + ": connection refused");
  }
  SUBCASE("read timeout") {
    FakeZooKeeper server({}, FakeZooKeeper::Behavior::silent);
    FourLetterOptions options;
    options.total_timeout_ms = 200;
    const auto start = std::chrono::steady_clock::now();
    const auto result = send_four_letter("127.0.0.1", server.port(), "srvr", options);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == FourLetterErrorKind::read_timeout);
    CHECK(elapsed >= std::chrono::milliseconds(190));
    CHECK(elapsed < std::chrono::milliseconds(1500));
  }
  SUBCASE("connect timeout") {
    // A listener that never accepts, with its backlog full: Linux drops further SYNs.
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(::listen(listener, 0) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    std::vector<int> fillers;
    for (int i = 0; i < 4; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      (void)::connect(fd, reinterpret_cast<sockaddr*>(&address), length);
      fillers.push_back(fd);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    FourLetterOptions options;
    options.connect_timeout_ms = 150;
    const auto result = send_four_letter("127.0.0.1", ntohs(address.sin_port), "srvr", options);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == FourLetterErrorKind::connect_timeout);
    CHECK(result.error().message.find("150 ms") != std::string::npos);
    for (const int fd : fillers) {
      ::close(fd);
    }
    ::close(listener);
  }
  SUBCASE("closed without answer") {
    FakeZooKeeper server({}, FakeZooKeeper::Behavior::close);
    const auto result = send_four_letter("127.0.0.1", server.port(), "srvr", fast());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == FourLetterErrorKind::closed_without_answer);
  }
  SUBCASE("not in the whitelist") {
    FakeZooKeeper server({{"mntr", fixture("zk/whitelist_refused.mntr")}});
    const auto result = send_four_letter("127.0.0.1", server.port(), "mntr", fast());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == FourLetterErrorKind::not_whitelisted);
    CHECK(result.error().message == "mntr is not executed because it is not in the whitelist.");
    CHECK(to_error(result.error()).hint.find("4lw.commands.whitelist") != std::string::npos);
  }
  SUBCASE("not serving") {
    FakeZooKeeper server({{"srvr", fixture("zk/not_serving.srvr")}});
    const auto result = send_four_letter("127.0.0.1", server.port(), "srvr", fast());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == FourLetterErrorKind::not_serving);
  }
  SUBCASE("too large") {
    FakeZooKeeper server({{"mntr", std::string(100000, 'x')}});
    FourLetterOptions options = fast();
    options.max_response_bytes = 4096;
    const auto result = send_four_letter("127.0.0.1", server.port(), "mntr", options);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == FourLetterErrorKind::too_large);
  }
  SUBCASE("dns") {
    const auto result = send_four_letter("no-such-host.invalid", 2181, "srvr", fast());
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error().kind == FourLetterErrorKind::dns);
    CHECK(result.error().message.find("no-such-host.invalid") != std::string::npos);
  }
  SUBCASE("invalid request") {
    CHECK(send_four_letter("127.0.0.1", 2181, "stat\n", fast()).error().kind ==
          FourLetterErrorKind::invalid_request);
    CHECK(send_four_letter("127.0.0.1", 0, "srvr", fast()).error().kind ==
          FourLetterErrorKind::invalid_request);
  }
}
