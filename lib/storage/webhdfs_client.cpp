#include "storage/webhdfs_client.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace flinkha::storage {

namespace {

bool is_standby(const http::Response& response) {
  return response.status == 403 && exception_name(response) == "StandbyException";
}

std::string first_line(std::string_view text) {
  const auto newline = text.find('\n');
  return util::printable(text.substr(0, newline), 300);
}

} // namespace

std::string namenode_name(const config::NameNodeAddress& namenode) {
  if (namenode.host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", namenode.host, namenode.port);
  }
  return fmt::format("{}:{}", namenode.host, namenode.port);
}

WebHdfsClient::WebHdfsClient(config::WebHdfsTarget target, std::optional<std::string> user,
                             HttpSender sender)
    : m_target(std::move(target)), m_user(std::move(user)), m_sender(std::move(sender)) {}

std::string WebHdfsClient::active() const {
  return m_target.namenodes.empty() ? std::string("no NameNode")
                                    : namenode_name(m_target.namenodes[m_active]);
}

std::string WebHdfsClient::url(const config::NameNodeAddress& namenode,
                               const WebHdfsCall& call) const {
  std::string url =
      fmt::format("{}://{}/webhdfs/v1{}?op={}", m_target.https ? "https" : "http",
                  namenode_name(namenode), http::percent_encode(call.path, true), call.op);
  if (m_user) {
    url += "&user.name=" + http::percent_encode(*m_user, false);
  }
  for (const auto& [name, value] : call.params) {
    url += fmt::format("&{}={}", http::percent_encode(name, false),
                       http::percent_encode(value, false));
  }
  return url;
}

Result<http::Response> WebHdfsClient::send_to_datanode(const std::string& location,
                                                       std::string content, std::string what) {
  if (!location.starts_with("http://") && !location.starts_with("https://")) {
    return failf(ErrorCategory::failed, "{}: the NameNode's redirect names no DataNode URL ('{}')",
                 what, util::printable(http::origin_of(location), 120));
  }
  http::Request request;
  request.method = "PUT";
  request.url = location;
  request.headers.push_back({"Content-Type", "application/octet-stream"});
  request.body = std::move(content);
  request.follow_redirects = false;
  request.max_body_bytes = std::size_t{1} << 20;
  request.what = std::move(what);
  std::vector<http::Request> requests;
  requests.push_back(std::move(request));
  auto responses = m_sender(std::move(requests));
  return std::move(responses.front());
}

Result<http::Response> WebHdfsClient::send(const WebHdfsCall& call) {
  auto results = send(std::vector<WebHdfsCall>{call});
  return std::move(results.front());
}

std::vector<Result<http::Response>> WebHdfsClient::send(const std::vector<WebHdfsCall>& calls) {
  std::vector<Result<http::Response>> results(calls.size(),
                                              fail(ErrorCategory::unreachable, "not sent"));
  std::vector<std::vector<std::string>> said(calls.size()); // per call: what each NameNode said
  std::vector<std::size_t> pending(calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    pending[i] = i;
  }
  const std::size_t count = m_target.namenodes.size();
  const std::size_t first = m_active; // each NameNode once per call, from the one used last
  for (std::size_t attempt = 0; attempt < count && !pending.empty(); ++attempt) {
    const std::size_t index = (first + attempt) % count;
    const auto& namenode = m_target.namenodes[index];
    std::vector<http::Request> requests;
    requests.reserve(pending.size());
    for (const auto i : pending) {
      const auto& call = calls[i];
      http::Request request;
      request.method = call.method;
      request.url = url(namenode, call);
      request.follow_redirects = call.follow_redirects;
      request.max_body_bytes = call.max_body_bytes;
      request.what = fmt::format("{} {}", call.op, util::printable(call.path, 200));
      requests.push_back(std::move(request));
    }
    auto responses = m_sender(std::move(requests));
    std::vector<std::size_t> next;
    bool answered = false;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const auto i = pending[k];
      auto& response = responses[k];
      const std::string who =
          fmt::format("NameNode {}{} ({})", namenode_name(namenode),
                      namenode.id.empty() ? "" : " [" + namenode.id + "]", namenode.source);
      if (!response && response.error().category != ErrorCategory::unreachable) {
        // The NameNode answered, but the answer is unusable (too large, refused): another
        // NameNode would not answer better. Passed on as it is.
        results[i] = std::move(response);
        answered = true;
        continue;
      }
      if (!response) {
        said[i].push_back(fmt::format("{}: {}", who, response.error().message));
        next.push_back(i);
        continue;
      }
      if (is_standby(*response)) {
        said[i].push_back(fmt::format("{}: is standby", who));
        next.push_back(i);
        continue;
      }
      answered = true;
      results[i] = std::move(response);
    }
    if (answered) {
      m_active = index;
    }
    pending = std::move(next);
  }
  for (const auto i : pending) {
    const bool all_standby = std::ranges::all_of(
        said[i], [](const std::string& text) { return text.ends_with(": is standby"); });
    results[i] = fail(
        ErrorCategory::unreachable,
        fmt::format("{} {}: no active NameNode answered{}: {}", calls[i].op,
                    util::printable(calls[i].path, 200),
                    m_target.nameservice.empty() ? "" : " in nameservice " + m_target.nameservice,
                    fmt::join(said[i], "; ")),
        all_standby ? "every NameNode is standby: make one active (hdfs haadmin "
                      "-getAllServiceState; -transitionToActive), or wait for the failover"
                    : "check that the NameNode is up and that its HTTP address is right (the "
                      "address's source is named above)");
  }
  return results;
}

std::optional<std::string> exception_name(const http::Response& response) {
  if (auto exception = parse_remote_exception(response.body)) {
    return exception->exception;
  }
  return std::nullopt;
}

bool is_not_found(const http::Response& response) {
  if (response.status != 404) {
    return false;
  }
  const auto name = exception_name(response);
  return name.has_value();
}

bool is_unknown_op(const http::Response& response) {
  if (response.status != 400) {
    return false;
  }
  const auto exception = parse_remote_exception(response.body);
  return exception && exception->exception == "IllegalArgumentException" &&
         exception->message.find("\"op\"") != std::string::npos;
}

Error webhdfs_error(const http::Response& response, std::string_view action,
                    std::string_view path_text, std::string_view namenode,
                    const std::optional<std::string>& user) {
  const auto exception = parse_remote_exception(response.body);
  const std::string name = exception ? exception->exception : std::string();
  const std::string message = exception ? first_line(exception->message) : std::string();
  const std::string who = user ? fmt::format("user {}", *user) : "the Kerberos principal";
  if (response.status == 401 || name == "SecurityException" || name == "AuthenticationException") {
    return {fmt::format("{} {}: NameNode {} refused the authentication of {}{}", action, path_text,
                        namenode, who, message.empty() ? "" : ": " + message),
            user ? "this NameNode wants Kerberos: set hadoop.security.authentication: kerberos in "
                   "core-site.xml where Flink reads it, and kinit"
                 : "Kerberos: no valid ticket for the NameNode's SPNEGO principal; kinit (klist "
                   "shows the ticket cache)",
            ErrorCategory::refused};
  }
  if (name == "AccessControlException") {
    return {fmt::format("{} {}: permission denied for {} on NameNode {}: {}", action, path_text,
                        who, namenode, message),
            user ? fmt::format("grant {} access (hdfs dfs -chmod / -chown), or run as the owner "
                               "of the HA data (HADOOP_USER_NAME)",
                               *user)
                 : "grant the principal access (hdfs dfs -chmod / -chown), or kinit as the owner",
            ErrorCategory::refused};
  }
  if (name == "SafeModeException" ||
      (name == "RetriableException" &&
       util::to_lower(message).find("safe mode") != std::string::npos)) {
    return {fmt::format("{} {}: NameNode {} is in safe mode; nothing was {}", action, path_text,
                        namenode, action == "write" ? "written" : "deleted"),
            "wait until the NameNode leaves safe mode, or `hdfs dfsadmin -safemode leave`",
            ErrorCategory::failed};
  }
  if (name == "PathIsNotEmptyDirectoryException") {
    return {fmt::format("{} {}: directory not empty; left alone", action, path_text),
            {},
            ErrorCategory::failed};
  }
  if (name == "FileAlreadyExistsException") {
    return {fmt::format("{} {}: already exists; not replaced", action, path_text),
            {},
            ErrorCategory::refused};
  }
  if (name == "StandbyException") {
    return {fmt::format("{} {}: NameNode {} is standby", action, path_text, namenode),
            "make a NameNode active (hdfs haadmin -getAllServiceState)",
            ErrorCategory::unreachable};
  }
  if (!exception) {
    return {fmt::format("{} {}: {} did not answer as a WebHDFS NameNode (HTTP status {}, {})",
                        action, path_text, namenode, response.status,
                        util::printable(response.body, 120)),
            "check the NameNode's HTTP address (dfs.namenode.http-address) and that WebHDFS is "
            "enabled (dfs.webhdfs.enabled)",
            ErrorCategory::unreachable};
  }
  return {fmt::format("{} {}: NameNode {}: {}: {}", action, path_text, namenode, name, message),
          {},
          ErrorCategory::failed};
}

} // namespace flinkha::storage
