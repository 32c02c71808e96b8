#!/usr/bin/env python3
"""Every znode and storage file real Flink writes during a job's life is one flinkha knows.

For each of Flink 1.20.5 and 2.3.0: one real ZooKeeper, a session cluster (2 JobManagers + 1
TaskManager, Flink's own scripts, 127.0.0.1) and later an application cluster on the same
ensemble under its own cluster-id. At each point of a job's life `flinkha inspect -o json` reads
the cluster, and the test fails on anything it cannot place: an unknown-znode or
unknown-storage-entry finding, a znode of role "unknown", a file of the cluster storage dir of
kind "other", an entry of the JobResultStore it does not know, or a directory of the storageDir
taken for another cluster-id. The points:
  up           the session cluster, no job yet
  submitted    ha_data/SlowJob.java (checkpoints every 500 ms) submitted over REST, running
  checkpoints  several completed checkpoints
  savepoint    a savepoint taken over REST (execution.checkpointing.savepoint-dir)
  failover     the leader JobManager SIGKILLed, the standby leads and has recovered the job
  cancelled    the job cancelled, Flink's cleanup done (its clean JobResultStore entry kept:
               job-result-store.delete-on-commit false)
  rest-application, rest-application-cancelled
               2.3+: an application submitted by /jars/<id>/run-application and cancelled by
               /applications/<id>/cancel (application-result-store.delete-on-commit false)
  app-running  bin/standalone-job.sh with SlowJob on the classpath (FLINK_LIB_DIR), HA on,
               checkpointing
  app-stopped  its job cancelled, the application cluster shut down by itself
Each point prints what it added and removed (znodes as inspect classified them, relative to the
namespace; files as the disk holds them, relative to the storageDir, with inspect's kind), so the
log is a record of Flink's HA layout at each point of a job's life. A file of the cluster-id on the
disk that inspect's JSON does not name fails the point as well.
Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import os
import signal
import sys
import time
import traceback
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402
import test_ha_data as ha  # noqa: E402

VERSIONS = ("1.20.5", "2.3.0")
# Small heaps. The session cluster keeps its clean entries (KEEP_CLEAN_ENTRIES), the application
# cluster has Flink's default (entries deleted on commit).
TM_CONF = {"taskmanager.memory.process.size": "1000m", "taskmanager.numberOfTaskSlots": "1",
           "jobmanager.memory.process.size": "700m", "taskmanager.host": "127.0.0.1",
           "taskmanager.bind-host": "127.0.0.1"}

# Clean entries stay (one more kind of file to classify); 1.20 ignores the 2.3 key.
KEEP_CLEAN_ENTRIES = {"job-result-store.delete-on-commit": "false",
                      "application-result-store.delete-on-commit": "false"}


def checkpoint_conf(root):
    """Checkpoint data and savepoints outside the HA storageDir, as operators configure them
    (option keys of Flink 1.20 and 2.x alike)."""
    return {"execution.checkpointing.dir": f"file://{root}/checkpoints",
            "execution.checkpointing.savepoint-dir": f"file://{root}/savepoints"}


class Record:
    """What inspect saw at the previous point, for the "added / removed" lines of the log."""

    def __init__(self, label, storage_root):
        self.label = label
        self.storage_root = storage_root  # the local storageDir, listed as Flink left it
        self.seen = {}

    def names(self, data):
        ns, cid = data["namespace"], data["cluster_id"]
        out = {}
        for z in data["znodes"]:
            rel = z["path"][len(ns):]
            owner = " ephemeral" if z["stat"].get("ephemeral_owner") else ""
            out[f"znode {{ns}}{rel}"] = f"{z['role']}{owner}"
        # Files as Flink left them on the disk, with the kind inspect gave them.
        kinds = {f"{cid}/{f['path']}": f["kind"] for f in data["storage"]["files"]}
        kinds.update({f"job-result-store/{cid}/{e['entry']['path']}": f"job-result-store {e['state']}"
                      for e in data["job_result_store"]["entries"]})
        for path, named in disk_entries(self.storage_root, data).items():
            out[f"file {{storageDir}}/{path}"] = kinds.get(path, named)
        return out

    def show(self, point, data):
        now = self.names(data)
        added = sorted(set(now) - set(self.seen))
        removed = sorted(set(self.seen) - set(now))
        print(f"--- {self.label} {point}: {len(now)} entries, +{len(added)} -{len(removed)}",
              flush=True)
        for name in added:
            print(f"  + {name}  ({now[name]})", flush=True)
        for name in removed:
            print(f"  - {name}", flush=True)
        self.seen = now


def json_paths(node):
    """Every "path" value anywhere in a JSON subtree."""
    if isinstance(node, dict):
        return {v for k, v in node.items() if k == "path" and isinstance(v, str)} | {
            p for v in node.values() for p in json_paths(v)}
    if isinstance(node, list):
        return {p for v in node for p in json_paths(v)}
    return set()


def disk_entries(storage_root, data):
    """Every entry of the local storageDir that belongs to this cluster-id (its own directory,
    its JobResultStore and ApplicationResultStore directories), read from the disk, with whether
    inspect's JSON names it ("named") in the side that reads that directory: "storage" for
    {cluster-id}/, "job_result_store" for job-result-store/{cluster-id}/, and so on by name."""
    cid = data["cluster_id"]
    root = Path(storage_root)
    out = {}
    for top in (root / cid, *sorted(root.glob(f"*-store/{cid}"))):
        if not top.is_dir():
            continue
        side = "storage" if top.name == cid and top.parent == root \
            else top.parent.name.replace("-", "_")
        named = json_paths(data.get(side))
        for path in sorted(top.rglob("*")):
            inside = path.relative_to(top).as_posix()
            out[path.relative_to(root).as_posix()] = "named" if inside in named \
                else f"NOT NAMED BY INSPECT (no \"{side}\" entry)"
    return out


def disk_listing(storage_root, cid):
    root = Path(storage_root)
    return {p.relative_to(root).as_posix()
            for top in (root / cid, *root.glob(f"*-store/{cid}")) for p in top.rglob("*")}


def unknown_entries(data, storage_root, on_disk_before):
    """Everything of inspect's JSON that flinkha could not place, and the files of the storageDir
    it does not name. Only files on the disk before and after inspect count: a checkpoint file
    written while inspect ran is not one inspect could have listed."""
    out = []
    for f in data["findings"]:
        if f["kind"] in ("unknown-znode", "unknown-storage-entry"):
            out.append(f"{f['kind']} {f['subject']}")
    out += [f"znode of role unknown {z['path']}" for z in data["znodes"] if z["role"] == "unknown"]
    out += [f"storage file of kind other {f['path']}" for f in data["storage"]["files"]
            if f["kind"] == "other"]
    out += [f"unknown JobResultStore entry {e['path']}" for e in data["job_result_store"]["unknown"]]
    # Flink's own directories of the storageDir (job-result-store, …) are not other clusters.
    out += [f"storageDir entry taken for a cluster-id {s}"
            for s in data["sibling_cluster_ids"]["storage"] if s.endswith("-store")]
    out += [f"storageDir entry inspect does not name {path}"
            for path, named in disk_entries(storage_root, data).items()
            if named != "named" and path in on_disk_before]
    return out


def inspect_point(label, point, cluster, record):
    """inspect -o json at one point; checks that nothing is unknown; prints the changes."""
    on_disk_before = disk_listing(record.storage_root, cluster.cluster_id)
    r, data = ha.flinkha_json(cluster.conf_dir, cluster.home, "inspect")
    print(f"{label} {point}: inspect took {r.seconds:.1f} s", flush=True)
    if not harness.check(f"{label} {point}: inspect -o json answers", data is not None
                         and r.returncode in (0, 1), r.describe()):
        return None
    record.show(point, data)
    unknown = unknown_entries(data, record.storage_root, on_disk_before)
    harness.check(f"{label} {point}: no unknown znode or file", not unknown,
                  "\n".join(unknown) + "\nfindings: "
                  + json.dumps(data["findings"], indent=1)[:2500])
    return data


def wait_for(what, predicate, timeout=120):
    return ha.wait_for(what, predicate, timeout=timeout, interval=0.3)


def job_running(jm, job):
    return ha.job_state(jm, job) == "RUNNING"


def take_savepoint(jm, job):
    trigger = ha.rest(jm, "POST", f"/jobs/{job}/savepoints",
                      json.dumps({"cancel-job": False}).encode())["request-id"]

    def done():
        answer = ha.rest(jm, "GET", f"/jobs/{job}/savepoints/{trigger}")
        if answer["status"]["id"] != "COMPLETED":
            return None
        operation = answer.get("operation") or {}
        if "failure-cause" in operation:
            raise harness.HarnessError(f"savepoint failed: {operation['failure-cause']}")
        return operation.get("location")

    return wait_for("the savepoint", done)


# --- the session cluster ----------------------------------------------------------------------

def run_session(label, home, root, procs, jar, clusters):
    extra = dict(TM_CONF, **checkpoint_conf(root), **KEEP_CLEAN_ENTRIES)
    started = time.monotonic()
    cluster = fc.start_cluster(root / "session", home, procs, jobmanagers=2, extra_conf=extra)
    clusters.append(cluster)  # stopped (ZooKeeper too) by run_version, whatever happens here
    leader, standby = cluster.jobmanagers
    tms = ha.start_taskmanager(cluster)
    record = Record(label, cluster.root / "ha")
    try:
        wait_for("the TaskManager registered",
                 lambda: ha.rest(leader, "GET", "/taskmanagers")["taskmanagers"])
        print(f"{label}: session cluster up in {time.monotonic() - started:.0f} s", flush=True)
        inspect_point(label, "up", cluster, record)

        job = ha.submit(leader, jar)
        wait_for("the job running", lambda: job_running(leader, job))
        wait_for("a first completed checkpoint", lambda: ha.completed_checkpoints(leader, job) >= 1)
        inspect_point(label, "submitted", cluster, record)

        # Several more than the submitted point saw (a loaded machine may see a few at once).
        seen = ha.completed_checkpoints(leader, job)
        wait_for("3 more completed checkpoints",
                 lambda: ha.completed_checkpoints(leader, job) >= seen + 3)
        inspect_point(label, "checkpoints", cluster, record)

        location = take_savepoint(leader, job)
        harness.check(f"{label} savepoint taken outside the HA storageDir",
                      bool(location) and "savepoints" in location, str(location))
        inspect_point(label, "savepoint", cluster, record)

        cluster.kill(leader, signal.SIGKILL)
        harness.check(f"{label} leader JobManager killed (SIGKILL)", cluster.wait_exit(leader, 30))
        # The standby takes over once the killed JobManager's session expires (6 s), then
        # recovers the job from the HA data and checkpoints again.
        wait_for("the standby leading and the job recovered", lambda: job_running(standby, job),
                 timeout=150)
        wait_for("a checkpoint after the failover",
                 lambda: ha.completed_checkpoints(standby, job) >= 1)
        inspect_point(label, "failover", cluster, record)

        jrs = cluster.root / "ha" / "job-result-store" / cluster.cluster_id
        ha.rest(standby, "PATCH", f"/jobs/{job}?mode=cancel")
        wait_for("the clean JobResultStore entry", lambda: (jrs / f"{job}.json").exists())
        inspect_point(label, "cancelled", cluster, record)
        if has_applications(cluster.version):
            run_rest_application(label, cluster, standby, jar, record)
    finally:
        ha.stop_flink(cluster, tms)
    print(f"{label}: session points in {time.monotonic() - started:.0f} s", flush=True)
    return cluster


def has_applications(version):
    """Flink 2.3 added applications (ApplicationID, /jars/<id>/run-application)."""
    return tuple(int(x) for x in version.split(".")[:2]) >= (2, 3)


def run_rest_application(label, cluster, jm, jar, record):
    """2.3+: an application submitted by /jars/<id>/run-application (JarRunApplicationHandler)
    and cancelled by POST /applications/<id>/cancel (ApplicationCancellationHandler)."""
    jar_id = ha.upload_jar(jm, jar)
    before = {j["jid"] for j in ha.rest(jm, "GET", "/jobs/overview")["jobs"]}
    app = ha.rest(jm, "POST", f"/jars/{jar_id}/run-application",
                  json.dumps({"entryClass": "SlowJob"}).encode(), timeout=180)["applicationid"]
    job = wait_for("the application's job", lambda: next(
        (j["jid"] for j in ha.rest(jm, "GET", "/jobs/overview")["jobs"] if j["jid"] not in before),
        None))
    wait_for("the application's job running", lambda: job_running(jm, job))
    wait_for("a completed checkpoint", lambda: ha.completed_checkpoints(jm, job) >= 1)
    print(f"{label}: application {app} runs job {job}", flush=True)
    inspect_point(label, "rest-application", cluster, record)

    ha.rest(jm, "POST", f"/applications/{app}/cancel")
    wait_for("the application CANCELED",
             lambda: ha.rest(jm, "GET", f"/applications/{app}")["status"] == "CANCELED")
    jrs = cluster.root / "ha" / "job-result-store" / cluster.cluster_id
    wait_for("its job's clean JobResultStore entry", lambda: (jrs / f"{job}.json").exists())
    inspect_point(label, "rest-application-cancelled", cluster, record)


# --- the application cluster ------------------------------------------------------------------

class AppCluster(fc.Cluster):
    """An application cluster: its JobManager from bin/standalone-job.sh, the job's jar on the
    classpath of every process through FLINK_LIB_DIR (a dir of links to Flink's lib/ + the jar;
    config.sh lists it with find, so links count)."""

    lib_dir: Path = None

    @property
    def env(self):
        return dict(super().env, FLINK_LIB_DIR=str(self.lib_dir))


def app_lib_dir(home, jar, where):
    where.mkdir(parents=True, exist_ok=True)
    for source in Path(home, "lib").iterdir():
        (where / source.name).symlink_to(source)
    (where / jar.name).symlink_to(jar)
    return where


def run_application(label, home, root, procs, jar, zk_port):
    started = time.monotonic()
    app_root = root / "app"
    cluster_id = f"lifecycle-app-{uuid.uuid4().hex[:8]}"
    rest_port = harness.free_port()
    conf = fc.write_flink_conf(app_root, home, zk_port, cluster_id,
                               dict(TM_CONF, **checkpoint_conf(app_root), **{"rest.port": rest_port}))
    cluster = AppCluster(Path(home), harness.flink_version_of(home), app_root, conf, zk_port,
                         cluster_id, procs)
    cluster.lib_dir = app_lib_dir(home, jar, app_root / "lib")
    jm = fc.JobManager(0, rest_port)
    cluster.jobmanagers.append(jm)
    record = Record(f"{label} application", app_root / "ha")
    r = harness.run([cluster.home / "bin" / "standalone-job.sh", "start", "--job-classname",
                     "SlowJob"], env=cluster.env, timeout=120)
    pids = sorted((app_root / "pids").glob("flink-*-standalonejob.pid"))
    jm.pid = fc._read_pids(pids[0])[-1] if pids else None
    if not harness.check(f"{label} standalone-job.sh started", r.returncode == 0 and jm.pid,
                         r.describe()):
        return
    procs.add_pid(jm.pid)
    tms = []
    try:
        cluster.wait_rest(jm)
        tms = ha.start_taskmanager(cluster)
        overview = wait_for("the application's job", lambda: ha.rest(jm, "GET", "/jobs/overview")["jobs"])
        job = overview[0]["jid"]
        wait_for("the job running", lambda: job_running(jm, job))
        wait_for("3 completed checkpoints", lambda: ha.completed_checkpoints(jm, job) >= 3)
        print(f"{label}: application cluster checkpointing after {time.monotonic() - started:.0f} s",
              flush=True)
        inspect_point(label, "app-running", cluster, record)

        ha.rest(jm, "PATCH", f"/jobs/{job}?mode=cancel")
        harness.check(f"{label} application cluster shut down after its job was cancelled",
                      cluster.wait_exit(jm, 90), cluster.log_tail(jm))
        jm.stopped = True
        inspect_point(label, "app-stopped", cluster, record)
    finally:
        ha.stop_flink(cluster, tms)
    print(f"{label}: application points in {time.monotonic() - started:.0f} s", flush=True)


def run_version(version, procs, td):
    home = harness.flink_home(version)
    label = f"flink-{version}"
    started = time.monotonic()
    root = td / label
    _, jar = ha.compile_java(home, root / "java")
    clusters = []
    try:
        session = run_session(label, home, root, procs, jar, clusters)
        run_application(label, home, root, procs, jar, session.zk_port)
    finally:
        for cluster in clusters:
            cluster.stop()
    print(f"{label}: {time.monotonic() - started:.0f} s in all", flush=True)


def main():
    with harness.TestDir("lifecycle") as tdir, harness.ProcessRegistry() as procs:
        for version in VERSIONS:
            try:
                run_version(version, procs, tdir.path)
            except Exception:  # noqa: BLE001 - one version's failure must not hide the other
                harness.check(f"flink-{version}: no exception", False, traceback.format_exc())
        tdir.failed = harness.CHECKS.failed > 0  # keeps the directory for a post-mortem
    return harness.summary()

if __name__ == "__main__":
    sys.exit(main())
