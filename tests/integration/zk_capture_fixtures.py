#!/usr/bin/env python3
"""Recreates the four-letter-word byte fixtures in tests/unit/fixtures/zk/ from a real ZooKeeper.

Runs Debian's ZooKeeper (package `zookeeper`, 3.8) on 127.0.0.1 in a temp dir:
  * one standalone server (no server.N lines), whitelist srvr,mntr;
  * an ensemble of 3 voters plus 1 observer: peers 2, 3 and the observer 4 whitelist srvr,mntr,
    peer 1 keeps ZooKeeper's default (srvr only), so its mntr answer is the whitelist refusal.
Captures srvr right after the election, then srvr/mntr after two writes; stops the leader (the
other two re-elect on epoch 2: reelected_*), then one more voter, so the survivor and the
observer lose their quorum and answer "This ZooKeeper instance is not currently serving requests".

Every JVM is started by this script, tracked by pid and stopped by pid; the temp dir is removed.
Usage: zk_capture_fixtures.py [--out DIR] [--keep-logs]
Python 3 standard library only.
"""

import argparse
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ZK_JAR = "/usr/share/java/zookeeper.jar"  # its manifest Class-Path names every dependency
# Debian ships no SLF4J binding on that class path (ZooKeeper would log nothing); slf4j-simple
# prints to stderr, which we keep in a per-server log file for diagnosis.
SLF4J_BINDING = "/usr/share/java/slf4j-simple.jar"
MAIN_CLASS = "org.apache.zookeeper.server.quorum.QuorumPeerMain"
NOT_SERVING = b"This ZooKeeper instance is not currently serving requests"

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "unit", "fixtures", "zk")


_handed_out = set()


def free_port():
    """A port free on 127.0.0.1 now, never the same one twice in a run."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def four_letter(port, command, timeout=5.0):
    """Sends `command` to 127.0.0.1:port and returns the raw answer (read until EOF)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(command.encode("ascii"))
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                return b"".join(chunks)
            chunks.append(data)


def try_four_letter(port, command):
    try:
        return four_letter(port, command, timeout=2.0)
    except OSError:
        return None


def mode_of(answer):
    if not answer:
        return None
    for line in answer.decode("utf-8", "replace").splitlines():
        if line.startswith("Mode: "):
            return line[len("Mode: "):].strip()
    return None


def zk_cli(port, *commands):
    """Runs commands through ZooKeeper's own CLI (one JVM per command, like an operator would)."""
    for command in commands:
        subprocess.run(["java", "-Xmx64m", "-cp", f"{ZK_JAR}:{SLF4J_BINDING}",
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                        "org.apache.zookeeper.ZooKeeperMain", "-server", f"127.0.0.1:{port}"]
                       + command.split(), check=True, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)


class Server:
    def __init__(self, root, name, sid, client_port, properties, servers_block):
        self.name = name
        self.sid = sid
        self.client_port = client_port
        self.dir = os.path.join(root, name)
        self.data_dir = os.path.join(self.dir, "data")
        os.makedirs(self.data_dir)
        if sid is not None:
            with open(os.path.join(self.data_dir, "myid"), "w") as f:
                f.write(f"{sid}\n")
        self.cfg = os.path.join(self.dir, "zoo.cfg")
        lines = [
            "tickTime=500",
            "initLimit=10",
            "syncLimit=5",
            f"dataDir={self.data_dir}",
            f"clientPort={client_port}",
            "clientPortAddress=127.0.0.1",
            "admin.enableServer=false",
            # No JMX, no metrics HTTP: nothing listens beyond the ports above.
        ]
        lines += [f"{k}={v}" for k, v in properties.items()]
        lines += servers_block
        with open(self.cfg, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.log_path = os.path.join(self.dir, "server.log")
        self.proc = None

    def start(self):
        log = open(self.log_path, "wb")
        cmd = [
            "java",
            "-Xmx128m",
            "-XX:+UseSerialGC",
            "-Dzookeeper.jmx.log4j.disable=true",
            "-Djava.net.preferIPv4Stack=true",
            "-cp",
            f"{ZK_JAR}:{SLF4J_BINDING}",
            MAIN_CLASS,
            self.cfg,
        ]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.dir)
        log.close()

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def tail_log(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return "(no log)"


def wait_until(predicate, what, servers, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        for s in servers:
            if s.proc is not None and s.proc.poll() is not None:
                raise RuntimeError(f"{s.name} exited ({s.proc.returncode}):\n{s.tail_log()}")
        time.sleep(0.2)
    logs = "\n".join(f"--- {s.name}\n{s.tail_log()}" for s in servers)
    raise RuntimeError(f"timed out waiting for {what}\n{logs}")


def connect_response(port, timeout=5.0):
    """The server's answer to a new session's ConnectRequest, as lib/zk/server_probe.cpp frames
    it (jute: protocolVersion 0, lastZxidSeen 0, timeOut 4000, sessionId 0, 16 zero bytes of
    password, readOnly false; a 4-byte big-endian length first): the 41-byte ConnectResponse."""
    record = (struct.pack(">iqiqi", 0, 0, 4000, 0, 16) + bytes(16) + b"\0")
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(struct.pack(">i", len(record)) + record)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


def save(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
    print(f"  {name}: {len(data)} bytes")


def capture(root, out):
    started = []
    try:
        # --- standalone -------------------------------------------------------------------------
        standalone = Server(root, "standalone", None, free_port(),
                            {"4lw.commands.whitelist": "srvr,mntr,ruok,conf"}, [])
        started.append(standalone)
        standalone.start()
        wait_until(lambda: mode_of(try_four_letter(standalone.client_port, "srvr")) == "standalone",
                   "standalone server", [standalone])
        save(out, "standalone.srvr", four_letter(standalone.client_port, "srvr"))
        save(out, "standalone.mntr", four_letter(standalone.client_port, "mntr"))
        save(out, "standalone.ruok", four_letter(standalone.client_port, "ruok"))
        save(out, "standalone.conf", four_letter(standalone.client_port, "conf"))
        save(out, "connect_response.bin", connect_response(standalone.client_port))
        standalone.stop()

        # --- ensemble: voters 1..3, observer 4 ----------------------------------------------------
        ids = [1, 2, 3, 4]
        client = {i: free_port() for i in ids}
        block = []
        for i in ids:
            role = ":observer" if i == 4 else ""
            block.append(f"server.{i}=127.0.0.1:{free_port()}:{free_port()}{role};"
                         f"127.0.0.1:{client[i]}")
        peers = {}
        for i in ids:
            props = {}
            if i != 1:  # peer 1 keeps the default whitelist (srvr only)
                props["4lw.commands.whitelist"] = "srvr,mntr"
            if i == 4:
                props["peerType"] = "observer"
            peers[i] = Server(root, f"peer{i}", i, client[i], props, block)
        # Peers 2 and 3 first: the one with the highest id among equal zxids wins the election,
        # so the leader is one whose mntr is whitelisted.
        for i in [2, 3, 1, 4]:
            started.append(peers[i])
            peers[i].start()
            if i == 3:
                time.sleep(1.0)

        def roles():
            modes = {i: mode_of(try_four_letter(client[i], "srvr")) for i in ids}
            if sorted(m or "" for m in modes.values()) == ["follower", "follower", "leader",
                                                           "observer"]:
                return modes
            return None

        modes = wait_until(roles, "ensemble with a leader, 2 followers and an observer",
                           list(peers.values()), timeout=90)
        leader = next(i for i in ids if modes[i] == "leader")
        if leader == 1:
            raise RuntimeError("peer 1 (srvr-only) became leader; rerun")
        follower = next(i for i in ids if modes[i] == "follower" and i != 1)
        print(f"  roles: {modes}")
        # Right after the election, before any write: the leader alone is on the new epoch.
        save(out, "fresh_leader.srvr", four_letter(client[leader], "srvr"))
        save(out, "fresh_follower.srvr", four_letter(client[follower], "srvr"))
        # A few writes make the zxid counter non-zero and the node count differ from a fresh tree.
        zk_cli(client[leader], "create /flinkha-fixture data", "create /flinkha-fixture/a x")
        save(out, "leader.srvr", four_letter(client[leader], "srvr"))
        save(out, "leader.mntr", four_letter(client[leader], "mntr"))
        save(out, "follower.srvr", four_letter(client[follower], "srvr"))
        save(out, "follower.mntr", four_letter(client[follower], "mntr"))
        save(out, "observer.srvr", four_letter(client[4], "srvr"))
        save(out, "observer.mntr", four_letter(client[4], "mntr"))
        save(out, "whitelist_refused.mntr", four_letter(client[1], "mntr"))
        save(out, "whitelist_refused.ruok", four_letter(client[1], "ruok"))

        # --- leader gone: the two remaining voters elect a new leader on a new epoch -------------
        peers[leader].stop()
        voters_left = [i for i in (1, 2, 3) if i != leader]

        def reelected():
            modes = {i: mode_of(try_four_letter(client[i], "srvr")) for i in voters_left}
            if sorted(m or "" for m in modes.values()) == ["follower", "leader"]:
                return modes
            return None

        modes = wait_until(reelected, "a new leader", [peers[i] for i in voters_left])
        new_leader = next(i for i in voters_left if modes[i] == "leader")
        new_follower = next(i for i in voters_left if modes[i] == "follower")
        print(f"  after stopping {leader}: {modes}")
        save(out, "reelected_leader.srvr", four_letter(client[new_leader], "srvr"))
        if new_leader != 1:
            save(out, "reelected_leader.mntr", four_letter(client[new_leader], "mntr"))
        save(out, "reelected_follower.srvr", four_letter(client[new_follower], "srvr"))

        # --- quorum gone: one voter of three left; it (and the observer) stop serving ------------
        survivor = 2
        for i in voters_left:
            if i != survivor:
                peers[i].stop()
        wait_until(lambda: (try_four_letter(client[survivor], "srvr") or b"").startswith(NOT_SERVING),
                   "the surviving voter to stop serving", [peers[survivor]])
        save(out, "not_serving.srvr", four_letter(client[survivor], "srvr"))
        save(out, "not_serving.mntr", four_letter(client[survivor], "mntr"))
        wait_until(lambda: (try_four_letter(client[4], "srvr") or b"").startswith(NOT_SERVING),
                   "the observer to stop serving", [peers[4]])
        save(out, "not_serving_observer.srvr", four_letter(client[4], "srvr"))
    finally:
        for s in started:
            s.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="fixture directory")
    parser.add_argument("--keep-logs", action="store_true", help="keep the temp dir")
    args = parser.parse_args()
    for path in (ZK_JAR, SLF4J_BINDING):
        if not os.path.exists(path):
            sys.exit(f"missing {path}: apt-get install zookeeper libslf4j-java")
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    root = tempfile.mkdtemp(prefix="flinkha-zk-capture-")
    print(f"capturing into {out} (work dir {root})")
    try:
        capture(root, out)
    finally:
        if args.keep_logs:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
