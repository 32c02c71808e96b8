#pragma once
// ZkClient: RAII over ZooKeeper's multi-threaded C client (libzookeeper-mt, Debian 3.8).
//  - connect(): zookeeper_init + wait (condition variable) for SyncConnected within the connection
//    timeout (ms); a chroot suffix of the connect string is honoured by the C client, so every
//    path flinkha passes stays absolute;
//  - get / children / exists with Stat; watch variants that queue events in a thread-safe queue;
//  - digest authentication (zoo_add_auth "digest", "user:password"), checked synchronously;
//  - get_many / children_many pipelined with zoo_aget / zoo_aget_children2, at most
//    ClientSettings::max_in_flight requests outstanding (below the server's
//    globalOutstandingLimit, 1000 by default);
//  - reads retried on connection loss the way Flink's Curator client retries them:
//    ExponentialBackoffRetry(retry-wait, max-retry-attempts), each sleep capped by max-retry-wait
//    (Flink 2.0.1+ uses BoundedExponentialBackoffRetry with that cap);
//  - writes for the HA cleanup: remove (zoo_delete), remove_many pipelined with zoo_adelete in the
//    given order (ZooKeeper applies one session's requests in order, so children listed before
//    their parent are gone before it), create (zoo_acreate; tests and benches seed trees).
// Every wait has a deadline (ms, from ClientSettings), none relies on the server answering:
//  - connect: handshake + first request within connection_timeout_ms; the digest
//    authentication within another connection_timeout_ms. A failed connect closes the handle and
//    probes each server (server_probe.hpp, within probe_window_ms()), so the error names the
//    server and what it sent ("not a ZooKeeper server: …", "sent nothing within 750 ms");
//  - every request and batch: at most request_stall_ms() without any of its requests completing
//    (a batch of many requests may take longer in all, as long as answers keep coming); then
//    the handle is closed and the pending requests fail with ZOPERATIONTIMEOUT, every later call
//    with ZCLOSING. Connection loss is retried max_retry_attempts times with the backoff
//    below, so one call is bounded by (max_retry_attempts + 1) × request_stall_ms() plus the
//    backoff sleeps;
//  - closing: zookeeper_close() fails every pending request with ZCLOSING and joins the C
//    client's threads before it returns, so no completion outlives the memory it writes, and no
//    C-client thread outlives the handle. When the C client believes it is connected it first
//    flushes a closeSession request, for at most 3000 ms (zookeeper.c, adaptor_send_queue).
// create() is asynchronous like every other request (the C client's synchronous calls wait for
// the server without a deadline).
// The C client's own log goes nowhere unless ClientSettings::c_client_log (-vv); then each line
// reaches stderr prefixed "flinkha: zookeeper: " as flinkha's other diagnostics; never stdout.
// No SASL/Kerberos and no TLS: Debian builds the C client without them (client_settings.hpp
// explains how a cluster config asking for them is reported).

#include "zk/reader.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flinkha::zk {

struct ClientSettings {
  std::string connect_string; // "h1:2181,h2:2181" plus an optional "/chroot"
  int session_timeout_ms = 60'000;
  int connection_timeout_ms = 15'000;
  int retry_wait_ms = 5'000;              // base sleep of the exponential backoff
  int max_retry_attempts = 3;             // retries after the first attempt
  int max_retry_wait_ms = 60'000;         // cap of one sleep
  std::optional<std::string> digest_auth; // "user:password"
  int max_in_flight = 256;
  bool c_client_log = false; // the C client's INFO log on stderr, for -vv (not -v: a dozen lines)
};

enum class WatchEventType { created, deleted, changed, child, session, not_watching };
std::string_view to_string(WatchEventType type);

enum class SessionState { connecting, connected, expired, auth_failed, closed };
std::string_view to_string(SessionState state);

struct WatchEvent {
  WatchEventType type = WatchEventType::session;
  SessionState state = SessionState::connected;
  std::string path; // empty for session events
};

// Events of the watches a ZkClient armed, plus session changes; filled by the C client's event
// thread, drained by the caller.
class WatchQueue {
public:
  void push(WatchEvent event);
  // Waits up to `timeout` for at least one event, then returns all queued events.
  std::vector<WatchEvent> wait(std::chrono::milliseconds timeout);

private:
  std::mutex m_mutex;
  std::condition_variable m_ready;
  std::deque<WatchEvent> m_events;
};

// The ZooKeeper C client Debian ships is built with assertions: a server that sends a reply to
// no outstanding request makes zookeeper_process() fail `assert(cptr)` and abort() the process
// (zookeeper.c, 3.8). Nothing can catch that inside the library, so cli/abort_guard asks these,
// from its SIGABRT handler, whether a ZooKeeper handle was open and to which servers, and ends
// the command with exit 3 and a message instead of a signal exit. Both are async-signal-safe.
bool handle_open() noexcept;
const char* handle_servers() noexcept; // the connect string of the newest handle, "" if none

class ZkClient final : public ZkStore {
public:
  struct State; // shared with the C client's threads (defined in client.cpp)

  // Connects and, with settings.digest_auth, authenticates. Errors: ZCONNECTIONLOSS when no
  // server answered within the connection timeout, ZAUTHFAILED, ZSESSIONEXPIRED.
  static ZkResult<std::unique_ptr<ZkClient>> connect(const ClientSettings& settings);

  ~ZkClient() override;
  ZkClient(const ZkClient&) = delete;
  ZkClient& operator=(const ZkClient&) = delete;

  ZkResult<Node> get(const std::string& path) override;
  ZkResult<std::vector<std::string>> children(const std::string& path) override;
  ZkResult<std::optional<Stat>> exists(const std::string& path) override;
  std::vector<ZkResult<Node>> get_many(const std::vector<std::string>& paths) override;
  std::vector<ZkResult<std::vector<std::string>>>
  children_many(const std::vector<std::string>& paths) override;

  // Deletes one node; version -1 matches any. Errors name the path: ZNONODE, ZNOTEMPTY,
  // ZBADVERSION, ZNOAUTH, connection errors after the retries.
  ZkResult<void> remove(const std::string& path, int version = -1) override;
  // Deletes every path in the given order, at most max_in_flight requests outstanding. A missing
  // node counts as deleted (deleting is idempotent). After connection loss the failed deletions
  // and everything after them are sent again, in order. The error is the first failure; nodes
  // before it are gone, later ones may be.
  ZkResult<void> remove_many(const std::vector<std::string>& paths) override;
  // Creates persistent nodes with their data, pipelined, in the given order (parents first).
  // An existing node is an error (ZNODEEXISTS) unless `exists_ok`.
  ZkResult<std::string> create(const std::string& path, const std::string& data,
                               CreateMode mode) override;
  using ExistsOk = zk::ExistsOk;
  ZkResult<void> create_many(const std::vector<std::pair<std::string, std::string>>& nodes,
                             ExistsOk exists_ok = ExistsOk::no) override;
  // ACLs: getACL pipelined (zoo_aget_acl) and creations with a given ACL (zoo_acreate), in order,
  // retried after connection loss as create_many (a creation whose answer was lost then answers
  // ZNODEEXISTS: pass ExistsOk::yes when that is success).
  ZkResult<Acl> get_acl(const std::string& path) override;
  std::vector<ZkResult<Acl>> get_acl_many(const std::vector<std::string>& paths) override;
  ZkResult<void> create_many_with_acl(const std::vector<NodeToCreate>& nodes,
                                      ExistsOk exists_ok = ExistsOk::no) override;

  // The same reads, each arming a one-shot watch whose event lands in events().
  ZkResult<Node> get_watched(const std::string& path);
  ZkResult<std::vector<std::string>> children_watched(const std::string& path);
  // A watch on a missing node fires when it is created.
  ZkResult<std::optional<Stat>> exists_watched(const std::string& path);

  WatchQueue& events();
  SessionState state() const;
  std::int64_t session_id() const;
  // The session timeout the server granted at connect (ms), the C client's zoo_recv_timeout():
  // the requested ClientSettings::session_timeout_ms clamped by the server to
  // [minSessionTimeout, maxSessionTimeout] (2 and 20 × tickTime by default). 0 once closed.
  int negotiated_session_timeout_ms() const;
  const ClientSettings& settings() const { return m_settings; }

  // A ZkReader view whose reads all arm watches (for code written against ZkReader).
  ZkReader& watching();

private:
  explicit ZkClient(ClientSettings settings);

  ClientSettings m_settings;
  std::shared_ptr<State> m_state;
  std::unique_ptr<ZkReader> m_watching;
};

// How long a batch waits without any of its requests completing before flinkha closes the
// session: the larger of the session and connection timeouts (ms). The C client itself reports a
// silent server after 2/3 of the negotiated session timeout; this bounds the wait when it does
// not (a peer that answered the handshake and then sends nothing or garbage).
int request_stall_ms(const ClientSettings& settings);

// Sleep before retry number `attempt` (0-based) as Curator's ExponentialBackoffRetry picks it:
// base * random in [1, 2^(attempt+1)), capped by max_wait_ms. `random_draw` in [0, 1).
int backoff_ms(int base_ms, int attempt, int max_wait_ms, double random_draw);

} // namespace flinkha::zk
