#!/usr/bin/env python3
"""Recreates tests/unit/fixtures/flink23/ from a real Flink 2.3 cluster (applications and the
ApplicationResultStore).

Starts Debian's ZooKeeper and one JobManager + one TaskManager of Flink 2.3 with Flink's own
scripts (flink_cluster.start_cluster, all on 127.0.0.1), with
application-result-store.delete-on-commit and job-result-store.delete-on-commit false (so clean
entries stay as files), submits ha_data/SlowJob.java as an application over REST
(POST /jars/:jarid/run-application, JarRunApplicationHandler: a PackagedProgramApplication, the
one kind of application Flink 2.3 persists; /jars/:jarid/run makes a SingleJobApplication, which
AbstractApplication.getApplicationStoreEntry leaves out of the ApplicationStore), waits for a
completed checkpoint, then saves:
  tree-running.json         every znode under {ns} (path, data hex, stat, children) while the
                            job runs: {ns}/applications/<appid> + locks/<uuid> included
  application.bin           the bytes of {ns}/applications/<appid> (a RetrievableStateHandle)
  storage-running.json      the names and sizes of the files in {storageDir}/{cluster-id}
                            (submittedApplication<12 hex> next to submittedExecutionPlan…)
  application-result-store/<appid>.json   the clean ApplicationResultStore entry after cancel
  job-result-store/<jobid>.json           the clean JobResultStore entry of its job (2.3:
                                          "application-id"; the first job of an application
                                          has the application's id)
Then, for a second job, removes DELETE from {ns}/applications/<appid2> (ZooKeeper ACL
world:anyone:crwa, as test_ha_data does for a dirty job), cancels it, and saves:
  application-result-store/<appid2>_DIRTY.json   the dirty entry Flink's cleanup left
  tree-dirty.json, storage-dirty.json, ars-dirty.json (the ARS directory listing)
Every process is stopped by pid; the temp dir is removed.
Usage: capture_application_fixtures.py [--out DIR]
"""

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
from capture_leader_fixtures import walk  # noqa: E402
import harness  # noqa: E402
import test_ha_data as hd  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "flink23"


def listing(directory):
    return sorted(({"name": str(p.relative_to(directory)), "size": p.stat().st_size}
                   for p in directory.rglob("*") if p.is_file()), key=lambda e: e["name"])


def applications(cluster):
    records = fc.znode_tool(cluster.root, cluster.zk_port, "get",
                            f"{cluster.namespace}/applications")
    return [] if records[0].get("missing") else records[0]["children"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    home = harness.flink_home("2.3.0")
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    extra = {"taskmanager.memory.process.size": "1000m", "taskmanager.numberOfTaskSlots": "1",
             "jobmanager.memory.process.size": "700m", "taskmanager.host": "127.0.0.1",
             "taskmanager.bind-host": "127.0.0.1", "job-result-store.delete-on-commit": "false",
             "application-result-store.delete-on-commit": "false"}
    with harness.TestDir("capture-apps") as td, harness.ProcessRegistry() as procs:
        _, jar = hd.compile_java(home, td.path / "java")
        cluster = fc.start_cluster(td.path / "c", home, procs, jobmanagers=1, extra_conf=extra)
        jm = cluster.jobmanagers[0]
        tms = hd.start_taskmanager(cluster)
        ns = cluster.namespace
        storage = cluster.root / "ha" / cluster.cluster_id
        ars = cluster.root / "ha" / "application-result-store" / cluster.cluster_id
        jrs = cluster.root / "ha" / "job-result-store" / cluster.cluster_id
        try:
            app, job = hd.submit_application(jm, jar)
            hd.wait_for("a completed checkpoint", lambda: hd.completed_checkpoints(jm, job) >= 1)
            hd.wait_for("the application znode", lambda: app in applications(cluster))
            tree = walk(cluster.root, cluster.zk_port, [ns])
            (out / "tree-running.json").write_text(json.dumps(
                {"flink_version": "2.3.0", "namespace": ns, "job": job, "application": app,
                 "nodes": tree}, indent=1) + "\n")
            node = next(r for r in tree if r["path"] == f"{ns}/applications/{app}")
            (out / "application.bin").write_bytes(bytes.fromhex(node["data_hex"]))
            (out / "storage-running.json").write_text(json.dumps(listing(storage), indent=1) + "\n")
            try:  # ApplicationDetailsHandler: what the application says of its jobs
                (out / "rest-application.json").write_text(json.dumps(
                    hd.rest(jm, "GET", f"/applications/{app}"), indent=1) + "\n")
            except OSError as e:
                print(f"  GET /applications/{app}: {e}")
            hd.rest(jm, "PATCH", f"/jobs/{job}?mode=cancel")
            hd.wait_for("the clean ApplicationResultStore entry",
                        lambda: (ars / f"{app}.json").exists(), timeout=120)
            hd.wait_for("the clean JobResultStore entry", lambda: (jrs / f"{job}.json").exists())
            (out / "application-result-store").mkdir(exist_ok=True)
            (out / "job-result-store").mkdir(exist_ok=True)
            shutil.copy(ars / f"{app}.json", out / "application-result-store" / f"{app}.json")
            shutil.copy(jrs / f"{job}.json", out / "job-result-store" / f"{job}.json")

            app2, job2 = hd.submit_application(jm, jar, {job})
            hd.wait_for("a completed checkpoint", lambda: hd.completed_checkpoints(jm, job2) >= 1)
            hd.wait_for("the second application znode", lambda: app2 in applications(cluster))
            path = f"{ns}/applications/{app2}"
            r = hd.zkcli(cluster.zk_port, "setAcl", path, "world:anyone:crwa")
            if r.returncode != 0:
                raise harness.HarnessError(f"setAcl failed:\n{r.describe()}")
            hd.rest(jm, "PATCH", f"/jobs/{job2}?mode=cancel")
            hd.wait_for("the dirty ApplicationResultStore entry",
                        lambda: (ars / f"{app2}_DIRTY.json").exists()
                        and hd.job_state(jm, job2) == "CANCELED")
            time.sleep(3)
            hd.stop_flink(cluster, tms)
            hd.zkcli(cluster.zk_port, "setAcl", path, "world:anyone:cdrwa")
            shutil.copy(ars / f"{app2}_DIRTY.json",
                        out / "application-result-store" / f"{app2}_DIRTY.json")
            tree = walk(cluster.root, cluster.zk_port, [ns])
            (out / "tree-dirty.json").write_text(json.dumps(
                {"flink_version": "2.3.0", "namespace": ns, "job": job2, "application": app2,
                 "nodes": tree}, indent=1) + "\n")
            (out / "storage-dirty.json").write_text(json.dumps(listing(storage), indent=1) + "\n")
            (out / "ars-dirty.json").write_text(json.dumps(listing(ars), indent=1) + "\n")
            (out / "jrs-dirty.json").write_text(json.dumps(listing(jrs), indent=1) + "\n")
            print(f"captured application {app} (job {job}), dirty application {app2} (job {job2})")
        finally:
            hd.stop_flink(cluster, tms)
            cluster.stop()


if __name__ == "__main__":
    main()
