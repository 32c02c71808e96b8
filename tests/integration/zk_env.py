"""A private copy of the shipped conf/ for ZooKeeper tests and benchmarks (Python 3 stdlib only).

    import harness, zk_env
    with harness.TestDir("zk") as td:
        env = zk_env.ShippedCopy(td.path)        # conf/ copied, ports and dirs rewritten
        r = harness.run([bin, "--conf-dir", env.conf_dir, "zk", "start"])
        env.pids()                               # {id: pid} from flinkha's pid files

The copy keeps the shipped example's structure (3 peers on localhost, each with its own
";clientPort") but uses free ports, binds client ports to 127.0.0.1, and puts dataDir, the pid
dir (env.pid.dir) and the logs below the test directory, so tests can run in parallel.
"""

import getpass
import os
import re
import shutil
import socket
import time
from pathlib import Path

import harness

_handed_out = set()


def free_port():
    """A port free on 127.0.0.1 now, never the same one twice in this process."""
    while True:
        port = harness.free_port()
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def user():
    return os.environ.get("USER") or getpass.getuser()


def alive(pid):
    """The process exists and is not a zombie (PID 1 here may never reap orphans)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_dead(pid, seconds=15.0):
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


def four_letter(port, command, timeout=2.0):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(command.encode("ascii"))
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                return b"".join(chunks).decode("utf-8", "replace")
            chunks.append(data)


class ShippedCopy:
    """conf/ of the source tree, copied to root/conf with its ports and directories rewritten."""

    def __init__(self, root, extra_yaml="", zoo_cfg=None):
        self.root = Path(root)
        self.conf_dir = self.root / "conf"
        shutil.copytree(harness.SOURCE_DIR / "conf", self.conf_dir,
                        ignore=shutil.ignore_patterns("examples"))
        self.data_root = self.root / "zk-data"
        self.pid_dir = self.root / "pids"
        self.peers = {}  # id -> (peer port, leader port, client port)
        text = zoo_cfg if zoo_cfg is not None else (self.conf_dir / "zoo.cfg").read_text()
        lines = []
        for line in text.splitlines():
            m = re.match(r"^server\.(\d+)=localhost:\d+:\d+;\d+$", line)
            if m:
                sid = int(m.group(1))
                ports = (free_port(), free_port(), free_port())
                self.peers[sid] = ports
                line = f"server.{sid}=localhost:{ports[0]}:{ports[1]};127.0.0.1:{ports[2]}"
            elif line.startswith("dataDir="):
                line = f"dataDir={self.data_root}"
            lines.append(line)
        if not self.peers:
            raise harness.HarnessError("the shipped conf/zoo.cfg has no server.N=localhost:p:l;c")
        (self.conf_dir / "zoo.cfg").write_text("\n".join(lines) + "\n")
        quorum = ",".join(f"127.0.0.1:{p[2]}" for p in self.peers.values())
        config = (self.conf_dir / "config.yaml").read_text()
        config = re.sub(r"quorum: .*", f"quorum: {quorum}", config)
        config = config.replace("file:///tmp/flinkha-local/ha", (self.root / "ha").as_uri())
        config += (f"\n# Rewritten for a test run.\nenv.pid.dir: {self.pid_dir}\n"
                   f"zookeeper.launcher: zookeeper\nzookeeper.heap.mb: 128\n{extra_yaml}")
        (self.conf_dir / "config.yaml").write_text(config)

    def client_port(self, sid):
        return self.peers[sid][2]

    def pid_file(self, sid):
        return self.pid_dir / f"flinkha-{user()}-zookeeper-{sid}.pid"

    def data_dir(self, sid):
        return self.data_root / f"peer-{sid}"

    def pids(self):
        """{id: pid} of every pid file flinkha wrote."""
        out = {}
        for sid in self.peers:
            try:
                out[sid] = int(self.pid_file(sid).read_text().strip())
            except (OSError, ValueError):
                pass
        return out

    def logs(self, lines=15):
        """The tail of every peer's log, for a failure message."""
        text = []
        for sid in self.peers:
            log = self.data_dir(sid) / f"flinkha-{user()}-zookeeper-{sid}.log"
            try:
                tail = log.read_text(errors="replace").splitlines()[-lines:]
            except OSError:
                tail = ["(no log)"]
            text.append(f"--- peer {sid}: {log}\n" + "\n".join(tail))
        return "\n".join(text)
