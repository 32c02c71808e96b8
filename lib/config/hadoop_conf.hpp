#pragma once
// The Hadoop configuration a Flink JobManager would see, read the way Flink and Hadoop read it,
// so that flinkha finds the same NameNode as the cluster it inspects.
//
// Where Flink looks (HadoopUtils.getHadoopConfiguration, flink-hadoop-fs; later resources
// override earlier ones, so the list is from lowest to highest priority):
//  0. The daemon's classpath: bin/config.sh puts HADOOP_CONF_DIR on it — $HADOOP_CONF_DIR, else
//     `env.hadoop.conf.dir`, else $HADOOP_HOME/etc/hadoop (or $HADOOP_HOME/conf), else
//     /etc/hadoop/conf when neither HADOOP_CONF_DIR nor HADOOP_CLASSPATH is set — and Hadoop's
//     `new HdfsConfiguration()` loads core-site.xml and hdfs-site.xml from there first.
//  1.0–1.7: fs.hdfs.hdfsdefault, fs.hdfs.hdfssite (files), then the dirs fs.hdfs.hadoopconf,
//     $HADOOP_CONF_DIR, $HADOOP_HOME/conf, $HADOOP_HOME/etc/hadoop (each: core-site.xml,
//     hdfs-site.xml when present).
//  1.8–1.12 (FLINK-11135 reordered it): $HADOOP_HOME/conf, $HADOOP_HOME/etc/hadoop, then
//     fs.hdfs.hdfsdefault, fs.hdfs.hdfssite, fs.hdfs.hadoopconf, then $HADOOP_CONF_DIR.
//  1.13–1.20: the same, then every `flink.hadoop.<key>` of the Flink configuration set as <key>
//     (FLINK-16005).
//  2.0+: the fs.hdfs.* keys are gone (FLINK-28081: removed in 2.x): $HADOOP_HOME/conf,
//     $HADOOP_HOME/etc/hadoop, $HADOOP_CONF_DIR, then flink.hadoop.*.
//
// How a file is read (org.apache.hadoop.conf.Configuration, Hadoop 3.x): <configuration> holds
// <property> elements with <name>, <value>, <final> children (or name/value/final attributes);
// a later resource overrides an earlier one unless the earlier one was final (then it is kept
// and the attempt noted). Values are substituted on read (Configuration.substituteVars):
// ${name} by a system property (user.name, user.home, java.io.tmpdir here), ${env.NAME} by the
// environment, else by another property, at most 20 levels deep (MAX_SUBST); an unknown
// variable stays as written. Deprecated names Configuration maps (fs.default.name → fs.defaultFS,
// dfs.http.address → dfs.namenode.http-address, dfs.https.address → dfs.namenode.https-address)
// are read under their new names. XInclude (<xi:include>) is not followed.

#include "config/cluster_config.hpp"
#include "config/diagnostics.hpp"
#include "config/flink_conf.hpp"
#include "config/flink_version.hpp"
#include "util/result.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::config {

struct HadoopProperty {
  std::string value;    // as written (not substituted)
  SourceLocation where; // "/etc/hadoop/conf/core-site.xml":12, or "config.yaml":3 (flink.hadoop.*)
  bool final = false;
};

// One place Flink would look, in load order, and why it looks there.
struct HadoopResource {
  std::filesystem::path path; // a file (core-site.xml, hdfs-site.xml, or a fs.hdfs.* file)
  std::string reason;         // "$HADOOP_CONF_DIR", "env.hadoop.conf.dir (classpath)", ...
  bool exists = false;
};

class HadoopConf {
public:
  // The value of `name` with ${…} substituted; nullopt when unset.
  std::optional<std::string> get(std::string_view name) const;
  // Where `name` was set (for messages); nullptr when unset.
  const HadoopProperty* find(std::string_view name) const;
  // "core-site.xml:12 (/etc/hadoop/conf)" style text for messages: file and line of `name`, or
  // "not set".
  std::string where_of(std::string_view name) const;

  // Sets `name` as a resource loaded later would: ignored (with a diagnostic) when final.
  void set(std::string name, HadoopProperty property);

  const std::map<std::string, HadoopProperty, std::less<>>& properties() const {
    return m_properties;
  }

  std::vector<HadoopResource> searched;      // every place looked at, in order, found or not
  std::vector<std::filesystem::path> loaded; // the files actually read, in order
  bool found = false;      // a file was read (classpath included) or a flink.hadoop.* key was set
  Diagnostics diagnostics; // final overrides ignored, unreadable files, ...
  Environment environment; // for ${env.NAME} and ${user.name}

private:
  std::map<std::string, HadoopProperty, std::less<>> m_properties;
};

// Parses one Hadoop XML resource into `conf` (later calls override earlier ones). Errors: not
// well-formed XML, or a root other than <configuration>; they name display_name and the line.
Status parse_hadoop_xml(std::string_view text, const std::string& display_name, HadoopConf& conf);

// The places Flink of `version` looks at, in load order (see the top), `exists` filled in.
std::vector<HadoopResource> hadoop_resources(const FlatConfig& flink, FlinkVersion version,
                                             const Environment& environment);

// Loads every existing resource of hadoop_resources, then the flink.hadoop.* keys (1.13+).
// Errors: a resource that exists but cannot be read or parsed (its file and line named).
Result<HadoopConf> load_hadoop_conf(const FlatConfig& flink, FlinkVersion version,
                                    const Environment& environment);

// A Hadoop boolean as Configuration.getBoolean reads it ("true"/"false", any case,
// trimmed); nullopt for anything else.
std::optional<bool> hadoop_bool(std::string_view value);

// Configuration.getTrimmedStrings: comma-separated, each trimmed, empty ones dropped.
std::vector<std::string> hadoop_trimmed_strings(std::string_view value);

} // namespace flinkha::config
