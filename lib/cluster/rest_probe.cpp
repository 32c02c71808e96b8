#include "cluster/rest_probe.hpp"

#include "config/hosts_files.hpp"
#include "util/strings.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <memory>
#include <mutex>
#include <thread>

namespace flinkha::cluster {

namespace {

using Clock = std::chrono::steady_clock;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  constexpr std::size_t kMaxBody = 1 << 20; // an overview is a few hundred bytes
  if (body->size() + size * count > kMaxBody) {
    return 0; // aborts the transfer
  }
  body->append(data, size * count);
  return size * count;
}

int int_field(const nlohmann::json& json, const char* key) {
  const auto it = json.find(key);
  return it != json.end() && it->is_number_integer() ? it->get<int>() : 0;
}

// rest.port as Flink's RestOptions.PORT reads it (an int, 8081 by default); a value Flink would
// refuse is a configuration error here too, rather than a probe of a port nobody listens on.
Result<int> rest_port(const config::ClusterConfig& config) {
  const auto text = config.value("rest.port");
  if (!text) {
    return 8081;
  }
  const auto value = util::trim(*text);
  int port = 0;
  const auto* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, port);
  if (ec != std::errc{} || ptr != end || port < 1 || port > 65535) {
    return fail(
        ErrorCategory::configuration,
        fmt::format("rest.port: \"{}\" is not a port (1-65535)", util::printable(*text, 80)),
        "fix rest.port in the Flink configuration (`flinkha config check` names the line)");
  }
  return port;
}

} // namespace

std::string RestEndpoint::url() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}/overview", ipv6 ? "[" : "", host, ipv6 ? "]" : "", port);
}

Result<std::vector<RestEndpoint>> rest_endpoints(const config::ClusterConfig& config) {
  const auto port = rest_port(config);
  if (!port) {
    return std::unexpected(port.error());
  }
  std::vector<RestEndpoint> endpoints;
  if (config.ha.zookeeper && config.masters) {
    for (const auto& master : config.masters->masters) {
      endpoints.push_back({master.host, master.web_ui_port > 0 ? master.web_ui_port : *port});
    }
    return endpoints;
  }
  auto host = std::string(util::trim(config.value("rest.address").value_or("localhost")));
  if (host.empty()) {
    host = "localhost";
  }
  if (auto bad = config::validate_host(host)) {
    return fail(
        ErrorCategory::configuration, fmt::format("rest.address: {}", *bad),
        "fix rest.address in the Flink configuration (`flinkha config check` names the line)");
  }
  endpoints.push_back({host, *port});
  return endpoints;
}

Result<RestStatus> parse_overview(std::string_view body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) {
    return fail("the /overview answer is not a JSON object");
  }
  RestStatus status;
  status.reachable = true;
  status.taskmanagers = int_field(json, "taskmanagers");
  status.slots_total = int_field(json, "slots-total");
  status.slots_available = int_field(json, "slots-available");
  if (const auto it = json.find("flink-version"); it != json.end() && it->is_string()) {
    status.flink_version = it->get<std::string>();
  }
  return status;
}

RestStatus probe_overview(const RestEndpoint& endpoint, const RestProbeOptions& options) {
  init_curl_once();
  const auto started = Clock::now();
  RestStatus status;
  status.endpoint = endpoint;
  const auto finish = [&](RestStatus&& s) {
    s.endpoint = endpoint;
    s.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    return std::move(s);
  };
  if (auto why = config::validate_host(endpoint.host)) {
    status.error = fmt::format("invalid host '{}': {}", endpoint.host, *why);
    return finish(std::move(status));
  }
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) {
    status.error = "libcurl could not create a handle";
    return finish(std::move(status));
  }
  const auto url = endpoint.url();
  std::string body;
  char error_buffer[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L); // timeouts without SIGALRM (threads)
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS,
                   static_cast<long>(options.total_timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_NOPROXY, "*"); // a JobManager is never behind a proxy
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error_buffer);
  const auto code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) {
    status.error =
        error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(code));
    return finish(std::move(status));
  }
  long http = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &http);
  status.http_status = http;
  if (http != 200) {
    status.error = fmt::format("HTTP {}", http);
    return finish(std::move(status));
  }
  auto parsed = parse_overview(body);
  if (!parsed) {
    status.error = parsed.error().message;
    return finish(std::move(status));
  }
  parsed->http_status = http;
  return finish(std::move(*parsed));
}

std::vector<RestStatus> probe_all(std::span<const RestEndpoint> endpoints,
                                  const RestProbeOptions& options) {
  std::vector<RestStatus> results(endpoints.size());
  std::vector<std::thread> threads;
  threads.reserve(endpoints.size());
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    try {
      threads.emplace_back([&, i] { results[i] = probe_overview(endpoints[i], options); });
    } catch (const std::system_error&) {
      results[i] = probe_overview(endpoints[i], options); // no thread: probe here
    }
  }
  for (auto& thread : threads) {
    thread.join();
  }
  return results;
}

} // namespace flinkha::cluster
