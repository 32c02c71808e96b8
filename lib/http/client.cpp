#include "http/client.hpp"

#include "util/strings.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

namespace flinkha::http {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t kFirstBackoffMs = 100;
constexpr std::int64_t kMaxBackoffMs = 2'000;
constexpr std::int64_t kMinAttemptMs = 100; // the least time left worth another attempt

std::int64_t ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// curl_global_init is not thread-safe before libcurl 7.84 and must run once per process.
void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Failures worth another attempt: the connection broke after it was made (a reset, a server
// that closed it, a truncated answer). A refused or unresolvable address is not retried: the
// caller moves on (the next NameNode) or reports it at once instead of waiting out the budget.
bool transient(CURLcode code) {
  switch (code) {
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return true;
  default:
    return false;
  }
}

// One request's life across its attempts.
struct Exchange {
  Request request;
  Clock::time_point deadline;
  Clock::time_point next_start;
  int attempts = 0;
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  Response response;
  std::optional<Response> last_answer; // the last retryable answer, for when the budget ends
  bool too_large = false;
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::optional<Result<Response>> result;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  if (exchange->response.body.size() + bytes > exchange->request.max_body_bytes) {
    exchange->too_large = true;
    return 0; // CURLE_WRITE_ERROR
  }
  exchange->response.body.append(data, bytes);
  return bytes;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new response (after a redirect or a 100 Continue): only the last one's headers count.
    exchange->response.headers.clear();
    exchange->response.body.clear();
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    exchange->response.headers.push_back({util::to_lower(util::trim(line.substr(0, colon))),
                                          std::string(util::trim(line.substr(colon + 1)))});
  }
  return bytes;
}

Error transport_error(const Exchange& exchange, CURLcode code, std::int64_t budget_ms) {
  const std::string origin = origin_of(exchange.request.url);
  const std::string what =
      exchange.request.what.empty() ? exchange.request.method : exchange.request.what;
  if (exchange.too_large) {
    return Error{fmt::format("{}: the answer of {} is larger than {} bytes; refused", what, origin,
                             exchange.request.max_body_bytes),
                 "", ErrorCategory::failed};
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    return Error{fmt::format("{}: no answer from {} within {} ms", what, origin, budget_ms),
                 "check that the server is up; a slow server needs a larger --storage-timeout",
                 ErrorCategory::unreachable};
  }
  const std::string detail =
      exchange.error_buffer[0] != '\0' ? exchange.error_buffer : curl_easy_strerror(code);
  std::string hint = "check the address and that the server is up and reachable from here";
  if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CONNECT_ERROR ||
      code == CURLE_SSL_CACERT_BADFILE) {
    hint = "the server's TLS certificate must be trusted by the system CA store "
           "(update-ca-certificates) and name the host";
  }
  std::string message = fmt::format("{}: {}: {}", what, origin, util::printable(detail));
  if (exchange.attempts > 1) {
    message += fmt::format(" (after {} attempts)", exchange.attempts);
  }
  return Error{std::move(message), std::move(hint), ErrorCategory::unreachable};
}

} // namespace

std::optional<std::string_view> Response::header(std::string_view lower_case_name) const {
  for (const auto& h : headers) {
    if (h.name == lower_case_name) {
      return std::string_view(h.value);
    }
  }
  return std::nullopt;
}

struct Client::Impl {
  CURLM* multi = nullptr;
  std::vector<CURL*> idle; // easy handles kept for reuse (their connections stay in `multi`)
  std::minstd_rand random{static_cast<unsigned>(Clock::now().time_since_epoch().count())};

  ~Impl() {
    for (CURL* easy : idle) {
      curl_easy_cleanup(easy);
    }
    if (multi != nullptr) {
      curl_multi_cleanup(multi);
    }
  }

  CURL* take_easy() {
    if (idle.empty()) {
      return curl_easy_init();
    }
    CURL* easy = idle.back();
    idle.pop_back();
    curl_easy_reset(easy);
    return easy;
  }

  std::int64_t backoff_ms(int attempts) {
    std::int64_t base = kFirstBackoffMs;
    for (int i = 1; i < attempts && base < kMaxBackoffMs; ++i) {
      base *= 2;
    }
    base = std::min(base, kMaxBackoffMs);
    // ±25% jitter, so that many requests refused together do not come back together.
    std::uniform_int_distribution<std::int64_t> jitter(-base / 4, base / 4);
    return base + jitter(random);
  }
};

Client::Client(ClientOptions options, std::unique_ptr<Impl> impl)
    : m_options(std::move(options)), m_impl(std::move(impl)) {}

Client::~Client() = default;

Result<std::unique_ptr<Client>> Client::create(ClientOptions options) {
  global_init();
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (options.auth == Auth::negotiate && (info->features & CURL_VERSION_SPNEGO) == 0) {
    return fail(ErrorCategory::configuration,
                fmt::format("Kerberos (SPNEGO) is configured, but this libcurl ({}) was built "
                            "without GSS-API",
                            info->version),
                "install a libcurl with GSS-API (Debian's libcurl4 has it)");
  }
  if (options.max_in_flight == 0) {
    options.max_in_flight = 1;
  }
  auto impl = std::make_unique<Impl>();
  impl->multi = curl_multi_init();
  if (impl->multi == nullptr) {
    return fail(ErrorCategory::internal, "libcurl: curl_multi_init failed");
  }
  const long connections = static_cast<long>(options.max_in_flight);
  curl_multi_setopt(impl->multi, CURLMOPT_MAXCONNECTS, connections);
  curl_multi_setopt(impl->multi, CURLMOPT_MAX_HOST_CONNECTIONS, connections);
  return std::unique_ptr<Client>(new Client(std::move(options), std::move(impl)));
}

Result<Response> Client::perform(Request request) {
  std::vector<Request> one;
  one.push_back(std::move(request));
  return std::move(perform_all(std::move(one)).front());
}

std::vector<Result<Response>> Client::perform_all(std::vector<Request> requests) {
  const auto start = Clock::now();
  const auto budget = std::chrono::milliseconds(std::max<std::int64_t>(m_options.budget_ms, 1));
  std::vector<Exchange> exchanges(requests.size());
  std::deque<std::size_t> waiting; // ready (or backing off) and not in flight
  for (std::size_t i = 0; i < requests.size(); ++i) {
    exchanges[i].request = std::move(requests[i]);
    exchanges[i].deadline = start + budget; // set again when its first attempt starts
    exchanges[i].next_start = start;
    waiting.push_back(i);
  }
  std::size_t in_flight = 0;
  std::size_t finished = 0;

  const auto begin_attempt = [&](std::size_t index) {
    Exchange& x = exchanges[index];
    const auto now = Clock::now();
    if (x.attempts == 0) {
      // The budget is per request: one queued behind max_in_flight others starts its own now.
      x.deadline = now + budget;
    }
    ++x.attempts;
    x.response = Response{};
    x.too_large = false;
    x.error_buffer[0] = '\0';
    Request sent = x.request;
    if (m_options.sign) {
      m_options.sign(sent);
    }
    // A CR or LF in a header would split it (header injection); a NUL would cut it.
    for (const auto& h : sent.headers) {
      if ((h.name + h.value).find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
        x.result =
            fail(ErrorCategory::internal,
                 fmt::format("{}: header {} holds a line break or NUL; refused",
                             sent.what.empty() ? sent.method : sent.what, util::printable(h.name)));
        ++finished;
        return;
      }
    }
    CURL* easy = m_impl->take_easy();
    if (easy == nullptr) {
      x.result = fail(ErrorCategory::internal, "libcurl: curl_easy_init failed");
      ++finished;
      return;
    }
    x.easy = easy;
    const long remaining =
        static_cast<long>(std::max<std::int64_t>(ms_between(now, x.deadline), 1));
    curl_easy_setopt(easy, CURLOPT_URL, sent.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, &x);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, remaining);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     std::min(remaining, static_cast<long>(m_options.connect_timeout_ms)));
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, x.error_buffer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, &x);
    if (sent.follow_redirects) {
      curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
    }
    if (m_options.auth == Auth::negotiate) {
      curl_easy_setopt(easy, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_NEGOTIATE));
      curl_easy_setopt(easy, CURLOPT_USERPWD, ":"); // the ticket cache, not a password
    }
    if (sent.method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (sent.method != "GET" || !sent.body.empty()) {
      // POSTFIELDS gives every method with a body (or an explicit empty one: PUT, DELETE) a
      // Content-Length; CUSTOMREQUEST names the method.
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(sent.body.size()));
      curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, sent.body.c_str());
      if (sent.method != "POST") {
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, sent.method.c_str());
      }
    }
    curl_slist* list = nullptr;
    bool has_content_type = false;
    for (const auto& h : sent.headers) {
      has_content_type = has_content_type || util::to_lower(h.name) == "content-type";
      list = curl_slist_append(list, fmt::format("{}: {}", h.name, h.value).c_str());
    }
    // No header curl would add by itself that a signature did not cover or a server misreads.
    list = curl_slist_append(list, "Expect:");
    if (!has_content_type) {
      list = curl_slist_append(list, "Content-Type:");
    }
    x.headers = list;
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
    curl_multi_add_handle(m_impl->multi, easy);
    ++in_flight;
  };

  const auto end_attempt = [&](Exchange& x) {
    curl_multi_remove_handle(m_impl->multi, x.easy);
    m_impl->idle.push_back(x.easy);
    x.easy = nullptr;
    curl_slist_free_all(x.headers);
    x.headers = nullptr;
    --in_flight;
  };

  // Schedules another attempt when the budget leaves room for its backoff; false otherwise.
  const auto retry_later = [&](std::size_t index) {
    Exchange& x = exchanges[index];
    const auto at = Clock::now() + std::chrono::milliseconds(m_impl->backoff_ms(x.attempts));
    // An attempt needs time of its own: one that could only start at the very end of the
    // budget would time out and say less than the answer already in hand.
    if (at + std::chrono::milliseconds(kMinAttemptMs) >= x.deadline) {
      return false;
    }
    x.next_start = at;
    waiting.push_back(index);
    return true;
  };

  while (finished < exchanges.size()) {
    // Start what may start: in order, skipping those still backing off.
    const auto now = Clock::now();
    std::optional<Clock::time_point> next_wakeup;
    for (std::size_t n = waiting.size(); n > 0 && in_flight < m_options.max_in_flight; --n) {
      const std::size_t index = waiting.front();
      waiting.pop_front();
      if (exchanges[index].next_start <= now) {
        begin_attempt(index);
      } else {
        waiting.push_back(index);
      }
    }
    for (const std::size_t index : waiting) {
      const auto at = exchanges[index].next_start;
      next_wakeup = next_wakeup ? std::min(*next_wakeup, at) : at;
    }

    int running = 0;
    curl_multi_perform(m_impl->multi, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(m_impl->multi, &queued)) {
      if (message->msg != CURLMSG_DONE) {
        continue;
      }
      Exchange* x = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&x));
      const CURLcode code = message->data.result;
      long status = 0;
      curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
      end_attempt(*x);
      const auto index = static_cast<std::size_t>(x - exchanges.data());
      if (code == CURLE_OK) {
        x->response.status = status;
        x->response.attempts = x->attempts;
        const bool retryable =
            std::find(m_options.retry_statuses.begin(), m_options.retry_statuses.end(), status) !=
            m_options.retry_statuses.end();
        if (retryable && retry_later(index)) {
          x->last_answer = std::move(x->response);
          continue;
        }
        x->result = std::move(x->response);
      } else if (transient(code) && !x->too_large && retry_later(index)) {
        continue;
      } else if (x->last_answer && !x->too_large) {
        // A retry that ran out of budget: the server's last answer says more than the timeout.
        x->last_answer->attempts = x->attempts;
        x->result = std::move(*x->last_answer);
      } else {
        x->result = std::unexpected(transport_error(*x, code, m_options.budget_ms));
      }
      ++finished;
    }
    if (finished == exchanges.size()) {
      break;
    }
    int timeout_ms = 1000;
    if (next_wakeup) {
      timeout_ms = static_cast<int>(
          std::clamp<std::int64_t>(ms_between(Clock::now(), *next_wakeup), 0, 1000));
    }
    if (in_flight > 0) {
      curl_multi_poll(m_impl->multi, nullptr, 0, timeout_ms, nullptr);
    } else if (timeout_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
    }
  }

  std::vector<Result<Response>> results;
  results.reserve(exchanges.size());
  for (auto& x : exchanges) {
    results.push_back(std::move(*x.result));
  }
  return results;
}

std::string percent_encode(std::string_view text, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                            (byte >= '0' && byte <= '9') || c == '-' || c == '_' || c == '.' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

std::string origin_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return util::printable(url.substr(0, url.find_first_of("/?#")));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    rest = rest.substr(at + 1); // user info is never shown
  }
  return util::printable(fmt::format("{}://{}", url.substr(0, scheme_end), rest));
}

} // namespace flinkha::http
