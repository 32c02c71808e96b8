#!/usr/bin/env python3
"""`flinkha doctor`'s HA-data, storage and quorum checks (lib/doctor/check_locks, check_counter,
check_storage, check_quorum) on conditions produced on real components, each asserting the
finding, its code and the exit status.

Real Flink 2.3 (one JobManager + one TaskManager, Flink's own scripts) on one real ZooKeeper,
running test_ha_data's checkpointing job (ha_data/SlowJob.java, a checkpoint every 500 ms):
  * healthy baseline: no stale-lock / counter-behind; check_storage's storage-usage (info)
    counts the job's bytes;
  * stale lock: a second ZooKeeper session (ZooKeeper's own Java client,
    doctor_checks/ZkHold.java, kept open) creates an ephemeral lock child under the latest
    completed checkpoint's `locks` node, as a former leader that stands by would hold it. Flink
    subsumes the checkpoint, its releaseAndTryRemove cannot delete `locks` (NotEmpty), so the
    pointer stays: stale-lock naming the lock znode and the session, exit 1 (warning);
  * counter behind: the TaskManager is paused (SIGSTOP) so no checkpoint completes, and the
    job's checkpoint_id_counter is rewritten lower (1, Flink's 4-byte big-endian format, by
    flink_cluster's ZnodeTool): counter-behind (critical) naming the counter znode, exit 2; the
    counter is then set past the checkpoints again and the TaskManager resumed.
A real ensemble of four voters in zoo.cfg (the shipped conf/ copied by zk_env, `flinkha zk
start --peer`):
  * one peer running: it answers srvr "not currently serving requests": peer-not-serving
    naming it, exit 2 (the quorum is lost); zoo.cfg's even number of voters is reported once
    (config check's even-voters; check_quorum does not repeat it);
  * three peers running, a writer creating znodes as fast as it can (doctor_checks/ZkHold.java
    load): with --zxid-lag 0 a follower is seen behind the leader (peer-behind) within a few
    reads. A lag of thousands of zxids, or a queue of requests, is not something a loopback
    ensemble produces honestly: the threshold 0 is the only way to see these findings here.
Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import os
import signal
import subprocess
import sys
import time
import traceback
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402
import test_ha_data as ha  # noqa: E402
import zk_env  # noqa: E402

HERE = Path(__file__).resolve().parent
SEVERITY_EXIT = {"info": 0, "warning": 1, "critical": 2}


def doctor(conf, home, *args, timeout=180):
    r = harness.run([harness.flinkha_bin(), "--conf-dir", conf, "--flink-home", home, "-o", "json",
                     "doctor", *args], timeout=timeout)
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None


def findings(doc, code):
    return [f for f in (doc or {}).get("findings", []) if f["code"] == code]


def codes(doc):
    return sorted({f["code"] for f in (doc or {}).get("findings", [])})


def exit_of(doc):
    """The exit status the findings call for (DESIGN.md: 0 ok, 1 warning, 2 critical)."""
    return max([SEVERITY_EXIT[f["severity"]] for f in doc["findings"]], default=0)


def describe(r, doc):
    return f"rc {r.returncode}\n{json.dumps(doc, indent=1)[:4000] if doc else r.describe()}"


class Holder:
    """ZkHold.java `hold`: an ephemeral lock on the newest child of `parent` in a ZooKeeper
    session of its own, open until close(). Its pid is registered, so it ends with the test."""

    def __init__(self, root, zk_port, parent, procs):
        self.log = Path(root, f"hold-{uuid.uuid4().hex[:8]}.log")
        out = open(self.log, "wb")
        self.proc = subprocess.Popen(
            ["java", "-Xmx64m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
             fc.ZK_CLASSPATH, HERE / "doctor_checks" / "ZkHold.java", "hold",
             f"127.0.0.1:{zk_port}", parent], stdin=subprocess.PIPE, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        procs.add_pid(self.proc.pid)
        self.session = self.path = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.proc.poll() is None:
            for line in self.log.read_text(errors="replace").splitlines():
                if line.startswith("held "):
                    _, self.session, self.path = line.split()
                    return
            time.sleep(0.2)

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def doctor_until(conf, home, predicate, *args, tries=3):
    """A running job checkpoints while doctor reads: a read can see the tree move (an orphan
    0 s old). Up to `tries` reads a second apart; returns the last."""
    for _ in range(tries):
        r, doc = doctor(conf, home, *args)
        if doc is not None and predicate(r, doc):
            break
        time.sleep(1)
    return r, doc


# --- Flink: stale lock, counter, storage -------------------------------------------------------

def run_flink(home, td, procs):
    label = "flink"
    classes, jar = ha.compile_java(home, td / "java")
    extra = {"taskmanager.memory.process.size": "1000m", "taskmanager.numberOfTaskSlots": "1",
             "jobmanager.memory.process.size": "700m", "taskmanager.host": "127.0.0.1",
             "taskmanager.bind-host": "127.0.0.1",
             # the clean entry stays, for result-store-entries
             "job-result-store.delete-on-commit": "false"}
    cluster = fc.start_cluster(td / "flink", home, procs, jobmanagers=1, extra_conf=extra)
    jm = cluster.jobmanagers[0]
    # conf/masters names the JobManager that runs, so doctor's status part finds it.
    (cluster.conf_dir / "masters").write_text(f"127.0.0.1:{jm.rest_port}\n")
    tms = ha.start_taskmanager(cluster)
    conf = cluster.conf_dir
    try:
        job = ha.submit(jm, jar)
        ha.wait_for("3 completed checkpoints", lambda: ha.completed_checkpoints(jm, job) >= 3)

        r, base = doctor_until(conf, home, lambda r, d: r.returncode == exit_of(d))
        usage = findings(base, "storage-usage")
        harness.check(f"{label} baseline: no stale-lock or counter-behind, exit as the findings say",
                      base is not None and r.returncode == exit_of(base)
                      and not findings(base, "stale-lock") and not findings(base, "counter-behind"),
                      describe(r, base))
        harness.check(f"{label} storage-usage (info) counts the job's bytes in the storage",
                      len(usage) == 1 and usage[0]["severity"] == "info"
                      and "for 1 jobs" in usage[0]["message"]
                      and f"the largest job {job}" in usage[0]["message"], describe(r, base))
        base_codes = set(codes(base))
        base_exit = r.returncode

        # --- a lock of a live session that is not the leader's ---------------------------
        holder = Holder(td, cluster.zk_port, f"{cluster.namespace}/jobs/{job}/checkpoints", procs)
        if holder.session is None:
            holder.close()
            raise harness.HarnessError(f"ZkHold could not lock a checkpoint:\n"
                                       f"{holder.log.read_text(errors='replace')[-2000:]}")
        lock = holder.path
        locked_checkpoint = lock.rsplit("/locks/", 1)[0]
        try:
            seen = ha.completed_checkpoints(jm, job)
            ha.wait_for("2 more checkpoints (the locked one is subsumed)",
                        lambda: ha.completed_checkpoints(jm, job) >= seen + 2)
            r, doc = doctor_until(conf, home, lambda r, d: findings(d, "stale-lock")
                                  and set(codes(d)) - base_codes == {"stale-lock"})
            stale = findings(doc, "stale-lock")
            harness.check(f"{label} stale-lock names the lock znode and its session (warning)",
                          len(stale) == 1 and stale[0]["subject"] == lock
                          and stale[0]["severity"] == "warning"
                          and holder.session in stale[0]["message"]
                          and stale[0]["flink_issue"] == "FLINK-26284" and bool(stale[0]["remedy"]),
                          f"lock {lock} session {holder.session}\n{describe(r, doc)}")
            harness.check(f"{label} stale-lock: exit 1 (or the baseline's, when that was worse)",
                          doc is not None and r.returncode == max(1, base_exit) == exit_of(doc)
                          and set(codes(doc)) - base_codes == {"stale-lock"}, describe(r, doc))
            _, data = ha.flinkha_json(conf, home, "inspect")
            kept = [c for j in ha.jobs_of(data, job) for c in j["checkpoints"]
                    if c["znode"] == locked_checkpoint]
            harness.check(f"{label} Flink could not remove the locked checkpoint", len(kept) == 1,
                          json.dumps(ha.jobs_of(data, job), indent=1)[:3000])
        finally:
            holder.close()

        # --- storage growth: a job above --storage-bytes-per-job, an orphan above --orphan-age
        _, data = ha.flinkha_json(conf, home, "inspect")
        storage_dir = Path(data["storage"]["uri"].removeprefix("file:"))
        orphan = storage_dir / "completedCheckpoint0123456789ab"
        orphan.write_bytes(b"x" * 1000)
        two_hours_ago = time.time() - 7200
        os.utime(orphan, (two_hours_ago, two_hours_ago))
        r, doc = doctor_until(conf, home, lambda r, d: findings(d, "storage-per-job")
                              and findings(d, "orphans-old"), "--storage-bytes-per-job", "1",
                              "--orphan-age", "1h")
        per_job = findings(doc, "storage-per-job")
        old = findings(doc, "orphans-old")
        harness.check(f"{label} storage-per-job names the job above 1 byte (warning)",
                      len(per_job) == 1 and per_job[0]["subject"] == job
                      and per_job[0]["severity"] == "warning", describe(r, doc))
        harness.check(f"{label} orphans-old counts the 2 h old orphan, its bytes and age",
                      len(old) == 1 and old[0]["severity"] == "warning"
                      and "1 orphans" in old[0]["message"]
                      and "completedCheckpoint0123456789ab" in old[0]["message"]
                      and "1000 bytes" in old[0]["message"]
                      and r.returncode == exit_of(doc) >= 1, describe(r, doc))
        r, doc = doctor(conf, home, "--orphan-age", "3h")
        harness.check(f"{label} an orphan younger than --orphan-age is not storage growth",
                      doc is not None and not findings(doc, "orphans-old")
                      and not findings(doc, "storage-per-job"), describe(r, doc))
        orphan.unlink()

        # --- the counter behind the checkpoints ------------------------------------------
        for pid in tms:
            os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(1.5)  # the pending checkpoint has taken its id; none completes
            _, data = ha.flinkha_json(conf, home, "inspect")
            mine = ha.jobs_of(data, job)
            if not mine or not mine[0]["counter"] or not mine[0]["checkpoints"]:
                raise harness.HarnessError(f"no counter or checkpoints of {job} in inspect")
            counter = mine[0]["counter"]
            highest = max(c["checkpoint_id"] for c in mine[0]["checkpoints"])
            fc.znode_tool(td, cluster.zk_port, "put", counter["znode"], "00000001")
            r, doc = doctor(conf, home)
            behind = findings(doc, "counter-behind")
            harness.check(f"{label} counter-behind names the counter znode (critical)",
                          len(behind) == 1 and behind[0]["subject"] == counter["znode"]
                          and behind[0]["severity"] == "critical"
                          and "next checkpoint is 1" in behind[0]["message"]
                          and f"checkpoint {highest} is already completed" in behind[0]["message"],
                          f"highest {highest}\n{describe(r, doc)}")
            criticals = sorted({f["code"] for f in (doc or {}).get("findings", [])
                                if f["severity"] == "critical"})
            harness.check(f"{label} counter-behind: exit 2, the only critical finding",
                          r.returncode == 2 and criticals == ["counter-behind"], describe(r, doc))
            fc.znode_tool(td, cluster.zk_port, "put", counter["znode"], f"{highest + 100:08x}")

            # --- a pointer stuck marked for deletion: its locks node gone, the pointer kept --
            # (what an interrupted releaseAndTryRemove leaves; no checkpoint completes while the
            # TaskManager is stopped, so Flink does not touch it meanwhile)
            oldest = min(mine[0]["checkpoints"], key=lambda c: c["checkpoint_id"])["znode"]
            rm = ha.zkcli(cluster.zk_port, "deleteall", f"{oldest}/locks")
            r, doc = doctor(conf, home, "--marked-for-deletion-age", "0s")
            stuck = findings(doc, "deletion-stuck")
            harness.check(f"{label} deletion-stuck names the pointer without locks (warning), "
                          "said once", rm.returncode == 0 and len(stuck) == 1
                          and stuck[0]["subject"] == oldest and stuck[0]["severity"] == "warning"
                          and not [f for f in (doc or {}).get("findings", []) if f["subject"] == oldest
                                   and f["code"] != "deletion-stuck"]
                          and r.returncode == exit_of(doc) >= 1,
                          f"{rm.describe()}\n{describe(r, doc)}")
            r, doc = doctor(conf, home, "--marked-for-deletion-age", "1h")
            harness.check(f"{label} younger than --marked-for-deletion-age: no deletion-stuck",
                          doc is not None and not findings(doc, "deletion-stuck"),
                          describe(r, doc))
        finally:
            for pid in tms:
                os.kill(pid, signal.SIGCONT)

        # --- the JobResultStore's entries above --result-store-entries ---------------------
        ha.rest(jm, "PATCH", f"/jobs/{job}?mode=cancel")
        r, doc = doctor_until(conf, home, lambda r, d: [
            f for f in findings(d, "result-store-entries") if "JobResultStore" in f["message"]],
            "--result-store-entries", "0", tries=20)
        entries = [f for f in findings(doc, "result-store-entries")
                   if "JobResultStore" in f["message"]]
        # (dirty or already clean: Flink marks it clean once its global cleanup is done)
        harness.check(f"{label} result-store-entries: the cancelled job's entry above 0 "
                      "(warning)", len(entries) == 1 and entries[0]["severity"] == "warning"
                      and "holds 1 entries (" in entries[0]["message"]
                      and r.returncode == exit_of(doc) >= 1, describe(r, doc))
    finally:
        ha.stop_flink(cluster, tms)
        cluster.stop()


# --- a real ensemble: peer not serving, even voters, peer behind -------------------------------

FOUR_VOTERS = """tickTime=500
initLimit=20
syncLimit=10
dataDir=/tmp/flinkha-local/zookeeper
4lw.commands.whitelist=srvr,mntr
admin.enableServer=false
server.1=localhost:2888:3888;2181
server.2=localhost:2889:3889;2182
server.3=localhost:2890:3890;2183
server.4=localhost:2891:3891;2184
"""


def zk_start(env, *peers):
    args = [a for p in peers for a in ("--peer", str(p))]
    return harness.run([harness.flinkha_bin(), "--conf-dir", env.conf_dir, "zk", "start", *args],
                       timeout=180)


def wait_serving(env, peers, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if all("Mode: " in zk_env.four_letter(env.client_port(p), "srvr") for p in peers):
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def run_ensemble(home, td, procs):
    label = "ensemble"
    env = zk_env.ShippedCopy(td / "ensemble", zoo_cfg=FOUR_VOTERS)
    try:
        r = zk_start(env, 1)
        for pid in env.pids().values():
            procs.add_pid(pid)
        harness.check(f"{label} zk start --peer 1", r.returncode == 0, r.describe())
        refusing = False
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not refusing:
            try:
                refusing = "not currently serving" in zk_env.four_letter(env.client_port(1), "srvr")
            except OSError:
                time.sleep(0.3)
        r, doc = doctor(env.conf_dir, home, timeout=240)
        alone = findings(doc, "peer-not-serving")
        subject = f"localhost:{env.client_port(1)}"  # zoo.cfg names it so
        harness.check(f"{label} one of four voters: peer-not-serving names it (warning)",
                      refusing and len(alone) == 1 and alone[0]["subject"] == subject
                      and alone[0]["severity"] == "warning"
                      and "not currently serving" in alone[0]["message"], describe(r, doc))
        harness.check(f"{label} one of four voters: exit 2 (the quorum is lost)",
                      doc is not None and r.returncode == 2 == exit_of(doc), describe(r, doc))
        harness.check(f"{label} four voters: even-voters reported once",
                      len(findings(doc, "even-voters")) == 1, describe(r, doc))

        r = zk_start(env, 2, 3)
        for pid in env.pids().values():
            procs.add_pid(pid)
        serving = wait_serving(env, (1, 2, 3))
        harness.check(f"{label} three of four voters serve", r.returncode == 0 and serving,
                      r.describe() + env.logs())
        r, doc = doctor(env.conf_dir, home, timeout=240)
        harness.check(f"{label} quorum held: no peer-not-serving, no peer-behind at the default lag",
                      doc is not None and not findings(doc, "peer-not-serving")
                      and not findings(doc, "peer-behind") and r.returncode == exit_of(doc),
                      describe(r, doc))
        # A writer as fast as the ensemble takes it; doctor reads with --zxid-lag 0 meanwhile.
        load_log = td / "load.log"
        load = procs.start(["java", "-Xmx128m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                            "-cp", fc.ZK_CLASSPATH, HERE / "doctor_checks" / "ZkHold.java", "load",
                            f"127.0.0.1:{env.client_port(1)}", "/doctor-load", "40000"],
                           log=load_log)
        behind, r, doc = [], None, None
        time.sleep(3)  # the JVM starts and writes
        deadline = time.monotonic() + 35
        while time.monotonic() < deadline and load.poll() is None and not behind:
            r, doc = doctor(env.conf_dir, home, "--zxid-lag", "0", timeout=120)
            behind = findings(doc, "peer-behind")
        ports = {f"localhost:{env.client_port(p)}" for p in (1, 2, 3)}
        harness.check(f"{label} under load, --zxid-lag 0: peer-behind names a serving peer",
                      behind and behind[0]["subject"] in ports and behind[0]["severity"] == "warning"
                      and "transactions behind leader" in behind[0]["message"],
                      (describe(r, doc) if r else "no doctor run") + load_log.read_text()[-2000:])
        harness.check(f"{label} peer-behind: exit as the findings say",
                      r is not None and doc is not None and r.returncode == exit_of(doc) >= 1,
                      describe(r, doc) if r else "")
        load.terminate()
        load.wait(30)
    finally:
        harness.run([harness.flinkha_bin(), "--conf-dir", env.conf_dir, "zk", "stop"], timeout=120)


def main():
    try:
        home = harness.flink_home("2.3.0")
    except harness.HarnessError as e:
        harness.check("Flink 2.3.0 available", False, str(e))
        return harness.summary()
    with harness.TestDir("doctor-checks") as tdir, harness.ProcessRegistry() as procs:
        td = tdir.path
        try:
            for part in (run_flink, run_ensemble):
                try:
                    part(home, td, procs)
                except Exception:
                    harness.check(f"{part.__name__}: no exception", False, traceback.format_exc())
        finally:
            if harness.CHECKS.failed:
                tdir.failed = True
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
