#pragma once
// HTTP/1.1 requests for the remote storage schemes (WebHDFS, S3), through libcurl's multi
// interface: many requests in flight on a few kept-alive connections, each retried with backoff
// on a transient failure, all inside one time budget (--storage-timeout).
//
// The contract:
//  - A Response is any answer with an HTTP status, 4xx and 5xx included: what a status means is
//    the protocol layer's business (WebHDFS RemoteException JSON, S3 Error XML), so an error
//    result here always means that no usable answer came: the server could not be reached, the
//    connection broke, TLS failed, the budget ran out, or the body was larger than allowed.
//    Such errors have ErrorCategory::unreachable and name the request (its `what`) and the
//    server (scheme://host:port, never the query string or a header).
//  - Retried, with exponential backoff (100 ms doubling up to 2 s, jittered) while the budget
//    lasts: connection failures and resets, and the statuses in ClientOptions::retry_statuses
//    (S3's 503 SlowDown, 500 InternalError). The last answer is returned when the budget ends on
//    a retryable status; the attempt count is in Response::attempts.
//  - ClientOptions::sign runs before every attempt, so a signature (S3 SigV4, whose date must
//    be fresh) is computed for the request that is actually sent. Headers that carry secrets are
//    never logged or put into a message.
//  - TLS: the system CA store (libcurl's default), peer and host name verified; never disabled.
//  - Proxies: none. Storage endpoints are reached directly (a proxy variable in the environment
//    would otherwise send Kerberos or S3 credentials to it).
//  - Thread-compatible: one Client is used by one thread at a time.

#include "util/result.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::http {

struct Header {
  std::string name; // as sent; in a Response: lower-cased
  std::string value;
};

struct Request {
  std::string method = "GET"; // GET, HEAD, PUT, POST, DELETE
  std::string url;            // absolute http:// or https:// URL, path and query already encoded
  std::vector<Header> headers;
  std::string body;
  bool follow_redirects = false;                      // WebHDFS OPEN answers 307 to a DataNode
  std::size_t max_body_bytes = std::size_t{64} << 20; // a larger answer is an error
  std::string what; // for messages, e.g. "LISTSTATUS /flink/ha/default"; never a secret
};

struct Response {
  long status = 0;
  std::vector<Header> headers; // names lower-cased, in the order received (last response only)
  std::string body;
  int attempts = 1;
  std::optional<std::string_view> header(std::string_view lower_case_name) const;
};

// How requests authenticate at the HTTP level. WebHDFS simple authentication is a query
// parameter (user.name) and S3 signs in `sign`: both are Auth::none here.
enum class Auth {
  none,
  negotiate, // SPNEGO (RFC 4559) with the user's Kerberos ticket cache (libcurl GSS-API)
};

struct ClientOptions {
  std::int64_t budget_ms = 30'000;          // per request, all attempts and backoff included
  std::int64_t connect_timeout_ms = 10'000; // one attempt's TCP + TLS connect (capped by budget)
  std::size_t max_in_flight = 32;           // concurrent requests in perform_all
  Auth auth = Auth::none;
  std::vector<long> retry_statuses = {500, 502, 503, 504};
  std::function<void(Request&)> sign; // before each attempt; may add headers
};

class Client {
public:
  // Errors: libcurl cannot be initialised, or lacks a feature the options need (GSS-API for
  // Auth::negotiate, TLS).
  static Result<std::unique_ptr<Client>> create(ClientOptions options);

  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // One request.
  Result<Response> perform(Request request);

  // Many, at most max_in_flight at a time on shared kept-alive connections; results in the
  // order of `requests`. One request's failure never cancels the others.
  std::vector<Result<Response>> perform_all(std::vector<Request> requests);

  const ClientOptions& options() const { return m_options; }

private:
  struct Impl;
  explicit Client(ClientOptions options, std::unique_ptr<Impl> impl);
  ClientOptions m_options;
  std::unique_ptr<Impl> m_impl;
};

// RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - _ . ~),
// and of '/' too unless keep_slash: S3's UriEncode (SigV4) and WebHDFS path segments.
std::string percent_encode(std::string_view text, bool keep_slash);

// "scheme://host:port" of a URL, for messages (no path, no query, no user info).
std::string origin_of(std::string_view url);

} // namespace flinkha::http
