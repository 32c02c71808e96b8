"""A real HDFS on loopback for integration tests, benches and fixture capture (stdlib only).

    import hdfs_env
    with harness.TestDir("hdfs") as td, harness.ProcessRegistry() as procs:
        hdfs = hdfs_env.start(td.path / "hdfs", procs)            # mode="ha": nn1 standby first
        hdfs.conf_dir, hdfs.default_fs, hdfs.http_port              # HADOOP_CONF_DIR, fs.defaultFS
        w = hdfs.webhdfs()                                          # WebHDFS as the superuser
        w.put_bytes("/flink/ha/x", b"...")                          # CREATE (NameNode → DataNode)
        status, body = w.call("GET", "/flink/ha", "LISTSTATUS")    # raw answer, no redirect
        hdfs.command("safemode enter")                              # the launcher's stdin commands
        hdfs.stop()                                                 # or leave the registry's `with`

The NameNode(s) and the DataNode are Hadoop's own MiniDFSCluster (hdfs/MiniHdfs.java, javac'd
here against the jars of scripts/fetch-hadoop minicluster, from Maven, cached in ~/.m2),
-Xmx512m, permissions on, every port free and on 127.0.0.1. The launcher writes core-site.xml
and hdfs-site.xml for clients into conf_dir. Started and stopped by its pid.

WebHDFS requests here go through urllib (an independent client: the REST API of
NamenodeWebHdfsMethods, Hadoop 3.4, "WebHDFS REST API" in Hadoop's documentation), so what a
test sets up or checks on HDFS does not depend on flinkha's own client.
"""

import json
import os
import select
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
FETCH_HADOOP = harness.SOURCE_DIR / "scripts" / "fetch-hadoop"
START_TIMEOUT_S = 90
NAMESERVICE = "minidfs-ns"  # mode "ha": MiniDFSNNTopology.simpleHATopology's nameservice


def classpath(kind):
    """scripts/fetch-hadoop minicluster|client: the verified jars, ':'-separated."""
    r = harness.run([FETCH_HADOOP, kind], timeout=1800)
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or len(lines) != 1:
        raise harness.HarnessError(f"scripts/fetch-hadoop {kind} failed:\n{r.describe()}")
    return lines[0]


def hadoop_version():
    """The Hadoop version scripts/fetch-hadoop pins, from its hadoop-client-api jar's name."""
    for jar in classpath("client").split(":"):
        name = Path(jar).name
        if name.startswith("hadoop-client-api-"):
            return name.removeprefix("hadoop-client-api-").removesuffix(".jar")
    raise harness.HarnessError("scripts/fetch-hadoop client: no hadoop-client-api jar")


def compile_launcher(out):
    """javac hdfs/MiniHdfs.java against the minicluster jars; returns (classes dir, classpath)."""
    cp = classpath("minicluster")
    classes = Path(out, "minihdfs-classes")
    classes.mkdir(parents=True, exist_ok=True)
    if not (classes / "MiniHdfs.class").is_file():
        r = harness.run([harness.java_tool("javac"), "-proc:none", "-nowarn", "-cp", cp, "-d",
                         classes, HERE / "hdfs" / "MiniHdfs.java"], timeout=300)
        if r.returncode != 0:
            raise harness.HarnessError(f"javac MiniHdfs failed:\n{r.describe()}")
    return classes, cp


@dataclass
class NameNodeInfo:
    id: str
    rpc: int
    http: int
    state: str


@dataclass
class Hdfs:
    root: Path
    conf_dir: Path
    mode: str
    default_fs: str
    superuser: str
    namenodes: list
    proc: subprocess.Popen
    log: Path
    _buffer: bytes = field(default=b"", repr=False)

    @property
    def active(self):
        return next(nn for nn in self.namenodes if nn.state == "active")

    @property
    def http_port(self):
        """The active NameNode's WebHDFS (HTTP) port."""
        return self.active.http

    @property
    def rpc_port(self):
        return self.active.rpc

    def uri(self, path):
        """hdfs://127.0.0.1:<rpc>/path (single) or hdfs://<nameservice>/path (ha)."""
        return self.default_fs.rstrip("/") + "/" + path.lstrip("/")

    def webhdfs(self, user=None, port=None):
        return WebHdfs(port or self.http_port, user or self.superuser)

    def _readline(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise harness.HarnessError(f"MiniHdfs: no answer within {timeout} s; log "
                                           f"{self.log}:\n{_tail(self.log)}")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise harness.HarnessError(f"MiniHdfs exited (rc {self.proc.poll()}); log "
                                               f"{self.log}:\n{_tail(self.log)}")
                self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def command(self, line, timeout=120):
        """One stdin command of the launcher ("safemode enter", "put DIR HDFS_DIR"); its answer."""
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()
        answer = json.loads(self._readline(timeout))
        if not answer.get("ok"):
            raise harness.HarnessError(f"MiniHdfs {line!r}: {answer.get('error')}")
        return answer

    def stop(self, timeout=30):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write(b"stop\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait(10)


def _tail(path, n=40):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def start(root, procs, mode="single", conf=None):
    """A MiniDFSCluster in `mode` ("single" or "ha") under root; returns when it serves.

    `conf`: {key: value} set on the servers' Configuration (e.g. {"dfs.ls.limit": 3})."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    classes, cp = compile_launcher(root.parent)
    conf_dir = root / "hadoop-conf"
    log = root / "minihdfs.log"
    with open(log, "ab") as err:
        proc = subprocess.Popen(
            [str(harness.java_tool("java")), "-Xmx512m", "-XX:+UseSerialGC",
             "-Djava.net.preferIPv4Stack=true", "-cp", f"{cp}:{classes}", "MiniHdfs", mode,
             str(root / "data"), str(conf_dir), *[f"{k}={v}" for k, v in (conf or {}).items()]],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, cwd=root,
            start_new_session=True)
    procs.add_pid(proc.pid)
    hdfs = Hdfs(root, conf_dir, mode, "", "", [], proc, log)
    try:
        ready = json.loads(hdfs._readline(START_TIMEOUT_S))
    except Exception:
        hdfs.stop(5)
        raise
    hdfs.default_fs = ready["default_fs"]
    hdfs.superuser = ready["superuser"]
    hdfs.namenodes = [NameNodeInfo(**nn) for nn in ready["namenodes"]]
    return hdfs


class WebHdfsError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:500]!r}")
        self.status, self.body = status, body


class WebHdfs:
    """WebHDFS over urllib, simple authentication (user.name); redirects taken by hand."""

    def __init__(self, port, user):
        self.port, self.user = port, user

    def url(self, path, op, port=None, **params):
        query = {"op": op, "user.name": self.user, **{k: str(v) for k, v in params.items()}}
        quoted = urllib.parse.quote("/" + path.lstrip("/"))
        return f"http://127.0.0.1:{port or self.port}/webhdfs/v1{quoted}?" + \
            urllib.parse.urlencode(query)

    def raw(self, method, url, data=None, timeout=30):
        """(status, headers, body bytes) of one request; a redirect is returned, not followed."""
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/octet-stream")
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def call(self, method, path, op, data=None, **params):
        """(status, body bytes) of one NameNode request."""
        status, _, body = self.raw(method, self.url(path, op, **params), data)
        return status, body

    def json(self, method, path, op, **params):
        status, body = self.call(method, path, op, **params)
        if status != 200:
            raise WebHdfsError(status, body)
        return json.loads(body)

    def put_bytes(self, path, data, overwrite=True):
        """CREATE: the NameNode's 307 to a DataNode, then the bytes to the DataNode."""
        status, headers, body = self.raw("PUT", self.url(path, "CREATE", overwrite=str(overwrite)
                                                        .lower()))
        if status != 307:
            raise WebHdfsError(status, body)
        status, _, body = self.raw("PUT", headers["Location"], data)
        if status != 201:
            raise WebHdfsError(status, body)

    def put_many(self, files, threads=32):
        """{path: bytes} written concurrently (CREATE per file)."""
        with ThreadPoolExecutor(threads) as pool:
            for f in [pool.submit(self.put_bytes, p, d) for p, d in files.items()]:
                f.result()

    def read(self, path):
        status, headers, body = self.raw("GET", self.url(path, "OPEN"))
        if status == 307:
            status, _, body = self.raw("GET", headers["Location"])
        if status != 200:
            raise WebHdfsError(status, body)
        return body

    def mkdirs(self, path, permission=None):
        extra = {"permission": permission} if permission else {}
        return self.json("PUT", path, "MKDIRS", **extra)["boolean"]

    def delete(self, path, recursive=False):
        return self.json("DELETE", path, "DELETE", recursive=str(recursive).lower())["boolean"]

    def exists(self, path):
        status, _ = self.call("GET", path, "GETFILESTATUS")
        return status == 200

    def status(self, path):
        return self.json("GET", path, "GETFILESTATUS")["FileStatus"]

    def list_names(self, path):
        status, body = self.call("GET", path, "LISTSTATUS")
        if status == 404:
            return []
        if status != 200:
            raise WebHdfsError(status, body)
        return sorted(s["pathSuffix"] for s in json.loads(body)["FileStatuses"]["FileStatus"])

    def set_times(self, path, mtime_ms):
        status, body = self.call("PUT", path, "SETTIMES", modificationtime=int(mtime_ms))
        if status != 200:
            raise WebHdfsError(status, body)

    def set_owner(self, path, owner, group=None):
        extra = {"group": group} if group else {}
        status, body = self.call("PUT", path, "SETOWNER", owner=owner, **extra)
        if status != 200:
            raise WebHdfsError(status, body)

    def set_permission(self, path, mode):
        status, body = self.call("PUT", path, "SETPERMISSION", permission=mode)
        if status != 200:
            raise WebHdfsError(status, body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
