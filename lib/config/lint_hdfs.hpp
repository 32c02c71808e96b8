#pragma once
// `config check` rules for HA data on HDFS: the Hadoop configuration Flink would load on this
// host (hadoop_conf.hpp) must say where the NameNode of high-availability.storageDir and of the
// JobResultStore path is (hadoop_namenodes.hpp). Codes (flinkha-config(1)):
//  hdfs-no-hadoop-conf       (warning) an hdfs:/// path, and no Hadoop configuration where Flink
//                            looks on this host; the JobManager hosts may have one, this one
//                            cannot tell.
//  hdfs-no-default-fs        (error) an hdfs:/// path, and the Hadoop configuration that was
//                            found has no hdfs:// fs.defaultFS: Flink fails "Incomplete HDFS URI,
//                            no host".
//  hdfs-nameservice-no-http  (error) a member of the path's nameservice without
//                            dfs.namenode.http-address.<ns>.<nn> (https-address with
//                            HTTPS_ONLY): Hadoop skips it, flinkha cannot reach it.
//  hadoop-conf-invalid       (error) a Hadoop configuration file that cannot be read or parsed.
//  hadoop-final-override     (warning) a later resource sets a property that is final.

#include "config/cluster_config.hpp"
#include "config/diagnostics.hpp"

namespace flinkha::config {

// Appends the findings for `config` to `out`.
void lint_hdfs(const ClusterConfig& config, const Environment& environment, Diagnostics& out);

} // namespace flinkha::config
