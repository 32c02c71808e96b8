#!/usr/bin/env python3
"""Recreates tests/unit/fixtures/checkpoints/flink-<version>/ from a real checkpointed job.

For each pinned Flink version (1.20.5 and 2.3.0, scripts/fetch-flink all): starts Debian's
ZooKeeper and one JobManager + one TaskManager with Flink's own scripts (flink_cluster
.start_cluster, all on 127.0.0.1) with retained checkpoints
(execution.checkpointing.externalized-checkpoint-retention RETAIN_ON_CANCELLATION,
execution.checkpointing.num-retained 3, execution.checkpointing.dir and
execution.checkpointing.savepoint-dir outside the HA storageDir), submits ha_data/SlowJob.java
over REST, waits for at least 4 completed checkpoints, takes a savepoint, stops the Flink
processes (SIGTERM: the job is suspended, its HA data and checkpoints stay), then saves:
  completedCheckpoint<12 hex>   every completedCheckpoint file of {storageDir}/{cluster-id}, as
                                FileSystemStateStorageHelper wrote it (a Java-serialized
                                CompletedCheckpoint)
  chk-<n>_metadata              the _metadata of every chk-<n> left under
                                {checkpoints dir}/<job-id>/ (whole when up to 64 KiB, else its
                                first 4096 bytes; "truncated" in the manifest)
  savepoint_metadata            the savepoint's _metadata (same rule)
  manifest.json                 the job id, what REST /jobs/<id>/checkpoints reported (history:
                                id, trigger_timestamp, latest_ack_timestamp, external_path,
                                is_savepoint), the savepoint location, the directories used, and
                                the name and size of every file saved
Every process is stopped by pid; the temp dir is removed.
Usage: capture_checkpoint_fixtures.py [--out DIR] [VERSION...]
"""

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402
import test_ha_data as hd  # noqa: E402
import test_flink_lifecycle as lc  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "checkpoints"
WHOLE_LIMIT = 64 * 1024
HEAD_BYTES = 4096


def retained_checkpoint_conf(root):
    """Checkpoints kept after the job is cancelled or suspended, three in the HA store."""
    return dict(lc.checkpoint_conf(root), **{
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.num-retained": "3"})


def save_metadata(source, target):
    data = source.read_bytes()
    truncated = len(data) > WHOLE_LIMIT
    target.write_bytes(data[:HEAD_BYTES] if truncated else data)
    return {"file": target.name, "size": len(data), "truncated": truncated}


def capture(version, out_root):
    home = harness.flink_home(version)
    out = out_root / f"flink-{version}"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    with harness.TestDir("capture-checkpoints") as td, harness.ProcessRegistry() as procs:
        _, jar = hd.compile_java(home, td.path / "java")
        root = td.path / "c"
        extra = dict(lc.TM_CONF, **retained_checkpoint_conf(root))
        cluster = fc.start_cluster(root, home, procs, jobmanagers=1, extra_conf=extra)
        jm = cluster.jobmanagers[0]
        tms = hd.start_taskmanager(cluster)
        try:
            job = hd.submit(jm, jar)
            hd.wait_for("4 completed checkpoints", lambda: hd.completed_checkpoints(jm, job) >= 4)
            savepoint = lc.take_savepoint(jm, job)
            savepoint_id = hd.wait_for("the savepoint in the checkpoint statistics", lambda: (
                hd.rest(jm, "GET", f"/jobs/{job}/checkpoints")["latest"]["savepoint"] or {}
            ).get("id"))
            hd.wait_for("a checkpoint after the savepoint",
                        lambda: hd.rest(jm, "GET", f"/jobs/{job}/checkpoints")["latest"]
                        ["completed"]["id"] > savepoint_id)
            stats = hd.rest(jm, "GET", f"/jobs/{job}/checkpoints")
        finally:
            hd.stop_flink(cluster, tms)
        history = [{k: h.get(k) for k in ("id", "status", "is_savepoint", "trigger_timestamp",
                                          "latest_ack_timestamp", "external_path",
                                          "checkpoint_type")}
                   for h in stats["history"]]
        files = []
        storage = root / "ha" / cluster.cluster_id
        for f in sorted(storage.glob("completedCheckpoint*")):
            shutil.copy(f, out / f.name)
            files.append({"file": f.name, "size": f.stat().st_size})
        metadata = []
        for chk in sorted((root / "checkpoints" / job).glob("chk-*")):
            meta = chk / "_metadata"
            if meta.is_file():
                entry = save_metadata(meta, out / f"{chk.name}_metadata")
                metadata.append(dict(entry, checkpoint=chk.name))
        saved_savepoint = None
        sp_dir = Path(savepoint.removeprefix("file:"))
        if (sp_dir / "_metadata").is_file():
            saved_savepoint = save_metadata(sp_dir / "_metadata", out / "savepoint_metadata")
        cluster.stop()
    manifest = {"flink_version": version, "job_id": job, "cluster_id": cluster.cluster_id,
                "storage_dir": f"file://{root}/ha", "checkpoints_dir": f"file://{root}/checkpoints",
                "savepoint": savepoint, "savepoint_id": savepoint_id, "savepoint_metadata": saved_savepoint,
                "completed_checkpoint_files": files, "metadata_files": metadata,
                "rest_latest_completed": {k: stats["latest"]["completed"].get(k)
                                          for k in ("id", "external_path", "trigger_timestamp",
                                                    "latest_ack_timestamp")},
                "rest_history": history}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"flink-{version}: job {job}, {len(files)} completedCheckpoint files, "
          f"{len(metadata)} _metadata files, savepoint {savepoint}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("versions", nargs="*", default=["1.20.5", "2.3.0"])
    args = parser.parse_args()
    for version in args.versions:
        capture(version, args.out)


if __name__ == "__main__":
    main()
