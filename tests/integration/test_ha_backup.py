#!/usr/bin/env python3
"""integration.ha_backup: `flinkha ha backup` / `ha restore` on a real ZooKeeper and a real Flink
1.20.5 HA cluster on loopback.

  * a checkpointed job (ha_data/SlowJob.java) runs; a backup is refused while the leader is
    registered (nothing written); the JobManager and TaskManager are stopped without cancelling
    the job (HA data kept); `ha backup --with-files`; `cleanup cluster`; `ha restore`; the cluster
    is started again and Flink itself recovers the job, same job id, from the latest checkpoint of
    the backup (REST /jobs/<id>/checkpoints: latest.restored id and external_path);
  * refusals, each with a clear error and nothing written: a non-empty namespace, another Flink
    version (--flink-version 2.3 for a 1.20 backup; --force-version passes 1.19, never another
    HA layout), a missing referenced
    file, an altered referenced file (checksum);
  * SIGKILL during the restore of a synthetic backup (HaTree, 3000 checkpoints: ~9000 znodes) into
    another --cluster-id, then reruns: the restore completes and equals an uninterrupted one.
The restore writes the referenced files back itself (HaStorage::write_file) from the backup's
copies after `cleanup cluster` removed them.
Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import sys
import time
import traceback
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402
import test_ha_data as hd  # noqa: E402  (the job, REST, TaskManager and SIGKILL helpers)


def znode_paths(zk_port, ns):
    """Every znode at and below ns, through zkCli (independent of flinkha)."""
    r = hd.zkcli(zk_port, "ls", "-R", ns)
    return sorted(line.strip() for line in r.stdout.splitlines() if line.startswith(ns))


def manifest(path):
    return json.loads(Path(path, "manifest.json").read_text())


def persistent_tree(m):
    """(path below the namespace, data, acl) of a manifest's persistent znodes."""
    ns = m["namespace"]
    return sorted((z["path"][len(ns):], z["data_base64"], json.dumps(z["acl"], sort_keys=True))
                  for z in m["znodes"] if not z["ephemeral"])


def run_real(home, td, procs, jar):
    label = "real"
    extra = {"taskmanager.memory.process.size": "1000m", "taskmanager.numberOfTaskSlots": "1",
             "jobmanager.memory.process.size": "700m", "taskmanager.host": "127.0.0.1",
             "taskmanager.bind-host": "127.0.0.1",
             # the checkpoint data outside the HA storage dir, as in production
             "state.checkpoints.dir": f"file://{td}/real/checkpoints"}
    cluster = fc.start_cluster(td / "real", home, procs, jobmanagers=1, extra_conf=extra)
    jm = cluster.jobmanagers[0]
    tms = hd.start_taskmanager(cluster)
    conf, ns, cid = cluster.conf_dir, cluster.namespace, cluster.cluster_id
    storage = cluster.root / "ha" / cid
    backup = td / "backup-real"
    try:
        job = hd.submit(jm, jar)
        hd.wait_for("2 completed checkpoints", lambda: hd.completed_checkpoints(jm, job) >= 2)
        r = hd.flinkha(conf, home, "ha", "backup", td / "refused-backup")
        harness.check(f"{label} backup refused while the leader is registered, nothing written",
                      r.returncode == 2 and "leader is registered" in r.stderr
                      and not (td / "refused-backup").exists(), r.describe())

        hd.stop_flink(cluster, tms)
        time.sleep(1)
        r, inv = hd.flinkha_json(conf, home, "inspect")
        mine = hd.jobs_of(inv, job)
        latest = max((c["checkpoint_id"] for c in mine[0]["checkpoints"]), default=None) \
            if mine else None
        latest_ptr = [c for c in mine[0]["checkpoints"] if c["checkpoint_id"] == latest] \
            if mine else []
        harness.check(f"{label} HA data kept after the stop: the job with its checkpoints",
                      latest is not None, r.describe())

        started = time.monotonic()
        r, data = hd.flinkha_json(conf, home, "ha", "backup", backup, "--with-files")
        m = manifest(backup) if (backup / "manifest.json").exists() else None
        harness.check(f"{label} ha backup --with-files: manifest with znodes, ACLs, files, exit 0 "
                      f"({time.monotonic() - started:.1f}s)",
                      r.returncode == 0 and data and m and m["flink_version"] == "1.20"
                      and m["layout"] == "1.15-1.20" and m["cluster_id"] == cid
                      and data["znodes"] == len(m["znodes"]) and data["copied_files"] >= 2
                      and all(z["acl"] for z in m["znodes"])
                      and any(z["path"].endswith("/locks") for z in m["znodes"]),
                      r.describe())
        files = [f for f in (m or {}).get("files", []) if f["side"] == "cluster_storage"]
        harness.check(f"{label} every referenced file recorded with its size and SHA-256, copied "
                      "(the job graph, the checkpoints, the job's blob: its jar)",
                      files and any(f["path"].startswith(f"blob/job_{job}/") for f in files)
                      and all(len(f["sha256"]) == 64 and f["copy"]
                                    and (backup / f["copy"]).stat().st_size == f["size_bytes"]
                                    and (storage / f["path"]).stat().st_size == f["size_bytes"]
                                    for f in files), json.dumps(files)[:2000])

        r = hd.flinkha(conf, home, "cleanup", "cluster", "--yes", "--cluster-id", cid, "--force")
        harness.check(f"{label} cleanup cluster removes the HA data", r.returncode == 0
                      and not znode_paths(cluster.zk_port, ns)
                      and not any(storage.glob("completedCheckpoint*")), r.describe())

        r = hd.flinkha(conf, home, "ha", "restore", backup, "--dry-run")
        harness.check(f"{label} restore --dry-run prints the plan, writes nothing",
                      r.returncode == 0 and "write-file" in r.stdout and "create-znode" in r.stdout
                      and not znode_paths(cluster.zk_port, ns), r.describe())
        r, plan = hd.flinkha_json(conf, home, "ha", "restore", backup, "--dry-run")
        harness.check(f"{label} -o json restore --dry-run: the plan, files first, no results",
                      r.returncode == 0 and plan and plan["dry_run"] and plan["namespace"] == ns
                      and plan["plan"][0]["action"] == "write-file"
                      and plan["plan"][-1]["action"] == "create-znode"
                      and plan["results"] == [] and plan["error"] is None, r.describe())
        started = time.monotonic()
        r = hd.flinkha(conf, home, "ha", "restore", backup)
        elapsed = time.monotonic() - started
        harness.check(f"{label} ha restore into the empty namespace, exit 0 ({elapsed:.1f}s)",
                      r.returncode == 0 and "done" in r.stdout, r.describe())
        restored = set(znode_paths(cluster.zk_port, ns))
        wanted = {z["path"] for z in (m or {}).get("znodes", []) if not z["ephemeral"]}
        harness.check(f"{label} every persistent znode is back, no ephemeral one",
                      restored == wanted, f"{sorted(restored ^ wanted)[:10]}")
        r = hd.flinkha(conf, home, "ha", "restore", backup)
        harness.check(f"{label} a second restore has nothing to do", r.returncode == 0
                      and "nothing to do" in r.stdout, r.describe())

        # Flink recovers the job itself.
        cluster.start_jobmanager(jm)
        cluster.wait_rest(jm)
        tms = hd.start_taskmanager(cluster)
        hd.wait_for("the recovered job RUNNING", lambda: hd.job_state(jm, job) == "RUNNING",
                    timeout=240)
        stats = hd.wait_for("the restore point in the checkpoint statistics", lambda: (
            hd.rest(jm, "GET", f"/jobs/{job}/checkpoints").get("latest", {}).get("restored")),
            timeout=120)
        harness.check(f"{label} Flink recovered job {job} from checkpoint {latest} of the backup",
                      stats and stats.get("id") == latest
                      and not stats.get("is_savepoint", False), json.dumps(stats))
        ptr = latest_ptr[0].get("pointer") if latest_ptr else None
        harness.check(f"{label} restored external_path is the checkpoint's directory",
                      stats and stats.get("external_path", "").rstrip("/").endswith(
                          f"{job}/chk-{latest}"), f"{json.dumps(stats)} {ptr}")

        # Refusals on the live cluster's backup: a non-empty namespace (the running cluster's).
        before = set(znode_paths(cluster.zk_port, ns))
        r = hd.flinkha(conf, home, "ha", "restore", backup)
        harness.check(f"{label} restore refused into a non-empty namespace (a running cluster)",
                      r.returncode == 2 and ("not empty" in r.stderr) , r.describe())
        # Another Flink version: the 1.20 backup into a 2.3 cluster, an empty cluster-id.
        other = "other-" + uuid.uuid4().hex[:6]
        r = hd.flinkha(conf, home, "--flink-version", "2.3", "ha", "restore", backup,
                       "--cluster-id", other)
        harness.check(f"{label} a 1.20 backup refused into Flink 2.3 without --force-version",
                      r.returncode == 2 and "1.20" in r.stderr and "2.3" in r.stderr
                      and "--force-version" in r.stderr
                      and not znode_paths(cluster.zk_port, f"/flink/{other}"), r.describe())
        r = hd.flinkha(conf, home, "--flink-version", "2.3", "ha", "restore", backup,
                       "--cluster-id", other, "--force-version", "--dry-run")
        harness.check(f"{label} --force-version does not pass another HA layout (1.15-1.20 into 2.x)",
                      r.returncode == 2 and "layout" in r.stderr
                      and not znode_paths(cluster.zk_port, f"/flink/{other}"), r.describe())
        r = hd.flinkha(conf, home, "--flink-version", "1.19", "ha", "restore", backup,
                       "--cluster-id", other, "--force-version", "--dry-run")
        harness.check(f"{label} --force-version passes the version check within one layout "
                      "(1.20 into 1.19, dry run)",
                      r.returncode == 0 and "force-version" in r.stdout, r.describe())
        del before
    finally:
        hd.stop_flink(cluster, tms)
        cluster.stop()


def run_synthetic(home, td, classes):
    """A synthetic 2.x tree (HaTree) on its own ZooKeeper: file refusals and SIGKILL."""
    label = "synthetic"
    with harness.ProcessRegistry() as procs:
        zk_port = harness.free_port()
        fc.start_zookeeper(td / "zk-synth", procs, zk_port)
        root = td / "synth"
        cid = "src-" + uuid.uuid4().hex[:6]
        conf = hd.synthetic_conf(home, root, zk_port, cid)
        storage = root / "ha" / cid
        storage.mkdir(parents=True, exist_ok=True)
        job = uuid.uuid4().hex
        n = hd.ha_tree(home, classes, zk_port, f"/flink/{cid}", job, 3000, storage,
                       f"file:{storage}")
        v = ("--flink-version", "2.3")
        backup = td / "backup-synth"
        started = time.monotonic()
        r = hd.flinkha(conf, home, *v, "ha", "backup", backup)
        m = manifest(backup) if (backup / "manifest.json").exists() else None
        harness.check(f"{label} backup of {n} znodes ({time.monotonic() - started:.1f}s)",
                      r.returncode == 0 and m
                      and len(m["znodes"]) == len(znode_paths(zk_port, f"/flink/{cid}")) > 6000,
                      r.describe())

        victim = sorted(storage.glob("completedCheckpoint*"))[0]
        original = victim.read_bytes()
        target = "t-" + uuid.uuid4().hex[:6]
        victim.rename(victim.with_suffix(".moved"))
        r = hd.flinkha(conf, home, *v, "ha", "restore", backup, "--cluster-id", target)
        harness.check(f"{label} restore refused: a referenced file is missing (named), nothing "
                      "written", r.returncode == 2 and victim.name in r.stderr
                      and "missing" in r.stderr
                      and not znode_paths(zk_port, f"/flink/{target}"), r.describe())
        victim.with_suffix(".moved").rename(victim)
        victim.write_bytes(original + b"x")
        r = hd.flinkha(conf, home, *v, "ha", "restore", backup, "--cluster-id", target)
        harness.check(f"{label} restore refused: a referenced file is altered (SHA-256), nothing "
                      "written", r.returncode == 2 and victim.name in r.stderr
                      and "altered" in r.stderr
                      and not znode_paths(zk_port, f"/flink/{target}"), r.describe())
        victim.write_bytes(original)
        hd.zkcli(zk_port, "create", f"/flink/{target}", "")
        hd.zkcli(zk_port, "create", f"/flink/{target}/stranger", "x")
        r = hd.flinkha(conf, home, *v, "ha", "restore", backup, "--cluster-id", target)
        harness.check(f"{label} restore refused: the namespace holds a node not of the backup",
                      r.returncode == 2 and "not empty" in r.stderr and "stranger" in r.stderr
                      and znode_paths(zk_port, f"/flink/{target}") ==
                      [f"/flink/{target}", f"/flink/{target}/stranger"], r.describe())

        # Uninterrupted restore into one cluster-id, SIGKILLed ones into another.
        clean = "c-" + uuid.uuid4().hex[:6]
        started = time.monotonic()
        r = hd.flinkha(conf, home, *v, "ha", "restore", backup, "--cluster-id", clean)
        took = time.monotonic() - started
        harness.check(f"{label} uninterrupted restore of {n} znodes ({took:.1f}s)",
                      r.returncode == 0, r.describe())
        killed = "k-" + uuid.uuid4().hex[:6]
        cmd = [harness.flinkha_bin(), "--conf-dir", conf, "--flink-home", home, *v, "ha",
               "restore", backup, "--cluster-id", killed]
        counts = []

        def after_kill(where, rc):
            count = len(znode_paths(zk_port, f"/flink/{killed}"))
            counts.append(count)
            print(f"  kill after {where}: rc {rc}, {count} znodes restored", flush=True)
            return False  # always rerun: the rerun must complete

        # Kill points by time, spread over the uninterrupted run's duration.
        points = [("time", max(0.05, took * share)) for share in (0.6, 0.8, 0.92)]
        finished = hd.sigkill_rounds(cmd, None, lambda: 0, 1, after_kill, kill_points=points)
        harness.check(f"{label} a kill landed mid-way ({counts}) and a rerun completed",
                      finished and any(0 < c < len(m["znodes"]) for c in counts), f"{counts}")
        b1, b2 = td / "check-clean", td / "check-killed"
        hd.flinkha(hd.synthetic_conf(home, td / "cc", zk_port, clean), home, *v, "ha", "backup",
                   b1)
        hd.flinkha(hd.synthetic_conf(home, td / "ck", zk_port, killed), home, *v, "ha", "backup",
                   b2)
        same = (b1 / "manifest.json").exists() and (b2 / "manifest.json").exists() and \
            persistent_tree(manifest(b1)) == persistent_tree(manifest(b2)) == persistent_tree(m)
        harness.check(f"{label} the killed-and-rerun restore equals the uninterrupted one",
                      same, "")


def main():
    try:
        home = harness.flink_home("1.20.5")
    except harness.HarnessError as e:
        harness.check("Flink 1.20.5 available", False, str(e))
        return harness.summary()
    with harness.TestDir("ha-backup") as tdir, harness.ProcessRegistry() as procs:
        td = tdir.path
        try:
            classes, jar = hd.compile_java(home, td / "java")
            for part in (lambda: run_real(home, td, procs, jar),
                         lambda: run_synthetic(home, td, classes)):
                try:
                    part()
                except Exception:
                    harness.check("no exception", False, traceback.format_exc())
        finally:
            if harness.CHECKS.failed:
                tdir.failed = True
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
