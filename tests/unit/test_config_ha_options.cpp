#include "config/ha_options.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using flinkha::config::ConfigEntry;
using flinkha::config::FlatConfig;
using flinkha::config::FlinkVersion;
using flinkha::config::option_table;
using flinkha::config::resolve_option;
using flinkha::config::resolve_options;
using flinkha::config::SourceLocation;

namespace {

using Lines = std::vector<std::pair<std::string, std::string>>;

// A configuration as if read from flink-conf.yaml, one key per line (line numbers from 1).
FlatConfig make_config(const Lines& lines) {
  FlatConfig config;
  int line = 0;
  for (const auto& [key, value] : lines) {
    config.set(ConfigEntry{key, value, SourceLocation{"flink-conf.yaml", ++line}});
  }
  return config;
}

std::vector<std::string> keys_of(const std::vector<ConfigEntry>& entries) {
  std::vector<std::string> keys;
  for (const auto& entry : entries) {
    keys.push_back(entry.key);
  }
  return keys;
}

const std::optional<std::string> kUnset;

} // namespace

TEST_CASE("ha_options: the table is well formed") {
  std::set<std::string_view> canonical_keys;
  for (const auto& spec : option_table()) {
    CAPTURE(spec.canonical_key);
    CHECK(canonical_keys.insert(spec.canonical_key).second);
    CHECK(!spec.description.empty());
    CHECK(spec.description.find('\n') == std::string_view::npos);
    REQUIRE(!spec.eras.empty());
    // The newest era names the option by its canonical key.
    CHECK(spec.eras.back().keys.front() == spec.canonical_key);
    for (std::size_t i = 0; i < spec.eras.size(); ++i) {
      const auto& era = spec.eras[i];
      CHECK(era.from <= era.to);
      CHECK(!era.keys.empty());
      CHECK(std::set<std::string_view>(era.keys.begin(), era.keys.end()).size() == era.keys.size());
      if (i > 0) {
        CHECK(spec.eras[i - 1].to < era.from);
      }
      CHECK(flinkha::config::kOldestSupported <= era.from);
      CHECK(era.to <= flinkha::config::kNewestSupported);
    }
    CHECK(flinkha::config::find_option(spec.canonical_key) == &spec);
  }
  CHECK(flinkha::config::find_option("recovery.mode") == nullptr);
  CHECK(flinkha::config::find_option("no.such.key") == nullptr);
}

TEST_CASE("ha_options: each generation of keys resolves to the same canonical options") {
  // The three documented generations (seeds): recovery.* (1.0/1.1 docs), high-availability with
  // high-availability.zookeeper.storageDir (1.2 docs), high-availability.type with cluster-id.
  const Lines recovery_keys = {
      {"recovery.mode", "zookeeper"},
      {"recovery.zookeeper.quorum", "localhost:2181"},
      {"recovery.zookeeper.path.root", "/flink"},
      {"recovery.zookeeper.storageDir", "hdfs:///flink/recovery"},
  };
  const Lines ha_keys = {
      {"high-availability", "zookeeper"},
      {"high-availability.zookeeper.quorum", "localhost:2181"},
      {"high-availability.zookeeper.path.root", "/flink"},
      // Written in the 1.2 docs, but no Flink version reads this key.
      {"high-availability.zookeeper.path.cluster-id", "/cluster_one"},
      {"high-availability.zookeeper.storageDir", "hdfs:///flink/recovery"},
  };
  const Lines type_keys = {
      {"high-availability.type", "zookeeper"},
      {"high-availability.zookeeper.quorum", "localhost:2181"},
      {"high-availability.zookeeper.path.root", "/flink"},
      {"high-availability.cluster-id", "/cluster_one"},
      {"high-availability.storageDir", "hdfs:///flink/recovery"},
  };
  struct Case {
    const Lines* lines;
    FlinkVersion version;
    std::string_view type_key;
    std::string_view storage_key;
    std::optional<std::string> cluster_id; // empty: not applicable
  };
  // clang-format off
  const std::vector<Case> cases = {
    {&recovery_keys, {1, 0},  "recovery.mode",          "recovery.zookeeper.storageDir", std::nullopt},
    {&recovery_keys, {1, 1},  "recovery.mode",          "recovery.zookeeper.storageDir", "/default"},
    {&recovery_keys, {1, 2},  "recovery.mode",          "recovery.zookeeper.storageDir", "/default"},
    {&recovery_keys, {1, 20}, "recovery.mode",          "recovery.zookeeper.storageDir", "/default"},
    {&recovery_keys, {2, 0},  "recovery.mode",          "recovery.zookeeper.storageDir", "/default"},
    {&ha_keys,       {1, 2},  "high-availability",      "high-availability.zookeeper.storageDir", "/default"},
    {&ha_keys,       {1, 16}, "high-availability",      "high-availability.zookeeper.storageDir", "/default"},
    {&ha_keys,       {1, 17}, "high-availability",      "high-availability.zookeeper.storageDir", "/default"},
    {&ha_keys,       {2, 3},  "high-availability",      "high-availability.zookeeper.storageDir", "/default"},
    {&type_keys,     {1, 17}, "high-availability.type", "high-availability.storageDir", "/cluster_one"},
    {&type_keys,     {1, 20}, "high-availability.type", "high-availability.storageDir", "/cluster_one"},
    {&type_keys,     {2, 0},  "high-availability.type", "high-availability.storageDir", "/cluster_one"},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.version.to_string());
    CAPTURE(c.type_key);
    const auto config = make_config(*c.lines);

    const auto type = resolve_option(config, c.version, "high-availability.type");
    CHECK(type.applicable);
    CHECK(type.value == "zookeeper");
    CHECK(type.key_written == std::string(c.type_key));
    CHECK_FALSE(type.is_default);
    CHECK(type.where.file == "flink-conf.yaml");
    CHECK(type.where.line == 1);

    const auto quorum = resolve_option(config, c.version, "high-availability.zookeeper.quorum");
    CHECK(quorum.value == "localhost:2181");
    const auto root = resolve_option(config, c.version, "high-availability.zookeeper.path.root");
    CHECK(root.value == "/flink");
    CHECK_FALSE(root.is_default);

    const auto storage = resolve_option(config, c.version, "high-availability.storageDir");
    CHECK(storage.value == "hdfs:///flink/recovery");
    CHECK(storage.key_written == std::string(c.storage_key));

    const auto cluster_id = resolve_option(config, c.version, "high-availability.cluster-id");
    CHECK(cluster_id.applicable == c.cluster_id.has_value());
    CHECK(cluster_id.value == c.cluster_id);
    if (c.lines != &type_keys && cluster_id.applicable) {
      CHECK(cluster_id.is_default);
      CHECK(cluster_id.key_written == kUnset);
      CHECK(cluster_id.where.empty());
    }
  }
}

TEST_CASE("ha_options: lookup order of high-availability.type follows Flink's declaration") {
  struct Case {
    Lines lines;
    FlinkVersion version;
    std::string value;
    std::string key;
    std::vector<std::string> candidates;
  };
  // clang-format off
  const std::vector<Case> cases = {
    // 1.17+: key("high-availability.type").withDeprecatedKeys("recovery.mode",
    // "high-availability"): recovery.mode is checked before high-availability.
    {{{"high-availability", "zookeeper"}, {"recovery.mode", "standalone"}}, {1, 17},
     "standalone", "recovery.mode", {"recovery.mode", "high-availability"}},
    {{{"high-availability", "zookeeper"}, {"recovery.mode", "standalone"}}, {2, 0},
     "standalone", "recovery.mode", {"recovery.mode", "high-availability"}},
    {{{"recovery.mode", "standalone"}, {"high-availability", "zookeeper"},
      {"high-availability.type", "kubernetes"}}, {1, 20},
     "kubernetes", "high-availability.type",
     {"high-availability.type", "recovery.mode", "high-availability"}},
    // 1.2-1.16: key("high-availability").withDeprecatedKeys("recovery.mode").
    {{{"high-availability", "zookeeper"}, {"recovery.mode", "standalone"}}, {1, 16},
     "zookeeper", "high-availability", {"high-availability", "recovery.mode"}},
    // high-availability.type is not a key before 1.17.
    {{{"high-availability.type", "zookeeper"}, {"recovery.mode", "standalone"}}, {1, 16},
     "standalone", "recovery.mode", {"recovery.mode"}},
    // 1.0-1.1 read recovery.mode only.
    {{{"high-availability", "zookeeper"}, {"recovery.mode", "standalone"}}, {1, 1},
     "standalone", "recovery.mode", {"recovery.mode"}},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.version.to_string());
    const auto resolved = resolve_option(make_config(c.lines), c.version, "high-availability.type");
    CHECK(resolved.value == c.value);
    CHECK(resolved.key_written == c.key);
    CHECK(keys_of(resolved.candidates) == c.candidates);
  }
}

TEST_CASE("ha_options: conflicting values under several names are all reported") {
  const auto config = make_config({
      {"recovery.zookeeper.storageDir", "hdfs:///old"},
      {"high-availability.zookeeper.storageDir", "hdfs:///middle"},
      {"high-availability.storageDir", "hdfs:///new"},
      {"high-availability.zookeeper.path.namespace", "/ns"},
      {"high-availability.cluster-id", "/cid"},
  });
  const auto storage = resolve_option(config, {1, 20}, "high-availability.storageDir");
  CHECK(storage.value == "hdfs:///new");
  CHECK(storage.key_written == "high-availability.storageDir");
  CHECK(storage.where == SourceLocation{"flink-conf.yaml", 3});
  REQUIRE(storage.candidates.size() == 3);
  CHECK(storage.candidates[0].value == "hdfs:///new");
  CHECK(storage.candidates[1].key == "high-availability.zookeeper.storageDir");
  CHECK(storage.candidates[1].value == "hdfs:///middle");
  CHECK(storage.candidates[1].where == SourceLocation{"flink-conf.yaml", 2});
  CHECK(storage.candidates[2].key == "recovery.zookeeper.storageDir");
  CHECK(storage.candidates[2].value == "hdfs:///old");

  // 1.1 knows only the recovery.* names.
  const auto storage_11 = resolve_option(config, {1, 1}, "high-availability.storageDir");
  CHECK(storage_11.value == "hdfs:///old");
  CHECK(keys_of(storage_11.candidates) ==
        std::vector<std::string>{"recovery.zookeeper.storageDir"});

  const auto cluster_id = resolve_option(config, {2, 0}, "high-availability.cluster-id");
  CHECK(cluster_id.value == "/cid");
  CHECK(keys_of(cluster_id.candidates) ==
        std::vector<std::string>{"high-availability.cluster-id",
                                 "high-availability.zookeeper.path.namespace"});
  const auto cluster_id_11 = resolve_option(config, {1, 1}, "high-availability.cluster-id");
  CHECK(cluster_id_11.value == "/default");
  CHECK(cluster_id_11.is_default);
  CHECK(cluster_id_11.candidates.empty());

  // A value equal to the default still counts as set.
  const auto root =
      resolve_option(make_config({{"high-availability.zookeeper.path.root", "/flink"}}), {1, 20},
                     "high-availability.zookeeper.path.root");
  CHECK_FALSE(root.is_default);
  CHECK(root.key_written == "high-availability.zookeeper.path.root");
}

TEST_CASE("ha_options: defaults and applicability per version") {
  struct Case {
    std::string_view key;
    FlinkVersion version;
    bool applicable;
    std::optional<std::string> value; // the default
  };
  // clang-format off
  const std::vector<Case> cases = {
    {"high-availability.type",                              {1, 0},  true,  "standalone"},
    {"high-availability.type",                              {1, 2},  true,  "NONE"},
    {"high-availability.type",                              {2, 3},  true,  "NONE"},
    {"high-availability.cluster-id",                        {1, 0},  false, kUnset},
    {"high-availability.cluster-id",                        {1, 1},  true,  "/default"},
    {"high-availability.cluster-id",                        {2, 0},  true,  "/default"},
    {"high-availability.storageDir",                        {1, 20}, true,  kUnset},
    {"high-availability.zookeeper.quorum",                  {1, 0},  true,  kUnset},
    {"high-availability.zookeeper.path.root",               {1, 0},  true,  "/flink"},
    {"high-availability.zookeeper.path.root",               {2, 3},  true,  "/flink"},
    {"high-availability.zookeeper.path.latch",              {1, 13}, true,  "/leaderlatch"},
    {"high-availability.zookeeper.path.latch",              {1, 14}, false, kUnset},
    {"high-availability.zookeeper.path.leader",             {1, 0},  true,  "/leader"},
    {"high-availability.zookeeper.path.leader",             {1, 14}, false, kUnset},
    {"high-availability.zookeeper.path.checkpoints",        {1, 13}, true,  "/checkpoints"},
    {"high-availability.zookeeper.path.checkpoint-counter", {1, 13}, true,  "/checkpoint-counter"},
    {"high-availability.zookeeper.path.checkpoint-counter", {1, 15}, false, kUnset},
    {"high-availability.zookeeper.path.mesos-workers",      {1, 1},  false, kUnset},
    {"high-availability.zookeeper.path.mesos-workers",      {1, 2},  true,  "/mesos-workers"},
    {"high-availability.zookeeper.path.mesos-workers",      {1, 14}, false, kUnset},
    {"high-availability.zookeeper.path.execution-plans",    {1, 0},  true,  "/jobgraphs"},
    {"high-availability.zookeeper.path.execution-plans",    {1, 20}, true,  "/jobgraphs"},
    {"high-availability.zookeeper.path.execution-plans",    {2, 0},  true,  "/execution-plans"},
    {"high-availability.zookeeper.path.running-registry",   {1, 2},  false, kUnset},
    {"high-availability.zookeeper.path.running-registry",   {1, 3},  true,  "/running_job_registry/"},
    {"high-availability.zookeeper.path.running-registry",   {1, 20}, true,  "/running_job_registry/"},
    {"high-availability.zookeeper.path.running-registry",   {2, 0},  false, kUnset},
    {"high-availability.jobmanager.port",                   {1, 0},  true,  "0"},
    {"high-availability.job.delay",                         {1, 20}, true,  kUnset},
    {"high-availability.job.delay",                         {2, 0},  false, kUnset},
    {"high-availability.use-old-ha-services",               {1, 14}, false, kUnset},
    {"high-availability.use-old-ha-services",               {1, 15}, true,  "false"},
    {"high-availability.use-old-ha-services",               {1, 16}, false, kUnset},
    {"high-availability.zookeeper.client.session-timeout",  {1, 0},  true,  "60000"},
    {"high-availability.zookeeper.client.session-timeout",  {1, 19}, true,  "60000"},
    {"high-availability.zookeeper.client.session-timeout",  {1, 20}, true,  "1 min"},
    {"high-availability.zookeeper.client.connection-timeout", {1, 19}, true, "15000"},
    {"high-availability.zookeeper.client.connection-timeout", {2, 0},  true, "15 s"},
    {"high-availability.zookeeper.client.retry-wait",       {1, 19}, true,  "5000"},
    {"high-availability.zookeeper.client.retry-wait",       {1, 20}, true,  "5 s"},
    {"high-availability.zookeeper.client.max-retry-attempts", {2, 3}, true, "3"},
    {"high-availability.zookeeper.client.max-retry-wait",   {2, 0},  false, kUnset},
    {"high-availability.zookeeper.client.max-retry-wait",   {2, 1},  true,  "1 min"},
    {"high-availability.zookeeper.client.acl",              {1, 1},  false, kUnset},
    {"high-availability.zookeeper.client.acl",              {1, 2},  true,  "open"},
    {"high-availability.zookeeper.client.tolerate-suspended-connections", {1, 13}, false, kUnset},
    {"high-availability.zookeeper.client.tolerate-suspended-connections", {1, 14}, true, "false"},
    {"high-availability.zookeeper.client.ensemble-tracker", {1, 17}, false, kUnset},
    {"high-availability.zookeeper.client.ensemble-tracker", {1, 18}, true,  "true"},
    {"zookeeper.sasl.disable",                              {1, 1},  false, kUnset},
    {"zookeeper.sasl.disable",                              {1, 3},  true,  "true"},
    {"zookeeper.sasl.disable",                              {1, 4},  true,  "false"},
    {"zookeeper.sasl.service-name",                         {1, 2},  true,  "zookeeper"},
    {"zookeeper.sasl.login-context-name",                   {2, 0},  true,  "Client"},
    {"job-result-store.storage-path",                       {1, 14}, false, kUnset},
    {"job-result-store.storage-path",                       {1, 15}, true,  kUnset},
    {"job-result-store.delete-on-commit",                   {1, 15}, true,  "true"},
    {"cleanup-strategy.type",                               {1, 15}, true,  "exponential-delay"},
    {"cleanup-strategy.type",                               {1, 14}, false, kUnset},
    {"env.pid.dir",                                         {1, 0},  true,  "/tmp"},
    {"env.pid.dir",                                         {2, 0},  true,  "/tmp"},
    {"env.log.dir",                                         {1, 0},  false, kUnset},
    {"env.log.dir",                                         {1, 1},  true,  kUnset},
    {"env.ssh.opts",                                        {1, 20}, true,  kUnset},
    {"env.java.home",                                       {2, 0},  true,  kUnset},
    {"jobmanager.rpc.address",                              {1, 0},  true,  kUnset},
    {"rest.port",                                           {1, 0},  true,  "8081"},
    {"rest.port",                                           {2, 0},  true,  "8081"},
    {"rest.address",                                        {1, 4},  false, kUnset},
    {"rest.address",                                        {1, 5},  true,  kUnset},
    {"execution.target",                                    {1, 9},  false, kUnset},
    {"execution.target",                                    {1, 10}, true,  kUnset},
    {"kubernetes.cluster-id",                               {1, 10}, true,  kUnset},
    {"yarn.application-attempts",                           {1, 0},  true,  kUnset},
  };
  // clang-format on
  const FlatConfig empty;
  for (const auto& c : cases) {
    CAPTURE(c.key);
    CAPTURE(c.version.to_string());
    const auto resolved = resolve_option(empty, c.version, c.key);
    REQUIRE(resolved.spec != nullptr);
    CHECK(resolved.spec->canonical_key == c.key);
    CHECK(resolved.applicable == c.applicable);
    CHECK(resolved.value == c.value);
    CHECK(resolved.is_default == c.applicable);
    CHECK(resolved.key_written == kUnset);
    CHECK(resolved.where.empty());
    CHECK(resolved.candidates.empty());
  }
}

TEST_CASE("ha_options: renamed keys per version (jobgraphs, cleanup-strategy, rest.port)") {
  struct Case {
    Lines lines;
    std::string_view canonical_key;
    FlinkVersion version;
    std::optional<std::string> value;
    std::optional<std::string> key; // empty: the default was used
  };
  // clang-format off
  const std::vector<Case> cases = {
    {{{"high-availability.zookeeper.path.jobgraphs", "/jg"}},
     "high-availability.zookeeper.path.execution-plans", {1, 20}, "/jg",
     "high-availability.zookeeper.path.jobgraphs"},
    {{{"high-availability.zookeeper.path.jobgraphs", "/jg"}},
     "high-availability.zookeeper.path.execution-plans", {2, 0}, "/jg",
     "high-availability.zookeeper.path.jobgraphs"},
    // 2.0 declares recovery.zookeeper.path.jobgraphs before high-availability.zookeeper.path.jobgraphs.
    {{{"high-availability.zookeeper.path.jobgraphs", "/jg"}, {"recovery.zookeeper.path.jobgraphs", "/old"}},
     "high-availability.zookeeper.path.execution-plans", {2, 0}, "/old",
     "recovery.zookeeper.path.jobgraphs"},
    {{{"high-availability.zookeeper.path.jobgraphs", "/jg"}, {"recovery.zookeeper.path.jobgraphs", "/old"}},
     "high-availability.zookeeper.path.execution-plans", {1, 20}, "/jg",
     "high-availability.zookeeper.path.jobgraphs"},
    {{{"high-availability.zookeeper.path.execution-plans", "/ep"}},
     "high-availability.zookeeper.path.execution-plans", {1, 20}, "/jobgraphs", std::nullopt},
    {{{"cleanup-strategy", "fixed-delay"}}, "cleanup-strategy.type", {1, 16}, "fixed-delay",
     "cleanup-strategy"},
    {{{"cleanup-strategy", "fixed-delay"}}, "cleanup-strategy.type", {1, 17}, "fixed-delay",
     "cleanup-strategy"},
    {{{"cleanup-strategy.type", "none"}}, "cleanup-strategy.type", {1, 16}, "exponential-delay",
     std::nullopt},
    {{{"jobmanager.web.port", "9091"}}, "rest.port", {1, 3}, "9091", "jobmanager.web.port"},
    {{{"jobmanager.web.port", "9091"}}, "rest.port", {1, 4}, "9091", "jobmanager.web.port"},
    {{{"jobmanager.web.port", "9091"}}, "rest.port", {1, 5}, "8081", std::nullopt},
    {{{"web.port", "9092"}}, "rest.port", {1, 20}, "9092", "web.port"},
    {{{"jobmanager.rpc.address", "jm1"}}, "rest.address", {1, 20}, "jm1", "jobmanager.rpc.address"},
    {{{"high-availability.zookeeper.client.session-timeout", "30 s"}},
     "high-availability.zookeeper.client.session-timeout", {1, 20}, "30 s",
     "high-availability.zookeeper.client.session-timeout"},
  };
  // clang-format on
  for (const auto& c : cases) {
    CAPTURE(c.canonical_key);
    CAPTURE(c.version.to_string());
    const auto resolved = resolve_option(make_config(c.lines), c.version, c.canonical_key);
    CHECK(resolved.applicable);
    CHECK(resolved.value == c.value);
    CHECK(resolved.key_written == c.key);
    CHECK(resolved.is_default == !c.key.has_value());
  }
}

TEST_CASE("ha_options: resolve_options covers the whole table in order") {
  const auto config = make_config({{"high-availability.type", "zookeeper"}});
  for (const auto version : {FlinkVersion{1, 0}, FlinkVersion{1, 15}, FlinkVersion{2, 3}}) {
    CAPTURE(version.to_string());
    const auto resolved = resolve_options(config, version);
    const auto table = option_table();
    REQUIRE(resolved.size() == table.size());
    for (std::size_t i = 0; i < table.size(); ++i) {
      CHECK(resolved[i].spec == &table[i]);
      if (!resolved[i].applicable) {
        CHECK(!resolved[i].value.has_value());
        CHECK_FALSE(resolved[i].is_default);
      }
    }
  }
  const auto unknown = resolve_option(config, {1, 20}, "no.such.option");
  CHECK(unknown.spec == nullptr);
  CHECK_FALSE(unknown.applicable);
  CHECK_FALSE(unknown.value.has_value());
  CHECK(unknown.candidates.empty());
}
