"""Real Flink standalone clusters on loopback "hosts" for integration tests and benchmarks
(Python 3 stdlib only). Builds on harness.py and sshd_harness.py.

    sshd = FlinkSshd(hosts=4, state_dir=td.path)   # sshd on 127.0.0.2..5, per-host env
    zk = start_zookeeper(td.path, procs)            # standalone ZooKeeper on 127.0.0.1:<free port>
    conf = write_conf(td.path / "conf", home, masters=[...], workers=[...], zk_port=zk)
    r = flinkha(sshd, ["--conf-dir", conf, "--flink-home", home, "status"])
    kill_flink(sshd)                                # every Flink JVM by the pids in its pid files

Every loopback address is this machine, yet Flink keeps its pid files (flink-<user>-<daemon>.pid,
no host name in them) and log files per host. So each address gets its own FLINK_PID_DIR and
FLINK_LOG_DIR through sshd's `Match LocalAddress` + `SetEnv` (Flink's config.sh lets the
environment override env.pid.dir / env.log.dir): what runs "on" 127.0.0.3 sees only 127.0.0.3's
pid files, as on a real host.
"""

import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from sshd_harness import SshdHarness  # noqa: E402

ZOOKEEPER_CLASSPATH = "/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:" \
                      "/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-simple.jar:" \
                      "/usr/share/java/commons-io.jar"


MAX_LISTEN_PER_SSHD = 16  # OpenSSH's MAX_LISTEN_SOCKS


class FlinkSshd(SshdHarness):
    """SshdHarness whose sessions on address A get FLINK_PID_DIR=<state>/A/pid and
    FLINK_LOG_DIR=<state>/A/log (created here).

    One sshd listens on at most 16 addresses (MAX_LISTEN_SOCKS), so for more hosts further sshd
    processes ("shards") with the same keys, port and settings serve the next 16 each; log_text()
    reads the first shard's log, shard_logs() all of them. All shards stop with stop()."""

    def __init__(self, hosts, state_dir, first=2, remote_home=None):
        super().__init__(hosts=hosts, first=first)
        self.state_dir = Path(state_dir)
        # remote_home: HOME of the remote sessions (so the login shell reads that dir's profile,
        # not the account's); None keeps the account's home.
        self.remote_home = remote_home
        for address in self.addresses:
            self.pid_dir(address).mkdir(parents=True, exist_ok=True)
            self.log_dir(address).mkdir(parents=True, exist_ok=True)

    def pid_dir(self, address):
        return self.state_dir / "hosts" / address / "pid"

    def log_dir(self, address):
        return self.state_dir / "hosts" / address / "log"

    def _config(self, addresses=None):
        text = super()._config()
        if addresses is not None:
            text = "".join(line + "\n" for line in text.splitlines()
                           if not line.startswith("ListenAddress ") or line.split()[1] in addresses)
        for address in self.addresses:
            text += (f"Match LocalAddress {address}\n"
                     f"  SetEnv FLINK_PID_DIR={self.pid_dir(address)} "
                     f"FLINK_LOG_DIR={self.log_dir(address)}"
                     + (f" HOME={self.remote_home}" if self.remote_home else "") + "\n")
        return text

    def _launch(self):
        shards = [self.addresses[i:i + MAX_LISTEN_PER_SSHD]
                  for i in range(0, len(self.addresses), MAX_LISTEN_PER_SSHD)]
        if len(shards) == 1:
            return super()._launch()
        self._shards = []
        all_addresses = self.addresses
        # The first shard is the base harness (its port choice and log); the others follow it.
        self.addresses = shards[0]
        try:
            super()._launch()
        finally:
            self.addresses = all_addresses
        import subprocess
        for index, addresses in enumerate(shards[1:], start=1):
            config = self.path(f"sshd_config.{index}")
            text = self._config(addresses).replace(self.path("sshd.pid"),
                                                   self.path(f"sshd.{index}.pid"))
            with open(config, "w", encoding="ascii") as f:
                f.write(text)
            log = self.path(f"sshd.{index}.log")
            process = subprocess.Popen([self.SSHD_PATH, "-D", "-f", config, "-E", log],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            self._shards.append((process, log))
            deadline = time.monotonic() + 10
            wanted = [f"Server listening on {a} port {self.port}." for a in addresses]
            while time.monotonic() < deadline:
                text = open(log, errors="replace").read() if os.path.exists(log) else ""
                if all(w in text for w in wanted):
                    break
                if process.poll() is not None:
                    raise harness.HarnessError(f"sshd shard {index} exited:\n{text}")
                time.sleep(0.02)
            else:
                raise harness.HarnessError(f"sshd shard {index} did not listen on {addresses}")

    SSHD_PATH = "/usr/sbin/sshd"

    def stop(self):
        for process, _ in getattr(self, "_shards", []):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # by pid: our own child
                try:
                    process.wait(timeout=10)
                except Exception:  # noqa: BLE001
                    process.kill()
                    process.wait()
        self._shards = []
        super().stop()

    def start(self):
        super().start()
        self.known_hosts = self.write_known_hosts(
            "known_hosts", [self.known_hosts_line(a) for a in self.addresses])
        return self


def ssh_flags(sshd, known_hosts=None, connect_timeout=None):
    """flinkha's global SSH flags for a harness: its port, user key and known_hosts, no
    ~/.ssh/config."""
    flags = ["--ssh-port", str(sshd.port), "--ssh-identity", sshd.user_key,
             "--known-hosts", known_hosts or sshd.known_hosts, "--no-ssh-config"]
    if connect_timeout:
        flags += ["--connect-timeout", str(connect_timeout)]
    return flags


def flinkha_env(sshd):
    """Environment for flinkha runs: HOME in the harness dir (no personal ssh config or keys),
    no agent, no FLINK_* from the caller."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FLINK_") and k != "SSH_AUTH_SOCK"}
    env["HOME"] = sshd.dir
    return env


def flinkha(sshd, args, timeout=300, known_hosts=None, connect_timeout=None):
    cmd = [harness.flinkha_bin(), *ssh_flags(sshd, known_hosts, connect_timeout), *args]
    return harness.run(cmd, timeout=timeout, env=flinkha_env(sshd))


# --- ZooKeeper --------------------------------------------------------------------------------

def start_zookeeper(workdir, procs, host="127.0.0.1"):
    """A standalone Debian ZooKeeper on host:<free port>, data in workdir/zk; returns the port."""
    data = Path(workdir) / "zk"
    data.mkdir(parents=True, exist_ok=True)
    port = harness.free_port(host)
    cfg = data / "zoo.cfg"
    cfg.write_text(f"tickTime=2000\ndataDir={data}/data\nclientPort={port}\n"
                   f"clientPortAddress={host}\nadmin.enableServer=false\n"
                   "4lw.commands.whitelist=ruok,srvr,mntr\n")
    procs.start([harness.java_tool("java"), "-Xmx128m", "-cp", ZOOKEEPER_CLASSPATH,
                 "org.apache.zookeeper.server.quorum.QuorumPeerMain", cfg],
                log=data / "zk.log")
    deadline = time.monotonic() + 60
    import socket
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1) as s:
                s.sendall(b"ruok")
                if s.recv(4) == b"imok":
                    return port
        except OSError:
            pass
        time.sleep(0.2)
    raise harness.HarnessError(f"ZooKeeper did not answer on {host}:{port}; log:\n"
                               f"{(data / 'zk.log').read_text(errors='replace')[-3000:]}")


# --- Flink configuration ----------------------------------------------------------------------

def _java_opts_all(flink_home):
    """The env.java.opts.all value of the distribution's own conf/config.yaml (JDK 17 module
    openings Flink needs)."""
    text = Path(flink_home, "conf", "config.yaml").read_text()
    match = re.search(r"^\s+all:\s*(--add-\S.*)$", text, re.M)
    return match.group(1).strip() if match else ""


def write_conf(conf_dir, flink_home, masters, workers, zk_port=None, cluster_id="flinkha-test",
               storage_dir=None, extra=None):
    """A Flink conf dir (config.yaml, masters, workers, log4j) for a small loopback cluster with
    low memory and random ports everywhere except the masters' REST ports."""
    conf_dir = Path(conf_dir)
    conf_dir.mkdir(parents=True, exist_ok=True)
    for name in ("log4j.properties", "log4j-console.properties", "logback.xml"):
        source = Path(flink_home, "conf", name)
        if source.exists():
            shutil.copy(source, conf_dir / name)
    options = {
        "jobmanager.memory.process.size": "768m",
        "taskmanager.memory.process.size": "1000m",
        "taskmanager.numberOfTaskSlots": "1",
        "parallelism.default": "1",
        "jobmanager.rpc.port": "0",
        "high-availability.jobmanager.port": "0",
        "blob.server.port": "0",
        "taskmanager.rpc.port": "0",
        "taskmanager.data.port": "0",
        "rest.bind-address": "0.0.0.0",
        "jobmanager.bind-host": "0.0.0.0",
        "taskmanager.bind-host": "0.0.0.0",
        "taskmanager.host": "127.0.0.1",
        "env.pid.dir": str(conf_dir.parent / "pid-default"),
        "env.log.dir": str(conf_dir.parent / "log-default"),
        "env.java.opts.all": _java_opts_all(flink_home),
    }
    if masters:
        options["jobmanager.rpc.address"] = masters[0].split(":")[0]
    if zk_port is not None:
        options.update({
            "high-availability.type": "zookeeper",
            "high-availability.zookeeper.quorum": f"127.0.0.1:{zk_port}",
            "high-availability.storageDir": f"file://{conf_dir.parent / 'ha'}",
            "high-availability.cluster-id": cluster_id,
        })
    options.update(extra or {})
    (conf_dir / "config.yaml").write_text(
        "".join(f"{k}: {v}\n" for k, v in options.items() if v != ""))
    (conf_dir / "masters").write_text("".join(m + "\n" for m in masters))
    (conf_dir / "workers").write_text("".join(w + "\n" for w in workers))
    return conf_dir


# --- cleanup ----------------------------------------------------------------------------------

def flink_pids(pid_dirs):
    """Every pid listed in Flink pid files (flink-*.pid, flinkha-*.pid) under pid_dirs."""
    pids = []
    for directory in pid_dirs:
        for path in Path(directory).glob("flink*.pid*"):
            for line in path.read_text(errors="replace").split():
                if line.isdigit():
                    pids.append(int(line))
    return pids


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_pids(pids, grace=10.0):
    """SIGTERM, wait up to grace, SIGKILL: the daemons a test started, by pid only."""
    pids = [p for p in set(pids) if alive(p)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return pids


def kill_flink(sshd, extra_dirs=()):
    """Ends every Flink daemon recorded in the harness' per-host pid dirs (and extra_dirs)."""
    dirs = [sshd.pid_dir(a) for a in sshd.addresses] + list(extra_dirs)
    return kill_pids(flink_pids(dirs))
