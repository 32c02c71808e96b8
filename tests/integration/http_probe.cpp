// flinkha_http_probe: sends requests through lib/http's Client and prints each outcome as a JSON
// line, so test_http_client.py can check the client's retries, concurrency, keep-alive and time
// budget against a real HTTP server on loopback. Not installed; not a user tool.
//
//   flinkha_http_probe [--budget-ms N] [--in-flight K] [--max-body B] [--method M] URL...
//
// Every URL is one request; all go through one perform_all call. Exit status: 0 when the lines
// were printed (whatever the server did), 64 usage.

#include "http/client.hpp"

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <iostream>
#include <string>
#include <vector>

using namespace flinkha;

int main(int argc, char** argv) {
  CLI::App app{"flinkha_http_probe"};
  std::int64_t budget_ms = 5'000;
  std::size_t in_flight = 8;
  std::size_t max_body = 1 << 20;
  std::string method = "GET";
  std::string body;
  std::vector<std::string> urls;
  app.add_option("--budget-ms", budget_ms);
  app.add_option("--in-flight", in_flight);
  app.add_option("--max-body", max_body);
  app.add_option("--method", method);
  app.add_option("--body", body);
  app.add_option("urls", urls)->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 64;
  }
  http::ClientOptions options;
  options.budget_ms = budget_ms;
  options.max_in_flight = in_flight;
  auto client = http::Client::create(options);
  if (!client) {
    std::cerr << client.error().message << "\n";
    return 2;
  }
  std::vector<http::Request> requests;
  for (const auto& url : urls) {
    http::Request request;
    request.method = method;
    request.url = url;
    request.body = body;
    request.max_body_bytes = max_body;
    request.what = "probe " + method;
    requests.push_back(std::move(request));
  }
  for (const auto& result : (*client)->perform_all(std::move(requests))) {
    nlohmann::json line;
    if (result) {
      line = {{"status", result->status},
              {"attempts", result->attempts},
              {"body", result->body},
              {"server", result->header("server").value_or("")}};
    } else {
      line = {{"error", result.error().message},
              {"hint", result.error().hint},
              {"category", static_cast<int>(result.error().category)}};
    }
    std::cout << line.dump() << "\n";
  }
  return 0;
}
