#!/usr/bin/env python3
"""Hostile ZooKeeper endpoints: every command that talks to ZooKeeper ends within its timeout.

Against each fake endpoint of fake_zk.py (garbage: accepts and sends random bytes; silent:
accepts and never answers; trickle: sends one byte at a time; unsolicited: a real handshake
answer, then a reply to no request, on which the ZooKeeper C client aborts), `leader show`, `inspect`,
`cleanup dirty-jobs --dry-run` and `zk status` must end within their timeout plus a second, exit
3 (nothing could be reached to decide) and name the server in what they print. The garbage
endpoint answers differently on every connection, so its case is looped.

No Flink JVM and no real ZooKeeper: a conf/ directory whose quorum and zoo.cfg point at the fake.
"""

import os
import sys
import textwrap
from pathlib import Path

import fake_zk
import harness

TIMEOUT_MS = 1000
GARBAGE_RUNS = 10
# Connect (TIMEOUT_MS), the probe after it (a quarter of it), process start and config load.
BOUND_S = TIMEOUT_MS / 1000 + 1.0


def conf_dir(root, port):
    conf = root / f"conf-{port}"
    conf.mkdir()
    (conf / "config.yaml").write_text(textwrap.dedent(f"""\
        high-availability.type: zookeeper
        high-availability.zookeeper.quorum: 127.0.0.1:{port}
        high-availability.storageDir: file://{root}/ha
        high-availability.cluster-id: /hostile
        """))
    (conf / "zoo.cfg").write_text(textwrap.dedent(f"""\
        tickTime=2000
        dataDir={root}/zk-data
        clientPort={port}
        server.1=127.0.0.1:{harness.free_port()}:{harness.free_port()}
        """))
    return conf


COMMANDS = [
    ("leader show", ["leader", "show", "--zk-timeout", str(TIMEOUT_MS)]),
    ("inspect", ["inspect", "--zk-timeout", str(TIMEOUT_MS)]),
    ("cleanup dirty-jobs --dry-run",
     ["cleanup", "dirty-jobs", "--dry-run", "--zk-timeout", str(TIMEOUT_MS)]),
    ("zk status", ["zk", "status", "--timeout", str(TIMEOUT_MS)]),
]


# Random frames make the ZooKeeper C client calloc() a size read from the wire (a negative
# length cast to size_t). glibc returns NULL and the client drops the connection (60 of 60 runs
# exit 3 on the dev build); ASan's allocator aborts instead unless told to behave as glibc does.
# Only the C client's allocation differs: flinkha's own code is still checked by ASan.
ENV = dict(os.environ)
ENV["ASAN_OPTIONS"] = ":".join(filter(None, [ENV.get("ASAN_OPTIONS", ""),
                                             "allocator_may_return_null=1"]))
# On that failed calloc the C client's error path leaks its own records: suppressed for
# libzookeeper_mt only (lsan-zookeeper.supp), so a leak of flinkha's still fails the run.
ENV["LSAN_OPTIONS"] = ":".join(filter(None, [
    ENV.get("LSAN_OPTIONS", ""),
    f"suppressions={Path(__file__).resolve().parent / 'lsan-zookeeper.supp'}"]))


def check_command(mode, run, label, conf, args, port, expect):
    r = harness.run([harness.flinkha_bin(), "--conf-dir", conf, *args], timeout=BOUND_S + 30,
                    env=ENV)
    name = f"{mode} #{run}: {label}"
    server = f"127.0.0.1:{port}"
    output = r.stdout + r.stderr
    ok = harness.check(f"{name} ends within {BOUND_S:.1f} s", not r.timed_out and
                       r.seconds <= BOUND_S, r.describe())
    ok &= harness.check(f"{name} exits 3", r.returncode == 3, r.describe())
    ok &= harness.check(f"{name} names the server", server in output, r.describe())
    if label != "zk status":
        ok &= harness.check(f"{name} says what the server did", any(e in output for e in expect),
                            r.describe())
    return ok


def main():
    with harness.TestDir("zk_hostile") as td, harness.ProcessRegistry() as procs:
        endpoints = {}
        for mode in ("garbage", "silent", "trickle", "unsolicited"):
            port = harness.free_port()
            procs.start([sys.executable, "-u", fake_zk.__file__, mode, str(port)],
                        log=td.path / f"fake-{mode}.log")
            endpoints[mode] = port
        for mode, port in endpoints.items():
            fake_zk.wait_listening(port)

        expect = {
            # Random bytes: almost always not a ConnectResponse; rarely a consistent start of
            # one that then stops, or a close. The C client reconnects at once after each
            # protocol error; the fake may then be too busy to accept the probe in time.
            "garbage": ["is not a ZooKeeper server", "is not answering as a ZooKeeper server",
                        "no TCP connection to 127.0.0.1 within"],
            "silent": [f"accepted the connection but sent nothing within {TIMEOUT_MS // 4} ms"],
            "trickle": ["is not a ZooKeeper server", "is not answering as a ZooKeeper server"],
            # The C client aborts on the unsolicited reply: the abort guard's message, exit 3.
            "unsolicited": ["broke the ZooKeeper protocol"],
        }
        runs = {"garbage": GARBAGE_RUNS, "silent": 1, "trickle": 1, "unsolicited": 2}
        for mode, port in endpoints.items():
            conf = conf_dir(td.path, port)
            for run in range(1, runs[mode] + 1):
                for label, args in COMMANDS:
                    if not check_command(mode, run, label, conf, args, port, expect[mode]):
                        td.failed = True
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
