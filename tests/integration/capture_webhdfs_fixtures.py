#!/usr/bin/env python3
"""Capture real WebHDFS answers into tests/unit/fixtures/webhdfs/ (run by hand, not by ctest).

    python3 tests/integration/capture_webhdfs_fixtures.py [OUT_DIR] [--only create]

Starts a real MiniDFSCluster (hdfs_env.py; Hadoop version of scripts/fetch-hadoop) with
dfs.ls.limit=3 (so that LISTSTATUS_BATCH pages after three entries), then a NameNode HA pair
(nn1 standby, nn2 active) for the StandbyException. Every answer is stored byte for byte as
<name>.json (the body exactly as the server sent it); index.json lists, per name, the request
(method, op, path, parameters), the HTTP status and the Content-Type the server answered with.
`--only create` captures only the CREATE answers (what HaStorage::write_file sees) and merges them
into the existing index.json, leaving every other fixture as it is.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
import hdfs_env  # noqa: E402

ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
ARGS = [a for i, a in enumerate(sys.argv[1:], 1)
        if a != "--only" and sys.argv[i - 1] != "--only"]
OUT = Path(ARGS[0]) if ARGS else harness.SOURCE_DIR / "tests" / "unit" / "fixtures" / "webhdfs"
INDEX = {}


def capture(w, name, method, path, op, data=None, user=None, **params):
    url = w.url(path, op, **params)
    if user is not None:
        url = hdfs_env.WebHdfs(w.port, user).url(path, op, **params)
    status, headers, body = w.raw(method, url, data)
    (OUT / f"{name}.json").write_bytes(body)
    INDEX[name] = {"method": method, "op": op, "path": path, "params": params,
                   "user": user or w.user, "status": status,
                   "content_type": headers.get("Content-Type")}
    if status == 307:
        INDEX[name]["location"] = headers.get("Location")
    print(f"{name}: {status} {body[:100]!r}", flush=True)
    return status, body


def single(td, procs):
    hdfs = hdfs_env.start(td / "single", procs, conf={"dfs.ls.limit": 3})
    w = hdfs.webhdfs()
    base = "/flink/ha/default"
    w.mkdirs(base + "/blob/job_a7fca1a4b0e3d2c1f0e9d8c7b6a5f4e3")
    w.put_bytes(base + "/submittedExecutionPlan3a4f1c9b2e7d", b"x" * 1234)
    for i in range(5):
        w.put_bytes(base + f"/completedCheckpoint{i:012x}", b"c" * (100 + i))
    w.put_bytes(base + "/odd name ü.txt", b"odd")
    w.mkdirs("/flink/ha/job-result-store/default")
    dirty = json.dumps({"result": {"id": "a7fca1a4b0e3d2c1f0e9d8c7b6a5f4e3",
                                   "application-status": "CANCELED", "accumulator-results": {},
                                   "net-runtime": 1}, "version": 1}).encode()
    jrs = "/flink/ha/job-result-store/default/a7fca1a4b0e3d2c1f0e9d8c7b6a5f4e3_DIRTY.json"
    w.put_bytes(jrs, dirty)

    capture(w, "getfilestatus_file", "GET", base + "/submittedExecutionPlan3a4f1c9b2e7d",
            "GETFILESTATUS")
    capture(w, "getfilestatus_dir", "GET", base, "GETFILESTATUS")
    capture(w, "getfilestatus_missing", "GET", base + "/completedCheckpoint0000deadbeef",
            "GETFILESTATUS")
    capture(w, "liststatus", "GET", base, "LISTSTATUS")
    capture(w, "liststatus_empty", "GET", base + "/blob/job_a7fca1a4b0e3d2c1f0e9d8c7b6a5f4e3",
            "LISTSTATUS")
    capture(w, "liststatus_missing", "GET", "/flink/ha/nothing-here", "LISTSTATUS")
    capture(w, "liststatus_of_file", "GET", base + "/submittedExecutionPlan3a4f1c9b2e7d",
            "LISTSTATUS")
    _, page1 = capture(w, "liststatus_batch_page1", "GET", base, "LISTSTATUS_BATCH")
    last = json.loads(page1)["DirectoryListing"]["partialListing"]["FileStatuses"][
        "FileStatus"][-1]["pathSuffix"]
    _, page2 = capture(w, "liststatus_batch_page2", "GET", base, "LISTSTATUS_BATCH",
                       startAfter=last)
    last = json.loads(page2)["DirectoryListing"]["partialListing"]["FileStatuses"][
        "FileStatus"][-1]["pathSuffix"]
    capture(w, "liststatus_batch_page3", "GET", base, "LISTSTATUS_BATCH", startAfter=last)
    capture(w, "liststatus_batch_missing", "GET", "/flink/ha/nothing-here", "LISTSTATUS_BATCH")
    capture(w, "getcontentsummary", "GET", base, "GETCONTENTSUMMARY")
    capture(w, "open_redirect", "GET", jrs, "OPEN")
    status, headers, body = w.raw("GET", INDEX["open_redirect"]["location"])
    (OUT / "open_datanode.json").write_bytes(body)
    INDEX["open_datanode"] = {"method": "GET", "op": "OPEN", "path": jrs, "params": {},
                              "user": w.user, "status": status, "datanode": True,
                              "content_type": headers.get("Content-Type")}
    capture(w, "open_missing", "GET", base + "/completedCheckpoint0000deadbeef", "OPEN")
    capture(w, "rename_true", "PUT", jrs, "RENAME",
            destination=jrs.replace("_DIRTY.json", ".json"))
    capture(w, "rename_false", "PUT", jrs, "RENAME",
            destination=jrs.replace("_DIRTY.json", ".json"))
    capture(w, "delete_true", "DELETE", base + "/completedCheckpoint000000000000", "DELETE",
            recursive="false")
    capture(w, "delete_false", "DELETE", base + "/completedCheckpoint000000000000", "DELETE",
            recursive="false")
    capture(w, "delete_nonempty_dir", "DELETE", "/flink/ha/default/blob", "DELETE",
            recursive="false")
    # AccessControlException: a directory of another user, mode 700, read by a third one.
    w.mkdirs("/private/alice")
    w.put_bytes("/private/alice/f", b"secret")
    w.set_owner("/private/alice", "alice")
    w.set_permission("/private/alice", "700")
    capture(w, "accesscontrol_liststatus", "GET", "/private/alice", "LISTSTATUS", user="bob")
    capture(w, "accesscontrol_delete", "DELETE", "/private/alice/f", "DELETE", user="bob",
            recursive="false")
    # SafeModeException: the NameNode in (manual) safe mode refuses changes, still reads.
    hdfs.command("safemode enter")
    capture(w, "safemode_delete", "DELETE", base + "/completedCheckpoint000000000001", "DELETE",
            recursive="false")
    capture(w, "safemode_rename", "PUT", base + "/completedCheckpoint000000000001", "RENAME",
            destination=base + "/completedCheckpoint00000000000x")
    capture(w, "safemode_getfilestatus", "GET", base + "/completedCheckpoint000000000001",
            "GETFILESTATUS")
    hdfs.command("safemode leave")
    capture(w, "unknown_op", "GET", base, "NOSUCHOP")
    hdfs.stop()


def create(td, procs):
    """CREATE as HaStorage::write_file sends it: overwrite=false to the NameNode, its 307 not
    followed, then the bytes PUT to the DataNode's Location (201); a second CREATE of the same
    name (the DataNode's FileAlreadyExistsException); a CREATE by a user without write access;
    a CREATE in safe mode."""
    hdfs = hdfs_env.start(td / "create", procs)
    w = hdfs.webhdfs()
    base = "/flink/ha/default"
    path = base + "/restored/completedCheckpoint00000000002a"
    status, _ = capture(w, "create_redirect", "PUT", path, "CREATE", overwrite="false")
    assert status == 307, status
    location = INDEX["create_redirect"]["location"]
    status, headers, body = w.raw("PUT", location, b"restored bytes")
    (OUT / "create_datanode.json").write_bytes(body)
    INDEX["create_datanode"] = {"method": "PUT", "op": "CREATE", "path": path,
                                "params": {"overwrite": "false"}, "user": w.user,
                                "status": status, "datanode": True,
                                "content_type": headers.get("Content-Type"),
                                "location": headers.get("Location")}
    print(f"create_datanode: {status} {body[:100]!r}", flush=True)
    assert status == 201, status
    # The same name again: where does the refusal come from, the NameNode or the DataNode?
    status, _ = capture(w, "create_exists_redirect", "PUT", path, "CREATE", overwrite="false")
    if status == 307:
        status, headers, body = w.raw("PUT", INDEX["create_exists_redirect"]["location"],
                                      b"other bytes")
        (OUT / "create_exists_datanode.json").write_bytes(body)
        INDEX["create_exists_datanode"] = {"method": "PUT", "op": "CREATE", "path": path,
                                           "params": {"overwrite": "false"}, "user": w.user,
                                           "status": status, "datanode": True,
                                           "content_type": headers.get("Content-Type")}
        print(f"create_exists_datanode: {status} {body[:200]!r}", flush=True)
    w.mkdirs("/private/alice")
    w.set_owner("/private/alice", "alice")
    w.set_permission("/private/alice", "700")
    status, _ = capture(w, "create_accesscontrol_redirect", "PUT", "/private/alice/f", "CREATE",
                        user="bob", overwrite="false")
    if status == 307:
        status, headers, body = w.raw("PUT", INDEX["create_accesscontrol_redirect"]["location"],
                                      b"x")
        (OUT / "create_accesscontrol_datanode.json").write_bytes(body)
        INDEX["create_accesscontrol_datanode"] = {
            "method": "PUT", "op": "CREATE", "path": "/private/alice/f",
            "params": {"overwrite": "false"}, "user": "bob", "status": status,
            "datanode": True, "content_type": headers.get("Content-Type")}
        print(f"create_accesscontrol_datanode: {status} {body[:200]!r}", flush=True)
    hdfs.command("safemode enter")
    status, _ = capture(w, "create_safemode_redirect", "PUT", base + "/in-safe-mode", "CREATE",
                        overwrite="false")
    if status == 307:
        status, headers, body = w.raw("PUT", INDEX["create_safemode_redirect"]["location"], b"x")
        (OUT / "create_safemode_datanode.json").write_bytes(body)
        INDEX["create_safemode_datanode"] = {
            "method": "PUT", "op": "CREATE", "path": base + "/in-safe-mode",
            "params": {"overwrite": "false"}, "user": w.user, "status": status,
            "datanode": True, "content_type": headers.get("Content-Type")}
        print(f"create_safemode_datanode: {status} {body[:200]!r}", flush=True)
    hdfs.command("safemode leave")
    INDEX["create_datanode"]["stored"] = w.read(path).decode()
    INDEX["create_datanode"]["filestatus"] = w.status(path)
    INDEX["create_datanode"]["parent_filestatus"] = w.status(base + "/restored")
    hdfs.stop()


def ha(td, procs):
    hdfs = hdfs_env.start(td / "ha", procs, mode="ha")
    standby = next(nn for nn in hdfs.namenodes if nn.state == "standby")
    w = hdfs.webhdfs(port=standby.http)
    capture(w, "standby_getfilestatus", "GET", "/", "GETFILESTATUS")
    capture(w, "standby_liststatus", "GET", "/", "LISTSTATUS")
    capture(w, "standby_delete", "DELETE", "/x", "DELETE", recursive="false")
    INDEX["standby_getfilestatus"]["namenodes"] = [nn.__dict__ for nn in hdfs.namenodes]
    hdfs.stop()


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with harness.TestDir("webhdfs-capture") as td, harness.ProcessRegistry() as procs:
        try:
            if ONLY == "create":
                if (OUT / "index.json").is_file():
                    INDEX.update(json.loads((OUT / "index.json").read_text()))
                create(td.path, procs)
            else:
                single(td.path, procs)
                create(td.path, procs)
                ha(td.path, procs)
        except Exception:
            td.failed = True
            raise
    (OUT / "index.json").write_text(json.dumps(INDEX, indent=1, sort_keys=True) + "\n")
    print(f"captured {len(INDEX)} answers into {OUT} in {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    main()
