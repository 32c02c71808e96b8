"""Daemon lifecycle over SSH: flinkha start-cluster / status / stop-cluster / taskmanager against
a real OpenSSH sshd on loopback "hosts", the real Flink distribution and a real ZooKeeper.

Real cluster (Flink 2.x, then 1.20.x; one cluster at a time, 2 JobManagers + 2 TaskManagers):
  - start-cluster over SSH with masters 127.0.0.2:<p1>, 127.0.0.3:<p2> and workers 127.0.0.4,
    127.0.0.5, HA on a standalone ZooKeeper: every row ok with the script's "Starting … daemon"
    output, each ssh command returned within seconds, --wait saw both REST endpoints answer;
  - the JVMs outlive the SSH sessions (flinkha has exited; the pids are alive);
  - status: 2 JobManagers and 2 TaskManagers alive, the TaskManagers registered, exit 0;
  - stop-cluster: every daemon stopped, and afterwards no Flink JVM of this test runs; status
    then exits 2.
  - before that, a start that fails: a host whose log dir does not exist is refused before its
    script runs ("not started", naming the dir), a JobManager whose REST port is taken dies and
    its row fails with the tail of its log, and --wait ends at once instead of after its timeout.
Faults (stub daemon scripts that behave like flink-daemon.sh, so they are fast):
  - a worker address with no sshd (refused) and one that never answers (silent listener): the
    other hosts start, the bad ones are reported with a clear error, exit 1, and the run ends
    within the connect timeout;
  - a known_hosts entry with the wrong key for one host: refused, and nothing ran there;
  - a daemon script failing on one host: its stderr and exit status are in the report.
Everything started here is stopped by pid (Flink JVMs from their pid files, even if stop-cluster
failed; ZooKeeper and sshd by their own pids). Ports are free ports; runs in parallel with others.
"""

import json
import os
import socket
import sys
import time
import traceback
import urllib.request
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flink_env as fe  # noqa: E402
import harness  # noqa: E402

def as_json(result, what):
    try:
        return json.loads(result.stdout)
    except ValueError:
        harness.check(f"{what}: JSON output", False, result.describe())
        return {"results": []}


def rows(report, role=None):
    return [r for r in report.get("results", []) if role is None or r["role"] == role]


def rest_overview(host, port):
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/overview", timeout=5) as response:
            return json.loads(response.read())
    except (OSError, ValueError):
        return None


def jvms_with(marker):
    """Pids of processes whose command line mentions marker (our temp dir): Flink JVMs of this
    test only."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline and "java" in cmdline and "zookeeper.server" not in cmdline:
            found.append(int(entry.name))
    return found


# --- real Flink ---------------------------------------------------------------------------------

def real_cluster(version):
    home = harness.flink_home(version)
    full = harness.flink_version_of(home)
    print(f"== real cluster: Flink {full} ({home})", flush=True)
    with harness.TestDir(f"daemons-{version}") as td, harness.ProcessRegistry() as procs:
        sshd = fe.FlinkSshd(hosts=4, state_dir=td.path)
        sshd.start()
        try:
            zk_port = fe.start_zookeeper(td.path, procs)
            ports = [harness.free_port("127.0.0.2"), harness.free_port("127.0.0.3")]
            masters = [f"127.0.0.2:{ports[0]}", f"127.0.0.3:{ports[1]}"]
            workers = ["127.0.0.4", "127.0.0.5"]
            conf = fe.write_conf(td.path / "conf", home, masters, workers, zk_port=zk_port,
                                 cluster_id=f"flinkha-test-{os.getpid()}-{version}")
            base = ["--conf-dir", conf, "--flink-home", home, "-o", "json"]
            before = harness.CHECKS.failed
            cluster_checks(sshd, base, ports, td, full)
            td.failed |= harness.CHECKS.failed != before
        finally:
            killed = fe.kill_flink(sshd)
            harness.check(f"{full}: nothing left for teardown to kill", not killed, killed)
            left = [p for p in jvms_with(str(td.path)) if fe.alive(p)]
            if left:
                fe.kill_pids(left)
            harness.check(f"{full}: no Flink JVM of this test left", not left, left)
            sshd.stop()


def failed_start_checks(sshd, base, ports, full):
    """A start that fails must be reported as failed, and --wait must not wait for it: the log dir
    of 127.0.0.3 does not exist (the start lint refuses it; flink-daemon.sh would fork a JVM whose
    .out it cannot open), and the REST port of 127.0.0.2 is taken, so its JobManager starts and
    then dies (at start or while --wait waits). Everything this started is stopped again."""
    log_dir = sshd.log_dir("127.0.0.3")
    moved = log_dir.with_name("log-moved-away")
    log_dir.rename(moved)
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        blocker.bind(("127.0.0.2", ports[0]))
        blocker.listen(1)
        r = fe.flinkha(sshd, base + ["start-cluster", "--wait", "--wait-timeout", "180"], timeout=400)
        print(f"failing start-cluster --wait: exit {r.returncode} in {r.seconds:.1f}s", flush=True)
        report = as_json(r, "failing start-cluster")
        jms = {x["host"]: x for x in rows(report, "jobmanager")}
        missing = jms.get("127.0.0.3", {})
        harness.check(f"{full}: failing start: exit non-zero", r.returncode != 0, r.describe())
        harness.check(f"{full}: log dir missing: row not started, naming the dir and host",
                      missing.get("ok") is False and missing.get("detail") == "not started"
                      and f"{log_dir} does not exist on 127.0.0.3" in (missing.get("error") or ""),
                      missing)
        harness.check(f"{full}: log dir missing: the script did not run",
                      "Starting" not in missing.get("stdout", "x"), missing)
        taken = jms.get("127.0.0.2", {})
        harness.check(f"{full}: REST port taken: the JobManager's row failed, with its log's tail",
                      taken.get("ok") is False and taken.get("detail") == "exited"
                      and "lines of" in (taken.get("error") or ""), taken)
        wait = report.get("wait") or {}
        print(f"  REST port taken: {taken.get('error')!r}\n  wait: gave_up={wait.get('gave_up')!r}",
              flush=True)
        harness.check(f"{full}: --wait ended at once, not after its timeout",
                      r.seconds < 120 and wait.get("ready") is not True, (r.seconds, wait))
        if wait:
            harness.check(f"{full}: --wait says which daemon is gone",
                          "127.0.0.2" in (wait.get("gave_up") or ""), wait)
    finally:
        blocker.close()
        moved.rename(log_dir)
    r = fe.flinkha(sshd, base + ["stop-cluster"], timeout=300)
    harness.check(f"{full}: stop-cluster after the failing start", r.returncode in (0, 1), r.describe())
    left = [p for a in sshd.addresses for p in fe.flink_pids([sshd.pid_dir(a)]) if fe.alive(p)]
    if left:
        fe.kill_pids(left)
    for address in sshd.addresses:  # stale entries of dead daemons: the real start expects none
        for pid_file in sshd.pid_dir(address).glob("flink-*.pid"):
            pid_file.unlink()


def cluster_checks(sshd, base, ports, td, full):
    failed_start_checks(sshd, base, ports, full)
    started = time.monotonic()
    r = fe.flinkha(sshd, base + ["start-cluster", "--wait", "--wait-timeout", "180"], timeout=400)
    print(f"start-cluster --wait: exit {r.returncode} in {r.seconds:.1f}s", flush=True)
    report = as_json(r, "start-cluster")
    harness.check(f"{full}: start-cluster exit 0", r.returncode == 0, r.describe())
    jms, tms = rows(report, "jobmanager"), rows(report, "taskmanager")
    harness.check(f"{full}: one JM per masters line", [j["host"] for j in jms] == ["127.0.0.2", "127.0.0.3"],
                  jms)
    harness.check(f"{full}: one TM per worker", [t["host"] for t in tms] == ["127.0.0.4", "127.0.0.5"], tms)
    for row in jms + tms:
        name = f"{full}: {row['role']} on {row['host']}"
        harness.check(f"{name} ok", row["ok"] and row["exit_status"] == 0, row)
        harness.check(f"{name} detail", row["detail"].startswith("started (pid "), row["detail"])
        daemon = "standalonesession" if row["role"] == "jobmanager" else "taskexecutor"
        harness.check(f"{name} script output", f"Starting {daemon} daemon on host" in row["stdout"],
                      row["stdout"])
        # The exec channel returns once the script has forked the JVM, not when the JVM ends.
        harness.check(f"{name} ssh command returned promptly", row["duration_ms"] < 60000,
                      row["duration_ms"])
    wait = report.get("wait") or {}
    harness.check(f"{full}: --wait saw the cluster ready", wait.get("ready") is True, wait)
    harness.check(f"{full}: REST on the masters' ports",
                  sorted(j["port"] for j in wait.get("jobmanagers", [])) == sorted(ports), wait)
    print(f"  start rows: " + ", ".join(f"{x['host']} {x['duration_ms']} ms" for x in jms + tms),
          flush=True)

    # flinkha has exited: every SSH session is closed. The JVMs must still run.
    pids = {}
    for address in sshd.addresses:
        pids[address] = fe.flink_pids([sshd.pid_dir(address)])
    harness.check(f"{full}: one pid per host", all(len(p) == 1 for p in pids.values()), pids)
    harness.check(f"{full}: JVMs alive after the SSH sessions closed",
                  all(fe.alive(p) for ps in pids.values() for p in ps), pids)
    for host, port in zip(["127.0.0.2", "127.0.0.3"], ports):
        overview = rest_overview(host, port)
        harness.check(f"{full}: REST {host}:{port} answers", overview is not None, overview)

    r = fe.flinkha(sshd, base + ["status"], timeout=120)
    status = as_json(r, "status") if r.stdout.strip().startswith("{") else {}
    harness.check(f"{full}: status exit 0 (healthy)", r.returncode == 0, r.describe())
    harness.check(f"{full}: status healthy", status.get("verdict") == "healthy", status.get("problems"))
    hosts = {h["host"]: h for h in status.get("hosts", [])}
    jm_alive = sum(h["alive"]["jobmanager"] for h in hosts.values())
    tm_alive = sum(h["alive"]["taskmanager"] for h in hosts.values())
    harness.check(f"{full}: status shows 2 JMs and 2 TMs alive", jm_alive == 2 and tm_alive == 2,
                  (jm_alive, tm_alive))
    harness.check(f"{full}: each host's own pid dir",
                  all(h["pid_dir"] == str(sshd.pid_dir(a)) for a, h in hosts.items()), hosts)
    rest = status.get("rest", [])
    harness.check(f"{full}: both REST endpoints answer with 2 TaskManagers registered",
                  len(rest) == 2 and all(x["reachable"] and x["taskmanagers"] == 2 for x in rest), rest)
    text = fe.flinkha(sshd, [a for a in base if a not in ("-o", "json")] + ["status"])
    harness.check(f"{full}: status text summary",
                  text.returncode == 0 and "healthy: 2 JobManager(s), 2 TaskManager(s)" in text.stdout, text.describe())

    r = fe.flinkha(sshd, base + ["stop-cluster"], timeout=300)
    print(f"stop-cluster: exit {r.returncode} in {r.seconds:.1f}s", flush=True)
    report = as_json(r, "stop-cluster")
    harness.check(f"{full}: stop-cluster exit 0", r.returncode == 0, r.describe())
    harness.check(f"{full}: TaskManagers stopped first",
                  [x["role"] for x in rows(report)] == ["taskmanager"] * 2 + ["jobmanager"] * 2, rows(report))
    for row in rows(report):
        harness.check(f"{full}: {row['role']} on {row['host']} stopped",
                      row["ok"] and (row["detail"].startswith("stopped (pid ")
                                     or row["detail"].startswith("killed after timeout")), row)
    all_pids = [p for ps in pids.values() for p in ps]
    harness.check(f"{full}: no Flink JVM left after stop-cluster", not any(fe.alive(p) for p in all_pids),
                  [p for p in all_pids if fe.alive(p)])
    harness.check(f"{full}: no JVM with the test's conf left", not jvms_with(str(td.path)),
                  jvms_with(str(td.path)))
    r = fe.flinkha(sshd, base + ["status"])
    harness.check(f"{full}: status after stop exits 2 (down)", r.returncode == 2, r.describe())
    r = fe.flinkha(sshd, base + ["stop-cluster"])
    report = as_json(r, "second stop-cluster")
    harness.check(f"{full}: a second stop-cluster reports 'not running'",
                  r.returncode == 0 and all(x["detail"] == "not running" for x in rows(report)), rows(report))
    print(f"  real cluster round took {time.monotonic() - started:.1f}s", flush=True)


# --- faults with stub daemon scripts ------------------------------------------------------------

STUB = r"""#!/usr/bin/env bash
# Behaves like flink-daemon.sh for start/stop (pid file, "Starting …" line, stop messages), without
# a JVM; fails on the host whose pid dir says so.
daemon=$DAEMON_NAME
pid="$FLINK_PID_DIR/flink-$USER-$daemon.pid"
mkdir -p "$FLINK_PID_DIR"
if [ -e "$FLINK_PID_DIR/broken" ]; then
  echo "Starting $daemon daemon on host $HOSTNAME."
  echo "Error: JAVA_HOME is not set and could not be found." >&2
  exit 3
fi
case $1 in
  start)
    echo "Starting $daemon daemon on host $HOSTNAME."
    sleep 300 < /dev/null > /dev/null 2>&1 &
    echo $! >> "$pid" ;;
  stop)
    p=$(tail -n 1 "$pid" 2>/dev/null)
    if [ -z "$p" ]; then echo "No $daemon daemon to stop on host $HOSTNAME."; exit 0; fi
    sed \$d "$pid" > "$pid.tmp"; mv "$pid.tmp" "$pid"
    echo "Stopping $daemon daemon (pid: $p) on host $HOSTNAME."; kill "$p" ;;
esac
"""


def stub_home(root):
    home = Path(root) / "stub-flink"
    (home / "bin").mkdir(parents=True)
    (home / "conf").mkdir()
    for script, daemon in (("taskmanager.sh", "taskexecutor"),
                           ("jobmanager.sh", "standalonesession")):
        path = home / "bin" / script
        path.write_text(STUB.replace("daemon=$DAEMON_NAME", f"daemon={daemon}"))
        path.chmod(0o755)
    (home / "conf" / "config.yaml").write_text(
        f"jobmanager.rpc.address: localhost\nenv.pid.dir: {root}/pid-default\n")
    (home / "conf" / "masters").write_text("localhost:8081\n")
    return home


def faults():
    print("== faults (stub daemon scripts)", flush=True)
    with harness.TestDir("daemons-faults") as td:
        sshd = fe.FlinkSshd(hosts=3, state_dir=td.path)   # 127.0.0.2 .. 127.0.0.4
        sshd.start()
        silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            home = stub_home(td.path)
            silent.bind(("127.0.0.11", sshd.port))
            silent.listen(8)      # accepts TCP, never speaks SSH
            refused = "127.0.0.10"
            good = ["127.0.0.2", "127.0.0.3"]
            workers = good + [refused, "127.0.0.11"]
            (home / "conf" / "workers").write_text("".join(w + "\n" for w in workers))
            base = ["--flink-home", home, "-o", "json"]
            before = harness.CHECKS.failed

            # Unreachable hosts: the others start, the run ends within the connect timeout.
            r = fe.flinkha(sshd, base + ["taskmanager", "start"], connect_timeout=3, timeout=60)
            report = as_json(r, "taskmanager start with unreachable hosts")
            by_host = {x["host"]: x for x in rows(report)}
            harness.check("unreachable: exit 1", r.returncode == 1, r.describe())
            harness.check("unreachable: run ends within the connect timeout", r.seconds < 3 + 10,
                          f"{r.seconds:.1f}s")
            for host in good:
                harness.check(f"unreachable: {host} started", by_host.get(host, {}).get("ok") is True,
                              by_host.get(host))
            for host in (refused, "127.0.0.11"):
                row = by_host.get(host, {})
                harness.check(f"unreachable: {host} reported with an error naming it",
                              row.get("ok") is False and row.get("exit_status") is None
                              and host in (row.get("error") or ""), row)
            harness.check("unreachable: connection refused in words",
                          "refused" in (by_host.get(refused, {}).get("error") or "").lower(), by_host.get(refused))
            harness.check("unreachable: the silent host timed out",
                          "tim" in (by_host.get("127.0.0.11", {}).get("error") or "").lower(), by_host.get("127.0.0.11"))
            print(f"  unreachable run: {r.seconds:.1f}s", flush=True)
            text = fe.flinkha(sshd, ["--flink-home", home, "taskmanager", "stop"] + good)
            harness.check("stub stop on good hosts", text.returncode == 0 and "2 of 2 ok" in text.stdout,
                          text.describe())

            # Wrong host key for 127.0.0.3: refused, nothing ran there.
            other = sshd.new_key("other_host_key")
            known = sshd.write_known_hosts("known_hosts_wrong", [
                sshd.known_hosts_line("127.0.0.2"), sshd.known_hosts_line("127.0.0.3", other),
                sshd.known_hosts_line("127.0.0.4")])
            def pid_files(address):
                return {p.name: p.read_text() for p in sshd.pid_dir(address).glob("*.pid")}
            before_files, before_auths = pid_files("127.0.0.3"), sshd.accepted_auths()
            r = fe.flinkha(sshd, base + ["taskmanager", "start", "127.0.0.2", "127.0.0.3",
                                         "127.0.0.4"], known_hosts=known)
            report = as_json(r, "wrong host key")
            by_host = {x["host"]: x for x in rows(report)}
            harness.check("host key: exit 1", r.returncode == 1, r.describe())
            bad = by_host.get("127.0.0.3", {})
            harness.check("host key: 127.0.0.3 refused for its host key",
                          bad.get("ok") is False and "host key" in (bad.get("error") or "").lower(), bad)
            harness.check("host key: nothing ran on 127.0.0.3 (pid files unchanged)",
                          pid_files("127.0.0.3") == before_files, pid_files("127.0.0.3"))
            harness.check("host key: sshd logged logins on the two other hosts only",
                          sshd.accepted_auths() == before_auths + 2,
                          sshd.accepted_auths() - before_auths)
            harness.check("host key: the other hosts started",
                          by_host.get("127.0.0.2", {}).get("ok") and by_host.get("127.0.0.4", {}).get("ok"), by_host)

            # A failing daemon script: its stderr and exit status in the report.
            (sshd.pid_dir("127.0.0.4") / "broken").write_text("")
            r = fe.flinkha(sshd, base + ["taskmanager", "start", "127.0.0.2", "127.0.0.4"])
            report = as_json(r, "failing script")
            by_host = {x["host"]: x for x in rows(report)}
            broken = by_host.get("127.0.0.4", {})
            harness.check("failing script: exit 1", r.returncode == 1, r.describe())
            harness.check("failing script: stderr and exit status reported",
                          broken.get("ok") is False and broken.get("exit_status") == 3
                          and "JAVA_HOME is not set" in broken.get("stderr", "")
                          and "status 3" in (broken.get("error") or ""), broken)
            text = fe.flinkha(sshd, ["--flink-home", home, "taskmanager", "start", "127.0.0.4"])
            harness.check("failing script: text report", text.returncode == 2 and "JAVA_HOME is not set" in text.stdout
                          and "1 of 1 failed" in text.stdout, text.describe())
            td.failed |= harness.CHECKS.failed != before
        finally:
            silent.close()
            fe.kill_flink(sshd)
            sshd.stop()


def main():
    versions = [v for v in os.environ.get("FLINKHA_DAEMON_VERSIONS", "2,1.20").split(",") if v]
    for step in [faults] + [lambda v=v: real_cluster(v) for v in versions]:
        try:
            step()
        except Exception:  # noqa: BLE001 - a broken step is a failure, the others still run
            harness.check("step raised", False, traceback.format_exc())
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
