#!/usr/bin/env python3
"""`flinkha zk start|stop|status` against real ZooKeeper peers on loopback.

1. The shipped conf/ (copied: free ports, client ports on 127.0.0.1, dirs in the test dir):
   zk start -> 3 peers; status healthy (1 leader, 2 followers), exit 0; a second start reports
   "already running"; a znode is created; `status --watch 1` runs alongside.
2. SIGKILL a follower (pid from flinkha's pid file) -> degraded naming it, exit 1; the watch
   prints the change with a timestamp and ends cleanly on SIGINT.
3. SIGKILL the leader -> lost, exit 2, within --timeout; the survivor's precise "not currently
   serving requests", the killed peers' "connection refused".
4. zk start again -> healthy, and the znode survived (stable dataDir).
5. A standalone peer without mntr in the whitelist -> healthy, and the precise whitelist refusal.
6. Closed port and a silent listener -> "connection refused", "read timeout"; nothing reachable
   -> exit 3.
7. The flink launcher: Flink's own bin/zookeeper.sh (real distribution) for one peer.
8. zk stop -> every peer stopped, no pid file and no ZooKeeper JVM of the test left.
Every process is also ended by pid at the end (ProcessRegistry), even on failure.
"""

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback

import harness
import zk_env

ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


class Flinkha:
    def __init__(self, conf_dir, extra=()):
        self.bin = harness.flinkha_bin()
        self.conf_dir = conf_dir
        self.extra = list(extra)

    def __call__(self, *args, timeout=120):
        return harness.run([self.bin, "--conf-dir", self.conf_dir, *self.extra, *args],
                           timeout=timeout)

    def status(self, *args, timeout=60):
        r = self("-o", "json", "zk", "status", *args, timeout=timeout)
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            doc = None
        return r, doc


def wait_status(flinkha, want_exit, seconds=90, args=()):
    """Polls `zk status -o json` until it exits with want_exit; returns the last (result, doc)."""
    deadline = time.monotonic() + seconds
    while True:
        r, doc = flinkha.status(*args)
        if r.returncode == want_exit or time.monotonic() > deadline:
            return r, doc
        time.sleep(0.5)


def modes(doc):
    return sorted(s["mode"] or s["state"] for s in doc["servers"]) if doc else []


def zkcli(port, *command):
    return harness.run([ZKCLI, "-server", f"127.0.0.1:{port}", *command], timeout=90)


def register_pids(procs, env):
    for pid in env.pids().values():
        procs.add_pid(pid)


def scenario_ensemble(c, td, procs):
    env = zk_env.ShippedCopy(td.path / "ensemble")
    fh = Flinkha(env.conf_dir)
    ids = sorted(env.peers)

    r = fh("-o", "json", "zk", "start")
    register_pids(procs, env)
    doc = json.loads(r.stdout) if r.returncode is not None and r.stdout.strip() else None
    harness.check("zk start brings up the 3 peers of the shipped example",
                  r.returncode == 0 and doc and len(doc["results"]) == 3
                  and all(x["ok"] and "started (pid" in x["detail"] for x in doc["results"]), r.describe())
    harness.check("each peer has its own dataDir/myid and flinkha-<user>-zookeeper-<id>.pid",
                  all(env.data_dir(i).joinpath("myid").read_text().strip() == str(i) for i in ids)
                  and all(env.pid_file(i).is_file() for i in ids))
    rendered = env.data_dir(1).joinpath("zoo.cfg").read_text()
    harness.check("the rendered peer config holds the shared settings and the peer's own dataDir",
                  f"dataDir={env.data_dir(1)}\n" in rendered and "clientPort=" not in rendered
                  and "4lw.commands.whitelist=srvr,mntr" in rendered,
                  rendered)

    r, doc = wait_status(fh, 0)
    ok = (r.returncode == 0 and doc and doc["verdict"] == "healthy"
          and modes(doc) == ["follower", "follower", "leader"] and doc["leader_id"] in ids
          and doc["serving"] == 3 and doc["voting_members"] == 3)
    harness.check("zk status: healthy, one leader and two followers, exit 0", ok,
                  r.describe() + "\n" + env.logs())
    if not ok:
        return env
    leader = doc["leader_id"]
    s0 = doc["servers"][0]
    harness.check("zk status JSON has zxid, node_count, latency_ms, client_port",
                  s0["zxid"].startswith("0x") and isinstance(s0["node_count"], int)
                  and set(s0["latency_ms"]) == {"min", "avg", "max"} and s0["error"] is None
                  and s0["client_port"] == env.client_port(s0["id"]), json.dumps(s0))
    text = fh("zk", "status")
    harness.check("zk status text: table and verdict line",
                  text.returncode == 0 and re.search(r"verdict: healthy, 3 of 3 voters serving, leader "
                                                     rf"{leader}", text.stdout)
                  and "HOST:PORT" in text.stdout and "LATENCY" in text.stdout, text.describe())

    again = fh("zk", "start")
    harness.check("a second zk start reports the peers already running",
                  again.returncode == 0 and again.stdout.count("already running") == 3, again.describe())

    created = zkcli(env.client_port(ids[0]), "create", "/flinkha-test", "data")
    harness.check("a znode is created with zkCli.sh",
                  created.returncode == 0 and "Created /flinkha-test" in created.stdout + created.stderr, created.describe())

    # --watch in the background while peers die.
    watch_cmd = [str(fh.bin), "--conf-dir", str(env.conf_dir), "zk", "status", "--watch", "1",
                 "--timeout", "1000"]
    watch = subprocess.Popen(watch_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True)
    procs.add_pid(watch.pid)
    time.sleep(2.5)

    pids = env.pids()
    follower = next(i for i in ids if i != leader)
    harness._signal_pid(pids[follower], signal.SIGKILL)
    zk_env.wait_dead(pids[follower])
    r, doc = wait_status(fh, 1, seconds=30)
    bad = [s for s in doc["servers"] if s["id"] == follower] if doc else []
    harness.check(f"SIGKILL follower {follower}: degraded, names the peer, exit 1",
                  r.returncode == 1 and doc["verdict"] == "degraded" and bad
                  and bad[0]["error"] == "connection refused" and not bad[0]["reachable"]
                  and any(f"peer {follower} (" in x for x in doc["reasons"]), r.describe())
    text = fh("zk", "status")
    harness.check("zk status text names the down follower",
                  text.returncode == 1 and f"peer {follower} (" in text.stdout
                  and "verdict: degraded" in text.stdout and "connection refused" in text.stdout, text.describe())

    time.sleep(2.0)
    watch.send_signal(signal.SIGINT)
    try:
        out, err = watch.communicate(timeout=10)
        rc = watch.returncode
    except subprocess.TimeoutExpired:
        watch.kill()
        out, err = watch.communicate()
        rc = None
    change = [line for line in out.splitlines() if f"peer {follower} (" in line and "-> down" in line]
    harness.check("--watch prints the change with a timestamp and ends on SIGINT with the verdict",
                  rc == 1 and change and ISO.match(change[0]) and "verdict: healthy -> degraded" in out,
                  f"exit {rc}\nstdout:\n{out}\nstderr:\n{err}")

    harness._signal_pid(pids[leader], signal.SIGKILL)
    zk_env.wait_dead(pids[leader])
    survivor = next(i for i in ids if i not in (leader, follower))
    r, doc = wait_status(fh, 2, seconds=30, args=("--timeout", "1500"))
    timed, _ = fh.status("--timeout", "1500")
    harness.check(f"SIGKILL leader {leader} too: lost, exit 2, answered within the timeout "
                  f"({timed.seconds:.2f} s for --timeout 1500)",
                  r.returncode == 2 and doc["verdict"] == "lost" and doc["leader_id"] is None
                  and timed.returncode == 2 and timed.seconds < 1.5 + 1.5, r.describe())
    errors = {s["id"]: s["error"] for s in doc["servers"]} if doc else {}
    harness.check("the not-serving peer and the closed ports each give their own message",
                  errors.get(survivor) == "This ZooKeeper instance is not currently serving requests"
                  and errors.get(leader) == "connection refused",
                  json.dumps(errors))

    restart = fh("zk", "start")
    register_pids(procs, env)
    harness.check("zk start restarts the two killed peers (stale pid files of zombies handled)",
                  restart.returncode == 0 and restart.stdout.count("started (pid") == 2
                  and restart.stdout.count("already running") == 1,
                  restart.describe())
    r, doc = wait_status(fh, 0)
    harness.check("after the restart: healthy again",
                  r.returncode == 0 and doc["verdict"] == "healthy"
                  and modes(doc) == ["follower", "follower", "leader"], r.describe() + "\n" + env.logs())
    got = zkcli(env.client_port(leader), "get", "/flinkha-test")
    harness.check("the znode created before survived the restart (same dataDir)",
                  got.returncode == 0 and re.search(r"^data$", got.stdout, re.M), got.describe())
    return env


def scenario_solo_no_mntr(c, td, procs):
    """One Debian ZooKeeper peer with ZooKeeper's default whitelist (srvr only)."""
    env = zk_env.ShippedCopy(td.path / "solo")
    peer, leader_port, client = zk_env.free_port(), zk_env.free_port(), zk_env.free_port()
    env.peers = {1: (peer, leader_port, client)}
    (env.conf_dir / "zoo.cfg").write_text(
        f"tickTime=2000\ndataDir={env.data_root}\nclientPort={client}\n"
        f"clientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
        f"server.1=localhost:{peer}:{leader_port}\n")
    fh = Flinkha(env.conf_dir)
    r = fh("zk", "start")
    register_pids(procs, env)
    harness.check("standalone peer started", r.returncode == 0 and "started (pid" in r.stdout,
                  r.describe())
    rendered = env.data_dir(1).joinpath("zoo.cfg").read_text()
    harness.check("a server line without ;clientPort gets the clientPort line",
                  f"clientPort={client}\n" in rendered, rendered)
    r, doc = wait_status(fh, 0, seconds=60)
    s = doc["servers"][0] if doc else {}
    harness.check("a peer that does not whitelist mntr: healthy, with the precise whitelist message",
                  r.returncode == 0 and s.get("mode") == "standalone"
                  and s.get("mntr_error") == "mntr is not executed because it is not in the whitelist.",
                  r.describe() + "\n" + env.logs())
    text = fh("zk", "status")
    harness.check("zk status text shows the whitelist refusal",
                  "mntr: mntr is not executed because it is not in the whitelist." in text.stdout, text.describe())
    stop = fh("zk", "stop")
    harness.check("standalone peer stopped", stop.returncode == 0 and "stopped (pid" in stop.stdout,
                  stop.describe())


def silent_listener():
    """A socket that accepts and never answers (a hung peer); returns (port, closer)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    def close():
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()

    return server.getsockname()[1], close


def scenario_errors(c, td):
    env = zk_env.ShippedCopy(td.path / "errors")
    closed = zk_env.free_port()
    silent, close = silent_listener()
    try:
        (env.conf_dir / "zoo.cfg").write_text(
            f"server.1=localhost:{zk_env.free_port()}:{zk_env.free_port()};127.0.0.1:{closed}\n"
            f"server.2=localhost:{zk_env.free_port()}:{zk_env.free_port()};127.0.0.1:{silent}\n")
        fh = Flinkha(env.conf_dir)
        r, doc = fh.status("--timeout", "800")
        errors = {s["id"]: (s["error"], s["error_kind"]) for s in doc["servers"]} if doc else {}
        # A silent peer is not a ZooKeeper server reached: nothing answered, exit 3.
        harness.check("closed port: 'connection refused'; silent peer: read timeout within "
                      "--timeout; exit 3",
                      r.returncode == 3 and errors.get(1) == ("connection refused", "refused")
                      and errors.get(2, ("", ""))[1] == "read-timeout"
                      and "800 ms" in errors.get(2, ("", ""))[0] and r.seconds < 3.0,
                      r.describe())
    finally:
        close()
    (env.conf_dir / "zoo.cfg").write_text(
        f"server.1=localhost:{zk_env.free_port()}:{zk_env.free_port()};127.0.0.1:{closed}\n")
    r = Flinkha(env.conf_dir)("zk", "status")
    harness.check("nothing reachable: exit 3 (unknown)",
                  r.returncode == 3 and "no peer could be reached" in r.stdout, r.describe())


def scenario_flink_launcher(c, td, procs):
    home = harness.flink_home("2")
    env = zk_env.ShippedCopy(td.path / "flink",
                             extra_yaml=f"env.log.dir: {td.path / 'flink' / 'log'}\n")
    config = (env.conf_dir / "config.yaml").read_text().replace(
        "zookeeper.launcher: zookeeper", "zookeeper.launcher: flink")
    (env.conf_dir / "config.yaml").write_text(config)
    peer, leader_port, client = zk_env.free_port(), zk_env.free_port(), zk_env.free_port()
    data_dir = td.path / "flink" / "zk-data"
    (env.conf_dir / "zoo.cfg").write_text(
        f"tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir={data_dir}\nclientPort={client}\n"
        f"clientPortAddress=127.0.0.1\nadmin.enableServer=false\n"
        f"server.1=127.0.0.1:{peer}:{leader_port}\n")
    pid_file = env.pid_dir / f"flink-{zk_env.user()}-zookeeper.pid"
    fh = Flinkha(env.conf_dir, ["--flink-home", home])

    def flink_pids():
        try:
            return [int(x) for x in pid_file.read_text().split()]
        except (OSError, ValueError):
            return []

    r = fh("-o", "json", "zk", "start", timeout=180)
    for pid in flink_pids():
        procs.add_pid(pid)
    doc = json.loads(r.stdout) if r.stdout.strip().startswith("{") else None
    ok = (r.returncode == 0 and doc and doc["results"][0]["launcher"] == "flink"
          and "started (pid" in doc["results"][0]["detail"]
          and doc["results"][0]["pid"] in flink_pids())
    harness.check(f"flink launcher: Flink {home.name}'s bin/zookeeper.sh starts peer 1", ok,
                  r.describe())
    r, doc = wait_status(fh, 0, seconds=60)
    s = doc["servers"][0] if doc else {}
    harness.check("the Flink-launched peer (flink-shaded ZooKeeper) is healthy",
                  r.returncode == 0 and s.get("mode") == "standalone"
                  and "3.7" <= (s.get("version") or "")[:3], r.describe())
    pids = flink_pids()
    stop = fh("zk", "stop")
    harness.check("zk stop stops the Flink-launched peer and cleans Flink's pid file",
                  stop.returncode == 0 and "stopped (pid" in stop.stdout and not pid_file.exists()
                  and pids and all(zk_env.wait_dead(p, 5) for p in pids), stop.describe())
    again = fh("zk", "stop")
    harness.check("zk stop again: not running",
                  again.returncode == 0 and "not running" in again.stdout, again.describe())


def main():
    c = harness.CHECKS
    try:
        harness.flinkha_bin()
    except harness.HarnessError as e:
        harness.check("flinkha binary available", False, str(e))
        return harness.summary()
    with harness.TestDir("zkq") as td, harness.ProcessRegistry() as procs:
        env = None
        try:
            env = scenario_ensemble(c, td, procs)
            scenario_solo_no_mntr(c, td, procs)
            scenario_errors(c, td)
            scenario_flink_launcher(c, td, procs)
        except Exception:  # noqa: BLE001 - report and still clean up
            harness.check("scenario raised", False, traceback.format_exc())
        finally:
            if env is not None:
                pids = env.pids()
                stop = Flinkha(env.conf_dir)("-o", "json", "zk", "stop", timeout=120)
                try:
                    doc = json.loads(stop.stdout)
                except ValueError:
                    doc = None
                harness.check("zk stop stops every peer",
                              stop.returncode == 0 and doc
                              and all(x["ok"] and x["detail"].startswith(("peer", ))
                                      and "stopped (pid" in x["detail"] for x in doc["results"]), stop.describe())
                left = [p for p in pids.values() if not zk_env.wait_dead(p, 5)]
                harness.check("no ZooKeeper JVM of the test is left and no pid file remains",
                              not left and not env.pids(),
                              f"alive: {left}, pid files: {env.pids()}")
        td.failed = c.failed > 0
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
