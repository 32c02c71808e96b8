#!/usr/bin/env python3
"""Recreates tests/unit/fixtures/flink_ha/<version>/ from real Flink JobManagers.

For each pinned Flink version (scripts/fetch-flink all, or $FLINK_HOME): starts Debian's
ZooKeeper 3.8 and two JobManagers with Flink's own bin/jobmanager.sh (HA via ZooKeeper, all on
127.0.0.1; see flink_cluster.start_cluster), waits until the first one leads, then reads through
ZooKeeper's Java client (ZnodeTool):
  {ns}/leader/{dispatcher,resource_manager,rest_server}/connection_info  -> <component>.bin
  {ns}/leader/latch children, every node's Stat                          -> tree.json
  /jobmanager/config of both JobManagers (rest and rpc ports)            -> in tree.json
tree.json lists every znode under {ns} (path, data hex, stat, children), so unit tests can rebuild
the tree in memory. Every process is stopped by pid; the temp dir is removed.
Usage: capture_leader_fixtures.py [--out DIR]
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "flink_ha"
COMPONENTS = ("dispatcher", "resource_manager", "rest_server")


def walk(root, zk_port, paths):
    """Every node under `paths` (breadth first) as ZnodeTool records."""
    out = []
    while paths:
        records = fc.znode_tool(root, zk_port, "get", *paths)
        out += records
        paths = [f"{r['path'].rstrip('/')}/{c}" for r in records if not r.get("missing")
                 for c in r["children"]]
    return out


def capture_one(version, home, out_root):
    with harness.TestDir("capture") as td, harness.ProcessRegistry() as procs:
        cluster = fc.start_cluster(td.path, home, procs, jobmanagers=2)
        ns = cluster.namespace
        deadline = time.monotonic() + 120
        while True:
            records = fc.znode_tool(td.path, cluster.zk_port, "get",
                                    *[f"{ns}/leader/{c}/connection_info" for c in COMPONENTS],
                                    f"{ns}/leader/latch")
            if all(not r.get("missing") and r.get("data_hex") for r in records[:3]) and \
                    len(records[3].get("children", [])) == 2:
                break
            if time.monotonic() > deadline:
                raise harness.HarnessError(f"no leader published under {ns}: {records}")
            time.sleep(1)
        tree = walk(td.path, cluster.zk_port, ["/flink"])
        configs = []
        for jm in cluster.jobmanagers:
            entries = fc.rest_get(jm, "/jobmanager/config")
            configs.append({"rest_port": jm.rest_port,
                            "rpc_port": fc.config_value(entries, "jobmanager.rpc.port"),
                            "rpc_address": fc.config_value(entries, "jobmanager.rpc.address")})
        cluster.stop()

    out = out_root / version
    out.mkdir(parents=True, exist_ok=True)
    for record in tree:
        for c in COMPONENTS:
            if record["path"] == f"{ns}/leader/{c}/connection_info":
                data = bytes.fromhex(record["data_hex"])
                (out / f"{c}.bin").write_bytes(data)
                print(f"  {version}/{c}.bin: {len(data)} bytes")
    (out / "tree.json").write_text(json.dumps(
        {"flink_version": version, "namespace": ns, "jobmanagers": configs, "nodes": tree},
        indent=1) + "\n")
    print(f"  {version}/tree.json: {len(tree)} nodes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    for version, home in harness.flink_homes():
        print(f"Flink {version} ({home})")
        capture_one(version, home, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
