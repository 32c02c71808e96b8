#!/usr/bin/env python3
"""`flinkha doctor` against one real ZooKeeper, one real Flink 2.3 JobManager and one TaskManager
(shared by every case; conf/masters and conf/zoo.cfg written as they run).

  * healthy: exit 0, no finding above info, the leader checks ran; --prometheus FILE is parsed
    by Prometheus's own text-format parser (prometheus_client.parser, from PyPI in a venv cached
    under ~/.cache/flinkha) and carries the verdict 0 and a sample per severity;
  * churn: the dispatcher's connection_info rewritten in a loop (its own bytes, through
    ZooKeeper's Java client, ZnodeTool) while doctor reads twice: leader-churn, FLINK-27848,
    subject the connection_info path, exit 1;
  * session timeout: a conf asking for 120 s from the ensemble capped at maxSessionTimeout 60 s
    → session-timeout-capped with both values, exit 1; a second ZooKeeper started with
    maxSessionTimeout=3000 → the same finding naming 3000 ms;
  * the quorum string wrong: zookeeper-unreachable, exit 2 while zoo.cfg's peer answers srvr,
    exit 3 (unknown) when nothing answers; a bad --interval: exit 64;
  * flapping: ZooKeeper restarted between the two reads. The JobManager's connection is
    suspended (not lost: the restarted server restores the sessions from its log), Flink revokes
    leadership (tolerate-suspended-connections is false by default; Curator's LeaderLatch resets
    on RECONNECTED) and the same JobManager wins again on the same session with a new leader
    session id: leader-flapping, exit 1.
Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402
from s3_env import pinned_venv  # noqa: E402
from test_ha_data import start_taskmanager, wait_for  # noqa: E402

PROMETHEUS_PINS = ["prometheus-client==0.26.0"]
ABOVE_INFO = ("warning", "critical")


PARSE = r"""
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = {}
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    out[family.name] = {"type": family.type, "documentation": family.documentation,
                        "samples": [[s.name, s.labels, s.value] for s in family.samples]}
print(json.dumps(out))
"""


def parse_prometheus(path):
    venv = pinned_venv("prometheus-client", PROMETHEUS_PINS)
    r = harness.run([venv / "bin" / "python", "-c", PARSE, path], timeout=60)
    if r.returncode != 0:
        raise harness.HarnessError(f"prometheus_client could not parse {path}:\n{r.describe()}")
    return json.loads(r.stdout)


def doctor(cluster, *args, conf_dir=None, timeout=180):
    r = harness.run([harness.flinkha_bin(), "--conf-dir", conf_dir or cluster.conf_dir,
                     "--flink-home", cluster.home, "-o", "json", "doctor", *args],
                    timeout=timeout)
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None


def codes(data, severities=("info", "warning", "critical")):
    return sorted(f["code"] for f in (data or {}).get("findings", []) if f["severity"] in severities)


def finding(data, code):
    return next((f for f in (data or {}).get("findings", []) if f["code"] == code), None)


def set_option(conf_dir, key, value):
    """Replaces (or adds) `key` in conf_dir/config.yaml (flat keys, one per line)."""
    path = Path(conf_dir, "config.yaml")
    lines = [line for line in path.read_text().splitlines() if not line.startswith(f"{key}:")]
    lines.append(f"{key}: {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n")


def copy_conf(cluster, name):
    target = Path(cluster.root, name)
    target.mkdir()
    for entry in Path(cluster.conf_dir).iterdir():
        (target / entry.name).write_text(entry.read_text())
    return target


def connection_info(cluster, component):
    r = harness.run([harness.flinkha_bin(), "--conf-dir", cluster.conf_dir, "-o", "json",
                     "leader", "show"], timeout=60)
    data = json.loads(r.stdout)
    return next(entry["connection_info"] for entry in data["leaders"]
                if entry["component"] == component)


def main():
    home = harness.flink_home("2.3.0")
    with harness.TestDir("doctor") as td, harness.ProcessRegistry() as procs:
        try:
            extra = {"taskmanager.memory.process.size": "1000m",
                     "taskmanager.numberOfTaskSlots": "1", "jobmanager.memory.process.size": "700m",
                     "taskmanager.host": "127.0.0.1", "taskmanager.bind-host": "127.0.0.1"}
            cluster = fc.start_cluster(td.path, home, procs, jobmanagers=1, extra_conf=extra)
            jm = cluster.jobmanagers[0]
            start_taskmanager(cluster)
            wait_for("the TaskManager registered",
                     lambda: fc.rest_get(jm, "/overview")["taskmanagers"] >= 1)
            # conf/masters as the JobManager really runs, conf/zoo.cfg as the ZooKeeper does.
            Path(cluster.conf_dir, "masters").write_text(f"127.0.0.1:{jm.rest_port}\n")
            zoo = Path(cluster.root, "zk", "zoo.cfg").read_text()
            Path(cluster.conf_dir, "zoo.cfg").write_text(
                zoo + f"server.1=127.0.0.1:{harness.free_port()}:{harness.free_port()}\n")
            cases(cluster, procs, td)
        except Exception:
            harness.check("no exception", False, traceback.format_exc())
    return harness.summary("doctor")


def cases(cluster, procs, td):
    # --- healthy ------------------------------------------------------------------------------
    prom = Path(td.path, "textfile", "flinkha.prom")
    prom.parent.mkdir()
    r, data = doctor(cluster, "--interval", "1s", "--prometheus", prom)
    harness.check("healthy: exit 0, verdict ok", r.returncode == 0 and data and data["verdict"] == "ok",
                  r.describe())
    harness.check("healthy: no finding above info", codes(data, ABOVE_INFO) == [], r.stdout)
    ran = {name for name, c in (data or {}).get("checks", {}).items() if c["state"] == "ran"}
    harness.check("healthy: zk status, leaders, status, inspect and the leader checks ran",
                  {"zk-status", "leaders", "inspect", "leader-churn", "leader-flapping",
                   "session-timeout", "status"} <= ran, r.stdout)
    families = parse_prometheus(prom)
    verdict = families.get("flinkha_doctor_verdict", {}).get("samples", [])
    harness.check("prometheus: parsed, verdict gauge 0 labelled with the cluster-id",
                  verdict == [["flinkha_doctor_verdict", {"cluster_id": cluster.cluster_id}, 0.0]]
                  and families["flinkha_doctor_verdict"]["type"] == "gauge", json.dumps(families))
    severities = {s[1]["severity"]: s[2]
                  for s in families.get("flinkha_doctor_findings", {}).get("samples", [])}
    harness.check("prometheus: a findings sample per severity, none above info",
                  severities.get("warning") == 0 and severities.get("critical") == 0
                  and "info" in severities, json.dumps(families))
    harness.check("prometheus: timestamp gauge within a minute of now",
                  abs(families["flinkha_doctor_last_run_timestamp_seconds"]["samples"][0][2]
                      - time.time()) < 60, json.dumps(families))
    harness.check("prometheus: no temporary file left", sorted(os.listdir(prom.parent)) == ["flinkha.prom"],
                  os.listdir(prom.parent))
    r = harness.run([harness.flinkha_bin(), "--conf-dir", cluster.conf_dir, "doctor", "--interval",
                     "0"], timeout=120)
    harness.check("healthy text: verdict line", r.returncode == 0 and r.stdout.startswith("verdict: ok"),
                  r.describe())

    # --- churn: connection_info rewritten in a loop ---------------------------------------------
    path = connection_info(cluster, "dispatcher")
    current = fc.znode_tool(cluster.root, cluster.zk_port, "get", path)[0]
    stop = threading.Event()

    def rewrite():
        while not stop.is_set():
            fc.znode_tool(cluster.root, cluster.zk_port, "put", *([path, current["data_hex"]] * 50))

    writer = threading.Thread(target=rewrite, daemon=True)
    writer.start()
    # A ZnodeTool run (a JVM compiling its source) takes seconds and writes its 50 in a burst at
    # its end: 12 s between the reads hold at least one burst.
    try:
        r, data = doctor(cluster, "--interval", "12s")
    finally:
        stop.set()
        writer.join(120)
    churn = finding(data, "leader-churn")
    harness.check("churn: leader-churn warning on the dispatcher's connection_info, FLINK-27848",
                  churn is not None and churn["severity"] == "warning" and churn["subject"] == path
                  and churn["flink_issue"] == "FLINK-27848", r.stdout)
    harness.check("churn: exit 1, the only finding above info", r.returncode == 1
                  and codes(data, ABOVE_INFO) == ["leader-churn"], r.describe())

    # --- session timeout the server will not grant --------------------------------------------
    asking = copy_conf(cluster, "conf-120s")
    set_option(asking, "high-availability.zookeeper.client.session-timeout", "120 s")
    r, data = doctor(cluster, "--interval", "0", conf_dir=asking)
    capped = finding(data, "session-timeout-capped")
    harness.check("session timeout 120 s against maxSessionTimeout 60000: capped, both values",
                  capped is not None and capped["severity"] == "warning"
                  and "asks for a 120000 ms" in capped["message"]
                  and "grants 60000 ms" in capped["message"], r.stdout)
    harness.check("session timeout: exit 1, the only finding above info", r.returncode == 1
                  and codes(data, ABOVE_INFO) == ["session-timeout-capped"], r.describe())

    low_root = Path(td.path, "zk-low")
    low_port = harness.free_port()
    low = fc.start_zookeeper(low_root, procs, low_port, max_session_timeout=3000)
    try:
        other = copy_conf(cluster, "conf-low-max")
        set_option(other, "high-availability.zookeeper.quorum", f"127.0.0.1:{low_port}")
        r, data = doctor(cluster, "--interval", "0", "--no-status", conf_dir=other)
        capped = finding(data, "session-timeout-capped")
        harness.check("second ZooKeeper with maxSessionTimeout=3000: capped at 3000 ms",
                      capped is not None and "asks for a 6000 ms" in capped["message"]
                      and "grants 3000 ms" in capped["message"], r.stdout)
        harness.check("second ZooKeeper: no JobManager there → no-leader, exit 2",
                      r.returncode == 2 and codes(data, ("critical",)) == ["no-leader"], r.describe())
    finally:
        low.terminate()
        low.wait(15)

    # --- nothing reachable, a usage error -------------------------------------------------------
    down = copy_conf(cluster, "conf-down")
    set_option(down, "high-availability.zookeeper.quorum", f"127.0.0.1:{harness.free_port()}")
    r, data = doctor(cluster, "--interval", "0", "--zk-timeout", "2000", conf_dir=down)
    # conf/zoo.cfg still names the running peer: it answers srvr, so this is decided: critical.
    harness.check("quorum string wrong, zoo.cfg's peer answers: zookeeper-unreachable, exit 2",
                  r.returncode == 2 and "zookeeper-unreachable" in codes(data, ("critical",)),
                  r.describe())
    Path(down, "zoo.cfg").unlink()
    r, data = doctor(cluster, "--interval", "0", "--zk-timeout", "2000", conf_dir=down)
    harness.check("no ZooKeeper answers at all: exit 3, verdict unknown",
                  r.returncode == 3 and data and data["verdict"] == "unknown"
                  and "zookeeper-unreachable" in codes(data, ("critical",)), r.describe())
    r, _ = doctor(cluster, "--interval", "soon")
    harness.check("a bad --interval: exit 64 naming it", r.returncode == 64
                  and "--interval 'soon'" in r.stderr, r.describe())

    # --- flapping: ZooKeeper restarted between the two reads ----------------------------------
    result = {}

    def run_doctor():
        result["r"], result["data"] = doctor(cluster, "--interval", "25s", timeout=150)

    background = threading.Thread(target=run_doctor, daemon=True)
    background.start()
    time.sleep(3)  # the first read is done
    cluster.zk_proc.terminate()
    cluster.zk_proc.wait(15)
    cluster.zk_proc = fc.start_zookeeper(cluster.root, procs, cluster.zk_port)
    background.join(160)
    r, data = result.get("r"), result.get("data")
    flapping = finding(data, "leader-flapping")
    print(f"flapping finding: {json.dumps(flapping)}", flush=True)
    harness.check("flapping: leader-flapping warning for a cluster component, FLINK-10052",
                  flapping is not None and flapping["severity"] == "warning"
                  and flapping["flink_issue"] == "FLINK-10052"
                  and "tolerate-suspended-connections" in flapping["remedy"],
                  r.describe() if r else "doctor did not finish")
    harness.check("flapping: exit 1", r is not None and r.returncode == 1
                  and "critical" not in {f["severity"] for f in data["findings"]},
                  r.describe() if r else "")


if __name__ == "__main__":
    sys.exit(main())
