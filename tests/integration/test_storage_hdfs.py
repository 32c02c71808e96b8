#!/usr/bin/env python3
"""`flinkha inspect` and `flinkha cleanup` with high-availability.storageDir on a real HDFS.

One MiniDFSCluster (hdfs_env.py: a real NameNode + DataNode, WebHDFS on a free loopback port,
permissions on) is shared by every case of this file; HADOOP_CONF_DIR points at the
core-site.xml/hdfs-site.xml it writes, as it would for Flink on a Hadoop client host.
  * real HA data: a Flink 2.x cluster (one JobManager, one TaskManager) with
    high-availability.storageDir hdfs:///flink/ha (fs.defaultFS from HADOOP_CONF_DIR) and the
    Hadoop client jars on HADOOP_CLASSPATH (scripts/fetch-hadoop client) runs the checkpointed
    SlowJob: inspect shows it with its execution plan and checkpoints, their files and sizes;
    then a real dirty entry (ZooKeeper ACLs make Flink's global cleanup fail, as in
    test_ha_data.py), which cleanup dirty-jobs removes exactly, marking the entry clean by
    RENAME (job-result-store.delete-on-commit false); a second run is a no-op.
  * synthetic trees (ha_data/HaTree.java: Flink's own pointer classes; its files copied onto
    HDFS by the launcher's FileSystem client), storageDir hdfs://127.0.0.1:<rpc>/...: a dangling
    pointer (its file deleted through WebHDFS) is exit 2 and named; cleanup dirty-jobs with
    delete-on-commit true; cleanup orphans --min-age (mtimes set with WebHDFS SETTIMES); SIGKILL
    of cleanup dirty-jobs on a 3,000-checkpoint tree, then reruns, never a dangling pointer;
  * write: HaStorage::write_file through flinkha_storage_probe (the storage opened as flinkha
    opens it) into a base that does not exist yet: the file and its parents appear with the
    exact bytes and the NameNode's default permission and replication (GETFILESTATUS / OPEN
    through urllib); a second write of the name is refused and changes nothing; a user the
    NameNode refuses (HADOOP_USER_NAME=bob on a directory of the superuser) is refused.
  * errors, each one line naming what to fix, exit 2 or 3, bounded, nothing deleted: a NameNode
    address where nothing listens, a user the NameNode refuses (AccessControlException), the
    NameNode in safe mode; and a NameNode HA pair whose first NameNode (nn1) is the standby:
    flinkha moves on to the active one.
Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import os
import sys
import time
import traceback
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402
import hdfs_env  # noqa: E402
import test_ha_data as ha  # noqa: E402

STORAGE_TIMEOUT_S = 5          # --storage-timeout for the error cases
TWO_HOURS_MS = 2 * 3600 * 1000


def storage_timeout_args():
    """["--storage-timeout", "5s"] (an inspect/cleanup option: after the subcommand) when this
    flinkha has the option, else [] (noted once)."""
    if not hasattr(storage_timeout_args, "cached"):
        r = harness.run([harness.flinkha_bin(), "inspect", "--help"], timeout=30)
        r2 = harness.run([harness.flinkha_bin(), "--help"], timeout=30)
        has = "--storage-timeout" in r.stdout + r2.stdout
        if not has:
            print("note: flinkha has no --storage-timeout yet; error cases bounded by the "
                  "harness timeout only", flush=True)
        storage_timeout_args.cached = ["--storage-timeout", f"{STORAGE_TIMEOUT_S}s"] if has else []
    return storage_timeout_args.cached


def fh(conf, home, *args, env=None, timeout=300):
    return harness.run([harness.flinkha_bin(), "--conf-dir", conf, "--flink-home", home, *args],
                       timeout=timeout, env=env)


def fh_json(conf, home, *args, env=None, timeout=300):
    r = fh(conf, home, "-o", "json", *args, env=env, timeout=timeout)
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None


def one_line(text):
    """The error text flinkha printed, without the plan/progress lines: its non-empty lines."""
    return [line for line in text.splitlines() if line.strip()]


def pointers_of(data):
    return [p for j in (data or {}).get("jobs", [])
            for p in ([j["job_graph"]] if j["job_graph"] else []) + j["checkpoints"]]


# --- real Flink on HDFS ----------------------------------------------------------------------

def run_real(home, td, procs, jar, hdfs):
    label = "real"
    w = hdfs.webhdfs()
    # Two slots: the second job runs while the first one still does.
    extra = {"taskmanager.memory.process.size": "1000m", "taskmanager.numberOfTaskSlots": "2",
             "jobmanager.memory.process.size": "700m", "taskmanager.host": "127.0.0.1",
             "taskmanager.bind-host": "127.0.0.1", "job-result-store.delete-on-commit": "false",
             "high-availability.storageDir": "hdfs:///flink/ha"}
    cluster = fc.start_cluster(td / "real", home, procs, jobmanagers=1, extra_conf=extra)
    jm = cluster.jobmanagers[0]
    tms = ha.start_taskmanager(cluster)
    conf, ns, cid = cluster.conf_dir, cluster.namespace, cluster.cluster_id
    storage = f"/flink/ha/{cid}"
    jrs = f"/flink/ha/job-result-store/{cid}"
    try:
        job = ha.submit(jm, jar)
        ha.wait_for("2 completed checkpoints", lambda: ha.completed_checkpoints(jm, job) >= 2)
        harness.check(f"{label} Flink wrote its HA data to HDFS (submittedExecutionPlan, "
                      "completedCheckpoint)", any(n.startswith("completedCheckpoint")
                                                  for n in w.list_names(storage))
                      and any(n.startswith("submittedExecutionPlan")
                              for n in w.list_names(storage)), str(w.list_names(storage)))
        # The job keeps checkpointing (every 500 ms) while inspect reads ZooKeeper and then lists
        # HDFS: inspect itself tells checkpoints written or subsumed in between from dangling
        # pointers and orphans (ha_inventory: settle_moving_tree). One read.
        r, data = fh_json(conf, home, "inspect")
        mine = ha.jobs_of(data, job)
        ok = bool(mine) and mine[0]["state"] == "running"
        if ok:
            j = mine[0]
            ok = (j["job_graph"] and j["job_graph"]["file_status"] == "present"
                  and (j["job_graph"]["file_size"] or 0) > 0
                  and len(j["checkpoints"]) >= 1
                  and all(c["file_status"] == "present" and (c["file_size"] or 0) > 0
                          for c in j["checkpoints"])
                  and j["counter"] is not None)
        harness.check(f"{label} inspect: running job with execution plan, checkpoints, their "
                      "files and sizes on HDFS, exit 0", ok and r.returncode == 0,
                      f"rc {r.returncode}\n{json.dumps(mine, indent=1)[:2000]}\n"
                      f"findings {data and data['findings']}\n"
                      f"storage {data and data['storage']['error']}\n{r.stderr}")
        if data:
            sizes = {f["path"]: f["size_bytes"] for f in data["storage"]["files"]}
            real = {n: w.status(f"{storage}/{n}")["length"] for n in w.list_names(storage)
                    if n.startswith("submittedExecutionPlan")}
            harness.check(f"{label} inspect's file sizes are the NameNode's",
                          real and all(sizes.get(n) == s for n, s in real.items()),
                          f"{real} vs {sizes}")
        r = fh(conf, home, "inspect")
        # Flink's Path prints hdfs:///flink/ha as "hdfs:/flink/ha" (the empty authority dropped).
        harness.check(f"{label} inspect text groups by job, storage on hdfs:",
                      f"job {job}" in r.stdout and "storage           hdfs:/" in r.stdout,
                      r.stdout[-3000:])

        # --- a real dirty entry -------------------------------------------------------------
        job2 = ha.submit(jm, jar)
        ha.wait_for("2 completed checkpoints", lambda: ha.completed_checkpoints(jm, job2) >= 2)
        locked = [f"{ns}/execution-plans/{job2}", f"{ns}/jobs/{job2}"]
        for path in locked:
            r = ha.zkcli(cluster.zk_port, "setAcl", path, "world:anyone:crwa")
            if r.returncode != 0:
                raise harness.HarnessError(f"setAcl failed:\n{r.describe()}")
        ha.rest(jm, "PATCH", f"/jobs/{job2}?mode=cancel")
        ha.rest(jm, "PATCH", f"/jobs/{job}?mode=cancel")
        ha.wait_for("the dirty entry on HDFS and a CANCELED job",
                    lambda: w.exists(f"{jrs}/{job2}_DIRTY.json")
                    and ha.job_state(jm, job2) == "CANCELED")
        ha.wait_for("the first job's clean entry", lambda: w.exists(f"{jrs}/{job}.json"))
        time.sleep(3)  # a few of Flink's cleanup attempts fail (NoAuth)
        ha.stop_flink(cluster, tms)
        for path in locked:
            ha.zkcli(cluster.zk_port, "setAcl", path, "world:anyone:cdrwa")
        harness.check(f"{label} Flink's global cleanup failed: dirty entry left on HDFS",
                      w.exists(f"{jrs}/{job2}_DIRTY.json"), str(w.list_names(jrs)))
        r, before = fh_json(conf, home, "inspect")
        mine = ha.jobs_of(before, job2)
        leftovers = ha.job_znodes(before, job2) if before else []
        harness.check(f"{label} inspect: dirty entry and its leftovers, exit 1",
                      r.returncode == 1 and bool(mine) and mine[0]["state"] == "dirty"
                      and len(leftovers) > 0
                      and any(f["kind"] == "dirty-job" for f in before["findings"]),
                      f"rc {r.returncode} {json.dumps(mine, indent=1)[:3000]}\n{r.stderr}")
        files_before = set(w.list_names(storage))
        blob_before = set(w.list_names(f"{storage}/blob"))
        job_files = set()
        if mine:
            job_files = {Path(p["file"]).name for p in pointers_of({"jobs": mine}) if p["file"]}
        r = fh(conf, home, "cleanup", "dirty-jobs", job2)
        _, after = fh_json(conf, home, "inspect")
        files_after = set(w.list_names(storage))
        harness.check(f"{label} cleanup dirty-jobs removes exactly the dirty job's data on HDFS "
                      "and marks the entry clean (RENAME)",
                      r.returncode == 0 and after is not None and not ha.job_znodes(after, job2)
                      and job_files and files_after == files_before - job_files
                      and f"job_{job2}" not in w.list_names(f"{storage}/blob")
                      and set(w.list_names(f"{storage}/blob")) == blob_before - {f"job_{job2}"}
                      and not w.exists(f"{jrs}/{job2}_DIRTY.json")
                      and w.exists(f"{jrs}/{job2}.json") and w.exists(f"{jrs}/{job}.json"),
                      f"{r.describe()}\nfiles {files_before - files_after} vs {job_files}\n"
                      f"jrs {w.list_names(jrs)}")
        r = fh(conf, home, "cleanup", "dirty-jobs")
        harness.check(f"{label} second run: nothing to do", r.returncode == 0
                      and "nothing to do" in r.stdout, r.describe())
    finally:
        ha.stop_flink(cluster, tms)
        cluster.stop()


# --- synthetic trees ---------------------------------------------------------------------------

class Synthetic:
    """One cluster-id of synthetic HA data: ZooKeeper pointers by HaTree, files on HDFS."""

    def __init__(self, home, td, zk_port, classes, hdfs, name, extra=None):
        self.home, self.zk_port, self.classes, self.hdfs = home, zk_port, classes, hdfs
        self.cid = f"{name}-{uuid.uuid4().hex[:6]}"
        self.root = td / self.cid
        self.base = "/flink/synthetic"
        self.storage_uri = f"hdfs://127.0.0.1:{hdfs.rpc_port}{self.base}"
        options = {"high-availability.storageDir": self.storage_uri}
        options.update(extra or {})
        self.conf = fc.write_flink_conf(self.root, home, zk_port, self.cid, options)
        self.dir = f"{self.base}/{self.cid}"
        self.jrs = f"{self.base}/job-result-store/{self.cid}"
        self.w = hdfs.webhdfs()
        self.w.mkdirs(self.dir)
        self.w.mkdirs(self.jrs)
        self.next_file = 0  # HaTree's FIRST: every job of this cluster-id names its own files

    def seed_job(self, checkpoints, dirty=True):
        """A job's pointers in ZooKeeper and its files on HDFS; a _DIRTY.json entry if dirty."""
        job = uuid.uuid4().hex
        local = self.root / f"files-{job}"
        local.mkdir(parents=True)
        cp = f"{self.home}/lib/*:{fc.ZK_CLASSPATH}:{self.classes}"
        r = harness.run(["java", "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                         "-cp", cp, "HaTree", f"127.0.0.1:{self.zk_port}", f"/flink/{self.cid}",
                         job, checkpoints, local, f"{self.storage_uri}/{self.cid}", "files",
                         self.next_file], timeout=300)
        if r.returncode != 0:
            raise harness.HarnessError(f"HaTree failed:\n{r.describe()}")
        self.next_file += checkpoints + 1
        self.hdfs.command(f"put {local} {self.dir}", timeout=300)
        if dirty:
            self.w.put_bytes(f"{self.jrs}/{job}_DIRTY.json", ha.dirty_json(job).encode())
        return job

    def inspect(self, *args, env=None):
        return fh_json(self.conf, self.home, "inspect", *args, env=env)

    def run(self, *args, env=None, timeout=300):
        return fh(self.conf, self.home, *args, env=env, timeout=timeout)

    def files(self):
        return set(self.w.list_names(self.dir))


def storage_probe(conf, home, uri, *args, env=None):
    """flinkha_storage_probe (tests/integration/storage_probe.cpp): (Result, its JSON or None)."""
    probe = os.environ.get("FLINKHA_STORAGE_PROBE")
    if not probe:
        raise harness.HarnessError("FLINKHA_STORAGE_PROBE is not set (run through ctest)")
    r = harness.run([probe, "--conf-dir", conf, "--flink-home", home, "--uri", uri, *args],
                    timeout=120, env=env)
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None


def run_write(syn):
    label = "write"
    base = f"{syn.dir}/write-{uuid.uuid4().hex[:6]}"  # does not exist yet
    uri = f"{syn.storage_uri}/{base.removeprefix(syn.base + '/')}"
    relative = "restored/completedCheckpoint00000000002a"
    content = bytes(range(256)) * 3
    source = syn.root / "write-content"
    source.write_bytes(content)
    r, out = storage_probe(syn.conf, syn.home, uri, "write", relative, source)
    harness.check(f"{label}: written", r.returncode == 0 and out == {"ok": True}, r.describe())
    status = syn.w.status(f"{base}/{relative}") if syn.w.exists(f"{base}/{relative}") else {}
    # The NameNode's defaults: those of a file created without parameters by urllib.
    syn.w.put_bytes(f"{syn.dir}/write-reference", b"r")
    reference = syn.w.status(f"{syn.dir}/write-reference")
    harness.check(f"{label}: GETFILESTATUS a FILE of {len(content)} bytes with the NameNode's "
                  "default permission and replication",
                  status.get("type") == "FILE" and status.get("length") == len(content)
                  and status.get("permission") == reference["permission"]
                  and status.get("replication") == reference["replication"],
                  f"{status}\nreference {reference}")
    harness.check(f"{label}: its parents were created",
                  syn.w.status(f"{base}/restored").get("type") == "DIRECTORY")
    stored = syn.w.read(f"{base}/{relative}") if status else b""
    harness.check(f"{label}: OPEN gives the exact bytes", stored == content,
                  f"{len(stored)} bytes")
    r, out = storage_probe(syn.conf, syn.home, uri, "read", relative)
    harness.check(f"{label}: read back through flinkha", r.returncode == 0 and out
                  and out.get("hex") == content.hex(), r.describe())
    source.write_bytes(b"other bytes")
    r, out = storage_probe(syn.conf, syn.home, uri, "write", relative, source)
    harness.check(f"{label}: a second write of the name is refused, the file unchanged",
                  r.returncode == 1 and out and out["category"] == "refused"
                  and out["error"].endswith(f"{relative}: already exists; not replaced")
                  and syn.w.read(f"{base}/{relative}") == content, r.describe())
    env = dict(os.environ, HADOOP_USER_NAME="bob")
    r, out = storage_probe(syn.conf, syn.home, uri, "write", "by-bob", source, env=env)
    harness.check(f"{label}: a user the NameNode refuses is refused, naming path and user",
                  r.returncode == 1 and out and out["category"] == "refused"
                  and "by-bob: permission denied for user bob" in out["error"]
                  and not syn.w.exists(f"{base}/by-bob"), r.describe())


def run_dangling(syn):
    label = "dangling"
    job = syn.seed_job(10, dirty=False)
    r, data = syn.inspect()
    harness.check(f"{label} synthetic job on HDFS: all pointers present, exit 0",
                  data is not None and r.returncode == 0 and len(pointers_of(data)) == 11
                  and all(p["file_status"] == "present" for p in pointers_of(data)),
                  f"{r.describe()}")
    victim = sorted(n for n in syn.files() if n.startswith("completedCheckpoint"))[4]
    syn.w.delete(f"{syn.dir}/{victim}")            # the server's own REST, not flinkha
    r, data = syn.inspect()
    missing = [p for p in pointers_of(data) if p["file_status"] == "missing"]
    harness.check(f"{label} a pointer whose file was deleted with WebHDFS: exit 2, named",
                  r.returncode == 2 and len(missing) == 1 and victim in (missing[0]["file"] or "")
                  and any(victim in f["subject"] + f["message"] for f in data["findings"]),
                  f"{r.describe()}\n{missing}")
    r = syn.run("inspect")
    harness.check(f"{label} inspect text names the missing file", r.returncode == 2
                  and victim in r.stdout + r.stderr, r.describe())
    return job


def run_dirty_delete_on_commit(syn):
    label = "delete-on-commit"
    keep = syn.seed_job(3, dirty=False)
    job = syn.seed_job(20)
    before = syn.files()
    r, data = syn.inspect()
    mine = ha.jobs_of(data, job)
    job_files = {Path(p["file"]).name for p in pointers_of({"jobs": mine}) if p["file"]}
    harness.check(f"{label} inspect: the dirty job with its 21 files on HDFS",
                  bool(mine) and mine[0]["state"] == "dirty" and len(job_files) == 21,
                  r.describe())
    r = syn.run("cleanup", "dirty-jobs")
    _, after = syn.inspect()
    harness.check(f"{label} cleanup dirty-jobs (delete-on-commit true): exactly the job's files "
                  "and znodes gone, the entry deleted, the other job untouched",
                  r.returncode == 0 and after is not None and not ha.job_znodes(after, job)
                  and syn.files() == before - job_files
                  and not syn.w.exists(f"{syn.jrs}/{job}_DIRTY.json")
                  and not syn.w.exists(f"{syn.jrs}/{job}.json")
                  and ha.jobs_of(after, keep) and all(p["file_status"] == "present"
                                                      for p in pointers_of(after)),
                  f"{r.describe(800)}\nznodes left {ha.job_znodes(after, job) if after else None}"
                  f"\nremoved {sorted(before - syn.files())[:5]}..., not removed "
                  f"{sorted(job_files - (before - syn.files()))}, extra "
                  f"{sorted((before - syn.files()) - job_files)}\njrs {syn.w.list_names(syn.jrs)}"
                  f"\nkeep {ha.jobs_of(after, keep) and 1}, missing "
                  f"{[p['file'] for p in pointers_of(after) if p['file_status'] != 'present']}")
    r = syn.run("cleanup", "dirty-jobs")
    harness.check(f"{label} second run: nothing to do", r.returncode == 0
                  and "nothing to do" in r.stdout, r.describe())


def run_orphans(syn):
    label = "orphans"
    old = f"{syn.dir}/completedCheckpoint0123456789ab"
    fresh = f"{syn.dir}/completedCheckpointba9876543210"
    syn.w.put_bytes(old, b"x" * 100)
    syn.w.put_bytes(fresh, b"y" * 100)
    syn.w.set_times(old, time.time() * 1000 - TWO_HOURS_MS)
    ha.zkcli(syn.zk_port, "create", "/flink")
    ha.zkcli(syn.zk_port, "create", f"/flink/{syn.cid}")
    r, data = syn.inspect()
    kinds = {(f["kind"], f["subject"]) for f in data["findings"]} if data else set()
    harness.check(f"{label} inspect: the old orphan on HDFS, with its age",
                  data is not None and any(k == "orphan-file" and "completedCheckpoint0123456789ab"
                                           in s for k, s in kinds), f"{r.describe()}\n{kinds}")
    r, plan = fh_json(syn.conf, syn.home, "cleanup", "orphans", "--dry-run")
    targets = [s["target"] for s in plan["plan"]] if plan else []
    harness.check(f"{label} dry run plans the old orphan only",
                  len(targets) == 1 and targets[0].endswith("completedCheckpoint0123456789ab"),
                  f"{targets}\n{r.describe()}")
    r = syn.run("cleanup", "orphans", "--min-age", "1h")
    harness.check(f"{label} cleanup orphans --min-age 1h removes the old one, keeps the fresh one",
                  r.returncode == 0 and not syn.w.exists(old) and syn.w.exists(fresh),
                  r.describe())
    r = syn.run("cleanup", "orphans", "--min-age", "1h")
    harness.check(f"{label} second run: nothing to do", r.returncode == 0
                  and "nothing to do" in r.stdout and syn.w.exists(fresh), r.describe())


def run_errors(syn, td, procs):
    label = "errors"
    timeout_args = storage_timeout_args()
    bound = STORAGE_TIMEOUT_S * 3 + 15

    def snapshot(job):
        _, data = syn.inspect()
        return (ha.job_znodes(data, job) if data else None, syn.files(),
                syn.w.exists(f"{syn.jrs}/{job}_DIRTY.json"))

    def judge(name, job, before, r, words, code):
        """One error case: exit 2 or 3 (`code` expected), bounded, the words, nothing deleted."""
        after = snapshot(job)
        text = r.stderr.lower()
        harness.check(f"{label} {name}: exit 2 or 3 within {bound} s, a message naming "
                      f"{' and '.join(words)}, nothing deleted",
                      r.returncode in (2, 3) and r.seconds < bound
                      and all(wd.lower() in text for wd in words) and after == before,
                      f"{r.describe()}\nznodes {len(before[0] or [])} -> {len(after[0] or [])}, "
                      f"files {len(before[1])} -> {len(after[1])}, dirty {before[2]} -> {after[2]}")
        harness.check(f"{label} {name}: exit {code}", r.returncode == code, r.describe(600))

    # a NameNode address where nothing listens (its own Hadoop conf dir)
    job = syn.seed_job(5)
    before = snapshot(job)
    dead_http, dead_rpc = harness.free_port(), harness.free_port()
    dead_conf = td / "dead-hadoop-conf"
    dead_conf.mkdir(exist_ok=True)
    (dead_conf / "core-site.xml").write_text(
        "<configuration><property><name>fs.defaultFS</name>"
        f"<value>hdfs://127.0.0.1:{dead_rpc}</value></property></configuration>\n")
    (dead_conf / "hdfs-site.xml").write_text(
        "<configuration><property><name>dfs.namenode.http-address</name>"
        f"<value>127.0.0.1:{dead_http}</value></property></configuration>\n")
    dead_flink_conf = fc.write_flink_conf(syn.root / "dead", syn.home, syn.zk_port, syn.cid,
                                          {"high-availability.storageDir":
                                           f"hdfs://127.0.0.1:{dead_rpc}{syn.base}"})
    env = dict(os.environ, HADOOP_CONF_DIR=str(dead_conf))
    r = fh(dead_flink_conf, syn.home, "cleanup", "dirty-jobs", *timeout_args, env=env, timeout=120)
    judge("wrong NameNode address (nothing listens)", job, before, r, [f"127.0.0.1:{dead_http}"], 3)
    r = fh(dead_flink_conf, syn.home, "inspect", *timeout_args, env=env, timeout=120)
    harness.check(f"{label} inspect with a wrong NameNode address names it, storage unavailable",
                  f"127.0.0.1:{dead_http}" in r.stdout + r.stderr and r.returncode != 0,
                  r.describe(1500))
    syn.run("cleanup", "dirty-jobs")

    # a user the NameNode refuses: the storage dir is alice's, mode 700; flinkha runs as bob
    job = syn.seed_job(5)
    before = snapshot(job)
    syn.w.set_owner(syn.dir, "alice")
    syn.w.set_permission(syn.dir, "700")
    env = dict(os.environ, HADOOP_USER_NAME="bob")
    try:
        r = fh(syn.conf, syn.home, "cleanup", "dirty-jobs", *timeout_args, env=env, timeout=120)
    finally:
        syn.w.set_owner(syn.dir, syn.hdfs.superuser)
        syn.w.set_permission(syn.dir, "755")
    judge("wrong user, storage dir not readable (AccessControlException)", job, before, r,
          ["bob", syn.dir], 2)
    syn.run("cleanup", "dirty-jobs")
    syn.run("cleanup", "orphans", "--min-age", "0s")
    # the same user, the dir readable but not writable: the deletes are refused
    job = syn.seed_job(5)
    before = snapshot(job)
    syn.w.set_owner(syn.dir, "alice")
    try:
        r = fh(syn.conf, syn.home, "cleanup", "dirty-jobs", *timeout_args, env=env, timeout=120)
    finally:
        syn.w.set_owner(syn.dir, syn.hdfs.superuser)
    judge("wrong user, storage dir read-only to it (AccessControlException)", job, before, r,
          ["bob", syn.dir], 2)
    syn.run("cleanup", "dirty-jobs")
    syn.run("cleanup", "orphans", "--min-age", "0s")

    # the NameNode in safe mode: reads work, the first change is refused
    job = syn.seed_job(5)
    before = snapshot(job)
    syn.hdfs.command("safemode enter")
    try:
        r = fh(syn.conf, syn.home, "cleanup", "dirty-jobs", *timeout_args, timeout=120)
    finally:
        syn.hdfs.command("safemode leave")
    judge("NameNode in safe mode", job, before, r, ["safe mode"], 2)
    r = syn.run("cleanup", "dirty-jobs")
    harness.check(f"{label} after safe mode: the cleanup completes", r.returncode == 0
                  and not syn.w.exists(f"{syn.jrs}/{job}_DIRTY.json"), r.describe())


def run_sigkill(syn):
    label = "sigkill"
    job = syn.seed_job(3000)
    r, data = syn.inspect()
    initial = len(ha.job_znodes(data, job)) if data else 0
    harness.check(f"{label} seeded 3000 checkpoints on HDFS, inspect sees the dirty job",
                  data is not None and initial > 6000 and ha.jobs_of(data, job)
                  and ha.jobs_of(data, job)[0]["state"] == "dirty", r.describe())

    def files_left():
        return syn.w.json("GET", syn.dir, "GETCONTENTSUMMARY")["ContentSummary"]["fileCount"]

    files_initial = files_left()
    mid_way, violations = 0, []

    def after_kill(where, rc):
        nonlocal mid_way
        r, data = syn.inspect()
        if not data:
            violations.append(f"inspect failed: {r.describe()}")
            return False
        left = len(ha.job_znodes(data, job))
        missing = [p["znode"] for p in pointers_of(data) if p["file_status"] == "missing"]
        if missing:
            violations.append(f"after kill at {where}: pointers to missing files {missing[:5]}")
        if 0 < left < initial:
            mid_way += 1
        print(f"  kill after {where}: rc {rc}, {left} of {initial} job znodes left, "
              f"{files_left()} files", flush=True)
        return rc == 0 and left == 0

    cmd = [harness.flinkha_bin(), "--conf-dir", syn.conf, "--flink-home", syn.home, "cleanup",
           "dirty-jobs"]
    finished = ha.sigkill_rounds(cmd, None, files_left, files_initial, after_kill)
    harness.check(f"{label} no pointer to a missing file after any kill", not violations,
                  "\n".join(violations))
    harness.check(f"{label} at least one kill landed mid-way through the deletions",
                  mid_way >= 1, f"mid-way kills: {mid_way}")
    r = syn.run("cleanup", "dirty-jobs")
    _, data = syn.inspect()
    harness.check(f"{label} reruns complete; a final run has nothing to do",
                  (finished or r.returncode == 0) and "nothing to do" in r.stdout
                  and data is not None and not ha.job_znodes(data, job)
                  and not syn.w.exists(f"{syn.jrs}/{job}_DIRTY.json"),
                  f"finished {finished}\n{r.describe()}")
    # A kill between a pointer's deletion and its file's leaves that file an orphan (by design:
    # never a dangling pointer); cleanup orphans removes them.
    orphans = [n for n in syn.files() if n.startswith("completedCheckpoint")]
    print(f"  {len(orphans)} orphaned checkpoint files left by the kills", flush=True)
    r = syn.run("cleanup", "orphans", "--min-age", "0s")
    harness.check(f"{label} cleanup orphans removes the files the kills orphaned",
                  r.returncode == 0 and not any(n.startswith("completedCheckpoint")
                                                for n in syn.files()), r.describe())


def run_standby_first(home, td, procs, zk_port, classes):
    label = "standby-first"
    pair = hdfs_env.start(td / "hdfs-ha", procs, mode="ha")
    try:
        order = [nn.state for nn in pair.namenodes]
        harness.check(f"{label} the nameservice lists the standby NameNode first", order ==
                      ["standby", "active"], str(order))
        env = dict(os.environ, HADOOP_CONF_DIR=str(pair.conf_dir))
        cid = f"ha-{uuid.uuid4().hex[:6]}"
        root = td / cid
        storage = f"hdfs://{hdfs_env.NAMESERVICE}/flink/ha"
        conf = fc.write_flink_conf(root, home, zk_port, cid,
                                   {"high-availability.storageDir": storage})
        w = pair.webhdfs()
        w.mkdirs(f"/flink/ha/{cid}")
        w.mkdirs(f"/flink/ha/job-result-store/{cid}")
        job = uuid.uuid4().hex
        local = root / "files"
        local.mkdir(parents=True)
        ha.ha_tree(home, classes, zk_port, f"/flink/{cid}", job, 5, local, f"{storage}/{cid}")
        pair.command(f"put {local} /flink/ha/{cid}")
        w.put_bytes(f"/flink/ha/job-result-store/{cid}/{job}_DIRTY.json",
                    ha.dirty_json(job).encode())
        r, data = fh_json(conf, home, "inspect", *storage_timeout_args(), env=env)
        harness.check(f"{label} inspect moves on to the active NameNode: every file present",
                      data is not None and data["storage"]["available"]
                      and len(pointers_of(data)) == 6
                      and all(p["file_status"] == "present" for p in pointers_of(data)),
                      r.describe())
        r = fh(conf, home, "cleanup", "dirty-jobs", *storage_timeout_args(), env=env)
        harness.check(f"{label} cleanup dirty-jobs through the nameservice completes",
                      r.returncode == 0 and not w.exists(
                          f"/flink/ha/job-result-store/{cid}/{job}_DIRTY.json")
                      and not any(n.startswith("completedCheckpoint")
                                  for n in w.list_names(f"/flink/ha/{cid}")), r.describe())
    finally:
        pair.stop()


def main():
    started = time.monotonic()
    try:
        home = harness.flink_home("2.3.0")
    except harness.HarnessError as e:
        harness.check("Flink 2.3.0 available", False, str(e))
        return harness.summary()
    with harness.TestDir("storage-hdfs") as tdir, harness.ProcessRegistry() as procs:
        td = tdir.path
        try:
            hdfs = hdfs_env.start(td / "hdfs", procs)
            print(f"HDFS up: {hdfs.default_fs}, WebHDFS 127.0.0.1:{hdfs.http_port} "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
            # What Flink and flinkha read, as on a Hadoop client host.
            os.environ["HADOOP_CONF_DIR"] = str(hdfs.conf_dir)
            os.environ["HADOOP_CLASSPATH"] = hdfs_env.classpath("client")
            os.environ.pop("HADOOP_USER_NAME", None)
            classes, jar = ha.compile_java(home, td / "java")
            parts = os.environ.get("FLINKHA_HDFS_PARTS", "real,synthetic,write,ha").split(",")
            if "real" in parts:
                try:
                    run_real(home, td, procs, jar, hdfs)
                except Exception:
                    harness.check("real cluster on HDFS: no exception", False,
                                  traceback.format_exc())
                print(f"real part done ({time.monotonic() - started:.0f} s)", flush=True)
            zk_port = harness.free_port()
            zk = fc.start_zookeeper(td / "zk-only", procs, zk_port)
            try:
                cases = []
                if "synthetic" in parts:
                    cases += [("dangling", run_dangling, None), ("delete-on-commit",
                              run_dirty_delete_on_commit,
                              {"job-result-store.delete-on-commit": "true"}),
                              ("orphans", run_orphans, None), ("errors", None, None),
                              ("sigkill", run_sigkill, None)]
                if "write" in parts:
                    cases.append(("write", run_write, None))
                for name, fn, extra in cases:
                    try:
                        syn = Synthetic(home, td, zk_port, classes, hdfs, name, extra)
                        if fn is None:
                            run_errors(syn, td, procs)
                        else:
                            fn(syn)
                    except Exception:
                        harness.check(f"{name}: no exception", False, traceback.format_exc())
                    print(f"{name} done ({time.monotonic() - started:.0f} s)", flush=True)
                if "ha" in parts:
                    try:
                        run_standby_first(home, td, procs, zk_port, classes)
                    except Exception:
                        harness.check("standby-first: no exception", False,
                                      traceback.format_exc())
            finally:
                zk.terminate()
                zk.wait(15)
            hdfs.stop()
        except Exception:
            harness.check("HDFS test environment: no exception", False, traceback.format_exc())
        finally:
            if harness.CHECKS.failed:
                tdir.failed = True
    print(f"total {time.monotonic() - started:.0f} s", flush=True)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
