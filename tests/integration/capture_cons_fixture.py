#!/usr/bin/env python3
"""Recreates tests/unit/fixtures/zk/standalone.cons: the `cons` four-letter-word answer of a real
ZooKeeper (Debian's 3.8, standalone, whitelist srvr,ruok,cons) with two client sessions open
(two `flinkha leader watch` processes), exactly as the server sent it.

Everything started here is tracked by pid (harness.ProcessRegistry) and stopped; the temp dir is
removed. Usage: capture_cons_fixture.py [--out FILE]   (needs FLINKHA_BIN or the dev build)
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402
from zk_capture_fixtures import four_letter  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "zk" / "standalone.cons"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    with harness.TestDir("cons-capture") as td, harness.ProcessRegistry() as procs:
        port = harness.free_port()
        zk_dir = td.path / "zk"
        (zk_dir / "data").mkdir(parents=True)
        cfg = zk_dir / "zoo.cfg"
        cfg.write_text("\n".join([
            "tickTime=500", "minSessionTimeout=1000", "maxSessionTimeout=60000",
            f"dataDir={zk_dir / 'data'}", f"clientPort={port}", "clientPortAddress=127.0.0.1",
            "admin.enableServer=false", "4lw.commands.whitelist=srvr,ruok,cons", ""]))
        procs.start(["java", "-Xmx128m", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true",
                     "-cp", fc.ZK_CLASSPATH, "org.apache.zookeeper.server.quorum.QuorumPeerMain",
                     cfg], log=zk_dir / "server.log", cwd=zk_dir)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if four_letter(port, "ruok") == b"imok":
                    break
            except OSError:
                time.sleep(0.2)
        conf = td.path / "conf"
        conf.mkdir()
        (conf / "config.yaml").write_text(
            "high-availability.type: zookeeper\n"
            f"high-availability.zookeeper.quorum: 127.0.0.1:{port}\n"
            f"high-availability.storageDir: file://{td.path}/ha\n")
        for _ in range(2):
            procs.start([harness.flinkha_bin(), "--conf-dir", conf, "leader", "watch"],
                        log=td.path / "watch.log")
        answer = b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answer = four_letter(port, "cons")
            if answer.count(b"sid=") >= 2:
                break
            time.sleep(0.2)
        if answer.count(b"sid=") < 2:
            print(f"cons shows fewer than two sessions:\n{answer.decode()}", file=sys.stderr)
            return 1
        args.out.write_bytes(answer)
        print(f"wrote {args.out} ({len(answer)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
