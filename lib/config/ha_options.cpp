#include "config/ha_options.hpp"

#include <algorithm>

namespace flinkha::config {

// How the table is read:
//  - Each era lists the keys Flink checks, in Flink's lookup order: the main key, then the
//    option's fallback keys in ConfigOption.fallbackKeys() order. ConfigOption.withFallbackKeys
//    puts new fallback keys *first* ("so that they are prioritized") and withDeprecatedKeys puts
//    new deprecated keys *last*; Configuration.applyWithOption checks option.key() and then each
//    fallback key in that order, the first present key wins (flink-core ConfigOption.java,
//    Configuration.java, 1.18-era master).
//  - Defaults are the string Flink renders for the default: strings and numbers verbatim;
//    Duration defaults (the ZooKeeper client timeouts from 1.20) as
//    TimeUtils.formatWithHighestUnit does, which is also what ConfigurationUtils.convertToString
//    gives for a Duration value ("1 min", "15 s", "5 s"). flinkha feeds the value back to Flink
//    unchanged, and TimeUtils.parseDuration reads both "60000" (ms) and "1 min".
//  - Versions are major.minor, inclusive. Patch-level backports are not modelled.

namespace {

constexpr FlinkVersion v(int major, int minor) {
  return FlinkVersion{major, minor};
}

constexpr FlinkVersion kFirst = kOldestSupported;
constexpr FlinkVersion kLast = kNewestSupported;

using Keys = std::vector<std::string_view>;
constexpr std::optional<std::string_view> kNoDefault = std::nullopt;

// clang-format off
std::vector<OptionSpec> build_table() {
  return {
    // ---- High availability (HighAvailabilityOptions; ConfigConstants for 1.0-1.1) ----------
    {"high-availability.type",
     "HA mode: NONE, ZOOKEEPER, KUBERNETES or a HighAvailabilityServicesFactory class name",
     {
      // ConfigConstants.RECOVERY_MODE / DEFAULT_RECOVERY_MODE (1.0, 1.1).
      {kFirst,   v(1, 1),  Keys{"recovery.mode"}, "standalone"},
      // HighAvailabilityOptions.HA_MODE = key("high-availability").withDeprecatedKeys(
      // "recovery.mode") (1.2).
      {v(1, 2),  v(1, 16), Keys{"high-availability", "recovery.mode"}, "NONE"},
      // key("high-availability.type").withDeprecatedKeys("recovery.mode", "high-availability")
      // (FLINK-29372, 1.17). Note: bin/config.sh checks high-availability before recovery.mode.
      {v(1, 17), kLast,    Keys{"high-availability.type", "recovery.mode", "high-availability"},
       "NONE"},
     }},
    {"high-availability.cluster-id",
     "ID of the Flink cluster; separates clusters in ZooKeeper and in the storage dir",
     {
      // ConfigConstants.ZOOKEEPER_NAMESPACE_KEY (FLINK-4166, 1.1); no cluster-id in 1.0.
      {v(1, 1),  v(1, 1),  Keys{"recovery.zookeeper.path.namespace"}, "/default"},
      // HighAvailabilityOptions.HA_CLUSTER_ID (1.2+).
      {v(1, 2),  kLast,    Keys{"high-availability.cluster-id",
                                "high-availability.zookeeper.path.namespace",
                                "recovery.zookeeper.path.namespace"}, "/default"},
     }},
    {"high-availability.storageDir",
     "File system path (URI) where the JobManager persists HA metadata",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.storageDir"}, kNoDefault},
      // HighAvailabilityOptions.HA_STORAGE_PATH (1.2+).
      {v(1, 2),  kLast,    Keys{"high-availability.storageDir",
                                "high-availability.zookeeper.storageDir",
                                "recovery.zookeeper.storageDir"}, kNoDefault},
     }},
    {"high-availability.zookeeper.quorum",
     "ZooKeeper connect string (host:port,...) of the HA quorum",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.quorum"}, kNoDefault},
      {v(1, 2),  kLast,    Keys{"high-availability.zookeeper.quorum",
                                "recovery.zookeeper.quorum"}, kNoDefault},
     }},
    {"high-availability.zookeeper.path.root",
     "Root znode under which Flink stores its HA entries",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.path.root"}, "/flink"},
      {v(1, 2),  kLast,    Keys{"high-availability.zookeeper.path.root",
                                "recovery.zookeeper.path.root"}, "/flink"},
     }},
    // The latch/leader/checkpoints/checkpoint-counter/mesos-workers path options were removed
    // with the /jobs grouping (FLINK-22636, 1.14). In 1.2-1.3 they are ConfigConstants
    // HA_ZOOKEEPER_* with the recovery.* key as fallback; 1.4+ HighAvailabilityOptions.
    {"high-availability.zookeeper.path.latch",
     "Znode (below the namespace) of the leader latch",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.path.latch"}, "/leaderlatch"},
      {v(1, 2),  v(1, 13), Keys{"high-availability.zookeeper.path.latch",
                                "recovery.zookeeper.path.latch"}, "/leaderlatch"},
     }},
    {"high-availability.zookeeper.path.leader",
     "Znode (below the namespace) holding the leader address and session id",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.path.leader"}, "/leader"},
      {v(1, 2),  v(1, 13), Keys{"high-availability.zookeeper.path.leader",
                                "recovery.zookeeper.path.leader"}, "/leader"},
     }},
    {"high-availability.zookeeper.path.checkpoints",
     "Znode (below the namespace) of completed checkpoint pointers",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.path.checkpoints"}, "/checkpoints"},
      {v(1, 2),  v(1, 13), Keys{"high-availability.zookeeper.path.checkpoints",
                                "recovery.zookeeper.path.checkpoints"}, "/checkpoints"},
     }},
    {"high-availability.zookeeper.path.checkpoint-counter",
     "Znode (below the namespace) of the checkpoint ID counters",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.path.checkpoint-counter"},
       "/checkpoint-counter"},
      {v(1, 2),  v(1, 13), Keys{"high-availability.zookeeper.path.checkpoint-counter",
                                "recovery.zookeeper.path.checkpoint-counter"},
       "/checkpoint-counter"},
     }},
    {"high-availability.zookeeper.path.mesos-workers",
     "Znode (below the namespace) of the Mesos worker store",
     {
      {v(1, 2),  v(1, 13), Keys{"high-availability.zookeeper.path.mesos-workers",
                                "recovery.zookeeper.path.mesos-workers"}, "/mesos-workers"},
     }},
    // One option under three names: HA_ZOOKEEPER_JOBGRAPHS_PATH (1.0-1.20) became
    // HA_ZOOKEEPER_EXECUTION_PLANS_PATH with the old keys as deprecated keys (FLINK-36158, 2.0).
    {"high-availability.zookeeper.path.execution-plans",
     "Znode (below the namespace) of submitted job graph / execution plan pointers",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.path.jobgraphs"}, "/jobgraphs"},
      {v(1, 2),  v(1, 20), Keys{"high-availability.zookeeper.path.jobgraphs",
                                "recovery.zookeeper.path.jobgraphs"}, "/jobgraphs"},
      {v(2, 0),  kLast,    Keys{"high-availability.zookeeper.path.execution-plans",
                                "recovery.zookeeper.path.jobgraphs",
                                "high-availability.zookeeper.path.jobgraphs"},
       "/execution-plans"},
     }},
    // HA_ZOOKEEPER_APPLICATIONS_PATH (2.3): ZooKeeperUtils.createApplicationStore.
    {"high-availability.zookeeper.path.applications",
     "Znode (below the namespace) of submitted application pointers",
     {
      {v(2, 3),  kLast,    Keys{"high-availability.zookeeper.path.applications"},
       "/applications"},
     }},
    // ZOOKEEPER_RUNNING_JOB_REGISTRY_PATH: added 1.3, unused from 1.15, removed in 2.0.
    {"high-availability.zookeeper.path.running-registry",
     "Znode (below the namespace) of the running jobs registry",
     {
      {v(1, 3),  v(1, 20), Keys{"high-availability.zookeeper.path.running-registry"},
       "/running_job_registry/"},
     }},
    {"high-availability.jobmanager.port",
     "JobManager RPC port or port range in HA mode; 0 picks a random free port",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.jobmanager.port"}, "0"},
      {v(1, 2),  kLast,    Keys{"high-availability.jobmanager.port",
                                "recovery.jobmanager.port"}, "0"},
     }},
    // HA_JOB_DELAY: no default (1.0 fell back to akka.ask.timeout); no effect later; gone in 2.0.
    {"high-availability.job.delay",
     "Delay before a new leader recovers jobs (no effect in recent versions)",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.job.delay"}, kNoDefault},
      {v(1, 2),  v(1, 20), Keys{"high-availability.job.delay", "recovery.job.delay"},
       kNoDefault},
     }},
    {"high-availability.use-old-ha-services",
     "Use the pre-1.15 per-component leader election services",
     {
      {v(1, 15), v(1, 15), Keys{"high-availability.use-old-ha-services"}, "false"},
     }},

    // ---- ZooKeeper client (HighAvailabilityOptions) ------------------------------------------
    // Integer milliseconds up to 1.19; Duration from 1.20 (a bare number still reads as ms).
    {"high-availability.zookeeper.client.session-timeout",
     "ZooKeeper session timeout",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.client.session-timeout"}, "60000"},
      {v(1, 2),  v(1, 19), Keys{"high-availability.zookeeper.client.session-timeout",
                                "recovery.zookeeper.client.session-timeout"}, "60000"},
      {v(1, 20), kLast,    Keys{"high-availability.zookeeper.client.session-timeout",
                                "recovery.zookeeper.client.session-timeout"}, "1 min"},
     }},
    {"high-availability.zookeeper.client.connection-timeout",
     "ZooKeeper connection timeout",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.client.connection-timeout"}, "15000"},
      {v(1, 2),  v(1, 19), Keys{"high-availability.zookeeper.client.connection-timeout",
                                "recovery.zookeeper.client.connection-timeout"}, "15000"},
      {v(1, 20), kLast,    Keys{"high-availability.zookeeper.client.connection-timeout",
                                "recovery.zookeeper.client.connection-timeout"}, "15 s"},
     }},
    {"high-availability.zookeeper.client.retry-wait",
     "Initial pause between ZooKeeper connection retries",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.client.retry-wait"}, "5000"},
      {v(1, 2),  v(1, 19), Keys{"high-availability.zookeeper.client.retry-wait",
                                "recovery.zookeeper.client.retry-wait"}, "5000"},
      {v(1, 20), kLast,    Keys{"high-availability.zookeeper.client.retry-wait",
                                "recovery.zookeeper.client.retry-wait"}, "5 s"},
     }},
    {"high-availability.zookeeper.client.max-retry-attempts",
     "Number of ZooKeeper connection retries before the client gives up",
     {
      {kFirst,   v(1, 1),  Keys{"recovery.zookeeper.client.max-retry-attempts"}, "3"},
      {v(1, 2),  kLast,    Keys{"high-availability.zookeeper.client.max-retry-attempts",
                                "recovery.zookeeper.client.max-retry-attempts"}, "3"},
     }},
    // FLINK-38499 (BoundedExponentialBackoffRetry), fix versions 2.0.1, 2.1.1, 2.2.0: modelled
    // as 2.1+ because eras are major.minor (2.0.1 and 2.1.0 differ and cannot both be right).
    {"high-availability.zookeeper.client.max-retry-wait",
     "Upper bound of the exponential ZooKeeper retry backoff",
     {
      {v(2, 1),  kLast,    Keys{"high-availability.zookeeper.client.max-retry-wait"}, "1 min"},
     }},
    // ConfigConstants.HA_ZOOKEEPER_CLIENT_ACL (1.2-1.3), then HighAvailabilityOptions.
    {"high-availability.zookeeper.client.acl",
     "ACL of created znodes: open, or creator (needs SASL)",
     {
      {v(1, 2),  kLast,    Keys{"high-availability.zookeeper.client.acl"}, "open"},
     }},
    {"high-availability.zookeeper.client.tolerate-suspended-connections",
     "Keep leadership while the ZooKeeper connection is only suspended, not lost",
     {
      {v(1, 14), kLast,
       Keys{"high-availability.zookeeper.client.tolerate-suspended-connections"}, "false"},
     }},
    {"high-availability.zookeeper.client.ensemble-tracker",
     "Let Curator follow ensemble changes (GET_CONFIG) in the connect string",
     {
      {v(1, 18), kLast,    Keys{"high-availability.zookeeper.client.ensemble-tracker"}, "true"},
     }},
    // 1.2-1.3: ZooKeeperUtils read ConfigConstants.DEFAULT_ZOOKEEPER_SASL_DISABLE = true;
    // 1.4+: SecurityOptions.ZOOKEEPER_SASL_DISABLE, default false.
    {"zookeeper.sasl.disable",
     "Disable SASL authentication towards ZooKeeper",
     {
      {v(1, 2),  v(1, 3),  Keys{"zookeeper.sasl.disable"}, "true"},
      {v(1, 4),  kLast,    Keys{"zookeeper.sasl.disable"}, "false"},
     }},
    {"zookeeper.sasl.service-name",
     "ZooKeeper server's SASL service name",
     {
      {v(1, 2),  kLast,    Keys{"zookeeper.sasl.service-name"}, "zookeeper"},
     }},
    {"zookeeper.sasl.login-context-name",
     "JAAS login context used for ZooKeeper SASL",
     {
      {v(1, 2),  kLast,    Keys{"zookeeper.sasl.login-context-name"}, "Client"},
     }},

    // ---- JobResultStore and cleanup (JobResultStoreOptions, CleanupOptions; 1.15+) ----------
    {"job-result-store.storage-path",
     "Where job results are stored; default {storageDir}/job-result-store/{cluster-id}",
     {
      {v(1, 15), kLast,    Keys{"job-result-store.storage-path"}, kNoDefault},
     }},
    {"job-result-store.delete-on-commit",
     "Delete a job result once its job is cleaned up (else keep it as <jobid>.json)",
     {
      {v(1, 15), kLast,    Keys{"job-result-store.delete-on-commit"}, "true"},
     }},
    // ---- ApplicationResultStore (ApplicationResultStoreOptions, 2.3+) ------------------------
    {"application-result-store.storage-path",
     "Where application results are stored; default "
     "{storageDir}/application-result-store/{cluster-id}",
     {
      {v(2, 3),  kLast,    Keys{"application-result-store.storage-path"}, kNoDefault},
     }},
    {"application-result-store.delete-on-commit",
     "Delete an application result once it is cleaned up (else keep it as <appid>.json)",
     {
      {v(2, 3),  kLast,    Keys{"application-result-store.delete-on-commit"}, "true"},
     }},
    {"cleanup-strategy.type",
     "Retry strategy for global cleanup: exponential-delay, fixed-delay or none",
     {
      {v(1, 15), v(1, 16), Keys{"cleanup-strategy"}, "exponential-delay"},
      {v(1, 17), kLast,    Keys{"cleanup-strategy.type", "cleanup-strategy"},
       "exponential-delay"},
     }},

    // ---- Checkpoint and savepoint directories (CheckpointingOptions; `flinkha checkpoints
    // --from-storage`). Keys, deprecated keys and their order as ConfigOption.fallbackKeys()
    // reports them in the flink-dist jars of 1.20.5 and 2.3.0; no default. Older versions are
    // not modelled (there, --checkpoint-dir / --savepoint-dir name the directories).
    {"execution.checkpointing.dir",
     "Directory of checkpoint data and metadata ({dir}/<job-id>/chk-<n>/_metadata)",
     {
      {v(1, 20), kLast,    Keys{"execution.checkpointing.dir", "state.checkpoints.dir",
                                "state.backend.fs.checkpointdir"}, kNoDefault},
     }},
    {"execution.checkpointing.savepoint-dir",
     "Default directory of savepoints ({dir}/savepoint-<job-id prefix>-<random>/_metadata)",
     {
      {v(1, 20), kLast,    Keys{"execution.checkpointing.savepoint-dir", "state.savepoints.dir",
                                "savepoints.state.backend.fs.dir"}, kNoDefault},
     }},
    // Whether checkpoints go to {dir}/<job-id>/ (true) or straight into {dir} (false).
    {"execution.checkpointing.create-subdir",
     "Checkpoints in a <job-id> subdirectory of execution.checkpointing.dir",
     {
      {v(1, 20), kLast,    Keys{"execution.checkpointing.create-subdir",
                                "state.checkpoints.create-subdir"}, "true"},
     }},

    // ---- Deployment keys the lint needs ------------------------------------------------------
    // JobManagerOptions.ADDRESS (ConfigConstants.JOB_MANAGER_IPC_ADDRESS_KEY before 1.4).
    {"jobmanager.rpc.address",
     "JobManager RPC address (ignored for leader discovery in HA mode)",
     {
      {kFirst,   kLast,    Keys{"jobmanager.rpc.address"}, kNoDefault},
     }},
    // RestOptions.ADDRESS (1.5+): withDeprecatedKeys then withFallbackKeys of
    // jobmanager.rpc.address; the lookup order is the same.
    {"rest.address",
     "Address clients use to reach the REST endpoint (non-HA)",
     {
      {v(1, 5),  kLast,    Keys{"rest.address", "jobmanager.rpc.address"}, kNoDefault},
     }},
    // ConfigConstants.JOB_MANAGER_WEB_PORT_KEY (1.0-1.3); WebOptions.PORT = web.port with
    // jobmanager.web.port deprecated (1.4); RestOptions.PORT (1.5, no deprecated key), later
    // withDeprecatedKeys(WebOptions.PORT.key()).
    {"rest.port",
     "REST / web UI port",
     {
      {kFirst,   v(1, 3),  Keys{"jobmanager.web.port"}, "8081"},
      {v(1, 4),  v(1, 4),  Keys{"web.port", "jobmanager.web.port"}, "8081"},
      {v(1, 5),  v(1, 5),  Keys{"rest.port"}, "8081"},
      {v(1, 6),  kLast,    Keys{"rest.port", "web.port"}, "8081"},
     }},
    // DeploymentOptions.TARGET (1.10+).
    {"execution.target",
     "Deployment target (remote, local, yarn-*, kubernetes-*)",
     {
      {v(1, 10), kLast,    Keys{"execution.target"}, kNoDefault},
     }},
    // KubernetesConfigOptions.CLUSTER_ID (1.10+); also the HA cluster-id on Kubernetes.
    {"kubernetes.cluster-id",
     "Kubernetes cluster id (also the HA cluster-id there)",
     {
      {v(1, 10), kLast,    Keys{"kubernetes.cluster-id"}, kNoDefault},
     }},
    // ConfigConstants.YARN_APPLICATION_ATTEMPTS, later YarnConfigOptions.APPLICATION_ATTEMPTS.
    {"yarn.application-attempts",
     "Number of YARN ApplicationMaster attempts",
     {
      {kFirst,   kLast,    Keys{"yarn.application-attempts"}, kNoDefault},
     }},

    // ---- Launcher keys read by bin/config.sh -------------------------------------------------
    // readFromConfig in config.sh (sed over flink-conf.yaml up to 1.18, the flattened
    // configuration from 1.19); defaults are DEFAULT_ENV_* in config.sh.
    {"env.ssh.opts",
     "Extra ssh options of the start/stop scripts (DEFAULT_ENV_SSH_OPTS is empty)",
     {
      {kFirst,   kLast,    Keys{"env.ssh.opts"}, kNoDefault},
     }},
    {"env.pid.dir",
     "Directory of the daemons' pid files",
     {
      {kFirst,   kLast,    Keys{"env.pid.dir"}, "/tmp"},
     }},
    // KEY_ENV_LOG_DIR appeared in 1.1 (1.0 always used $FLINK_HOME/log); default $FLINK_HOME/log.
    {"env.log.dir",
     "Directory of the daemons' log files (default <FLINK_HOME>/log)",
     {
      {v(1, 1),  kLast,    Keys{"env.log.dir"}, kNoDefault},
     }},
    {"env.java.home",
     "JAVA_HOME for the daemons (else $JAVA_HOME, else java on PATH)",
     {
      {kFirst,   kLast,    Keys{"env.java.home"}, kNoDefault},
     }},
  };
}
// clang-format on

const OptionEra* era_for(const OptionSpec& spec, FlinkVersion version) {
  for (const auto& era : spec.eras) {
    if (era.from <= version && version <= era.to) {
      return &era;
    }
  }
  return nullptr;
}

ResolvedOption resolve_spec(const OptionSpec& spec, const FlatConfig& config,
                            FlinkVersion version) {
  ResolvedOption resolved;
  resolved.spec = &spec;
  const OptionEra* era = era_for(spec, version);
  if (era == nullptr) {
    return resolved;
  }
  resolved.applicable = true;
  for (const auto key : era->keys) {
    if (const ConfigEntry* entry = config.find(key); entry != nullptr) {
      resolved.candidates.push_back(*entry);
    }
  }
  if (!resolved.candidates.empty()) {
    const ConfigEntry& winner = resolved.candidates.front();
    resolved.value = winner.value;
    resolved.key_written = winner.key;
    resolved.where = winner.where;
    return resolved;
  }
  // Not written under any name: Flink uses the default (which may be absent).
  resolved.is_default = true;
  if (era->default_value) {
    resolved.value = std::string(*era->default_value);
  }
  return resolved;
}

} // namespace

std::span<const OptionSpec> option_table() {
  static const std::vector<OptionSpec> table = build_table();
  return table;
}

const OptionSpec* find_option(std::string_view canonical_key) {
  const auto table = option_table();
  const auto it = std::ranges::find(table, canonical_key, &OptionSpec::canonical_key);
  return it == table.end() ? nullptr : &*it;
}

std::vector<ResolvedOption> resolve_options(const FlatConfig& config, FlinkVersion version) {
  std::vector<ResolvedOption> result;
  const auto table = option_table();
  result.reserve(table.size());
  for (const auto& spec : table) {
    result.push_back(resolve_spec(spec, config, version));
  }
  return result;
}

ResolvedOption resolve_option(const FlatConfig& config, FlinkVersion version,
                              std::string_view canonical_key) {
  const OptionSpec* spec = find_option(canonical_key);
  if (spec == nullptr) {
    return {};
  }
  return resolve_spec(*spec, config, version);
}

} // namespace flinkha::config
