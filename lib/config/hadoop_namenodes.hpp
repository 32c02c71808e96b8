#pragma once
// Where the WebHDFS endpoints of an hdfs://, webhdfs:// or swebhdfs:// file system are, resolved
// from its URI and the Hadoop configuration as Hadoop resolves them:
//  - no authority ("hdfs:///x"): FileSystem.getDefaultUri, i.e. fs.defaultFS (core-default.xml:
//    file:///), used when its scheme is the URI's and it has an authority (Flink's
//    HadoopFsFactory.create); otherwise DistributedFileSystem fails "Incomplete HDFS URI, no
//    host" — here an error naming fs.defaultFS and the files that were read.
//  - an authority whose host is in dfs.nameservices (HAUtilClient.isLogicalUri): every member
//    of dfs.ha.namenodes.<ns> in its order (a nameservice without it has the one address
//    dfs.namenode.http-address.<ns>), each at dfs.namenode.http-address.<ns>.<nn>
//    (DFSUtilClient.getHaNnWebHdfsAddresses); a member without one is skipped by Hadoop, and
//    an error here when none is left.
//  - any other authority is one NameNode: for webhdfs:// and swebhdfs:// the HTTP(S) address
//    itself (WebHdfsFileSystem default ports 9870 / 9871); for hdfs:// the RPC address, whose
//    WebHDFS port is dfs.namenode.http-address's (hdfs-default.xml: 0.0.0.0:9870). Its host is
//    used instead of the URI's when it is not a wildcard and the configuration describes this
//    NameNode (fs.defaultFS or dfs.namenode.rpc-address names the URI's host): a configuration
//    of another cluster must not redirect us.
//  - https: swebhdfs://, or hdfs:// with dfs.http.policy HTTPS_ONLY (DFSUtil.getHttpPolicy);
//    the keys are then dfs.namenode.https-address(.<ns>.<nn>), default port 9871.
//  - a wildcard address (0.0.0.0, ::) takes the host of the matching RPC address
//    (dfs.namenode.rpc-address(.<ns>.<nn>)), as DFSUtil.getInfoServerWithDefaultHost does.
// Hosts pass validate_host and ports are 1–65535.

#include "config/hadoop_conf.hpp"
#include "util/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace flinkha::config {

struct NameNodeAddress {
  std::string host;
  int port = 0;
  std::string id;     // the NameNode id in a nameservice ("nn1"); empty otherwise
  std::string source; // where the address came from, for messages: "dfs.namenode.http-address
                      // .ns1.nn1 (/etc/hadoop/conf/hdfs-site.xml:20)", "the URI"
};

struct WebHdfsTarget {
  bool https = false;
  std::string authority;   // of the file system: "nn:8020", "ns1" (after fs.defaultFS)
  std::string nameservice; // empty unless the authority is a nameservice
  std::vector<NameNodeAddress> namenodes; // in the order to try them
  std::string authority_source;           // "the URI" or "fs.defaultFS (core-site.xml:3)"
};

// `scheme` is hdfs, webhdfs or swebhdfs (any case); `authority` as in the URI, maybe empty.
// Errors (ErrorCategory::configuration): no usable fs.defaultFS for an empty authority, a
// nameservice with no address, a bad host or port; each names the key and the file to fix.
Result<WebHdfsTarget> resolve_webhdfs(std::string_view scheme, std::string_view authority,
                                      const HadoopConf& conf);

// "host:port", "host" (→ default_port), "[v6]:port", as NetUtils.createSocketAddr splits them.
Result<NameNodeAddress> parse_hadoop_address(std::string_view text, int default_port);

} // namespace flinkha::config
