#!/usr/bin/env python3
"""Recreates tests/unit/fixtures/ha_backup/flink-1.20.5/ from a real Flink 1.20.5 HA cluster.

Starts Debian's ZooKeeper and one JobManager + TaskManager (flink_cluster.start_cluster, the
helpers of test_ha_data.py), runs the checkpointed SlowJob until 2 checkpoints completed, then:
  running/   `flinkha ha backup --force --with-files` while the cluster runs: the leader, latch
             and locks/<uuid> nodes are ephemeral (recorded, never restored)
  stopped/   `flinkha ha backup --with-files` after the JobManager and TaskManager were stopped
             without cancelling the job (HA data kept), as before an upgrade
Each is the backup directory as flinkha wrote it (manifest.json + files/), so unit tests plan
and run restores on real bytes and the fuzz corpus holds real manifests. Every process is
stopped by pid; the temp dir is removed.
Usage: capture_ha_backup_fixtures.py [--out DIR]   (needs the flinkha binary: $FLINKHA_BIN)
"""

import argparse
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402
import test_ha_data as hd  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "ha_backup" / "flink-1.20.5"
CORPUS = Path(__file__).resolve().parents[1] / "fuzz" / "corpus" / "ha_backup_manifest"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    out = parser.parse_args().out
    home = harness.flink_home("1.20.5")
    extra = {"taskmanager.memory.process.size": "1000m", "taskmanager.numberOfTaskSlots": "1",
             "jobmanager.memory.process.size": "700m", "taskmanager.host": "127.0.0.1",
             "taskmanager.bind-host": "127.0.0.1"}
    with harness.TestDir("capture-ha-backup") as tdir, harness.ProcessRegistry() as procs:
        td = tdir.path
        _, jar = hd.compile_java(home, td / "java")
        cluster = fc.start_cluster(td / "c", home, procs, jobmanagers=1, extra_conf=extra)
        jm = cluster.jobmanagers[0]
        tms = hd.start_taskmanager(cluster)
        try:
            job = hd.submit(jm, jar)
            hd.wait_for("2 completed checkpoints", lambda: hd.completed_checkpoints(jm, job) >= 2)
            r = hd.flinkha(cluster.conf_dir, home, "ha", "backup", td / "running", "--force",
                           "--with-files")
            if r.returncode != 0:
                raise harness.HarnessError(r.describe())
            hd.stop_flink(cluster, tms)
            time.sleep(1)
            r = hd.flinkha(cluster.conf_dir, home, "ha", "backup", td / "stopped", "--with-files")
            if r.returncode != 0:
                raise harness.HarnessError(r.describe())
        finally:
            hd.stop_flink(cluster, tms)
            cluster.stop()
        for name in ("running", "stopped"):
            shutil.rmtree(out / name, ignore_errors=True)
            shutil.copytree(td / name, out / name)
            CORPUS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(td / name / "manifest.json", CORPUS / f"flink-1.20.5-{name}.json")
    print(f"wrote {out}/running and {out}/stopped (job {job})")


if __name__ == "__main__":
    main()
