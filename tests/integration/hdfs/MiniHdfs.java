// A real HDFS for flinkha's tests and benches: Hadoop's own MiniDFSCluster (NameNode(s) and one
// DataNode in this JVM, from hadoop-client-minicluster), on 127.0.0.1 with free ports, WebHDFS on,
// permissions on. Started by tests/integration/hdfs_env.py (javac'd there against the jars of
// scripts/fetch-hadoop minicluster).
//
//   java -Xmx512m -cp "$(scripts/fetch-hadoop minicluster):." MiniHdfs single|ha BASE_DIR CONF_DIR \
//        [KEY=VALUE...]
//
// KEY=VALUE pairs are set on the servers' Configuration (e.g. dfs.ls.limit=3 for small
// LISTSTATUS_BATCH pages).
// single: one NameNode; ha: the nameservice "minidfs-ns" of MiniDFSNNTopology.simpleHATopology
// with nn1 STANDBY (listed first) and nn2 ACTIVE. Writes CONF_DIR/core-site.xml (fs.defaultFS)
// and CONF_DIR/hdfs-site.xml (the addresses a client needs: dfs.namenode.http-address, or
// dfs.nameservices, dfs.ha.namenodes.<ns>, dfs.namenode.{rpc,http}-address.<ns>.<nn> and the
// failover proxy provider), then prints one JSON line when the cluster is up:
//   {"ready":true,"mode":"single","superuser":"root","default_fs":"hdfs://127.0.0.1:41234",
//    "namenodes":[{"id":"nn1","rpc":41234,"http":41235,"state":"active"}]}
// Then reads commands on stdin, one per line, and answers each with one JSON line:
//   safemode enter | safemode leave   the active NameNode's safe mode (manual)
//   put LOCAL_DIR HDFS_DIR            copies every regular file of LOCAL_DIR (16 threads)
//   stop                              shuts the cluster down and exits 0 (so does EOF)
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.MiniDFSNNTopology;
import org.apache.hadoop.hdfs.protocol.HdfsConstants;
import org.apache.hadoop.hdfs.server.namenode.NameNode;

public class MiniHdfs {
  static final String NAMESERVICE = "minidfs-ns";

  public static void main(String[] a) throws Exception {
    boolean ha = a[0].equals("ha");
    File base = new File(a[1]);
    File confDir = new File(a[2]);
    Configuration conf = new Configuration();
    conf.setBoolean("dfs.permissions.enabled", true);
    conf.setBoolean("dfs.webhdfs.enabled", true);
    conf.set("dfs.datanode.hostname", "127.0.0.1");
    conf.set("hadoop.security.authentication", "simple");
    // Small, quick: one replica, no trash, a short heartbeat.
    conf.setInt("dfs.replication", 1);
    conf.setInt("dfs.heartbeat.interval", 1);
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getAbsolutePath());
    for (int i = 3; i < a.length; i++) {
      int eq = a[i].indexOf('=');
      conf.set(a[i].substring(0, eq), a[i].substring(eq + 1));
    }
    MiniDFSCluster.Builder builder = new MiniDFSCluster.Builder(conf, base)
        .numDataNodes(1)
        .checkDataNodeHostConfig(true);
    if (ha) {
      builder.nnTopology(MiniDFSNNTopology.simpleHATopology());
    } else {
      builder.nameNodePort(0).nameNodeHttpPort(0);
    }
    MiniDFSCluster cluster = builder.build();
    int active = ha ? 1 : 0;
    if (ha) {
      cluster.transitionToActive(active);
    }
    cluster.waitActive();
    cluster.waitClusterUp();
    FileSystem fs = ha ? cluster.getFileSystem(active) : cluster.getFileSystem();

    StringBuilder json = new StringBuilder("{\"ready\":true,\"mode\":\"" + a[0] + "\"");
    json.append(",\"superuser\":\"")
        .append(System.getProperty("user.name")).append("\"");
    String defaultFs;
    StringBuilder hdfsSite = new StringBuilder();
    StringBuilder nns = new StringBuilder();
    if (ha) {
      defaultFs = "hdfs://" + NAMESERVICE;
      prop(hdfsSite, "dfs.nameservices", NAMESERVICE);
      prop(hdfsSite, "dfs.ha.namenodes." + NAMESERVICE, "nn1,nn2");
      prop(hdfsSite, "dfs.client.failover.proxy.provider." + NAMESERVICE,
          "org.apache.hadoop.hdfs.server.namenode.ha.ConfiguredFailoverProxyProvider");
    } else {
      defaultFs = "hdfs://127.0.0.1:" + cluster.getNameNodePort();
    }
    int count = ha ? 2 : 1;
    for (int i = 0; i < count; i++) {
      NameNode nn = cluster.getNameNode(i);
      int rpc = nn.getNameNodeAddress().getPort();
      int http = nn.getHttpAddress().getPort();
      String id = "nn" + (i + 1);
      if (ha) {
        prop(hdfsSite, "dfs.namenode.rpc-address." + NAMESERVICE + "." + id, "127.0.0.1:" + rpc);
        prop(hdfsSite, "dfs.namenode.http-address." + NAMESERVICE + "." + id, "127.0.0.1:" + http);
      } else {
        prop(hdfsSite, "dfs.namenode.rpc-address", "127.0.0.1:" + rpc);
        prop(hdfsSite, "dfs.namenode.http-address", "127.0.0.1:" + http);
      }
      if (i > 0) nns.append(",");
      nns.append("{\"id\":\"").append(id).append("\",\"rpc\":").append(rpc)
          .append(",\"http\":").append(http).append(",\"state\":\"")
          .append(nn.isActiveState() ? "active" : "standby").append("\"}");
    }
    StringBuilder coreSite = new StringBuilder();
    prop(coreSite, "fs.defaultFS", defaultFs);
    confDir.mkdirs();
    Files.write(new File(confDir, "core-site.xml").toPath(), site(coreSite));
    Files.write(new File(confDir, "hdfs-site.xml").toPath(), site(hdfsSite));
    json.append(",\"default_fs\":\"").append(defaultFs).append("\",\"namenodes\":[")
        .append(nns).append("]}");
    System.out.println(json);
    System.out.flush();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String[] w = line.trim().split("\\s+");
      if (w.length == 0 || w[0].isEmpty()) continue;
      try {
        if (w[0].equals("stop")) {
          break;
        } else if (w[0].equals("safemode") && w.length == 2) {
          boolean enter = w[1].equals("enter");
          cluster.getNameNodeRpc(active).setSafeMode(enter
              ? HdfsConstants.SafeModeAction.SAFEMODE_ENTER
              : HdfsConstants.SafeModeAction.SAFEMODE_LEAVE, false);
          answer("{\"ok\":true}");
        } else if (w[0].equals("put") && w.length == 3) {
          answer("{\"ok\":true,\"files\":" + put(fs, new File(w[1]), new Path(w[2])) + "}");
        } else {
          answer("{\"ok\":false,\"error\":\"unknown command\"}");
        }
      } catch (Exception e) {
        answer("{\"ok\":false,\"error\":\"" + e.toString().replace("\\", "\\\\")
            .replace("\"", "'").replace("\n", " ") + "\"}");
      }
    }
    cluster.shutdown(true);
    System.exit(0);
  }

  static int put(FileSystem fs, File local, Path dir) throws Exception {
    fs.mkdirs(dir);
    File[] files = local.listFiles(File::isFile);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<?>> done = new ArrayList<>();
    for (File f : files) {
      done.add(pool.submit(() -> {
        byte[] bytes = Files.readAllBytes(f.toPath());
        try (FSDataOutputStream out = fs.create(new Path(dir, f.getName()), true)) {
          out.write(bytes);
        }
        return null;
      }));
    }
    for (Future<?> f : done) f.get();
    pool.shutdown();
    return files.length;
  }

  static void answer(String json) {
    System.out.println(json);
    System.out.flush();
  }

  static void prop(StringBuilder sb, String name, String value) {
    sb.append("  <property><name>").append(name).append("</name><value>").append(value)
        .append("</value></property>\n");
  }

  static byte[] site(StringBuilder props) {
    return ("<?xml version=\"1.0\"?>\n<configuration>\n" + props + "</configuration>\n")
        .getBytes(StandardCharsets.UTF_8);
  }
}
