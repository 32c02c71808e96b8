#include "config/hadoop_namenodes.hpp"

#include "config/ha_paths.hpp"
#include "config/hosts_files.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace flinkha::config {

namespace {

constexpr int kHttpPort = 9870;  // HdfsClientConfigKeys.DFS_NAMENODE_HTTP_PORT_DEFAULT
constexpr int kHttpsPort = 9871; // DFS_NAMENODE_HTTPS_PORT_DEFAULT

bool is_wildcard(std::string_view host) {
  return host == "0.0.0.0" || host == "::" || host == "0:0:0:0:0:0:0:0";
}

// The host part of an authority ("nn:8020" → "nn", "[::1]:8020" → "::1").
std::string_view host_of(std::string_view authority) {
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);
  }
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    return close == std::string_view::npos ? authority : authority.substr(1, close - 1);
  }
  const auto colon = authority.find(':');
  return colon == std::string_view::npos ? authority : authority.substr(0, colon);
}

std::string files_read(const HadoopConf& conf) {
  if (conf.loaded.empty()) {
    return "no Hadoop configuration file was found";
  }
  std::vector<std::string> names;
  for (const auto& path : conf.loaded) {
    names.push_back(path.string());
  }
  return fmt::format("read: {}", fmt::join(names, ", "));
}

std::string source_of(const HadoopConf& conf, const std::string& key) {
  if (const auto* property = conf.find(key)) {
    return fmt::format("{} ({})", key, to_string(property->where));
  }
  return fmt::format("{} (default)", key);
}

// The address under `key`, with `fallback` (a default, or nothing) when unset.
Result<std::optional<NameNodeAddress>> address_at(const HadoopConf& conf, const std::string& key,
                                                  std::optional<std::string_view> fallback,
                                                  int default_port) {
  auto text = conf.get(key);
  if (!text && fallback) {
    text = std::string(*fallback);
  }
  if (!text) {
    return std::optional<NameNodeAddress>{};
  }
  auto address = parse_hadoop_address(util::trim(*text), default_port);
  if (!address) {
    return fail(ErrorCategory::configuration,
                fmt::format("{}: {}", source_of(conf, key), address.error().message),
                "write the NameNode's address as host:port");
  }
  address->source = source_of(conf, key);
  return std::optional<NameNodeAddress>(std::move(*address));
}

// A wildcard HTTP address takes the host of the RPC address under `rpc_key`.
void replace_wildcard(NameNodeAddress& address, const HadoopConf& conf,
                      const std::string& rpc_key) {
  if (!is_wildcard(address.host)) {
    return;
  }
  if (auto rpc = conf.get(rpc_key)) {
    if (auto parsed = parse_hadoop_address(util::trim(*rpc), 8020);
        parsed && !is_wildcard(parsed->host)) {
      address.host = parsed->host;
      address.source += fmt::format(", host from {}", source_of(conf, rpc_key));
    }
  }
}

} // namespace

Result<NameNodeAddress> parse_hadoop_address(std::string_view text, int default_port) {
  if (text.empty()) {
    return fail(ErrorCategory::configuration, "empty address");
  }
  const bool bracketed = text.starts_with('[');
  const bool has_port = bracketed ? text.find("]:") != std::string_view::npos
                                  : text.find(':') != std::string_view::npos;
  if (!has_port) {
    const auto host = bracketed ? text.substr(1, text.size() - 2) : text;
    if (auto why = validate_host(host)) {
      return failf(ErrorCategory::configuration, "'{}' is not a host: it {}", util::printable(text),
                   *why);
    }
    return NameNodeAddress{std::string(host), default_port, {}, {}};
  }
  // The one host:port rule (as for quorum entries): validate_host and a port 1–65535.
  auto server = parse_quorum_server(text);
  if (!server) {
    return failf(ErrorCategory::configuration,
                 "'{}' is not host:port (a host name or address, then a port from 1 to 65535)",
                 util::printable(text));
  }
  return NameNodeAddress{std::move(server->host), server->port, {}, {}};
}

Result<WebHdfsTarget> resolve_webhdfs(std::string_view scheme_text, std::string_view authority,
                                      const HadoopConf& conf) {
  const std::string scheme = util::to_lower(scheme_text);
  WebHdfsTarget target;
  target.authority = std::string(authority);
  target.authority_source = "the URI";
  if (authority.empty()) {
    const auto default_fs = conf.get("fs.defaultFS").value_or("file:///");
    const util::FlinkPath split = util::parse_flink_path(util::trim(default_fs));
    if (!util::iequals(split.scheme, scheme) || split.authority.empty()) {
      return fail(ErrorCategory::configuration,
                  fmt::format("{}:/// names no NameNode and fs.defaultFS is '{}' ({}; {})", scheme,
                              util::printable(default_fs), conf.where_of("fs.defaultFS"),
                              files_read(conf)),
                  fmt::format("write the NameNode into high-availability.storageDir "
                              "({}://namenode:8020/...), or set fs.defaultFS to {}://<namenode or "
                              "nameservice> in core-site.xml where Flink reads it "
                              "($HADOOP_CONF_DIR, env.hadoop.conf.dir)",
                              scheme, scheme));
    }
    target.authority = split.authority;
    target.authority_source = source_of(conf, "fs.defaultFS");
  }
  if (auto bad = check_value_bytes(target.authority)) {
    return failf(ErrorCategory::configuration, "the authority '{}' {}",
                 util::printable(target.authority), *bad);
  }
  const std::string host(host_of(target.authority));
  if (scheme == "swebhdfs") {
    target.https = true;
  } else if (scheme == "hdfs") {
    target.https = util::to_lower(util::trim(conf.get("dfs.http.policy").value_or("HTTP_ONLY"))) ==
                   "https_only";
  }
  const std::string http_key =
      target.https ? "dfs.namenode.https-address" : "dfs.namenode.http-address";
  const int default_port = target.https ? kHttpsPort : kHttpPort;

  const auto nameservices = hadoop_trimmed_strings(conf.get("dfs.nameservices").value_or(""));
  if (std::ranges::find(nameservices, host) != nameservices.end()) {
    target.nameservice = host;
    auto ids = hadoop_trimmed_strings(conf.get("dfs.ha.namenodes." + host).value_or(""));
    std::vector<std::string> missing;
    if (ids.empty()) {
      ids.emplace_back(); // one NameNode: the keys end in .<ns>
    }
    for (const auto& id : ids) {
      const std::string suffix = id.empty() ? host : host + "." + id;
      auto address = address_at(conf, http_key + "." + suffix, std::nullopt, default_port);
      if (!address) {
        return std::unexpected(address.error());
      }
      if (!*address) {
        missing.push_back(http_key + "." + suffix);
        continue;
      }
      (*address)->id = id;
      replace_wildcard(**address, conf, "dfs.namenode.rpc-address." + suffix);
      target.namenodes.push_back(std::move(**address));
    }
    if (target.namenodes.empty()) {
      return fail(ErrorCategory::configuration,
                  fmt::format("nameservice {} ({}) has no NameNode web address: {} {} not set "
                              "({})",
                              host, target.authority_source, fmt::join(missing, ", "),
                              missing.size() == 1 ? "is" : "are", files_read(conf)),
                  fmt::format("set {} in hdfs-site.xml to each NameNode's host:port", missing[0]));
    }
    return target;
  }

  auto from_uri = parse_hadoop_address(target.authority, scheme == "hdfs" ? 8020 : default_port);
  if (!from_uri) {
    return fail(ErrorCategory::configuration,
                fmt::format("the NameNode address in {} is wrong: {}", target.authority_source,
                            from_uri.error().message),
                "write hdfs://host:port/path (a host name or address, and the RPC port)");
  }
  if (scheme != "hdfs") {
    from_uri->source = target.authority_source;
    target.namenodes.push_back(std::move(*from_uri));
    return target;
  }
  // hdfs://: the RPC address; the web address is the configured one.
  auto configured =
      address_at(conf, http_key, target.https ? "0.0.0.0:9871" : "0.0.0.0:9870", default_port);
  if (!configured) {
    return std::unexpected(configured.error());
  }
  NameNodeAddress address = std::move(**configured);
  const auto names_this = [&](const char* key) {
    const auto value = conf.get(key);
    if (!value) {
      return false;
    }
    const util::FlinkPath split = util::parse_flink_path(util::trim(*value));
    const std::string_view other = split.authority.empty() ? util::trim(*value) : split.authority;
    return util::iequals(host_of(other), from_uri->host);
  };
  if (is_wildcard(address.host) ||
      !(names_this("fs.defaultFS") || names_this("dfs.namenode.rpc-address"))) {
    address.host = from_uri->host;
    address.source =
        fmt::format("host from {}, port from {}", target.authority_source, address.source);
  }
  target.namenodes.push_back(std::move(address));
  return target;
}

} // namespace flinkha::config
