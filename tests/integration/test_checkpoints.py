#!/usr/bin/env python3
"""`flinkha checkpoints` against a real checkpointed job (Flink 1.20.5; 2.3.0 is covered by the
fixtures of tests/unit/fixtures/checkpoints/, captured by capture_checkpoint_fixtures.py).

One ZooKeeper and a Flink session cluster (one JobManager, one TaskManager, Flink's own scripts,
127.0.0.1) with retained checkpoints (RETAIN_ON_CANCELLATION, 3 in the HA store, the checkpoint
and savepoint directories outside the HA storageDir), ha_data/SlowJob.java submitted over REST:
  running      `checkpoints -o json` names a completed checkpoint REST reported around the call,
               with the same external pointer, its _metadata on the disk; the text output too
  stopped      the Flink processes stopped (SIGTERM: the job is suspended, its HA data stays):
               `checkpoints` names the newest chk-<n> that has a _metadata on the disk
  wiped        `cleanup cluster` removes the HA data: `checkpoints` finds no job (exit 2);
               `checkpoints --from-storage` (text and JSON) names the same checkpoint, the
               same pointer; a JOBID filter and an unknown JOBID (exit 2)
  restored     a fresh JobManager + TaskManager on the wiped HA data: the printed restore command
               run with the test's FLINK_HOME and jar; REST /jobs/<new id>/checkpoints reports
               latest.restored.external_path = that pointer, the restored checkpoint's id
Every process is stopped by pid. Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import shlex
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import capture_checkpoint_fixtures as capture  # noqa: E402
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402
import test_flink_lifecycle as lc  # noqa: E402
import test_ha_data as ha  # noqa: E402

VERSION = "1.20.5"


def latest_rest(jm, job):
    return ha.rest(jm, "GET", f"/jobs/{job}/checkpoints")["latest"]["completed"] or {}


def local(pointer):
    return Path(pointer.removeprefix("file:"))


def newest_on_disk(checkpoints_dir, job):
    """The highest chk-<n> with a _metadata (what Flink itself would consider complete)."""
    found = [int(p.name[4:]) for p in (checkpoints_dir / job).glob("chk-*")
             if (p / "_metadata").is_file()]
    return max(found) if found else None


def job_row(data, job):
    return next((j for j in (data or {}).get("jobs", []) if j["job_id"] == job), None)


def run(home, td, procs):
    label = f"flink-{VERSION}"
    started = time.monotonic()
    _, jar = ha.compile_java(home, td / "java")
    root = td / "c"
    extra = dict(lc.TM_CONF, **capture.retained_checkpoint_conf(root))
    cluster = fc.start_cluster(root, home, procs, jobmanagers=1, extra_conf=extra)
    conf, cid = cluster.conf_dir, cluster.cluster_id
    checkpoints_dir = root / "checkpoints"
    jm = cluster.jobmanagers[0]
    tms = ha.start_taskmanager(cluster)
    try:
        job = ha.submit(jm, jar)
        ha.wait_for("3 completed checkpoints", lambda: ha.completed_checkpoints(jm, job) >= 3)
        print(f"{label}: job {job} checkpointing after {time.monotonic() - started:.0f} s",
              flush=True)

        # --- running: what REST reported just before and after the call brackets the answer.
        before = latest_rest(jm, job)["id"]
        r, data = ha.flinkha_json(conf, home, "checkpoints")
        print(f"{label}: checkpoints (running) took {r.seconds:.1f} s", flush=True)
        row = job_row(data, job)
        latest = (row or {}).get("latest") or {}
        # Flink adds a checkpoint to its HA store before its statistics call it completed: wait
        # (briefly) until REST reports the one flinkha named, then read the bracket's upper end.
        named = latest.get("checkpoint_id", -1)
        try:
            ha.wait_for(f"REST to report checkpoint {named} completed",
                        lambda: latest_rest(jm, job).get("id", -1) >= named, timeout=15,
                        interval=0.2)
        except harness.HarnessError:
            pass
        after = latest_rest(jm, job)["id"]
        harness.check(f"{label} running: checkpoints -o json exits 0 and lists the job",
                      r.returncode == 0 and row is not None and row["source"] == "ha",
                      r.describe())
        harness.check(f"{label} running: the latest is a checkpoint REST reported around the call",
                      before - 3 <= latest.get("checkpoint_id", -1) <= after,
                      f"REST {before}..{after}, flinkha {latest}")
        history = {h["id"]: h for h in ha.rest(jm, "GET", f"/jobs/{job}/checkpoints")["history"]}
        rest_entry = history.get(latest.get("checkpoint_id"), {})
        harness.check(f"{label} running: same external pointer and trigger time as REST",
                      rest_entry.get("external_path") == latest.get("external_pointer")
                      and rest_entry.get("trigger_timestamp") == latest.get("timestamp_ms"),
                      f"REST {rest_entry}\nflinkha {latest}")
        harness.check(f"{label} running: its _metadata exists",
                      latest.get("metadata_exists") is True and latest.get("metadata_version") == 4,
                      str(latest))
        r = ha.flinkha(conf, home, "checkpoints", job)
        harness.check(f"{label} running: text output names the job, a pointer and the command",
                      r.returncode == 0 and job in r.stdout and "bin/flink run -s" in r.stdout
                      and f"{job}/chk-" in r.stdout, r.describe())
    finally:
        ha.stop_flink(cluster, tms)

    # --- stopped: the HA data stays (the job was suspended); the newest chk with _metadata.
    expected = newest_on_disk(checkpoints_dir, job)
    r, data = ha.flinkha_json(conf, home, "checkpoints")
    latest = (job_row(data, job) or {}).get("latest") or {}
    pointer = latest.get("external_pointer", "")
    harness.check(f"{label} stopped: checkpoints names the newest chk-<n> with a _metadata",
                  r.returncode == 0 and latest.get("checkpoint_id") == expected
                  and (local(pointer) / "_metadata").is_file(),
                  f"on disk {expected}\n{r.describe()}")
    restore_command = (job_row(data, job) or {}).get("restore_command") or ""
    option = (job_row(data, job) or {}).get("restore_option") or {}
    harness.check(f"{label} stopped: restore command and option name the pointer (1.20 key)",
                  f"-s {pointer} " in restore_command
                  and option.get("key") == "execution.state-recovery.path"
                  and option.get("value") == pointer, f"{restore_command}\n{option}")

    # --- wiped: cleanup cluster removes the HA data; the storage scan finds the same checkpoint.
    # The JobManager's ephemeral leader nodes go with its session; cleanup refuses until then.
    cleanup = ha.wait_for("cleanup cluster", lambda: (lambda r: r if r.returncode == 0 else None)(
        ha.flinkha(conf, home, "cleanup", "cluster", "--yes", "--cluster-id", cid)), timeout=60,
        interval=2)
    left = [str(p) for p in (root / "ha").rglob("*") if p.is_file()]
    harness.check(f"{label} cleanup cluster wipes the HA data (no file left in the storageDir)",
                  cleanup.returncode == 0 and not left, f"{left}\n{cleanup.describe()}")
    r, data = ha.flinkha_json(conf, home, "checkpoints")
    harness.check(f"{label} wiped: checkpoints from the HA data finds no job (exit 2)",
                  r.returncode == 2 and data is not None and data["jobs"] == [], r.describe())
    t0 = time.monotonic()
    r, data = ha.flinkha_json(conf, home, "checkpoints", "--from-storage")
    print(f"{label}: checkpoints --from-storage took {time.monotonic() - t0:.1f} s", flush=True)
    row = job_row(data, job) or {}
    found = row.get("latest") or {}
    harness.check(f"{label} wiped: --from-storage finds the same checkpoint and pointer",
                  r.returncode == 0 and row.get("source") == "storage"
                  and found.get("checkpoint_id") == expected
                  and found.get("external_pointer") == pointer and found.get("metadata_exists"),
                  f"expected {expected} {pointer}\n{r.describe()}")
    savepoints = row.get("savepoints", [])
    harness.check(f"{label} wiped: no savepoint was taken, none listed", savepoints == [],
                  str(savepoints))
    r = ha.flinkha(conf, home, "checkpoints", "--from-storage")
    harness.check(f"{label} wiped: --from-storage text names the pointer",
                  r.returncode == 0 and pointer in r.stdout, r.describe())
    r = ha.flinkha(conf, home, "checkpoints", "--from-storage", "0123456789abcdef0123456789abcdef")
    harness.check(f"{label} wiped: an unknown JOBID has nothing to restore from (exit 2)",
                  r.returncode == 2, r.describe())
    r = ha.flinkha(conf, home, "checkpoints", "not-a-job-id")
    harness.check(f"{label} a malformed JOBID is a usage error (64)", r.returncode == 64,
                  r.describe())

    # --- restored: a fresh cluster on the wiped HA data runs the printed command.
    jm = fc.JobManager(1, harness.free_port())
    cluster.jobmanagers.append(jm)
    cluster.start_jobmanager(jm)
    cluster.wait_rest(jm)
    tms = ha.start_taskmanager(cluster)
    try:
        ha.wait_for("the TaskManager registered",
                    lambda: ha.rest(jm, "GET", "/taskmanagers")["taskmanagers"])
        # The placeholders: FLINK_HOME's bin/flink, the job's jar; SlowJob takes no arguments.
        command = (row.get("restore_command") or "").replace(" [<job arguments>]", "")
        argv = shlex.split(command)
        argv = [str(home / "bin" / "flink") if a == "bin/flink" else a for a in argv]
        argv = [str(jar) if a == "<job-jar>" else a for a in argv]
        argv[2:2] = ["-d", "-c", "SlowJob"]  # the HA leader is found through ZooKeeper
        r = harness.run(argv, env=cluster.env, timeout=180)
        harness.check(f"{label} restored: the printed restore command submits the job",
                      r.returncode == 0, r.describe())
        new_job = ha.wait_for("the restored job", lambda: [
            j["jid"] for j in ha.rest(jm, "GET", "/jobs/overview")["jobs"]
            if j["state"] == "RUNNING"])[0]
        restored = ha.wait_for("the restore in the checkpoint statistics", lambda: ha.rest(
            jm, "GET", f"/jobs/{new_job}/checkpoints")["latest"].get("restored"))
        harness.check(f"{label} restored: REST reports the restore from exactly that checkpoint",
                      restored.get("external_path") == pointer and restored.get("id") == expected,
                      f"{restored}\nexpected {expected} {pointer}")
    finally:
        ha.stop_flink(cluster, tms)
        cluster.stop()
    print(f"{label}: {time.monotonic() - started:.0f} s in all", flush=True)


def main():
    with harness.TestDir("checkpoints") as tdir, harness.ProcessRegistry() as procs:
        try:
            run(harness.flink_home(VERSION), tdir.path, procs)
        except Exception:  # noqa: BLE001 - reported as a failed check, the directory is kept
            harness.check("no exception", False, traceback.format_exc())
        tdir.failed = harness.CHECKS.failed > 0
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
