#include "remote/ssh_executor.hpp"

#include "config/hosts_files.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>

namespace flinkha::remote {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct SessionDeleter {
  void operator()(ssh_session session) const {
    if (ssh_is_connected(session) != 0) {
      ssh_disconnect(session);
    }
    ssh_free(session);
  }
};
using SessionPtr = std::unique_ptr<ssh_session_struct, SessionDeleter>;

struct KeyDeleter {
  void operator()(ssh_key key) const { ssh_key_free(key); }
};
using KeyPtr = std::unique_ptr<ssh_key_struct, KeyDeleter>;

struct ChannelDeleter {
  void operator()(ssh_channel channel) const {
    if (ssh_channel_is_open(channel) != 0) {
      ssh_channel_close(channel);
    }
    ssh_channel_free(channel);
  }
};
using ChannelPtr = std::unique_ptr<ssh_channel_struct, ChannelDeleter>;

// Several sessions may append to the same known_hosts file at once (accept-new on many hosts).
std::mutex g_known_hosts_mutex;

// Never ask for a passphrase. Without a callback libssh would hand a PEM key to OpenSSL with no
// callback, and OpenSSL then prompts on the terminal; refusing makes an encrypted key that is not
// in the agent simply unusable, as batch mode requires.
int refuse_passphrase(const char*, char*, std::size_t, int, int, void*) {
  return -1;
}

ssh_callbacks session_callbacks() {
  static ssh_callbacks_struct callbacks = [] {
    ssh_callbacks_struct cb{};
    cb.auth_function = refuse_passphrase;
    ssh_callbacks_init(&cb);
    return cb;
  }();
  return &callbacks;
}

std::string expand_home(const std::string& path) {
  if (path == "~" || path.starts_with("~/")) {
    if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
      return std::string(home) + path.substr(1);
    }
  }
  return path;
}

std::string option_string(ssh_session session, ssh_options_e type) {
  char* value = nullptr;
  if (ssh_options_get(session, type, &value) != SSH_OK || value == nullptr) {
    return {};
  }
  std::string copy(value);
  ssh_string_free_char(value);
  return copy;
}

unsigned int session_port(ssh_session session) {
  unsigned int port = 22;
  ssh_options_get_port(session, &port);
  return port;
}

// How known_hosts (and ssh-keygen -R) name the host: "host" on port 22, "[host]:port" otherwise.
std::string known_hosts_name(std::string_view host, unsigned int port) {
  return port == 22 ? std::string(host) : fmt::format("[{}]:{}", host, port);
}

std::string error_text(ssh_session session) {
  const char* text = ssh_get_error(session);
  return text != nullptr && *text != '\0' ? std::string(text) : std::string("unknown error");
}

struct ServerKey {
  std::string type;        // e.g. ssh-ed25519
  std::string fingerprint; // SHA256:...
};

Result<ServerKey> server_key(ssh_session session, std::string_view host) {
  ssh_key raw = nullptr;
  if (ssh_get_server_publickey(session, &raw) != SSH_OK || raw == nullptr) {
    return fail(fmt::format("{}: the server sent no host key: {}", host, error_text(session)));
  }
  KeyPtr key(raw);
  unsigned char* hash = nullptr;
  std::size_t hash_length = 0;
  if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_length) != 0) {
    return fail(fmt::format("{}: cannot hash the host key", host));
  }
  char* fingerprint = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hash_length);
  ssh_clean_pubkey_hash(&hash);
  ServerKey result;
  result.type = ssh_key_type_to_char(ssh_key_type(key.get()));
  if (fingerprint != nullptr) {
    result.fingerprint = fingerprint;
    ssh_string_free_char(fingerprint);
  }
  return result;
}

// The host key against known_hosts under `policy`. Returns the warnings to report.
Result<std::vector<std::string>> verify_host_key(ssh_session session, std::string_view host,
                                                 HostKeyCheck policy) {
  auto key = server_key(session, host);
  if (!key) {
    return std::unexpected(key.error());
  }
  const unsigned int port = session_port(session);
  const std::string known_hosts = option_string(session, SSH_OPTIONS_KNOWNHOSTS);
  const std::string name = known_hosts_name(host, port);
  const std::string shown = fmt::format("{} key {}", key->type, key->fingerprint);
  std::vector<std::string> warnings;

  switch (ssh_session_is_known_server(session)) {
  case SSH_KNOWN_HOSTS_OK:
    return warnings;
  case SSH_KNOWN_HOSTS_CHANGED:
  case SSH_KNOWN_HOSTS_OTHER:
    if (policy == HostKeyCheck::off) {
      warnings.push_back(fmt::format("host key of {} does NOT match {} (offered: {}); accepted "
                                     "because host key checking is off",
                                     name, known_hosts, shown));
      return warnings;
    }
    return fail(fmt::format("{}: the host key has CHANGED: the server offers {}, which does not "
                            "match the key recorded for {} in {}; nothing was run. Someone may "
                            "be intercepting the connection, or the host was reinstalled",
                            host, shown, name, known_hosts),
                fmt::format("if the new key is expected, remove the old one with `ssh-keygen -R "
                            "'{}' -f {}` and connect again (once with --host-key-check "
                            "accept-new to record the new key)",
                            name, known_hosts));
  case SSH_KNOWN_HOSTS_UNKNOWN:
  case SSH_KNOWN_HOSTS_NOT_FOUND:
    if (policy == HostKeyCheck::off) {
      warnings.push_back(fmt::format("host key of {} is not in {} (offered: {}); accepted "
                                     "unverified because host key checking is off",
                                     name, known_hosts, shown));
      return warnings;
    }
    if (policy == HostKeyCheck::accept_new) {
      std::scoped_lock lock(g_known_hosts_mutex);
      if (ssh_session_update_known_hosts(session) != SSH_OK) {
        return fail(fmt::format("{}: cannot record the new host key ({}) in {}: {}", host, shown,
                                known_hosts, error_text(session)),
                    "check that the known_hosts file and its directory are writable");
      }
      warnings.push_back(
          fmt::format("new host key of {} recorded in {}: {}", name, known_hosts, shown));
      return warnings;
    }
    return fail(fmt::format("{}: the host key is unknown (not in {}); the server offers {}; "
                            "nothing was run",
                            host, known_hosts, shown),
                fmt::format("verify the key, then add it (`ssh-keyscan -p {} {} >> {}`), or "
                            "connect once with --host-key-check accept-new",
                            port, host, known_hosts));
  case SSH_KNOWN_HOSTS_ERROR:
  default:
    return fail(fmt::format("{}: cannot check the host key against {}: {}", host, known_hosts,
                            error_text(session)),
                "check that the known_hosts file is readable");
  }
}

Status authenticate(ssh_session session, std::string_view host, const SshSettings& settings) {
  std::vector<std::string> notes;
  auto auth_error = [&](int rc, std::string_view step) -> std::optional<Error> {
    if (rc == SSH_AUTH_ERROR) {
      return Error{
          fmt::format("{}: authentication failed ({}): {}", host, step, error_text(session)),
          "check the connection to the host"};
    }
    return std::nullopt;
  };

  if (const char* agent = std::getenv("SSH_AUTH_SOCK"); agent != nullptr && *agent != '\0') {
    const int rc = ssh_userauth_agent(session, nullptr);
    if (rc == SSH_AUTH_SUCCESS) {
      return {};
    }
    if (auto error = auth_error(rc, "ssh-agent")) {
      return std::unexpected(*error);
    }
    notes.emplace_back("ssh-agent");
  }

  for (const auto& file : settings.identity_files) {
    const std::string path = expand_home(file);
    ssh_key raw = nullptr;
    const int imported =
        ssh_pki_import_privkey_file(path.c_str(), nullptr, refuse_passphrase, nullptr, &raw);
    if (imported != SSH_OK) {
      notes.push_back(fmt::format("{} ({})", path,
                                  imported == SSH_EOF ? "missing"
                                                      : "unreadable, or encrypted and not in "
                                                        "ssh-agent"));
      continue;
    }
    KeyPtr key(raw);
    const int rc = ssh_userauth_publickey(session, nullptr, key.get());
    if (rc == SSH_AUTH_SUCCESS) {
      return {};
    }
    if (auto error = auth_error(rc, path)) {
      return std::unexpected(*error);
    }
    notes.push_back(fmt::format("{} (not accepted)", path));
  }

  const int rc = ssh_userauth_publickey_auto(session, nullptr, nullptr);
  if (rc == SSH_AUTH_SUCCESS) {
    return {};
  }
  if (auto error = auth_error(rc, "default keys")) {
    return std::unexpected(*error);
  }
  notes.emplace_back("default keys in ~/.ssh");
  return fail(fmt::format("{}: authentication failed for user {}: no key was accepted (tried: "
                          "{}); password and keyboard-interactive are never used",
                          host, option_string(session, SSH_OPTIONS_USER), fmt::join(notes, ", ")),
              "load the key into ssh-agent or pass it with --ssh-identity, and check the remote "
              "authorized_keys");
}

Error connect_error(ssh_session session, std::string_view host, milliseconds timeout) {
  const std::string text = error_text(session);
  const unsigned int port = session_port(session);
  std::string hint;
  if (text.find("resolve") != std::string::npos) {
    hint = "check the host name (DNS, /etc/hosts, HostName in ~/.ssh/config)";
  } else if (text.find("refused") != std::string::npos) {
    hint = fmt::format("check that sshd runs on {} and listens on port {} (-p in env.ssh.opts or "
                       "--ssh-port)",
                       host, port);
  } else if (text.find("imeout") != std::string::npos ||
             text.find("timed out") != std::string::npos) {
    hint = fmt::format("the host did not answer within {} ms: check the network and firewalls, "
                       "or raise ConnectTimeout",
                       timeout.count());
  } else {
    hint = "check that the host is reachable and runs sshd";
  }
  return Error{fmt::format("{}: cannot connect to port {}: {}", host, port, text), hint};
}

struct Connection {
  SessionPtr session;
  std::vector<std::string> warnings;
};

Result<Connection> connect(const std::string& host, const SshSettings& settings, SshConfig config) {
  SessionPtr session(ssh_new());
  if (!session) {
    return fail(fmt::format("{}: cannot create an SSH session (out of memory)", host));
  }
  ssh_session s = session.get();
  const int no_log = SSH_LOG_NOLOG;
  ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &no_log);
  if (ssh_options_set(s, SSH_OPTIONS_HOST, host.c_str()) != SSH_OK) {
    return fail(fmt::format("{}: invalid host: {}", host, error_text(s)));
  }
  if (config == SshConfig::read) {
    // Must come after HOST (Host blocks match it) and before our settings (it overwrites).
    if (ssh_options_parse_config(s, nullptr) != SSH_OK) {
      return fail(fmt::format("{}: cannot read the ssh configuration: {}", host, error_text(s)),
                  "fix ~/.ssh/config or /etc/ssh/ssh_config");
    }
  } else {
    const int off = 0;
    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &off);
  }
  if (settings.user) {
    ssh_options_set(s, SSH_OPTIONS_USER, settings.user->c_str());
  }
  if (settings.port) {
    const unsigned int port = static_cast<unsigned int>(*settings.port);
    ssh_options_set(s, SSH_OPTIONS_PORT, &port);
  }
  if (settings.known_hosts_file) {
    const std::string path = expand_home(*settings.known_hosts_file);
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, path.c_str());
  }
  // libssh's timeout bounds every blocking step: TCP connect, key exchange, auth, channel open.
  const long seconds = static_cast<long>(settings.connect_timeout.count() / 1000);
  const long micros = static_cast<long>(settings.connect_timeout.count() % 1000) * 1000;
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &seconds);
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &micros);
  const int on = 1;
  const int off = 0;
  ssh_options_set(s, SSH_OPTIONS_NODELAY, &on); // small packets: ~40 ms less per round trip
  ssh_options_set(s, SSH_OPTIONS_PASSWORD_AUTH, &off);
  ssh_options_set(s, SSH_OPTIONS_KBDINT_AUTH, &off);
  ssh_options_set(s, SSH_OPTIONS_GSSAPI_AUTH, &off);
  ssh_set_callbacks(s, session_callbacks());

  if (ssh_connect(s) != SSH_OK) {
    return std::unexpected(connect_error(s, host, settings.connect_timeout));
  }
  auto warnings = verify_host_key(s, host, settings.host_key_check);
  if (!warnings) {
    return std::unexpected(warnings.error());
  }
  if (auto status = authenticate(s, host, settings); !status) {
    return std::unexpected(status.error());
  }
  return Connection{std::move(session), std::move(*warnings)};
}

int signal_number(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, int>, 13> kSignals{{
      {"HUP", 1},
      {"INT", 2},
      {"QUIT", 3},
      {"ILL", 4},
      {"ABRT", 6},
      {"FPE", 8},
      {"KILL", 9},
      {"USR1", 10},
      {"SEGV", 11},
      {"USR2", 12},
      {"PIPE", 13},
      {"ALRM", 14},
      {"TERM", 15},
  }};
  for (const auto& [signal_name, number] : kSignals) {
    if (signal_name == name) {
      return number;
    }
  }
  return 0;
}

struct ChannelState {
  int exit_signal = 0; // 0: none reported
};

void on_exit_signal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*,
                    void* userdata) {
  auto* state = static_cast<ChannelState*>(userdata);
  const int number = signal != nullptr ? signal_number(signal) : 0;
  state->exit_signal = number != 0 ? number : 127; // unknown name: still "killed by a signal"
}

// The outcome of one command on an established session. `session_broken` tells the caller to
// drop the session.
struct Execution {
  Result<CommandResult> result;
  bool channel_opened = false;
  bool session_broken = false;
};

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1000));
}

// Reads whatever is buffered on one stream. False on a session error.
bool drain(ssh_channel channel, int is_stderr, std::string& text) {
  std::array<char, 32768> buffer{};
  while (true) {
    const int n = ssh_channel_read_nonblocking(channel, buffer.data(),
                                               static_cast<uint32_t>(buffer.size()), is_stderr);
    if (n > 0) {
      text.append(buffer.data(), static_cast<std::size_t>(n));
      continue;
    }
    return n != SSH_ERROR;
  }
}

Execution execute(ssh_session session, const RemoteCommand& command, Clock::time_point start) {
  Execution execution{fail("not run"), false, false};
  const std::string& host = command.host;
  // Declared before the channel: libssh may call back while the channel is being closed.
  ChannelState state;
  ssh_channel_callbacks_struct callbacks{};
  callbacks.userdata = &state;
  callbacks.channel_exit_signal_function = on_exit_signal;
  ssh_callbacks_init(&callbacks);
  ChannelPtr channel(ssh_channel_new(session));
  if (!channel || ssh_channel_open_session(channel.get()) != SSH_OK) {
    execution.result =
        fail(fmt::format("{}: cannot open an SSH channel: {}", host, error_text(session)),
             "check the host's sshd (MaxSessions) and the connection");
    execution.session_broken = true;
    return execution;
  }
  execution.channel_opened = true;

  ssh_set_channel_callbacks(channel.get(), &callbacks);

  if (ssh_channel_request_exec(channel.get(), command.command_line.c_str()) != SSH_OK) {
    execution.result = fail(
        fmt::format("{}: the server refused to run the command: {}", host, error_text(session)),
        "check the host's sshd configuration (ForceCommand, shell)");
    execution.session_broken = ssh_is_connected(session) == 0;
    return execution;
  }
  ssh_channel_send_eof(channel.get()); // stdin is empty, as with ssh -n

  CommandResult result;
  const auto deadline = start + command.timeout;
  std::unique_ptr<ssh_event_struct, decltype(&ssh_event_free)> event(ssh_event_new(),
                                                                     &ssh_event_free);
  if (!event || ssh_event_add_session(event.get(), session) != SSH_OK) {
    execution.result = fail(fmt::format("{}: cannot poll the SSH session", host));
    execution.session_broken = true;
    return execution;
  }
  bool ok = true;
  bool timed_out = false;
  while (true) {
    if (!drain(channel.get(), 0, result.stdout_text) ||
        !drain(channel.get(), 1, result.stderr_text)) {
      ok = false;
      break;
    }
    if (ssh_channel_is_eof(channel.get()) != 0 || ssh_channel_is_closed(channel.get()) != 0) {
      break;
    }
    const int wait = remaining_ms(deadline);
    if (wait == 0) {
      timed_out = true;
      break;
    }
    // Waits for the socket (reads and pending writes such as window adjustments).
    if (ssh_event_dopoll(event.get(), wait) == SSH_ERROR) {
      ok = ssh_is_connected(session) != 0;
      if (!ok) {
        break;
      }
    }
  }
  ssh_event_remove_session(event.get(), session);

  if (!ok) {
    execution.result = fail(fmt::format("{}: the SSH connection broke while the command ran: {}",
                                        host, error_text(session)),
                            "the command may or may not have completed; check the host");
    execution.session_broken = true;
    return execution;
  }
  if (timed_out) {
    // Best effort: sshd forwards the signal only where it supports "signal" requests.
    ssh_channel_request_send_signal(channel.get(), "TERM");
    execution.result = fail(fmt::format("{}: the command did not finish within {} ms; its channel "
                                        "was closed and SIGTERM requested (sshd refuses that for "
                                        "root logins: the command may still be running there)",
                                        host, command.timeout.count()),
                            "raise the command timeout, or check what the command waits for "
                            "(a background process keeping stdout open holds the channel)");
    return execution;
  }
  // After EOF the exit status follows (bounded by the session timeout).
  const int status = ssh_channel_get_exit_status(channel.get());
  if (status >= 0) {
    result.exit_status = status;
  } else if (state.exit_signal != 0) {
    result.exit_status = 128 + state.exit_signal;
  } else {
    result.exit_status = 255; // what ssh(1) reports when the server sends no status
    result.warnings.push_back("the server reported no exit status");
  }
  result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  execution.result = std::move(result);
  return execution;
}

struct HostEntry {
  std::mutex mutex; // held for a whole command: one thread per session
  SessionPtr session;
  std::vector<std::string> warnings; // from the connection, repeated on every result
};

} // namespace

struct SshExecutor::Impl {
  SshSettings settings;
  SshConfig config;
  std::mutex hosts_mutex;
  std::map<std::string, std::unique_ptr<HostEntry>, std::less<>> hosts;
  std::atomic<std::size_t> connections{0};

  HostEntry& entry(const std::string& host) {
    std::scoped_lock lock(hosts_mutex);
    auto& slot = hosts[host];
    if (!slot) {
      slot = std::make_unique<HostEntry>();
    }
    return *slot;
  }

  Status ensure_connected(HostEntry& host_entry, const std::string& host) {
    if (host_entry.session && ssh_is_connected(host_entry.session.get()) != 0) {
      return {};
    }
    host_entry.session.reset();
    auto connection = connect(host, settings, config);
    if (!connection) {
      return std::unexpected(connection.error());
    }
    ++connections;
    host_entry.session = std::move(connection->session);
    host_entry.warnings = std::move(connection->warnings);
    return {};
  }
};

SshExecutor::SshExecutor(SshSettings settings, SshConfig config)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->settings = std::move(settings);
  m_impl->config = config;
}

SshExecutor::~SshExecutor() = default; // HostEntry sessions disconnect in SessionDeleter

std::size_t SshExecutor::connections_made() const {
  return m_impl->connections.load();
}

Result<CommandResult> SshExecutor::run(const RemoteCommand& command) {
  const auto start = Clock::now();
  if (auto why = config::validate_host(command.host)) {
    return fail(fmt::format("host \"{}\" {}", command.host, *why),
                "fix the host name in conf/masters, conf/workers or conf/zoo.cfg");
  }
  if (command.command_line.find('\0') != std::string::npos) {
    return fail(fmt::format("{}: the command line contains a NUL byte", command.host),
                "quote arguments with shell_quote, which refuses control characters");
  }
  HostEntry& host_entry = m_impl->entry(command.host);
  std::scoped_lock lock(host_entry.mutex);

  const bool reused = host_entry.session != nullptr;
  if (auto status = m_impl->ensure_connected(host_entry, command.host); !status) {
    return std::unexpected(status.error());
  }
  Execution execution = execute(host_entry.session.get(), command, start);
  if (execution.session_broken) {
    host_entry.session.reset();
    // A reused session may have died while idle (server restart, idle timeout): reconnect once,
    // but only if the command cannot have started.
    if (reused && !execution.channel_opened) {
      if (auto status = m_impl->ensure_connected(host_entry, command.host); !status) {
        return std::unexpected(status.error());
      }
      execution = execute(host_entry.session.get(), command, start);
      if (execution.session_broken) {
        host_entry.session.reset();
      }
    }
  }
  if (execution.result) {
    auto& warnings = execution.result->warnings;
    warnings.insert(warnings.begin(), host_entry.warnings.begin(), host_entry.warnings.end());
  }
  return std::move(execution.result);
}

} // namespace flinkha::remote
