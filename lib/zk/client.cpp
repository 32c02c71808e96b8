#include "zk/client.hpp"

#include "zk/server_probe.hpp"

#include <fmt/format.h>
#include <zookeeper/zookeeper.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <thread>

namespace flinkha::zk {

// reader.hpp repeats the C client's codes; keep them honest.
static_assert(static_cast<int>(ZkCode::connection_loss) == ZCONNECTIONLOSS);
static_assert(static_cast<int>(ZkCode::operation_timeout) == ZOPERATIONTIMEOUT);
static_assert(static_cast<int>(ZkCode::invalid_state) == ZINVALIDSTATE);
static_assert(static_cast<int>(ZkCode::runtime_inconsistency) == ZRUNTIMEINCONSISTENCY);
static_assert(static_cast<int>(ZkCode::no_node) == ZNONODE);
static_assert(static_cast<int>(ZkCode::no_auth) == ZNOAUTH);
static_assert(static_cast<int>(ZkCode::session_expired) == ZSESSIONEXPIRED);
static_assert(static_cast<int>(ZkCode::auth_failed) == ZAUTHFAILED);
static_assert(static_cast<int>(ZkCode::closing) == ZCLOSING);
static_assert(static_cast<int>(ZkCode::session_closed_require_sasl_auth) ==
              ZSESSIONCLOSEDREQUIRESASLAUTH);
static_assert(static_cast<int>(ZkCode::throttled) == ZTHROTTLEDOP);

std::string_view to_string(WatchEventType type) {
  switch (type) {
  case WatchEventType::created:
    return "created";
  case WatchEventType::deleted:
    return "deleted";
  case WatchEventType::changed:
    return "changed";
  case WatchEventType::child:
    return "child";
  case WatchEventType::session:
    return "session";
  case WatchEventType::not_watching:
    return "not_watching";
  }
  return "unknown";
}

std::string_view to_string(SessionState state) {
  switch (state) {
  case SessionState::connecting:
    return "connecting";
  case SessionState::connected:
    return "connected";
  case SessionState::expired:
    return "expired";
  case SessionState::auth_failed:
    return "auth_failed";
  case SessionState::closed:
    return "closed";
  }
  return "unknown";
}

void WatchQueue::push(WatchEvent event) {
  {
    std::lock_guard lock(m_mutex);
    m_events.push_back(std::move(event));
  }
  m_ready.notify_all();
}

std::vector<WatchEvent> WatchQueue::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  m_ready.wait_for(lock, timeout, [this] { return !m_events.empty(); });
  std::vector<WatchEvent> out(std::make_move_iterator(m_events.begin()),
                              std::make_move_iterator(m_events.end()));
  m_events.clear();
  return out;
}

int backoff_ms(int base_ms, int attempt, int max_wait_ms, double random_draw) {
  // Curator: baseSleepTimeMs * Math.max(1, random.nextInt(1 << (retryCount + 1))).
  const int shift = std::clamp(attempt + 1, 1, 29);
  const auto bound = static_cast<double>(1 << shift);
  const auto factor = std::max(1.0, std::floor(random_draw * bound));
  const double sleep = static_cast<double>(std::max(base_ms, 0)) * factor;
  return static_cast<int>(std::min(sleep, static_cast<double>(std::max(max_wait_ms, 0))));
}

int request_stall_ms(const ClientSettings& settings) {
  return std::max({settings.session_timeout_ms, settings.connection_timeout_ms, 1});
}

struct ZkClient::State {
  zhandle_t* zh = nullptr; // null once closed
  // Why the handle was closed under a deadline (the error of every later call), else empty.
  std::string closed_reason;
  // Seeded once per client: the retry backoff only needs draws that differ between clients.
  std::mt19937_64 random{std::random_device{}()};
  mutable std::mutex mutex;
  std::condition_variable changed;
  SessionState session = SessionState::connecting;
  WatchQueue queue;
};

namespace {

// One line of the C client's log (already formatted, without the newline), as flinkha's own
// diagnostics appear on stderr. Called from the C client's threads: one fprintf per line keeps
// lines whole.
void c_client_log_line(const char* message) {
  std::fprintf(stderr, "flinkha: zookeeper: %s\n", message);
}

SessionState session_state_of(int state) {
  if (state == ZOO_CONNECTED_STATE || state == ZOO_READONLY_STATE) {
    return SessionState::connected;
  }
  if (state == ZOO_EXPIRED_SESSION_STATE) {
    return SessionState::expired;
  }
  if (state == ZOO_AUTH_FAILED_STATE) {
    return SessionState::auth_failed;
  }
  return SessionState::connecting;
}

WatchEventType event_type_of(int type) {
  if (type == ZOO_CREATED_EVENT) {
    return WatchEventType::created;
  }
  if (type == ZOO_DELETED_EVENT) {
    return WatchEventType::deleted;
  }
  if (type == ZOO_CHANGED_EVENT) {
    return WatchEventType::changed;
  }
  if (type == ZOO_CHILD_EVENT) {
    return WatchEventType::child;
  }
  if (type == ZOO_SESSION_EVENT) {
    return WatchEventType::session;
  }
  return WatchEventType::not_watching;
}

// The one watcher of every handle: session changes wake connect(); every event is queued.
void global_watcher(zhandle_t* /*zh*/, int type, int state, const char* path, void* context) {
  auto* s = static_cast<ZkClient::State*>(context);
  const auto session = session_state_of(state);
  if (type == ZOO_SESSION_EVENT) {
    {
      std::lock_guard lock(s->mutex);
      s->session = session;
    }
    s->changed.notify_all();
  }
  s->queue.push(WatchEvent{event_type_of(type), session, path != nullptr ? path : ""});
}

Stat convert(const ::Stat* stat) {
  if (stat == nullptr) {
    return {};
  }
  return Stat{stat->czxid,    stat->mzxid,          stat->ctime,      stat->mtime,
              stat->version,  stat->ephemeralOwner, stat->dataLength, stat->numChildren,
              stat->cversion, stat->pzxid};
}

ZkError error_of(const ZkClient::State& state, int rc, const std::string& path) {
  auto code = static_cast<ZkCode>(rc);
  SessionState session;
  {
    std::lock_guard lock(state.mutex);
    session = state.session;
  }
  // Operations on a dead handle answer ZINVALIDSTATE; say why the handle is dead.
  if (rc == ZINVALIDSTATE && session == SessionState::expired) {
    code = ZkCode::session_expired;
  } else if (rc == ZINVALIDSTATE && session == SessionState::auth_failed) {
    code = ZkCode::auth_failed;
  }
  if ((code == ZkCode::operation_timeout || code == ZkCode::closing) &&
      !state.closed_reason.empty()) {
    return ZkError{code, path, state.closed_reason};
  }
  const char* text = zerror(static_cast<int>(code));
  std::string message = text != nullptr ? text : "unknown error";
  if (!message.empty()) {
    message[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(message[0])));
  }
  return ZkError{code, path, std::move(message)};
}

bool retryable(ZkCode code) {
  return code == ZkCode::connection_loss || code == ZkCode::operation_timeout ||
         code == ZkCode::throttled;
}

// One pipelined batch: requests are submitted while fewer than max_in_flight are outstanding;
// completions (on the C client's completion thread) fill their slot and wake the submitter.
// Every wait ends when no request of the batch completed for `stall` (false: the server stopped
// answering; the caller closes the handle before the slots go away).
struct Batch {
  std::mutex mutex;
  std::condition_variable done;
  int in_flight = 0;
  std::uint64_t completed = 0;

  bool wait_until(std::unique_lock<std::mutex>& lock, std::chrono::milliseconds stall,
                  const auto& ready) {
    while (!ready()) {
      const auto seen = completed;
      if (!done.wait_for(lock, stall, [&] { return ready() || completed != seen; })) {
        return false;
      }
    }
    return true;
  }
  bool acquire(int limit, std::chrono::milliseconds stall) {
    std::unique_lock lock(mutex);
    if (!wait_until(lock, stall, [&] { return in_flight < limit; })) {
      return false;
    }
    ++in_flight;
    return true;
  }
  void release() {
    {
      std::lock_guard lock(mutex);
      --in_flight;
      ++completed;
    }
    done.notify_all();
  }
  bool drain(std::chrono::milliseconds stall) {
    std::unique_lock lock(mutex);
    return wait_until(lock, stall, [&] { return in_flight == 0; });
  }
};

// A slot's rc until its completion came (the C client's codes are all <= 0).
constexpr int kPending = 1;

enum class Op { get, children, exists, remove, create, get_acl };

struct Slot {
  Batch* batch = nullptr;
  std::string path;
  int rc = ZOK;
  Node node;                      // get, exists (stat only)
  std::vector<std::string> names; // children
  int version = -1;               // remove
  std::string value;              // create: the node's data
  int flags = 0;                  // create: ZOO_EPHEMERAL, ZOO_SEQUENCE
  std::string created;            // create: the created path (with the sequence suffix)
  bool null_value = false;        // create: null data rather than a byte array
  std::optional<Acl> acl;         // create: the node's ACL (else open); get_acl: the answer
};

void on_data(int rc, const char* value, int value_len, const ::Stat* stat, const void* data) {
  auto* slot = static_cast<Slot*>(const_cast<void*>(data));
  slot->rc = rc;
  if (rc == ZOK) {
    slot->node.stat = convert(stat);
    if (value == nullptr || value_len < 0) {
      slot->node.null_data = true;
    } else {
      slot->node.data.assign(value, static_cast<std::size_t>(value_len));
    }
  }
  slot->batch->release();
}

void on_children(int rc, const struct String_vector* strings, const ::Stat* stat,
                 const void* data) {
  auto* slot = static_cast<Slot*>(const_cast<void*>(data));
  slot->rc = rc;
  if (rc == ZOK) {
    slot->node.stat = convert(stat);
    if (strings != nullptr) {
      for (int i = 0; i < strings->count; ++i) {
        slot->names.emplace_back(strings->data[i]);
      }
    }
  }
  slot->batch->release();
}

void on_stat(int rc, const ::Stat* stat, const void* data) {
  auto* slot = static_cast<Slot*>(const_cast<void*>(data));
  slot->rc = rc;
  if (rc == ZOK) {
    slot->node.stat = convert(stat);
  }
  slot->batch->release();
}

void on_void(int rc, const void* data) {
  auto* slot = static_cast<Slot*>(const_cast<void*>(data));
  slot->rc = rc;
  slot->batch->release();
}

void on_acl(int rc, struct ACL_vector* acl, ::Stat* stat, const void* data) {
  auto* slot = static_cast<Slot*>(const_cast<void*>(data));
  slot->rc = rc;
  if (rc == ZOK) {
    if (stat != nullptr) {
      slot->node.stat = convert(stat);
    }
    Acl entries;
    if (acl != nullptr) {
      for (int i = 0; i < acl->count; ++i) {
        const ::ACL& entry = acl->data[i];
        entries.push_back(AclEntry{entry.perms, entry.id.scheme != nullptr ? entry.id.scheme : "",
                                   entry.id.id != nullptr ? entry.id.id : ""});
      }
    }
    slot->acl = std::move(entries);
  }
  slot->batch->release();
}

void on_created(int rc, const char* value, const void* data) {
  auto* slot = static_cast<Slot*>(const_cast<void*>(data));
  if (rc == ZOK && value != nullptr) {
    slot->created = value;
  }
  on_void(rc, data);
}

int submit(ZkClient::State& state, Op op, bool watch, Slot& slot) {
  const char* path = slot.path.c_str();
  watcher_fn watcher = watch ? global_watcher : nullptr;
  void* context = watch ? &state : nullptr;
  switch (op) {
  case Op::get:
    return zoo_awget(state.zh, path, watcher, context, on_data, &slot);
  case Op::children:
    return zoo_awget_children2(state.zh, path, watcher, context, on_children, &slot);
  case Op::exists:
    return zoo_awexists(state.zh, path, watcher, context, on_stat, &slot);
  case Op::remove:
    return zoo_adelete(state.zh, path, slot.version, on_void, &slot);
  case Op::create: {
    const char* value = slot.null_value ? nullptr : slot.value.data();
    const int length = slot.null_value ? -1 : static_cast<int>(slot.value.size());
    if (!slot.acl) {
      return zoo_acreate(state.zh, path, value, length, &ZOO_OPEN_ACL_UNSAFE, slot.flags,
                         on_created, &slot);
    }
    // zoo_acreate serializes the request before it returns: the vector may be local.
    std::vector<::ACL> entries;
    entries.reserve(slot.acl->size());
    for (auto& entry : *slot.acl) {
      entries.push_back(::ACL{entry.perms, ::Id{entry.scheme.data(), entry.id.data()}});
    }
    ::ACL_vector acl{static_cast<std::int32_t>(entries.size()), entries.data()};
    return zoo_acreate(state.zh, path, value, length, &acl, slot.flags, on_created, &slot);
  }
  case Op::get_acl:
    return zoo_aget_acl(state.zh, path, on_acl, &slot);
  }
  return ZBADARGUMENTS;
}

// Read by handle_open()/handle_servers() from a signal handler: lock-free, no allocation.
std::atomic<int> g_open_handles{0};
std::array<char, 512> g_servers{};
static_assert(std::atomic<int>::is_always_lock_free);

void note_handle_opened(const std::string& connect_string) {
  const std::size_t n = std::min(connect_string.size(), g_servers.size() - 1);
  std::memcpy(g_servers.data(), connect_string.data(), n);
  g_servers[n] = '\0';
  g_open_handles.fetch_add(1);
}

// Closes the handle: zookeeper_close() fails every pending request (ZCLOSING) and joins the C
// client's I/O and completion threads, so once it returns no completion can write into a Slot,
// a Batch or an AuthWait any more, and no C-client thread is left running. The caller must not
// hold a lock a completion takes. Later calls fail at once with `reason`.
void close_handle(ZkClient::State& state, std::string reason) {
  if (state.zh == nullptr) {
    return;
  }
  zookeeper_close(state.zh);
  state.zh = nullptr;
  g_open_handles.fetch_sub(1);
  state.closed_reason = std::move(reason);
  std::lock_guard lock(state.mutex);
  state.session = SessionState::closed;
}

std::string no_answer_reason(const ClientSettings& settings, int waited_ms) {
  return fmt::format("no answer from ZooKeeper at {} within {} ms; flinkha closed the session",
                     settings.connect_string, waited_ms);
}

// Runs `op` on every path, pipelined, retrying connection loss per the settings' backoff.
// Writes: `version` for removals, `values` (path, data) and `flags` for creations.
// A batch in which no request completes for request_stall_ms() closes the handle: its pending
// requests fail with ZOPERATIONTIMEOUT, every later call with the same reason.
std::vector<Slot> run(ZkClient::State& state, const ClientSettings& settings, Op op, bool watch,
                      const std::vector<std::string>& paths, int version = -1,
                      const std::vector<std::pair<std::string, std::string>>* values = nullptr,
                      int flags = 0, const std::vector<NodeToCreate>* with_acl = nullptr) {
  std::vector<Slot> slots(paths.size());
  std::vector<std::size_t> pending(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    slots[i].path = paths[i];
    slots[i].version = version;
    slots[i].flags = flags;
    if (values != nullptr) {
      slots[i].value = (*values)[i].second;
    }
    if (with_acl != nullptr) {
      slots[i].value = (*with_acl)[i].data;
      slots[i].null_value = (*with_acl)[i].null_data;
      slots[i].acl = (*with_acl)[i].acl;
    }
    pending[i] = i;
  }
  if (state.zh == nullptr) {
    for (auto& slot : slots) {
      slot.rc = ZCLOSING;
    }
    return slots;
  }
  const auto stall = std::chrono::milliseconds(request_stall_ms(settings));
  std::uniform_real_distribution<double> draw(0.0, 1.0);
  for (int attempt = 0;; ++attempt) {
    Batch batch;
    // Every slot of the attempt is pending before the first is sent, so a stall that stops the
    // submission leaves none of them looking answered.
    for (const auto i : pending) {
      auto& slot = slots[i];
      // A fresh slot keeps only the request: what an earlier attempt received is dropped.
      Slot fresh;
      fresh.batch = &batch;
      fresh.path = std::move(slot.path);
      fresh.value = std::move(slot.value);
      if (op == Op::create) {
        fresh.acl.swap(slot.acl);
      }
      fresh.null_value = slot.null_value;
      fresh.version = slot.version;
      fresh.flags = flags;
      fresh.rc = kPending;
      slot = std::move(fresh);
    }
    bool answered = true;
    for (const auto i : pending) {
      auto& slot = slots[i];
      if (!batch.acquire(std::max(settings.max_in_flight, 1), stall)) {
        answered = false;
        break; // this slot and the ones after it stay kPending
      }
      const int rc = submit(state, op, watch, slot);
      if (rc != ZOK) {
        slot.rc = rc; // not queued: no completion will come
        batch.release();
      }
    }
    answered = answered && batch.drain(stall);
    if (!answered) {
      close_handle(state, no_answer_reason(settings, static_cast<int>(stall.count())));
      for (const auto i : pending) {
        if (slots[i].rc == kPending || slots[i].rc == ZCLOSING) {
          slots[i].rc = ZOPERATIONTIMEOUT;
        }
      }
      return slots;
    }
    std::vector<std::size_t> again;
    bool after_loss = false;
    for (const auto i : pending) {
      const auto code = static_cast<ZkCode>(slots[i].rc);
      after_loss = after_loss || retryable(code);
      // Ordered writes: once a request was lost, a later one may have failed only because of it
      // (a parent still holding the child whose deletion was lost: ZNOTEMPTY; a child whose
      // parent's creation was lost: ZNONODE). They are sent again, in order.
      const bool ordered_failure = (op == Op::remove && code == ZkCode::not_empty) ||
                                   (op == Op::create && code == ZkCode::no_node);
      if (retryable(code) || (after_loss && ordered_failure)) {
        again.push_back(i);
      }
    }
    if (again.empty() || attempt >= settings.max_retry_attempts) {
      return slots;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms(
        settings.retry_wait_ms, attempt, settings.max_retry_wait_ms, draw(state.random))));
    pending = std::move(again);
  }
}

ZkResult<Node> node_result(const ZkClient::State& state, Slot& slot) {
  if (slot.rc != ZOK) {
    return std::unexpected(error_of(state, slot.rc, slot.path));
  }
  return std::move(slot.node);
}

ZkResult<std::vector<std::string>> children_result(const ZkClient::State& state, Slot& slot) {
  if (slot.rc != ZOK) {
    return std::unexpected(error_of(state, slot.rc, slot.path));
  }
  return std::move(slot.names);
}

ZkResult<std::optional<Stat>> exists_result(const ZkClient::State& state, const Slot& slot) {
  if (slot.rc == ZNONODE) {
    return std::optional<Stat>{};
  }
  if (slot.rc != ZOK) {
    return std::unexpected(error_of(state, slot.rc, slot.path));
  }
  return std::optional<Stat>{slot.node.stat};
}

struct AuthWait {
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  int rc = ZOK;
};

void on_auth(int rc, const void* data) {
  auto* wait = static_cast<AuthWait*>(const_cast<void*>(data));
  {
    std::lock_guard lock(wait->mutex);
    wait->finished = true;
    wait->rc = rc;
  }
  wait->done.notify_all();
}

// The reads of a ZkClient, each arming a watch.
class WatchingReader final : public ZkReader {
public:
  explicit WatchingReader(ZkClient& client) : m_client(client) {}
  // getData and getChildren leave no watch on a missing node; an exists watch then reports
  // its creation.
  ZkResult<Node> get(const std::string& path) override {
    auto node = m_client.get_watched(path);
    arm_creation_watch(node, path);
    return node;
  }
  ZkResult<std::vector<std::string>> children(const std::string& path) override {
    auto names = m_client.children_watched(path);
    arm_creation_watch(names, path);
    return names;
  }
  ZkResult<std::optional<Stat>> exists(const std::string& path) override {
    return m_client.exists_watched(path);
  }

private:
  template <typename T>
  void arm_creation_watch(const ZkResult<T>& result, const std::string& path) {
    if (!result && result.error().code == ZkCode::no_node) {
      (void)m_client.exists_watched(path);
    }
  }

  ZkClient& m_client;
};

} // namespace

ZkClient::ZkClient(ClientSettings settings)
    : m_settings(std::move(settings)), m_state(std::make_shared<State>()),
      m_watching(std::make_unique<WatchingReader>(*this)) {}

ZkClient::~ZkClient() {
  // Blocks until the C client's threads are gone: no callback can touch m_state afterwards.
  close_handle(*m_state, "closed");
}

namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  return std::max(std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()),
                  std::chrono::milliseconds(1));
}

// The first request of a session (exists on the root, which a chroot makes the chroot), so a
// session counts as established only once the server answered a request: a peer that sent
// bytes the C client took for a ConnectResponse (a hostile or confused endpoint) never gets that
// far. Connection loss is retried until `deadline` (the C client moves to the next server). On
// a timeout the handle is closed here, while the slot is alive. Returns the request's rc.
int first_round_trip(ZkClient::State& state, const ClientSettings& settings,
                     Clock::time_point deadline) {
  while (true) {
    Batch batch;
    Slot slot;
    slot.batch = &batch;
    slot.path = "/";
    slot.rc = kPending;
    (void)batch.acquire(1, left_until(deadline));
    if (const int rc = submit(state, Op::exists, false, slot); rc != ZOK) {
      slot.rc = rc;
      batch.release();
    }
    if (!batch.drain(left_until(deadline))) {
      close_handle(state, no_answer_reason(settings, settings.connection_timeout_ms));
      return ZOPERATIONTIMEOUT;
    }
    if (slot.rc != ZCONNECTIONLOSS || Clock::now() >= deadline) {
      return slot.rc;
    }
    std::unique_lock lock(state.mutex);
    state.changed.wait_until(lock, deadline,
                             [&] { return state.session != SessionState::connecting; });
  }
}

// Why the session's first request (first_round_trip) did not count as an answer: `closed` when
// flinkha's deadline closed the handle, else the C client gave up on its own.
std::string first_request_failure(const ClientSettings& settings, int rc, bool closed,
                                  int timeout_ms) {
  const auto& servers = settings.connect_string;
  if (closed) {
    return fmt::format("no working ZooKeeper session with {}: the first request got no answer "
                       "within {} ms",
                       servers, timeout_ms);
  }
  // zookeeper_process: a reply whose xid is not the oldest request's, or one that does not
  // decode.
  if (rc == ZRUNTIMEINCONSISTENCY || rc == ZMARSHALLINGERROR) {
    return fmt::format("no working ZooKeeper session with {}: the server broke the ZooKeeper "
                       "protocol (a reply that answers no request sent, or does not decode: "
                       "{}); not a ZooKeeper server, or a broken one",
                       servers, code_name(static_cast<ZkCode>(rc)));
  }
  return fmt::format("no working ZooKeeper session with {}: the first request ended with {}",
                     servers, code_name(static_cast<ZkCode>(rc)));
}

// What the servers of the connect string do, when at least one of them is not a working
// ZooKeeper server: "; "-joined probe descriptions, else empty.
std::string diagnose(const ClientSettings& settings) {
  const auto probes =
      probe_servers(settings.connect_string, probe_window_ms(settings.connection_timeout_ms));
  std::string out;
  bool any_wrong = false;
  for (const auto& probe : probes) {
    any_wrong = any_wrong || probe.verdict != ProbeVerdict::zookeeper;
    out += (out.empty() ? "" : "; ") + describe(probe);
  }
  return any_wrong ? out : std::string{};
}

} // namespace

ZkResult<std::unique_ptr<ZkClient>> ZkClient::connect(const ClientSettings& settings) {
  if (settings.connect_string.empty()) {
    return zk_fail(ZkCode::bad_arguments, "", "no ZooKeeper quorum configured");
  }
  if (settings.c_client_log) {
    zoo_set_debug_level(ZOO_LOG_LEVEL_INFO);
  } else {
    zoo_set_debug_level(static_cast<ZooLogLevel>(0)); // 0 switches the C client's log off
  }
  std::unique_ptr<ZkClient> client(new ZkClient(settings));
  State& state = *client->m_state;
  const int timeout_ms = std::max(settings.connection_timeout_ms, 1);
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  errno = 0;
  // zookeeper_init2's callback also receives the lines zookeeper_init itself logs (log_env).
  state.zh = zookeeper_init2(settings.connect_string.c_str(), global_watcher,
                             std::max(settings.session_timeout_ms, 1), nullptr, &state, 0,
                             settings.c_client_log ? &c_client_log_line : nullptr);
  if (state.zh == nullptr) {
    return zk_fail(ZkCode::bad_arguments, "",
                   fmt::format("cannot start a ZooKeeper client for \"{}\": {}",
                               settings.connect_string, std::strerror(errno)));
  }
  note_handle_opened(settings.connect_string);
  // By default the C client resolves the server names again on every pass of its I/O loop
  // (getaddrinfo per request burst: about a quarter of flinkha's instructions in a large
  // inspect). -1 resolves only at start and after a connection loss, which is when it matters.
  zoo_set_servers_resolution_delay(state.zh, -1);

  // No session: close the handle first (its threads stop; nothing spins while the servers are
  // probed), then say what each server did.
  const auto no_session = [&](ZkCode code, const std::string& what) {
    close_handle(state, what);
    const auto diagnosis = diagnose(settings);
    return zk_fail(code, "", diagnosis.empty() ? what : what + ": " + diagnosis);
  };
  SessionState session;
  {
    std::unique_lock lock(state.mutex);
    state.changed.wait_until(lock, deadline,
                             [&] { return state.session != SessionState::connecting; });
    session = state.session;
  }
  if (session == SessionState::connecting) {
    return no_session(ZkCode::connection_loss,
                      fmt::format("no connection to ZooKeeper at {} within {} ms",
                                  settings.connect_string, timeout_ms));
  }
  if (session == SessionState::expired) {
    return zk_fail(ZkCode::session_expired, "", "the session expired while connecting");
  }
  if (session == SessionState::auth_failed) {
    return zk_fail(ZkCode::auth_failed, "", "authentication failed while connecting");
  }
  const int first = first_round_trip(state, settings, deadline);
  if (first == ZAUTHFAILED || first == ZSESSIONEXPIRED) {
    return std::unexpected(error_of(state, first, ""));
  }
  if (first != ZOK && first != ZNONODE && first != ZNOAUTH) {
    return no_session(ZkCode::connection_loss,
                      first_request_failure(settings, first, state.zh == nullptr, timeout_ms));
  }
  if (settings.digest_auth) {
    AuthWait wait;
    const auto& cert = *settings.digest_auth;
    const int rc = zoo_add_auth(state.zh, "digest", cert.data(), static_cast<int>(cert.size()),
                                on_auth, &wait);
    if (rc != ZOK) {
      return std::unexpected(error_of(state, rc, ""));
    }
    bool finished = false;
    int auth_rc = ZOK;
    {
      std::unique_lock lock(wait.mutex);
      finished = wait.done.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                    [&] { return wait.finished; });
      auth_rc = wait.rc;
    }
    if (!finished) {
      // on_auth may still run, into `wait`: close while it is alive and unlocked.
      close_handle(state, "no answer to the digest authentication");
      return zk_fail(
          ZkCode::operation_timeout, "",
          fmt::format("no answer to the digest authentication within {} ms", timeout_ms));
    }
    if (auth_rc != ZOK) {
      auto error = error_of(state, auth_rc, "");
      error.message = "digest authentication failed: " + error.message;
      return std::unexpected(std::move(error));
    }
  }
  return client;
}

bool handle_open() noexcept {
  return g_open_handles.load() > 0;
}

const char* handle_servers() noexcept {
  return g_servers.data();
}

ZkResult<Node> ZkClient::get(const std::string& path) {
  auto slots = run(*m_state, m_settings, Op::get, false, {path});
  return node_result(*m_state, slots.front());
}

ZkResult<std::vector<std::string>> ZkClient::children(const std::string& path) {
  auto slots = run(*m_state, m_settings, Op::children, false, {path});
  return children_result(*m_state, slots.front());
}

ZkResult<std::optional<Stat>> ZkClient::exists(const std::string& path) {
  auto slots = run(*m_state, m_settings, Op::exists, false, {path});
  return exists_result(*m_state, slots.front());
}

std::vector<ZkResult<Node>> ZkClient::get_many(const std::vector<std::string>& paths) {
  auto slots = run(*m_state, m_settings, Op::get, false, paths);
  std::vector<ZkResult<Node>> out;
  out.reserve(slots.size());
  for (auto& slot : slots) {
    out.push_back(node_result(*m_state, slot));
  }
  return out;
}

std::vector<ZkResult<std::vector<std::string>>>
ZkClient::children_many(const std::vector<std::string>& paths) {
  auto slots = run(*m_state, m_settings, Op::children, false, paths);
  std::vector<ZkResult<std::vector<std::string>>> out;
  out.reserve(slots.size());
  for (auto& slot : slots) {
    out.push_back(children_result(*m_state, slot));
  }
  return out;
}

ZkResult<std::string> ZkClient::create(const std::string& path, const std::string& data,
                                       CreateMode mode) {
  int flags = 0;
  if (mode == CreateMode::ephemeral || mode == CreateMode::ephemeral_sequential) {
    flags |= ZOO_EPHEMERAL;
  }
  if (mode == CreateMode::persistent_sequential || mode == CreateMode::ephemeral_sequential) {
    flags |= ZOO_SEQUENCE;
  }
  // Asynchronous like every other request (the C client's synchronous calls wait without a
  // deadline); not retried, as ZooKeeper's own create is not idempotent for sequential nodes.
  const std::vector<std::pair<std::string, std::string>> nodes{{path, data}};
  ClientSettings once = m_settings;
  once.max_retry_attempts = 0;
  auto slots = run(*m_state, once, Op::create, false, {path}, -1, &nodes, flags);
  if (slots.front().rc != ZOK) {
    return std::unexpected(error_of(*m_state, slots.front().rc, path));
  }
  return std::move(slots.front().created);
}

ZkResult<void> ZkClient::remove(const std::string& path, int version) {
  std::vector<std::string> paths{path};
  auto slots = run(*m_state, m_settings, Op::remove, false, paths, version);
  if (slots.front().rc != ZOK) {
    return std::unexpected(error_of(*m_state, slots.front().rc, path));
  }
  return {};
}

ZkResult<void> ZkClient::remove_many(const std::vector<std::string>& paths) {
  auto slots = run(*m_state, m_settings, Op::remove, false, paths);
  for (const auto& slot : slots) {
    // ZNONODE: gone already, or deleted by an earlier attempt whose answer was lost.
    if (slot.rc != ZOK && slot.rc != ZNONODE) {
      return std::unexpected(error_of(*m_state, slot.rc, slot.path));
    }
  }
  return {};
}

ZkResult<void> ZkClient::create_many(const std::vector<std::pair<std::string, std::string>>& nodes,
                                     ExistsOk exists_ok) {
  std::vector<std::string> paths;
  paths.reserve(nodes.size());
  for (const auto& node : nodes) {
    paths.push_back(node.first);
  }
  auto slots = run(*m_state, m_settings, Op::create, false, paths, -1, &nodes);
  for (const auto& slot : slots) {
    if (slot.rc != ZOK && !(slot.rc == ZNODEEXISTS && exists_ok == ExistsOk::yes)) {
      return std::unexpected(error_of(*m_state, slot.rc, slot.path));
    }
  }
  return {};
}

ZkResult<Acl> ZkClient::get_acl(const std::string& path) {
  return std::move(get_acl_many({path}).front());
}

std::vector<ZkResult<Acl>> ZkClient::get_acl_many(const std::vector<std::string>& paths) {
  auto slots = run(*m_state, m_settings, Op::get_acl, false, paths);
  std::vector<ZkResult<Acl>> out;
  out.reserve(slots.size());
  for (auto& slot : slots) {
    if (slot.rc != ZOK) {
      out.push_back(std::unexpected(error_of(*m_state, slot.rc, slot.path)));
    } else {
      out.push_back(slot.acl.value_or(Acl{}));
    }
  }
  return out;
}

ZkResult<void> ZkClient::create_many_with_acl(const std::vector<NodeToCreate>& nodes,
                                              ExistsOk exists_ok) {
  std::vector<std::string> paths;
  paths.reserve(nodes.size());
  for (const auto& node : nodes) {
    paths.push_back(node.path);
  }
  auto slots = run(*m_state, m_settings, Op::create, false, paths, -1, nullptr, 0, &nodes);
  for (const auto& slot : slots) {
    if (slot.rc != ZOK && !(slot.rc == ZNODEEXISTS && exists_ok == ExistsOk::yes)) {
      return std::unexpected(error_of(*m_state, slot.rc, slot.path));
    }
  }
  return {};
}

ZkResult<Node> ZkClient::get_watched(const std::string& path) {
  auto slots = run(*m_state, m_settings, Op::get, true, {path});
  return node_result(*m_state, slots.front());
}

ZkResult<std::vector<std::string>> ZkClient::children_watched(const std::string& path) {
  auto slots = run(*m_state, m_settings, Op::children, true, {path});
  return children_result(*m_state, slots.front());
}

ZkResult<std::optional<Stat>> ZkClient::exists_watched(const std::string& path) {
  auto slots = run(*m_state, m_settings, Op::exists, true, {path});
  return exists_result(*m_state, slots.front());
}

WatchQueue& ZkClient::events() {
  return m_state->queue;
}

SessionState ZkClient::state() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->session;
}

std::int64_t ZkClient::session_id() const {
  if (m_state->zh == nullptr) {
    return 0;
  }
  const clientid_t* id = zoo_client_id(m_state->zh);
  return id != nullptr ? id->client_id : 0;
}

int ZkClient::negotiated_session_timeout_ms() const {
  if (m_state->zh == nullptr) {
    return 0;
  }
  return zoo_recv_timeout(m_state->zh);
}

ZkReader& ZkClient::watching() {
  return *m_watching;
}

} // namespace flinkha::zk
