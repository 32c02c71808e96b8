#include "config/lint.hpp"

#include "config/lint_hdfs.hpp"
#include "config/lint_s3.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <pugixml.hpp>
#include <set>

namespace flinkha::config {

namespace {

// Integer.valueOf semantics for a trimmed element: optional sign, decimal digits only.
std::optional<long> parse_java_int(std::string_view text) {
  long value = 0;
  const auto* first = text.data();
  if (!text.empty() && text.front() == '+') {
    ++first;
  }
  const auto* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last || first == last) {
    return std::nullopt;
  }
  return value;
}

// Where an option's value came from, for a diagnostic: its file:line, or the conf dir's main
// configuration file when it is a default.
SourceLocation where_of(const ClusterConfig& config, std::string_view canonical_key) {
  if (const auto* option = config.option(canonical_key); option != nullptr && !option->is_default) {
    return option->where;
  }
  return {config.flink_conf.path.filename().string(), 0};
}

class Linter {
public:
  Linter(const ClusterConfig& config, const Environment& environment)
      : m_config(config), m_environment(environment) {}

  Diagnostics run() {
    m_out = m_config.diagnostics;
    check_ha_basics();
    check_masters();
    check_quorum_against_zoo_cfg();
    check_voters();
    check_quorum_entries();
    check_cluster_id();
    check_jobmanager_port();
    check_ports();
    check_hosts();
    check_paths();
    check_acl();
    check_tolerate_suspended();
    check_yarn_attempts();
    check_conflicting_keys();
    check_zk_launcher();
    lint_s3(m_config, m_out);
    return std::move(m_out);
  }

private:
  void add(Severity severity, std::string code, SourceLocation where, std::string message,
           std::string hint = {}) {
    m_out.push_back(
        {severity, std::move(code), std::move(where), std::move(message), std::move(hint)});
  }

  bool zookeeper_ha() const { return m_config.ha.zookeeper; }

  void check_ha_basics() {
    const auto& mode = m_config.ha.mode;
    if (mode != "none" && mode != "zookeeper" && mode != "kubernetes" &&
        mode.find('.') == std::string::npos) {
      add(Severity::warning, "ha-unknown-type", where_of(m_config, "high-availability.type"),
          fmt::format("high-availability.type '{}' is neither NONE, ZOOKEEPER nor KUBERNETES; "
                      "Flink will try to load it as a factory class",
                      mode),
          "use 'zookeeper' for ZooKeeper HA");
    }
    if (!zookeeper_ha()) {
      return;
    }
    if (m_config.ha.quorum.empty()) {
      add(Severity::error, "ha-no-quorum", where_of(m_config, "high-availability.type"),
          "ZooKeeper HA is enabled but high-availability.zookeeper.quorum is not set; "
          "the JobManagers will fail to start",
          "set high-availability.zookeeper.quorum: host1:2181,host2:2181,host3:2181");
    }
    if (!m_config.ha.storage_dir) {
      add(Severity::error, "ha-no-storage-dir", where_of(m_config, "high-availability.type"),
          "ZooKeeper HA is enabled but high-availability.storageDir is not set; "
          "the JobManagers will fail to start",
          "set high-availability.storageDir to a shared file system path, e.g. hdfs:///flink/ha");
    }
    if (!m_config.masters) {
      add(Severity::warning, "ha-no-masters", {m_config.flink_conf.path.filename().string(), 0},
          "ZooKeeper HA is enabled but conf/masters does not exist; start-cluster cannot "
          "start any JobManager",
          "list one JobManager per line in conf/masters: host:webuiport");
    }
  }

  void check_masters() {
    if (!m_config.masters) {
      return;
    }
    const auto& masters = m_config.masters->masters;
    if (!zookeeper_ha()) {
      // The shipped default (one localhost:8081 line) is harmless; anything else suggests the
      // operator expects HA masters that Flink will not start.
      const bool shipped_default =
          masters.size() == 1 && masters[0].host == "localhost" && masters[0].web_ui_port == 8081;
      if (!masters.empty() && !shipped_default) {
        add(Severity::warning, "masters-ignored", {"masters", 0},
            fmt::format("conf/masters lists {} JobManager(s) but HA is off (high-availability.type "
                        "is '{}'); Flink ignores masters and starts one local JobManager",
                        masters.size(), m_config.ha.mode),
            "set high-availability.type: zookeeper, or reduce masters to the local JobManager");
      }
      return;
    }
    for (const auto& master : masters) {
      if (!master.port_given) {
        add(Severity::warning, "masters-no-port", master.where,
            fmt::format("masters entry '{}' has no web UI port; Flink passes 0 and the REST "
                        "endpoint binds a random port",
                        master.host),
            fmt::format("write {}:8081 (each JobManager on one host needs its own port)",
                        master.host));
      }
    }
    std::set<std::pair<std::string, int>> seen;
    for (const auto& master : masters) {
      if (master.port_given && !seen.insert({master.host, master.web_ui_port}).second) {
        add(Severity::error, "masters-duplicate", master.where,
            fmt::format("masters lists {}:{} twice; the second JobManager cannot bind its port",
                        master.host, master.web_ui_port));
      }
    }
  }

  void check_quorum_against_zoo_cfg() {
    if (!zookeeper_ha() || !m_config.zoo_cfg || m_config.ha.quorum.empty() ||
        m_config.zoo_cfg->servers.empty()) {
      return;
    }
    std::set<std::string> expected;
    for (const auto& server : m_config.zoo_cfg->servers) {
      expected.insert(fmt::format("{}:{}", server.host, m_config.zoo_cfg->client_port_of(server)));
    }
    // Rendered printable: a bad entry (reported as bad-quorum-entry) must not put control bytes
    // into this message.
    std::set<std::string> actual;
    for (const auto& entry : m_config.ha.quorum) {
      actual.insert(util::printable(entry));
    }
    std::vector<std::string> missing;
    std::vector<std::string> extra;
    std::ranges::set_difference(expected, actual, std::back_inserter(missing));
    std::ranges::set_difference(actual, expected, std::back_inserter(extra));
    if (missing.empty() && extra.empty()) {
      return;
    }
    std::string detail;
    if (!extra.empty()) {
      detail += fmt::format("; not in zoo.cfg: {}", fmt::join(extra, ", "));
    }
    if (!missing.empty()) {
      detail +=
          fmt::format("; zoo.cfg servers missing from the quorum: {}", fmt::join(missing, ", "));
    }
    add(Severity::warning, "quorum-mismatch",
        where_of(m_config, "high-availability.zookeeper.quorum"),
        "high-availability.zookeeper.quorum does not name the servers of conf/zoo.cfg" + detail,
        fmt::format("set high-availability.zookeeper.quorum: {}", fmt::join(expected, ",")));
  }

  void check_voters() {
    if (!m_config.zoo_cfg) {
      return;
    }
    const auto voters = std::ranges::count_if(m_config.zoo_cfg->servers,
                                              [](const ZkServer& s) { return s.is_voter(); });
    if (voters > 1 && voters % 2 == 0) {
      add(Severity::warning, "even-voters", {"zoo.cfg", 0},
          fmt::format("zoo.cfg has {} voting servers; an even ensemble tolerates no more failures "
                      "than {} servers and needs a larger majority",
                      voters, voters - 1),
          "use an odd number of voters (3 or 5); extra servers can be observers");
    }
  }

  void check_cluster_id() {
    if (!zookeeper_ha()) {
      return;
    }
    const auto* cluster_id = m_config.option("high-availability.cluster-id");
    if (cluster_id == nullptr || !cluster_id->applicable) {
      return;
    }
    check_cluster_id_shape(*cluster_id);
    const auto target = util::to_lower(m_config.value("execution.target").value_or(""));
    const bool managed = target.starts_with("yarn") || target.starts_with("kubernetes");
    if (managed && !cluster_id->is_default) {
      add(Severity::warning, "cluster-id-managed", cluster_id->where,
          fmt::format("high-availability.cluster-id is set while execution.target is '{}'; YARN "
                      "and Kubernetes pick a unique cluster-id per application, and a fixed one "
                      "makes every application share (and clean up) the same HA data",
                      target),
          "remove high-availability.cluster-id for YARN/Kubernetes deployments");
    } else if (!managed && util::java_trim(cluster_id->value.value_or("")) == "/default") {
      add(Severity::warning, "default-cluster-id",
          where_of(m_config, "high-availability.cluster-id"),
          "high-availability.cluster-id is /default; every cluster on this ZooKeeper ensemble "
          "with the default shares one namespace and storage dir, and they clean up each "
          "other's jobs",
          "set high-availability.cluster-id to a name unique to this cluster");
    }
  }

  // The one cluster-id rule (check_cluster_id), the one cleanup and the HA context apply.
  void check_cluster_id_shape(const ResolvedOption& cluster_id) {
    const std::string value(util::java_trim(cluster_id.value.value_or("")));
    if (auto checked = config::check_cluster_id(value); !checked) {
      add(Severity::error, "bad-cluster-id", where_of(m_config, "high-availability.cluster-id"),
          "high-availability.cluster-id: " + checked.error().message,
          "use a plain name unique to this cluster, e.g. /prod-analytics");
    }
  }

  // Every entry of the connect string by the rule the ZooKeeper commands apply before they
  // connect (parse_quorum_server): a bad host or port is an error of its own, not only a
  // mismatch with zoo.cfg.
  void check_quorum_entries() {
    const auto* quorum = m_config.option("high-availability.zookeeper.quorum");
    if (!zookeeper_ha() || quorum == nullptr || !quorum->applicable || !quorum->value) {
      return;
    }
    for (const auto& entry : m_config.ha.quorum) {
      if (auto server = parse_quorum_server(entry); !server) {
        add(Severity::error, "bad-quorum-entry", quorum->where,
            "high-availability.zookeeper.quorum: " + server.error().message, server.error().hint);
      }
    }
  }

  void check_jobmanager_port() {
    const auto* port = m_config.option("high-availability.jobmanager.port");
    if (port == nullptr || !port->value || port->is_default) {
      return;
    }
    if (auto ranges = parse_port_range(*port->value); !ranges) {
      add(Severity::error, "bad-port-range", port->where,
          fmt::format("high-availability.jobmanager.port '{}' is not a port range: {}",
                      *port->value, ranges.error().message),
          "write single ports and ranges separated by commas, e.g. 50000-50025,50100");
    }
  }

  // Flink's port options (RestOptions, BlobServerOptions, JobManagerOptions, TaskManagerOptions,
  // NettyShuffleEnvironmentOptions, MetricOptions, QueryableStateOptions, HistoryServerOptions),
  // every key a version reads, deprecated ones included. Integer options take one port; String
  // options take NetUtils.getPortRangeFromString's list of ports and ranges.
  void check_ports() {
    struct PortKey {
      std::string_view key;
      bool ranges;
    };
    static constexpr PortKey kPortKeys[] = {
        {"rest.port", false},
        {"web.port", false},
        {"jobmanager.web.port", false},
        {"rest.bind-port", true},
        {"jobmanager.rpc.port", false},
        {"jobmanager.rpc.bind-port", false},
        {"taskmanager.rpc.port", true},
        {"taskmanager.rpc.bind-port", false},
        {"taskmanager.data.port", false},
        {"taskmanager.data.bind-port", true},
        {"blob.server.port", true},
        {"metrics.internal.query-service.port", true},
        {"queryable-state.proxy.ports", true},
        {"queryable-state.server.ports", true},
        {"query.proxy.ports", true},
        {"query.server.ports", true},
        {"historyserver.web.port", false},
    };
    for (const auto& [key, ranges] : kPortKeys) {
      const auto* entry = m_config.flink_conf.config.find(key);
      if (entry == nullptr) {
        continue;
      }
      const auto value = util::java_trim(entry->value);
      if (ranges) {
        if (auto parsed = parse_port_range(value); !parsed) {
          add(Severity::error, "bad-port-range", entry->where,
              fmt::format("{} '{}' is not a port range: {}", key, util::printable(entry->value),
                          parsed.error().message),
              "write single ports and ranges separated by commas, e.g. 50100-50200,50300");
        }
        continue;
      }
      const auto port = parse_java_int(value);
      if (!port || *port < 0 || *port > 65535) {
        add(Severity::error, "bad-port", entry->where,
            fmt::format("{} '{}' is not a port number from 0 to 65535; Flink fails to start", key,
                        util::printable(entry->value)),
            "write one port, e.g. 8081 (this option takes no range)");
      }
    }
  }

  // Host-valued options by the one host rule (validate_host, as for masters, workers and
  // zoo.cfg): a ';', a newline or a leading '-' in an address reaches ssh, a shell or a URL.
  void check_hosts() {
    static constexpr std::string_view kHostKeys[] = {
        "jobmanager.rpc.address",    "jobmanager.bind-host", "rest.address",
        "rest.bind-address",         "web.address",          "jobmanager.web.address",
        "taskmanager.host",          "taskmanager.hostname", "taskmanager.bind-host",
        "historyserver.web.address",
    };
    for (const auto key : kHostKeys) {
      const auto* entry = m_config.flink_conf.config.find(key);
      if (entry == nullptr || util::java_trim(entry->value).empty()) {
        continue;
      }
      // Flink trims the value (String.trim), so only what is left must be a host; a control
      // byte in the middle stays and is refused.
      const auto host = util::java_trim(entry->value);
      if (auto why = validate_host(host)) {
        add(Severity::error, "bad-host", entry->where,
            fmt::format("{} '{}' is not a host name or address: it {}", key,
                        util::printable(entry->value), *why),
            "write a host name or an IP address, nothing else");
      }
    }
  }

  // Paths and the ZooKeeper root go into znode names, storage URIs and remote command lines:
  // a NUL, a newline or invalid UTF-8 there is never meant.
  void check_paths() {
    for (const auto key :
         {"high-availability.storageDir", "high-availability.zookeeper.path.root",
          "job-result-store.storage-path", "env.pid.dir", "env.log.dir", "env.java.home"}) {
      const auto* option = m_config.option(key);
      if (option == nullptr || !option->applicable || !option->value || option->is_default) {
        continue;
      }
      if (auto bad = check_value_bytes(*option->value)) {
        add(Severity::error, "bad-path", option->where,
            fmt::format("{} '{}' {}", key, util::printable(*option->value), *bad),
            "write a plain path or URI");
      }
    }
  }

  void check_acl() {
    const auto* acl = m_config.option("high-availability.zookeeper.client.acl");
    if (acl == nullptr || !acl->applicable || !acl->value) {
      return;
    }
    const auto value = util::to_lower(util::java_trim(*acl->value));
    if (value != "open" && value != "creator") {
      add(Severity::error, "bad-acl", acl->where,
          fmt::format("high-availability.zookeeper.client.acl '{}' is neither 'open' nor "
                      "'creator'; Flink refuses to start",
                      *acl->value));
      return;
    }
    const auto sasl_disabled =
        util::to_lower(util::java_trim(m_config.value("zookeeper.sasl.disable").value_or("false")));
    if (value == "creator" && sasl_disabled == "true") {
      add(Severity::error, "acl-creator-without-sasl", acl->where,
          "high-availability.zookeeper.client.acl is 'creator' but zookeeper.sasl.disable is "
          "true; Flink rejects this combination (creator ACLs need an authenticated session)",
          "enable SASL, or use acl: open");
    }
  }

  void check_tolerate_suspended() {
    const auto* option =
        m_config.option("high-availability.zookeeper.client.tolerate-suspended-connections");
    if (option == nullptr || !option->applicable || option->is_default || !option->value) {
      return;
    }
    if (util::to_lower(util::java_trim(*option->value)) == "true") {
      add(Severity::warning, "tolerate-suspended", option->where,
          "tolerate-suspended-connections is on: a JobManager keeps leadership while its "
          "ZooKeeper connection is SUSPENDED, so two leaders can act at once during a partition",
          "leave it off unless ZooKeeper connection flaps cause needless failovers");
    }
  }

  void check_yarn_attempts() {
    const auto attempts_text = m_config.value("yarn.application-attempts");
    const auto hadoop_conf = m_environment("HADOOP_CONF_DIR");
    if (!attempts_text || !hadoop_conf) {
      return;
    }
    const auto attempts = parse_java_int(util::java_trim(*attempts_text));
    const auto site = std::filesystem::path(*hadoop_conf) / "yarn-site.xml";
    pugi::xml_document doc;
    if (!attempts || !doc.load_file(site.c_str())) {
      return;
    }
    long max_attempts = 2; // YARN's default yarn.resourcemanager.am.max-attempts
    for (const auto& property : doc.child("configuration").children("property")) {
      if (util::trim(property.child_value("name")) == "yarn.resourcemanager.am.max-attempts") {
        if (auto value = parse_java_int(util::trim(property.child_value("value")))) {
          max_attempts = *value;
        }
      }
    }
    if (*attempts > max_attempts) {
      add(Severity::warning, "yarn-attempts", where_of(m_config, "yarn.application-attempts"),
          fmt::format("yarn.application-attempts is {} but {} caps "
                      "yarn.resourcemanager.am.max-attempts at {}; YARN stops restarting the "
                      "JobManager after {} attempts",
                      *attempts, site.string(), max_attempts, max_attempts),
          "raise yarn.resourcemanager.am.max-attempts in yarn-site.xml, or lower the Flink value");
    }
  }

  void check_conflicting_keys() {
    for (const auto& option : m_config.options) {
      if (!option.applicable || option.candidates.size() < 2) {
        continue;
      }
      const auto& winner = option.candidates.front();
      for (std::size_t i = 1; i < option.candidates.size(); ++i) {
        const auto& other = option.candidates[i];
        if (other.value != winner.value) {
          add(Severity::warning, "conflicting-keys", other.where,
              fmt::format("{} is set to '{}' here, but {} ({}) sets '{}' and wins", other.key,
                          other.value, winner.key, to_string(winner.where), winner.value),
              fmt::format("keep only {}", option.spec->canonical_key));
        }
      }
    }
  }

  // zookeeper.launcher is flinkha's own key (flinkha-zk(1)): `flink` runs bin/zookeeper.sh,
  // `zookeeper` a ZooKeeper installation, and unset means `zookeeper` when one is installed
  // ($ZOOKEEPER_HOME or Debian's /usr/share/zookeeper). Only Flink's launcher loses a zoo.cfg
  // without dataDir to a fresh temp dir per start; flinkha's gives each peer a stable dataDir,
  // so the loader's zk-datadir-temp warning is dropped when flinkha's launcher would be used.
  void check_zk_launcher() {
    std::string launcher;
    if (const auto* entry = m_config.flink_conf.config.find("zookeeper.launcher")) {
      launcher = util::to_lower(util::java_trim(entry->value));
      if (launcher != "flink" && launcher != "zookeeper") {
        add(Severity::error, "zk-launcher", entry->where,
            fmt::format("zookeeper.launcher '{}' is neither flink nor zookeeper; `flinkha zk "
                        "start` refuses it",
                        entry->value),
            "use flink (Flink's bin/zookeeper.sh) or zookeeper (a ZooKeeper installation)");
        return;
      }
    } else {
      std::error_code ec;
      const bool installed = m_environment("ZOOKEEPER_HOME").has_value() ||
                             std::filesystem::is_directory("/usr/share/zookeeper", ec);
      launcher = installed ? "zookeeper" : "flink";
    }
    if (launcher == "zookeeper") {
      std::erase_if(m_out, [](const Diagnostic& d) { return d.code == "zk-datadir-temp"; });
    }
  }

  const ClusterConfig& m_config;
  const Environment& m_environment;
  Diagnostics m_out;
};

} // namespace

Result<std::vector<PortRange>> parse_port_range(std::string_view text) {
  std::vector<PortRange> ranges;
  for (auto element : util::split(text, ',')) {
    element = util::java_trim(element);
    const auto dash = element.find('-');
    const auto first = parse_java_int(util::java_trim(element.substr(0, dash)));
    const auto last = dash == std::string_view::npos
                          ? first
                          : parse_java_int(util::java_trim(element.substr(dash + 1)));
    if (!first || !last) {
      return failf("'{}' is not a port or a start-end range", element);
    }
    if (*first < 0 || *first > 65535 || *last < 0 || *last > 65535) {
      return failf("'{}' is outside 0-65535", element);
    }
    if (*first > *last) {
      return failf("'{}' starts after it ends", element);
    }
    ranges.emplace_back(static_cast<int>(*first), static_cast<int>(*last));
  }
  return ranges;
}

Diagnostics lint_cluster_config(const ClusterConfig& config, const Environment& environment) {
  auto diagnostics = Linter(config, environment).run();
  lint_hdfs(config, environment, diagnostics);
  return diagnostics;
}

} // namespace flinkha::config
