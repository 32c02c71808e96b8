#!/usr/bin/env python3
"""`flinkha clusters` (and doctor's shared-cluster-id finding) on one real ZooKeeper shared by
several real Flink 2.3 clusters, each one JobManager (small heap, no TaskManager):

  * "retired": a cluster started under the cluster-id `retired` and stopped again: what an
    earlier cluster leaves on an ensemble (Flink's standalone session does not remove its
    namespace on a normal stop): a cluster-id with no leader and no participant;
  * B and then A under the SAME cluster-id `shared`, each with its own conf/masters (another REST
    port), the storageDir the same (a copied configuration): B starts first and leads, A joins
    the latch as a standby of B;
  * C under the cluster-id `other`.

So the root holds three cluster-ids (the acceptance scenario of issue 14: two clusters sharing
one id and a third cluster under another id, plus the earlier one that makes the third id).
Checked: `clusters -o json` lists exactly /other, /retired and /shared with their namespaces,
layout 2.x, a leader each for the running ones (the leader session id `leader show` reports),
two participants for /shared, one for /other, none for /retired, storage bytes of the readable
local storageDir, a last change between the test's start and now; the text table; exit 3
without ZooKeeper; and, with A's conf, `doctor` reports shared-cluster-id (critical, exit 2)
naming B's REST address (the leader) and A's (conf/masters); with B's conf (B leads) from the two
sessions in the latch; with C's conf not at all.
Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import signal
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402

HOME = None
SMALL_JM = {"jobmanager.memory.process.size": "640m"}


def flinkha(cluster, *args, timeout=90):
    return harness.run([harness.flinkha_bin(), "--conf-dir", cluster.conf_dir, "--flink-home",
                        cluster.home, *args], timeout=timeout)


def json_of(result):
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        return None


def new_cluster(root, zk_port, cluster_id, storage, procs):
    """A conf dir for one JobManager under `cluster_id` (masters: its own REST port)."""
    version = harness.flink_version_of(HOME)
    extra = dict(SMALL_JM)
    extra["high-availability.storageDir"] = storage
    conf_dir = fc.write_flink_conf(root, HOME, zk_port, cluster_id, extra)
    cluster = fc.Cluster(Path(HOME), version, Path(root), conf_dir, zk_port, cluster_id, procs)
    jm = fc.JobManager(0, harness.free_port())
    cluster.jobmanagers.append(jm)
    (conf_dir / "masters").write_text(f"127.0.0.1:{jm.rest_port}\n")
    return cluster


def start(cluster):
    jm = cluster.jobmanagers[0]
    cluster.start_jobmanager(jm)
    cluster.wait_rest(jm)
    return jm


def wait_json(cluster, args, predicate, timeout=90):
    deadline = time.monotonic() + timeout
    r, data = None, None
    while time.monotonic() < deadline:
        r = flinkha(cluster, "-o", "json", *args, "--zk-timeout", "5000")
        data = json_of(r)
        if data is not None and predicate(r, data):
            return r, data
        time.sleep(0.5)
    return r, data


def leader_session(cluster, component):
    r, data = wait_json(cluster, ["leader", "show"], lambda r, d: r.returncode == 0)
    for entry in (data or {}).get("leaders", []):
        if entry["component"] == component:
            return entry["session_id"]
    return None


def doctor_available():
    """Whether this build has `flinkha doctor` (CLI11 answers `X --help` for unknown X too)."""
    r = harness.run([harness.flinkha_bin(), "--help"], timeout=30)
    return any(line.split()[:1] == ["doctor"] for line in r.stdout.splitlines())


def run():
    started_ms = int(time.time() * 1000)
    with harness.TestDir("clusters") as td, harness.ProcessRegistry() as procs:
        clusters = []
        try:
            zk_port = harness.free_port()
            # cons allowed: doctor tells a connected latch session from a dead JobManager's.
            zk = fc.start_zookeeper(td.path / "zk-root", procs, zk_port,
                                    four_letter_words="srvr,ruok,cons")
            storage = f"file://{td.path}/ha"

            retired = new_cluster(td.path / "retired", zk_port, "retired", storage, procs)
            b = new_cluster(td.path / "b", zk_port, "shared", storage, procs)
            a = new_cluster(td.path / "a", zk_port, "shared", storage, procs)
            c = new_cluster(td.path / "c", zk_port, "other", storage, procs)
            clusters = [retired, b, a, c]

            # The earlier cluster: up, then stopped (SIGTERM, as stop-cluster.sh does).
            jm = start(retired)
            retired.kill(jm, signal.SIGTERM)
            harness.check("the retired cluster's JobManager exits on SIGTERM",
                          retired.wait_exit(jm, timeout=60))

            b_jm = start(b)   # first: B leads `shared`
            a_jm = start(a)   # then A, a standby in B's latch
            start(c)

            # Both JobManagers of /shared in the latch, and /other led: the survey is complete.
            def complete(r, d):
                rows = {row["cluster_id"]: row for row in d.get("clusters", [])}
                return (r.returncode == 0 and rows.get("/shared", {}).get("participants") == 2
                        and rows.get("/other", {}).get("leader") is not None)
            r, data = wait_json(a, ["clusters"], complete)
            ok = harness.check("clusters -o json: exit 0", r is not None and r.returncode == 0 and
                               data is not None, r.describe() if r else "no result")
            if not ok:
                td.failed = True
                return
            harness.check("the root is /flink", data.get("root") == "/flink", data.get("root"))
            rows = {row["cluster_id"]: row for row in data["clusters"]}
            harness.check("exactly three cluster-ids: /other, /retired, /shared",
                          sorted(rows) == ["/other", "/retired", "/shared"], sorted(rows))
            for cid, row in rows.items():
                harness.check(f"{cid}: namespace /flink{cid}", row["namespace"] == f"/flink{cid}",
                              row)
                harness.check(f"{cid}: layout 2.x", row["layout"] == "2.x", row)
                harness.check(f"{cid}: every field of the contract",
                              list(row) == ["cluster_id", "namespace", "layout", "leader",
                                            "participants", "jobs", "storage_bytes",
                                            "last_change_ms", "error"], list(row))
                harness.check(f"{cid}: no error", row["error"] is None, row)
                harness.check(f"{cid}: no jobs",
                              row["jobs"] == {"running": 0, "dirty": 0, "orphaned": 0}, row)
                harness.check(f"{cid}: storage bytes of the local storageDir",
                              isinstance(row["storage_bytes"], int) and row["storage_bytes"] >= 0,
                              row)
                harness.check(f"{cid}: last change during the test",
                              started_ms - 5000 <= row["last_change_ms"] <= time.time() * 1000 + 5000,
                              (started_ms, row["last_change_ms"]))

            shared, other, old = rows.get("/shared"), rows.get("/other"), rows.get("/retired")
            if shared and other and old:
                harness.check("/shared: two participants (A and B)", shared["participants"] == 2,
                              shared)
                harness.check("/other: one participant", other["participants"] == 1, other)
                harness.check("/retired: no leader, no participant",
                              old["leader"] is None and old["participants"] == 0, old)
                harness.check("/shared: B's leader session, as leader show reports it",
                              shared["leader"] is not None and shared["leader"]["session_id"] ==
                              leader_session(b, "resource_manager"), shared["leader"])
                harness.check("/shared: the leader is B's RPC address",
                              shared["leader"] is not None and
                              shared["leader"]["address"].startswith("pekko.tcp://flink@127.0.0.1:"),
                              shared["leader"])
                harness.check("/other: C's leader session",
                              other["leader"] is not None and other["leader"]["session_id"] ==
                              leader_session(c, "resource_manager"), other["leader"])

            text = flinkha(c, "clusters")
            harness.check("clusters text: a table of the three cluster-ids, /other marked",
                          text.returncode == 0 and "CLUSTER-ID" in text.stdout and
                          "/other *" in text.stdout and "/retired" in text.stdout and
                          "/shared" in text.stdout, text.describe())

            # --- doctor with A's conf: B leads A's cluster-id ------------------------------------
            harness.check("flinkha --help lists doctor", doctor_available())
            if doctor_available():
                r = flinkha(a, "-o", "json", "doctor", timeout=180)
                report = json_of(r) or {}
                shared_findings = [f for f in report.get("findings", [])
                                   if f.get("code") == "shared-cluster-id"]
                harness.check("doctor (A's conf): exit 2", r.returncode == 2, r.describe())
                harness.check("doctor: one shared-cluster-id finding, critical",
                              len(shared_findings) == 1 and
                              shared_findings[0]["severity"] == "critical", report)
                if shared_findings:
                    message = shared_findings[0]["message"]
                    harness.check("doctor: the finding names B's REST address (the leader)",
                                  b_jm.rest_url in message, message)
                    harness.check("doctor: the finding names A's JobManager of conf/masters",
                                  f"127.0.0.1:{a_jm.rest_port}" in message, message)
                    harness.check("doctor: the remedy names high-availability.cluster-id",
                                  "high-availability.cluster-id" in shared_findings[0]["remedy"],
                                  shared_findings[0])
                # B's conf: B leads, its address is in its masters; the evidence is A's session in
                # the latch (two sessions, one masters line).
                r = flinkha(b, "-o", "json", "doctor", timeout=180)
                found = [f for f in (json_of(r) or {}).get("findings", [])
                         if f.get("code") == "shared-cluster-id"]
                harness.check("doctor (B's conf, B leads): shared-cluster-id from the latch, exit 2",
                              r.returncode == 2 and len(found) == 1 and
                              "2 connected JobManager sessions" in found[0]["message"] and
                              found[0]["severity"] == "critical" and
                              " from 127.0.0.1:" in found[0]["message"] and
                              b_jm.rest_url in found[0]["message"], r.describe())
                r = flinkha(c, "-o", "json", "doctor", timeout=180)
                codes = [f.get("code") for f in (json_of(r) or {}).get("findings", [])]
                harness.check("doctor (C's conf): no shared-cluster-id finding",
                              "shared-cluster-id" not in codes, r.describe())
            else:
                print("  note: this build has no `flinkha doctor`; its checks were not run")

            # --- no ZooKeeper: exit 3 --------------------------------------------------------------
            for cluster in clusters:
                cluster.stop()
            zk.terminate()
            zk.wait(15)
            r = flinkha(a, "clusters", "--zk-timeout", "2000")
            harness.check("clusters without ZooKeeper: exit 3", r.returncode == 3, r.describe())
        except Exception:  # noqa: BLE001 - report, keep the directory, count a failure
            td.failed = True
            harness.check("no exception", False, traceback.format_exc())
            for cluster in clusters:
                for jm in cluster.jobmanagers:
                    if jm.pid:
                        print(cluster.log_tail(jm, 20))
                        break
        finally:
            for cluster in clusters:
                cluster.stop()


def main():
    global HOME
    HOME = harness.flink_home("2.3.0")
    run()
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
