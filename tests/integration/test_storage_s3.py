#!/usr/bin/env python3
"""`flinkha inspect` and `flinkha cleanup` with high-availability.storageDir on S3: a real S3
server (SeaweedFS `weed server -s3`, SigV4 verified; s3_env.py), real ZooKeeper, real Flink 2.x.

One S3 server for the whole file (bucket flinkha-it), each part under its own key prefix:
  * real: a Flink 2.x cluster (JobManager + TaskManager, Flink's own scripts) whose storageDir is
    s3://flinkha-it/flink/real, written by Flink's flink-s3-fs-hadoop plugin (Maven, in a
    per-test FLINK_PLUGINS_DIR), credentials in s3.access-key / s3.secret-key; the checkpointed
    SlowJob. inspect shows it running with its execution plan and checkpoints, files and sizes
    as the server lists them. Then a real dirty entry made as test_ha_data.py makes one
    (ZooKeeper ACLs without DELETE on the job's nodes, so Flink's global cleanup fails):
    cleanup dirty-jobs removes exactly that job's znodes and objects and marks the entry clean
    (CopyObject + DeleteObject of the JobResultStore file); a second run has nothing to do.
  * dangling: a synthetic tree (ha_data/HaTree.java: Flink's own pointer classes) with its
    objects uploaded; one checkpoint object deleted with awscli: inspect exits 2 and names it.
  * orphans: S3 has no settable mtime, so an "old" orphan is one uploaded 12 s before a fresh
    one, and --min-age 10s separates them.
  * sigkill: SIGKILL of cleanup dirty-jobs at several points of a 3000-checkpoint tree, then
    reruns: after every kill no pointer names a missing object, and the last run completes.
  * errors: a wrong secret key, an unknown access key, an endpoint where nothing listens, a
    bucket that does not exist, and the read-only identity cleaning up: each one error line
    naming what to fix, exit 2 or 3, bounded time, nothing deleted.
  * write: HaStorage::write_file through flinkha_storage_probe (the storage opened as flinkha
    opens it): the object appears with the exact bytes (boto3 GetObject, the listing); a second
    write of the key is refused (If-None-Match: *, 412) and changes nothing; the read-only
    identity is refused naming s3:PutObject.
  * credentials from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and from an
    ~/.aws/credentials profile (AWS_SHARED_CREDENTIALS_FILE + AWS_PROFILE) instead of the config.
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
import s3_env  # noqa: E402
import test_ha_data as hd  # noqa: E402

FLINK_VERSION = "2.3.0"
# Bounds every storage request of flinkha (when the CLI has --storage-timeout) and so the
# error cases: a refused connection or a wrong key must not take longer than this plus start-up.
STORAGE_TIMEOUT_S = 5
ERROR_BOUND_S = STORAGE_TIMEOUT_S * 3 + 10


def storage_timeout_args():
    """["--storage-timeout", "5s"] when flinkha has the option (the lead's CLI adds it)."""
    r = harness.run([harness.flinkha_bin(), "inspect", "--help"], timeout=30)
    return ["--storage-timeout", f"{STORAGE_TIMEOUT_S}s"] if "--storage-timeout" in r.stdout \
        else []


TIMEOUT_ARGS = []
# Where clean_env() points the AWS shared config and credentials files: nowhere, so that the
# machine's own ~/.aws never decides a case.
NO_FILE = "/nonexistent/flinkha-test/aws"


def flinkha(conf, home, *args, env=None, timeout=300):
    # --storage-timeout is an option of inspect and cleanup: after the subcommand.
    return harness.run([harness.flinkha_bin(), "--conf-dir", conf, "--flink-home", home,
                        *args, *TIMEOUT_ARGS], timeout=timeout, env=env)


def flinkha_json(conf, home, *args, env=None, timeout=300):
    r = flinkha(conf, home, "-o", "json", *args, env=env, timeout=timeout)
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None


def clean_env(**extra):
    """The process environment without AWS_* (credentials come from the config unless a case
    sets them), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=NO_FILE, AWS_SHARED_CREDENTIALS_FILE=NO_FILE)
    env.update(extra)
    return env


pointers = hd.pointers
missing_pointers = hd.missing_pointers


# --- the real cluster --------------------------------------------------------------------------

def run_real(home, td, procs, s3, jar):
    label = "real"
    prefix = "flink/real"
    extra = {"taskmanager.memory.process.size": "1000m", "taskmanager.numberOfTaskSlots": "1",
             "jobmanager.memory.process.size": "700m", "taskmanager.host": "127.0.0.1",
             "taskmanager.bind-host": "127.0.0.1", "job-result-store.delete-on-commit": "false",
             **s3.flink_options(prefix)}
    cluster = fc.start_cluster(td / "real", home, procs, jobmanagers=1, extra_conf=extra)
    jm = cluster.jobmanagers[0]
    tms = hd.start_taskmanager(cluster)
    conf, ns, cid = cluster.conf_dir, cluster.namespace, cluster.cluster_id
    base = f"{prefix}/{cid}/"
    jrs = f"{prefix}/job-result-store/{cid}/"
    try:
        job = hd.submit(jm, jar)
        hd.wait_for("2 completed checkpoints", lambda: hd.completed_checkpoints(jm, job) >= 2)
        harness.check(f"{label} Flink wrote its HA data to S3 (flink-s3-fs-hadoop)",
                      any(k.startswith(base + "submittedExecutionPlan") for k in s3.keys(base)),
                      f"{sorted(s3.keys(prefix))}\n{cluster.log_tail(jm)}")
        # The job keeps checkpointing while inspect reads: inspect itself tells checkpoints
        # written or subsumed between its ZooKeeper walk and its S3 listing from dangling
        # pointers and orphans (ha_inventory: settle_moving_tree). One read. The sizes are
        # compared with a later listing, in which a checkpoint may since have been subsumed: the
        # execution plan must match, and every object still listed.
        r, data = flinkha_json(conf, home, "inspect", env=clean_env())
        mine = hd.jobs_of(data, job)
        ok, sizes_ok = bool(mine) and mine[0]["state"] == "running", False
        if ok:
            j = mine[0]
            ok = (j["job_graph"] and j["job_graph"]["file_status"] == "present"
                  and len(j["checkpoints"]) >= 1
                  and all(c["file_status"] == "present" for c in j["checkpoints"]))
            listed = s3.keys(base)
            sizes_ok = (ok and listed.get(base + j["job_graph"]["file"]) == j["job_graph"]["file_size"]
                        and all(listed.get(base + p["file"], p["file_size"]) == p["file_size"]
                                for p in pointers(j)))
        harness.check(f"{label} inspect: running job, execution plan and checkpoints present, exit 0",
                      ok and r.returncode == 0, f"rc {r.returncode}\n"
                      f"{json.dumps(mine, indent=1)[:3000]}\n"
                      f"findings {data and data['findings']}\n{r.stderr}")
        harness.check(f"{label} inspect: each pointer's object and its size as S3 lists them",
                      sizes_ok, json.dumps([(p["file"], p["file_size"]) for p in
                                            pointers(mine[0])] if mine else None)[:2000])
        r = flinkha(conf, home, "inspect", env=clean_env())
        harness.check(f"{label} inspect text names the job, its checkpoints and the s3:// base",
                      f"job {job}" in r.stdout and "checkpoints" in r.stdout
                      and f"s3://{s3.bucket}/{prefix}" in r.stdout, r.describe())

        # --- cancelled: the clean entry (one task slot: the next job needs it) -------------
        hd.rest(jm, "PATCH", f"/jobs/{job}?mode=cancel")
        hd.wait_for("job 1's clean entry", lambda: s3.exists(f"{jrs}{job}.json"))
        r, data = flinkha_json(conf, home, "inspect", env=clean_env())
        entries = [e for e in (data or {}).get("job_result_store", {}).get("entries", [])
                   if e["job_id"] == job]
        harness.check(f"{label} inspect after cancel: the clean entry on S3, no job data left",
                      r.returncode == 0 and [e["state"] for e in entries] == ["clean"]
                      and not hd.jobs_of(data, job) and not hd.job_znodes(data, job),
                      f"{entries}\n{r.describe()}")

        # --- a real dirty entry -------------------------------------------------------------
        job2 = hd.submit(jm, jar)
        hd.wait_for("2 completed checkpoints", lambda: hd.completed_checkpoints(jm, job2) >= 2)
        locked = [f"{ns}/execution-plans/{job2}", f"{ns}/jobs/{job2}"]
        for path in locked:
            r = hd.zkcli(cluster.zk_port, "setAcl", path, "world:anyone:crwa")
            if r.returncode != 0:
                raise harness.HarnessError(f"setAcl failed:\n{r.describe()}")
        hd.rest(jm, "PATCH", f"/jobs/{job2}?mode=cancel")
        hd.wait_for("the dirty entry and a CANCELED job",
                    lambda: s3.exists(f"{jrs}{job2}_DIRTY.json")
                    and hd.job_state(jm, job2) == "CANCELED")
        time.sleep(3)  # a few of Flink's cleanup attempts fail (NoAuth)
        hd.stop_flink(cluster, tms)
        for path in locked:
            hd.zkcli(cluster.zk_port, "setAcl", path, "world:anyone:cdrwa")
        harness.check(f"{label} Flink's global cleanup failed: dirty entry left on S3 after stop",
                      s3.exists(f"{jrs}{job2}_DIRTY.json"), str(sorted(s3.keys(jrs))))
        keys_before = s3.keys(f"{prefix}/")
        r, before = flinkha_json(conf, home, "inspect", env=clean_env())
        mine = hd.jobs_of(before, job2)
        leftovers = hd.job_znodes(before, job2) if before else []
        job_keys = set()
        if mine:
            job_keys = {base + p["file"] for p in pointers(mine[0]) if p["file"]}
        # …and everything under blob/job_<id>/ (Flink's BlobServer files; a directory marker
        # object too, if Hadoop's S3A left one).
        job_keys |= {k for k in keys_before if k.startswith(f"{base}blob/job_{job2}/")}
        # Flink 2.3 wraps a plain job in an application with the job's id and leaves its
        # ApplicationResultStore entry dirty too: cleaned after the job, deleted (delete-on-commit).
        ars_entry = jrs.replace("/job-result-store/", "/application-result-store/") + \
            f"{job2}_DIRTY.json"
        if ars_entry in keys_before:
            job_keys.add(ars_entry)
        harness.check(f"{label} inspect: the dirty entry and its leftovers, exit 1",
                      r.returncode == 1 and bool(mine) and mine[0]["state"] == "dirty"
                      and len(leftovers) > 0 and len(job_keys) >= 1
                      and any(f["kind"] == "dirty-job" for f in before["findings"]),
                      f"rc {r.returncode} {json.dumps(mine, indent=1)[:3000]}\n{r.stderr}")
        r, plan = flinkha_json(conf, home, "cleanup", "dirty-jobs", "--dry-run", env=clean_env())
        harness.check(f"{label} dry run prints the plan and changes nothing",
                      r.returncode == 0 and plan and plan["dry_run"] and len(plan["plan"]) > 0
                      and s3.keys(f"{prefix}/") == keys_before, r.describe())
        r = flinkha(conf, home, "cleanup", "dirty-jobs", job2, env=clean_env())
        _, after = flinkha_json(conf, home, "inspect", env=clean_env())
        keys_after = s3.keys(f"{prefix}/")
        removed = set(keys_before) - set(keys_after)
        added = set(keys_after) - set(keys_before)
        harness.check(f"{label} cleanup dirty-jobs removes exactly the job's znodes and objects",
                      r.returncode == 0 and after is not None and not hd.job_znodes(after, job2)
                      and removed == job_keys | {f"{jrs}{job2}_DIRTY.json"},
                      f"{r.describe()}\nremoved-expected {sorted(removed - job_keys)}\n"
                      f"expected-removed {sorted(job_keys - removed)}")
        harness.check(f"{label} the entry is marked clean ({job2}.json, CopyObject of _DIRTY)",
                      added == {f"{jrs}{job2}.json"} and s3.exists(f"{jrs}{job2}.json"),
                      f"added {sorted(added)}")
        r = flinkha(conf, home, "cleanup", "dirty-jobs", env=clean_env())
        harness.check(f"{label} second run: nothing to do, nothing changed",
                      r.returncode == 0 and "nothing to do" in r.stdout
                      and s3.keys(f"{prefix}/") == keys_after, r.describe())
    finally:
        hd.stop_flink(cluster, tms)
        cluster.stop()


# --- synthetic trees on S3 ----------------------------------------------------------------------

def seed(home, td, classes, zk_port, s3, name, checkpoints, dirty=True, extra=None):
    """A cluster-id with one job of `checkpoints` checkpoints (HaTree: znodes with Flink's own
    pointer bytes naming s3://bucket/flink/<name>/<cid>/…), its objects uploaded, and optionally
    a dirty JobResultStore entry. Returns (conf, cid, job, base prefix, jrs prefix)."""
    root = td / name
    cid = f"{name}-{uuid.uuid4().hex[:6]}"
    prefix = f"flink/{name}"
    conf = hd.synthetic_conf(home, root, zk_port, cid, {**s3.flink_options(prefix),
                                                          **(extra or {})})
    staging = root / "staging"
    staging.mkdir(parents=True, exist_ok=True)
    job = uuid.uuid4().hex
    base = f"{prefix}/{cid}"
    hd.ha_tree(home, classes, zk_port, f"/flink/{cid}", job, checkpoints, staging,
               s3.storage_uri(base))
    s3.upload_dir(staging, base)
    jrs = f"{prefix}/job-result-store/{cid}"
    if dirty:
        s3.put_many({f"{jrs}/{job}_DIRTY.json": hd.dirty_json(job).encode()})
    return conf, cid, job, base, jrs


def run_dangling(home, td, classes, zk_port, s3):
    label = "dangling"
    conf, cid, job, base, _ = seed(home, td, classes, zk_port, s3, "dangling", 5, dirty=False)
    r, data = flinkha_json(conf, home, "inspect", env=clean_env())
    files = sorted(p["file"] for j in hd.jobs_of(data, job) for p in pointers(j)) if data else []
    harness.check(f"{label} inspect of the seeded tree: every pointer's object present",
                  data is not None and len(files) == 6 and not missing_pointers(data),
                  r.describe())
    victim = next((f for f in files if f.startswith("completedCheckpoint")), "none")
    rm = s3.aws(["s3", "rm", f"s3://{s3.bucket}/{base}/{victim}"])
    harness.check(f"{label} the object deleted with awscli", rm.returncode == 0
                  and not s3.exists(f"{base}/{victim}"), rm.describe())
    r, data = flinkha_json(conf, home, "inspect", env=clean_env())
    findings = [f for f in (data or {}).get("findings", []) if f["kind"] == "dangling-pointer"]
    harness.check(f"{label} inspect: exit 2, the dangling pointer named with its object",
                  r.returncode == 2 and len(findings) == 1
                  and victim in json.dumps(findings[0]), f"{r.describe()}\n{findings}")
    r = flinkha(conf, home, "inspect", env=clean_env())
    harness.check(f"{label} inspect text names the missing object", r.returncode == 2
                  and victim in r.stdout + r.stderr, r.describe())


def run_orphans(home, td, classes, zk_port, s3):
    label = "orphans"
    conf, cid, job, base, _ = seed(home, td, classes, zk_port, s3, "orphans", 2, dirty=False)
    old = f"{base}/completedCheckpoint0123456789ab"
    fresh = f"{base}/completedCheckpointba9876543210"
    s3.put_many({old: b"x" * 100})
    # S3 sets LastModified itself: the old one is older by the wait. Each command below takes
    # about 2 s (a young file no pointer names is matched against more walks of ZooKeeper over
    # about 2 s before it is called an orphan): the fresh one stays below --min-age for all three.
    time.sleep(12)
    s3.put_many({fresh: b"y" * 100})
    keys_before = s3.keys(base + "/")
    r, plan = flinkha_json(conf, home, "cleanup", "orphans", "--min-age", "10s", "--dry-run",
                           env=clean_env())
    targets = [s["target"] for s in plan["plan"]] if plan else []
    harness.check(f"{label} dry run plans the old orphan only",
                  targets == [old.rsplit("/", 1)[1]], f"{targets}\n{r.describe()}")
    r = flinkha(conf, home, "cleanup", "orphans", "--min-age", "10s", env=clean_env())
    keys_after = s3.keys(base + "/")
    harness.check(f"{label} cleanup orphans --min-age 10s removes the old one, keeps the fresh one",
                  r.returncode == 0 and set(keys_before) - set(keys_after) == {old}
                  and fresh in keys_after, f"{r.describe()}\n{sorted(keys_after)}")
    r = flinkha(conf, home, "cleanup", "orphans", "--min-age", "10s", env=clean_env())
    harness.check(f"{label} a rerun has nothing to do", r.returncode == 0
                  and s3.keys(base + "/") == keys_after, r.describe())


def run_sigkill(home, td, classes, zk_port, s3):
    label = "sigkill"
    started = time.monotonic()
    conf, cid, job, base, jrs = seed(home, td, classes, zk_port, s3, "kill", 3000)
    seeded = time.monotonic() - started
    client = s3.client()

    def checkpoint_objects():
        n = 0
        for page in client.get_paginator("list_objects_v2").paginate(
                Bucket=s3.bucket, Prefix=f"{base}/completedCheckpoint"):
            n += page.get("KeyCount", 0)
        return n

    initial_objects = checkpoint_objects()
    r, data = flinkha_json(conf, home, "inspect", env=clean_env())
    initial = len(hd.job_znodes(data, job)) if data else 0
    harness.check(f"{label} seeded 3000 checkpoints ({initial_objects} objects in {seeded:.1f} s),"
                  " inspect sees the dirty job", data is not None and initial > 6000
                  and initial_objects == 3000 and hd.jobs_of(data, job)
                  and hd.jobs_of(data, job)[0]["state"] == "dirty", r.describe())
    mid_way, violations = 0, []

    def after_kill(where, rc):
        nonlocal mid_way
        r, data = flinkha_json(conf, home, "inspect", env=clean_env())
        if not data:
            violations.append(f"inspect failed after the kill at {where}: {r.describe()}")
            return False
        left = len(hd.job_znodes(data, job))
        missing = missing_pointers(data)
        if missing:
            violations.append(f"after the kill at {where}: pointers to missing objects "
                              f"{missing[:5]}")
        if 0 < left < initial:
            mid_way += 1
        print(f"  kill at {where}: rc {rc}, {left} of {initial} job znodes and "
              f"{checkpoint_objects()} of {initial_objects} objects left", flush=True)
        return rc == 0 and left == 0

    # The kill points of test_ha_data (by time, then by the share of checkpoint objects gone).
    finished = hd.sigkill_rounds(
        [harness.flinkha_bin(), "--conf-dir", conf, "--flink-home", home, "cleanup",
         "dirty-jobs", *TIMEOUT_ARGS], clean_env(), checkpoint_objects, initial_objects,
        after_kill)
    harness.check(f"{label} no pointer to a missing object after any kill", not violations,
                  "\n".join(violations))
    harness.check(f"{label} at least one kill landed mid-way through the deletions", mid_way >= 1,
                  f"mid-way kills: {mid_way}")
    r = flinkha(conf, home, "cleanup", "dirty-jobs", env=clean_env())
    _, data = flinkha_json(conf, home, "inspect", env=clean_env())
    left = checkpoint_objects()
    # Every object still under the cluster's prefix is an orphan now that no pointer is left: the
    # checkpoints', and the execution plan's when a kill fell between its znode and its object.
    left_names = sorted(k.rsplit("/", 1)[1] for k in s3.keys(base + "/"))
    orphans = sorted(f["subject"].rsplit("/", 1)[-1] for f in (data or {}).get("findings", [])
                     if f["kind"] == "orphan-file")
    # job-result-store.delete-on-commit is true (Flink's default) here: marking the entry clean
    # removes it.
    harness.check(f"{label} reruns complete: no job znode, the entry gone (delete-on-commit), "
                  "a final run has nothing to do", finished and r.returncode == 0
                  and "nothing to do" in r.stdout and data is not None
                  and not hd.job_znodes(data, job) and not s3.exists(f"{jrs}/{job}_DIRTY.json")
                  and not s3.exists(f"{jrs}/{job}.json"),
                  f"finished {finished}\n{r.describe()}\n"
                  f"job znodes {hd.job_znodes(data, job)[:5] if data else None}")
    # A kill between a pointer's delete and its object's leaves that object an orphan (never a
    # dangling pointer): inspect reports each, cleanup orphans removes them.
    harness.check(f"{label} what the kills left are {len(left_names)} orphan objects "
                  f"({left} checkpoints), each reported", orphans == left_names,
                  f"{len(left_names)} objects, {len(orphans)} orphan findings\n"
                  f"not reported: {sorted(set(left_names) - set(orphans))[:5]}\n"
                  f"reported, not there: {sorted(set(orphans) - set(left_names))[:5]}")
    r = flinkha(conf, home, "cleanup", "orphans", "--min-age", "0s", env=clean_env())
    harness.check(f"{label} cleanup orphans --min-age 0s removes them: no object left",
                  r.returncode == 0 and not s3.keys(base + "/"), r.describe())


def run_errors(home, td, classes, zk_port, s3):
    """Each wrong setting: exit 2 or 3, one error line naming what to fix, bounded, nothing
    deleted (neither a znode nor an object)."""
    label = "errors"
    conf, cid, job, base, jrs = seed(home, td, classes, zk_port, s3, "errors", 3)
    good = s3.flink_options("flink/errors")
    dead_port = harness.free_port()
    cases = [
        ("a wrong secret key", {"s3.secret-key": "not-the-secret-key"},
         [s3_env.ADMIN.access_key, "secret key"], "SignatureDoesNotMatch"),
        ("an unknown access key", {"s3.access-key": "AKIAFLINKHAUNKNOWN01"},
         ["AKIAFLINKHAUNKNOWN01"], "InvalidAccessKeyId"),
        ("an endpoint where nothing listens", {"s3.endpoint": f"http://127.0.0.1:{dead_port}"},
         [f"127.0.0.1:{dead_port}"], "connect"),
        ("a bucket that does not exist",
         {"high-availability.storageDir": "s3://flinkha-no-such-bucket/flink/errors"},
         ["flinkha-no-such-bucket"], "NoSuchBucket"),
        ("the read-only identity",
         {"s3.access-key": s3_env.READER.access_key, "s3.secret-key": s3_env.READER.secret_key},
         [s3_env.READER.access_key], "AccessDenied"),
    ]
    _, data = flinkha_json(conf, home, "inspect", env=clean_env())
    znodes = hd.job_znodes(data, job) if data else []
    keys = s3.keys("flink/errors/")
    for name, override, names, word in cases:
        root = td / f"err-{uuid.uuid4().hex[:6]}"
        econf = hd.synthetic_conf(home, root, zk_port, cid, {**good, **override})
        r = flinkha(econf, home, "cleanup", "dirty-jobs", env=clean_env(), timeout=120)
        _, now = flinkha_json(conf, home, "inspect", env=clean_env())
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        named = any(all(n in line for n in names) for line in lines)
        secret_shown = s3_env.ADMIN.secret_key in r.stdout + r.stderr or \
            s3_env.READER.secret_key in r.stdout + r.stderr or \
            "not-the-secret-key" in r.stdout + r.stderr
        harness.check(f"{label} {name}: exit 2 or 3 in {r.seconds:.1f} s (bound {ERROR_BOUND_S} s)",
                      r.returncode in (2, 3) and r.seconds < ERROR_BOUND_S,
                      f"stderr: {r.stderr}\n{r.describe()}")
        harness.check(f"{label} {name}: one error line naming {', '.join(names)}, no secret",
                      named and len(lines) <= 2 and not secret_shown
                      and "HTTP 403" not in r.stderr, r.describe())
        harness.check(f"{label} {name}: nothing deleted",
                      now is not None and hd.job_znodes(now, job) == znodes
                      and s3.keys("flink/errors/") == keys, r.describe())
        print(f"  {name}: {lines[-1] if lines else '(no stderr)'} [{word}]", flush=True)


def run_credential_sources(home, td, classes, zk_port, s3):
    """Credentials from the environment and from a shared credentials file, not the config."""
    label = "credentials"
    conf, cid, job, base, _ = seed(home, td, classes, zk_port, s3, "creds", 2, dirty=False)
    bare = {k: v for k, v in s3.flink_options("flink/creds").items()}
    bare.pop("s3.access-key")
    bare.pop("s3.secret-key")
    econf = hd.synthetic_conf(home, td / "creds-env", zk_port, cid, bare)

    def storage_ok(r, data):
        return (r.returncode == 0 and data is not None and data["storage"]["available"]
                and any(j["job_id"] == job for j in data["jobs"])
                and not missing_pointers(data))

    env = clean_env(AWS_ACCESS_KEY_ID=s3_env.ADMIN.access_key,
                    AWS_SECRET_ACCESS_KEY=s3_env.ADMIN.secret_key)
    r, data = flinkha_json(econf, home, "inspect", env=env)
    harness.check(f"{label} AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: storage read",
                  storage_ok(r, data), r.describe())
    shared = td / "creds-env" / "aws-credentials"
    shared.write_text(f"[default]\naws_access_key_id = AKIAFLINKHAUNKNOWN01\n"
                      f"aws_secret_access_key = wrong\n\n[flinkha-test]\n"
                      f"aws_access_key_id = {s3_env.ADMIN.access_key}\n"
                      f"aws_secret_access_key = {s3_env.ADMIN.secret_key}\n")
    os.chmod(shared, 0o600)
    env = clean_env(AWS_SHARED_CREDENTIALS_FILE=str(shared), AWS_PROFILE="flinkha-test")
    r, data = flinkha_json(econf, home, "inspect", env=env)
    harness.check(f"{label} AWS_SHARED_CREDENTIALS_FILE + AWS_PROFILE: storage read",
                  storage_ok(r, data), r.describe())
    # AWS_CONFIG_FILE=/dev/null is how one tells the AWS CLI and SDKs "no config file".
    env = clean_env(AWS_SHARED_CREDENTIALS_FILE=str(shared), AWS_PROFILE="flinkha-test",
                    AWS_CONFIG_FILE=os.devnull)
    r, data = flinkha_json(econf, home, "inspect", env=env)
    harness.check(f"{label} AWS_CONFIG_FILE=/dev/null as the AWS CLI takes it: storage read",
                  storage_ok(r, data), r.describe())
    # None at all: the configured storage side cannot be read (critical, exit 2; the ZooKeeper
    # side is still inspected), and the message says where credentials are looked for.
    r, data = flinkha_json(econf, home, "inspect", env=clean_env())
    unavailable = [f for f in (data or {}).get("findings", [])
                   if f["kind"] == "storage-unavailable"]
    harness.check(f"{label} no credentials anywhere: storage unavailable, exit 2, naming "
                  "s3.access-key and AWS_ACCESS_KEY_ID", r.returncode == 2 and data is not None
                  and not data["storage"]["available"] and unavailable
                  and all(w in unavailable[0]["message"]
                          for w in ("s3.access-key", "AWS_ACCESS_KEY_ID")),
                  f"{unavailable}\n{r.describe()}")


def storage_probe(conf, home, uri, *args, env=None):
    """flinkha_storage_probe (tests/integration/storage_probe.cpp): (Result, its JSON or None)."""
    probe = os.environ.get("FLINKHA_STORAGE_PROBE")
    if not probe:
        raise harness.HarnessError("FLINKHA_STORAGE_PROBE is not set (run through ctest)")
    r = harness.run([probe, "--conf-dir", conf, "--flink-home", home, "--uri", uri, *args],
                    timeout=120, env=env or clean_env())
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None


def run_write(home, td, classes, zk_port, s3):
    label = "write"
    root = td / "write"
    cid = f"write-{uuid.uuid4().hex[:6]}"
    prefix = f"flink/write/{cid}"
    conf = hd.synthetic_conf(home, root, zk_port, cid, s3.flink_options("flink/write"))
    uri = s3.storage_uri(prefix)
    relative = "restored/completedCheckpoint00000000002a"
    key = f"{prefix}/{relative}"
    content = bytes(range(256)) * 3
    source = root / "write-content"
    source.write_bytes(content)
    r, out = storage_probe(conf, home, uri, "write", relative, source)
    harness.check(f"{label}: written", r.returncode == 0 and out == {"ok": True}, r.describe())
    client = s3.client()
    stored = client.get_object(Bucket=s3.bucket, Key=key)["Body"].read() \
        if s3.exists(key) else b""
    harness.check(f"{label}: GetObject gives the exact bytes, the listing the one key",
                  stored == content and s3.keys(prefix) == {key: len(content)},
                  f"{len(stored)} bytes; {s3.keys(prefix)}")
    r, out = storage_probe(conf, home, uri, "read", relative)
    harness.check(f"{label}: read back through flinkha", r.returncode == 0 and out
                  and out.get("hex") == content.hex(), r.describe())
    source.write_bytes(b"other bytes")
    r, out = storage_probe(conf, home, uri, "write", relative, source)
    after = client.get_object(Bucket=s3.bucket, Key=key)["Body"].read()
    harness.check(f"{label}: a second write of the key is refused, the object unchanged",
                  r.returncode == 1 and out and out["category"] == "refused"
                  and "already exists; not replaced" in out["error"] and after == content,
                  r.describe())
    reader_conf = hd.synthetic_conf(home, td / "write-reader", zk_port, cid,
                                    s3.flink_options("flink/write", identity=s3_env.READER))
    r, out = storage_probe(reader_conf, home, uri, "write", "by-reader", source)
    harness.check(f"{label}: the read-only identity is refused, naming s3:PutObject",
                  r.returncode == 1 and out and out["category"] == "refused"
                  and "s3:PutObject" in out["hint"] and not s3.exists(f"{prefix}/by-reader"),
                  r.describe())


def main():
    global TIMEOUT_ARGS
    started = time.monotonic()
    try:
        home = harness.flink_home(FLINK_VERSION)
        TIMEOUT_ARGS = storage_timeout_args()
    except harness.HarnessError as e:
        harness.check(f"Flink {FLINK_VERSION} and flinkha available", False, str(e))
        return harness.summary()
    with harness.TestDir("storage-s3") as tdir, harness.ProcessRegistry() as procs:
        td = tdir.path
        try:
            s3 = s3_env.S3Server(td / "s3", procs).start()
            print(f"S3 server up on {s3.endpoint} after {time.monotonic() - started:.1f} s",
                  flush=True)
            # The Flink JVMs of this test load flink-s3-fs-hadoop from here (config.sh honours
            # FLINK_PLUGINS_DIR); flinkha ignores it.
            os.environ["FLINK_PLUGINS_DIR"] = str(s3_env.flink_plugins_dir(td, FLINK_VERSION))
            classes, jar = hd.compile_java(home, td / "java")
            zk_port = harness.free_port()
            zk = fc.start_zookeeper(td / "zk-only", procs, zk_port)
            parts = [("real", lambda: run_real(home, td, procs, s3, jar))]
            for name, fn in (("dangling", run_dangling), ("orphans", run_orphans),
                             ("sigkill", run_sigkill), ("errors", run_errors),
                             ("credentials", run_credential_sources), ("write", run_write)):
                parts.append((name, lambda fn=fn: fn(home, td, classes, zk_port, s3)))
            only = set(filter(None, os.environ.get("FLINKHA_S3_PARTS", "").split(",")))
            for name, part in parts:
                if only and name not in only:
                    continue
                t = time.monotonic()
                try:
                    part()
                except Exception:
                    harness.check(f"{name}: no exception", False, traceback.format_exc())
                print(f"  ({name}: {time.monotonic() - t:.1f} s)", flush=True)
            zk.terminate()
            zk.wait(15)
        except Exception:
            harness.check("S3 test environment: no exception", False, traceback.format_exc())
        finally:
            if harness.CHECKS.failed:
                tdir.failed = True
    print(f"total {time.monotonic() - started:.1f} s", flush=True)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
