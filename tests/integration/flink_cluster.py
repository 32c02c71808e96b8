"""A real Flink HA cluster on loopback for integration tests, benches and fixture capture.

    import flink_cluster as fc
    with harness.TestDir("leaders") as td, harness.ProcessRegistry() as procs:
        cluster = fc.start_cluster(td.path, home, procs, jobmanagers=2)
        ...                                   # cluster.zk_port, cluster.jobmanagers[i].rest_port
        cluster.stop()                        # or leave the registry's `with`: every pid is ended

start_cluster() is the one place that knows how the cluster comes up: today Debian's ZooKeeper
started with `java … QuorumPeerMain` and each JobManager with Flink's own `bin/jobmanager.sh`;
when `flinkha zk start` / `flinkha start-cluster` exist, only this function changes.

ZnodeTool is a small Java program on ZooKeeper's own client jar (an independent reader and writer
of raw znode bytes, used to capture fixtures and to seed benches). Python 3 stdlib only.
"""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import harness

ZK_CLASSPATH = "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-simple.jar"
SESSION_TIMEOUT_MS = 6000


@dataclass
class JobManager:
    index: int
    rest_port: int
    pid: int | None = None
    stopped: bool = False

    @property
    def rest_url(self):
        return f"http://127.0.0.1:{self.rest_port}"


@dataclass
class Cluster:
    home: Path
    version: str
    root: Path                      # the temp dir holding conf/, zk/, logs/, pids/, ha/
    conf_dir: Path
    zk_port: int
    cluster_id: str
    procs: object                   # harness.ProcessRegistry
    jobmanagers: list = field(default_factory=list)
    zk_proc: object = None

    @property
    def namespace(self):
        return f"/flink/{self.cluster_id}"

    @property
    def env(self):
        env = dict(os.environ, FLINK_CONF_DIR=str(self.conf_dir), FLINK_HOME=str(self.home))
        env.pop("FLINK_PID_DIR", None)
        return env

    def pid_file(self):
        # flink-$USER-standalonesession.pid; $USER may be unset (then "flink--…").
        found = sorted((self.root / "pids").glob("flink-*-standalonesession.pid"))
        return found[0] if found else self.root / "pids" / "none.pid"

    def start_jobmanager(self, jm):
        """Starts one JobManager with Flink's script; records its pid (new line of the pid file)."""
        before = _read_pids(self.pid_file())
        r = harness.run([self.home / "bin" / "jobmanager.sh", "start", "127.0.0.1", jm.rest_port],
                        env=self.env, timeout=120)
        if r.returncode != 0:
            raise harness.HarnessError(f"jobmanager.sh start failed:\n{r.describe()}")
        after = _read_pids(self.pid_file())
        new = [p for p in after if p not in before]
        if len(new) != 1:
            raise harness.HarnessError(f"no new pid in {self.pid_file()} after jobmanager.sh start")
        jm.pid = new[0]
        jm.stopped = False
        self.procs.add_pid(jm.pid)

    def wait_rest(self, jm, timeout=180):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if jm.pid is not None and not harness._alive(jm.pid):
                raise harness.HarnessError(f"JobManager {jm.index} exited:\n{self.log_tail(jm)}")
            try:
                return rest_get(jm, "/jobmanager/config")
            except OSError:
                time.sleep(0.5)
        raise harness.HarnessError(f"JobManager {jm.index} REST not up:\n{self.log_tail(jm)}")

    def kill(self, jm, sig):
        os.kill(jm.pid, sig)
        jm.stopped = True

    def wait_exit(self, jm, timeout=60):
        deadline = time.monotonic() + timeout
        while harness._alive(jm.pid) and time.monotonic() < deadline:
            _reap(jm.pid)
            time.sleep(0.05)
        return not harness._alive(jm.pid)

    def log_tail(self, jm, n=40):
        logs = sorted((self.root / "logs").glob("*standalonesession*.log"))
        text = []
        for log in logs:
            lines = log.read_text(errors="replace").splitlines()[-n:]
            text.append(f"--- {log.name}\n" + "\n".join(lines))
        return "\n".join(text) or "(no JobManager log)"

    def stop(self):
        for jm in self.jobmanagers:
            if jm.pid and harness._alive(jm.pid):
                os.kill(jm.pid, signal.SIGTERM)
        for jm in self.jobmanagers:
            if jm.pid:
                self.wait_exit(jm, timeout=30)
                if harness._alive(jm.pid):
                    os.kill(jm.pid, signal.SIGKILL)
        if self.zk_proc is not None and self.zk_proc.poll() is None:
            self.zk_proc.terminate()
            try:
                self.zk_proc.wait(15)
            except subprocess.TimeoutExpired:
                self.zk_proc.kill()


def _read_pids(path):
    try:
        return [int(x) for x in Path(path).read_text().split() if x.strip().isdigit()]
    except OSError:
        return []


def _reap(pid):
    """Daemonised JobManagers are not our children; reaping only matters if they are."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def rest_get(jm, path, timeout=5, settle=20):
    """GET a REST path. A JobManager that has just become leader answers 503 until its REST
    handlers have leadership too; that (and a refused connection) is retried for `settle` s."""
    deadline = time.monotonic() + settle
    while True:
        try:
            with urllib.request.urlopen(jm.rest_url + path, timeout=timeout) as response:
                return json.loads(response.read().decode())
        except urllib.error.HTTPError as e:
            if e.code != 503 or time.monotonic() > deadline:
                raise
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def config_value(entries, key):
    """/jobmanager/config answers [{"key": …, "value": …}]."""
    for entry in entries:
        if entry.get("key") == key:
            return entry.get("value")
    return None


def _java_opts_all(home):
    """Flink's own module openings from its shipped config.yaml (2.x needs them on Java 17)."""
    conf = Path(home, "conf", "config.yaml")
    if not conf.is_file():
        return None
    for line in conf.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("all:") and "--add-opens" in stripped:
            return stripped[len("all:"):].strip()
    return None


def write_flink_conf(root, home, zk_port, cluster_id, extra=None):
    conf_dir = Path(root, "conf")
    for sub in ("conf", "pids", "logs", "ha"):
        Path(root, sub).mkdir(parents=True, exist_ok=True)
    options = {
        "high-availability.type": "zookeeper",
        "high-availability.zookeeper.quorum": f"127.0.0.1:{zk_port}",
        "high-availability.storageDir": f"file://{root}/ha",
        "high-availability.cluster-id": cluster_id,
        "high-availability.zookeeper.client.session-timeout": f"{SESSION_TIMEOUT_MS} ms",
        "high-availability.zookeeper.client.connection-timeout": "5 s",
        "jobmanager.rpc.address": "127.0.0.1",
        "jobmanager.bind-host": "127.0.0.1",
        "rest.address": "127.0.0.1",
        "rest.bind-address": "127.0.0.1",
        "jobmanager.memory.process.size": "768m",
        "env.pid.dir": str(Path(root, "pids")),
        "env.log.dir": str(Path(root, "logs")),
        "metrics.internal.query-service.port": "0",
    }
    opts = _java_opts_all(home)
    if opts:
        options["env.java.opts.all"] = opts
    options.update(extra or {})
    # Flat keys in config.yaml are valid standard YAML for 1.19+ and 2.x alike.
    lines = [f"{k}: {json.dumps(v)}" for k, v in options.items()]
    (conf_dir / "config.yaml").write_text("\n".join(lines) + "\n")
    (conf_dir / "masters").write_text("127.0.0.1:8081\n")
    (conf_dir / "workers").write_text("127.0.0.1\n")
    for name in ("log4j.properties", "logback.xml"):
        src = Path(home, "conf", name)
        if src.is_file():
            (conf_dir / name).write_text(src.read_text())
    return conf_dir


def start_zookeeper(root, procs, port, max_session_timeout=60000, four_letter_words="srvr,ruok"):
    """A standalone ZooKeeper under root/zk; `max_session_timeout` (ms) caps what clients get."""
    zk_dir = Path(root, "zk")
    (zk_dir / "data").mkdir(parents=True, exist_ok=True)
    cfg = zk_dir / "zoo.cfg"
    cfg.write_text("\n".join([
        "tickTime=500", "minSessionTimeout=1000", f"maxSessionTimeout={max_session_timeout}",
        f"dataDir={zk_dir / 'data'}", f"clientPort={port}", "clientPortAddress=127.0.0.1",
        "admin.enableServer=false", f"4lw.commands.whitelist={four_letter_words}", ""]))
    proc = procs.start(["java", "-Xmx128m", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true",
                        "-Dzookeeper.jmx.log4j.disable=true", "-cp", ZK_CLASSPATH,
                        "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg],
                       log=zk_dir / "server.log", cwd=zk_dir)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise harness.HarnessError(f"ZooKeeper exited: {(zk_dir / 'server.log').read_text()}")
        try:
            import socket
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"ruok")
                if s.recv(16) == b"imok":
                    return proc
        except OSError:
            pass
        time.sleep(0.2)
    raise harness.HarnessError("ZooKeeper did not answer ruok within 60 s")


def start_cluster(root, home, procs, jobmanagers=2, extra_conf=None):
    """ZooKeeper + N JobManagers of FLINK_HOME `home`, HA via ZooKeeper, all on 127.0.0.1.

    Returns when every JobManager answers REST and the first one leads.
    """
    root = Path(root)
    version = harness.flink_version_of(home)
    zk_port = harness.free_port()
    cluster_id = f"leaders-{uuid.uuid4().hex[:8]}"
    conf_dir = write_flink_conf(root, home, zk_port, cluster_id, extra_conf)
    cluster = Cluster(Path(home), version, root, conf_dir, zk_port, cluster_id, procs)
    cluster.zk_proc = start_zookeeper(root, procs, zk_port)
    for i in range(jobmanagers):
        jm = JobManager(i, harness.free_port())
        cluster.jobmanagers.append(jm)
        cluster.start_jobmanager(jm)
        # The first one up wins the latch: a deterministic leader for the checks.
        cluster.wait_rest(jm)
    return cluster


# --- ZnodeTool: raw znode bytes through ZooKeeper's own Java client -----------------------------

ZNODE_TOOL = r"""
import org.apache.zookeeper.*;
import org.apache.zookeeper.data.Stat;
import java.nio.file.*;
import java.util.*;
import java.util.concurrent.CountDownLatch;

public class ZnodeTool {
  static String hex(byte[] b) {
    if (b == null) return null;
    StringBuilder s = new StringBuilder();
    for (byte x : b) s.append(String.format("%02x", x));
    return s.toString();
  }
  static String stat(Stat s) {
    return String.format("{\"czxid\":%d,\"mzxid\":%d,\"ctime\":%d,\"mtime\":%d,\"version\":%d,"
        + "\"ephemeralOwner\":%d,\"dataLength\":%d,\"numChildren\":%d}", s.getCzxid(),
        s.getMzxid(), s.getCtime(), s.getMtime(), s.getVersion(), s.getEphemeralOwner(),
        s.getDataLength(), s.getNumChildren());
  }
  // get PATH...           one JSON line per path: {"path","data_hex","stat","children"} or missing
  // put PATH HEXDATA ...  creates (with parents) or overwrites persistent nodes
  public static void main(String[] a) throws Exception {
    CountDownLatch up = new CountDownLatch(1);
    ZooKeeper zk = new ZooKeeper(a[0], 10000, e -> {
      if (e.getState() == Watcher.Event.KeeperState.SyncConnected) up.countDown();
    });
    up.await();
    if (a[1].equals("get")) {
      for (int i = 2; i < a.length; i++) {
        Stat s = new Stat();
        try {
          byte[] d = zk.getData(a[i], false, s);
          List<String> c = zk.getChildren(a[i], false);
          Collections.sort(c);
          StringBuilder cs = new StringBuilder("[");
          for (int k = 0; k < c.size(); k++) cs.append(k > 0 ? "," : "").append('"').append(c.get(k)).append('"');
          cs.append("]");
          System.out.println("{\"path\":\"" + a[i] + "\",\"data_hex\":" + (d == null ? "null" : "\"" + hex(d) + "\"")
              + ",\"stat\":" + stat(s) + ",\"children\":" + cs + "}");
        } catch (KeeperException.NoNodeException e) {
          System.out.println("{\"path\":\"" + a[i] + "\",\"missing\":true}");
        }
      }
    } else if (a[1].equals("put")) {
      for (int i = 2; i + 1 < a.length; i += 2) {
        String p = a[i];
        byte[] d = a[i + 1].equals("-") ? new byte[0] : HexFormat.of().parseHex(a[i + 1]);
        String[] parts = p.substring(1).split("/");
        String cur = "";
        for (int k = 0; k < parts.length - 1; k++) {
          cur += "/" + parts[k];
          try { zk.create(cur, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT); }
          catch (KeeperException.NodeExistsException e) { }
        }
        try { zk.create(p, d, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT); }
        catch (KeeperException.NodeExistsException e) { zk.setData(p, d, -1); }
      }
    }
    zk.close();
  }
}
"""


def znode_tool(root, zk_port, *args, timeout=120):
    """Runs ZnodeTool (java single-file source launch) and returns its stdout lines as JSON."""
    src = Path(root, "ZnodeTool.java")
    if not src.exists():
        src.write_text(ZNODE_TOOL)
    r = harness.run(["java", "-Xmx64m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                     "-cp", ZK_CLASSPATH, src, f"127.0.0.1:{zk_port}", *args], timeout=timeout)
    if r.returncode != 0:
        raise harness.HarnessError(f"ZnodeTool failed:\n{r.describe()}")
    return [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
