#!/usr/bin/env python3
"""`flinkha inspect` and `flinkha cleanup` against a real Flink 2.x cluster and real ZooKeeper.

Real HA data (one JobManager + one TaskManager, started with Flink's own scripts):
  * a tiny checkpointed streaming job (ha_data/SlowJob.java, compiled here with javac against
    $FLINK_HOME/lib) is submitted over REST; inspect shows it running with its execution plan,
    checkpoints and their files; cleanup refuses while the leader is registered (naming it);
    after cancelling, inspect shows the clean JobResultStore entry and no job data left;
  * a real dirty entry: Flink's own global cleanup is made to fail, then the cluster is stopped.
    How: before cancelling, the ZooKeeper ACL of {ns}/execution-plans/<job> and {ns}/jobs/<job>
    is set to world:anyone:crwa (no DELETE). Flink then cannot delete their children, its
    retried global cleanup fails, and the <job>_DIRTY.json entry stays. ZooKeeper ACLs bind
    root as well (file permission bits do not: the tests run as root), so this is reliable.
    The ACLs are restored after the cluster stopped; inspect reports the dirty entry and the
    leftovers, cleanup dirty-jobs removes exactly those and marks the entry clean, a second run
    has nothing to do, and a restarted cluster does not recover the job;
  * Flink 2.3: a real dirty ApplicationResultStore entry, made the same way on
    {ns}/applications/<app> of an application (POST /jars/:jarid/run-application), reported by
    inspect and cleaned by cleanup dirty-jobs (pointer, file, then the mark); a second run has
    nothing to do.
Synthetic HA data (ha_data/HaTree.java: ZooKeeper's Java client + Flink's own pointer classes):
  * SIGKILL of cleanup dirty-jobs at several points of a 3000-checkpoint tree: every rerun
    completes, and after every kill no pointer names a missing file;
  * cleanup orphans removes an old orphaned completedCheckpoint file and keeps a fresh one;
  * a symlink in the storage dir pointing outside is never followed; cluster-ids "/" and ".."
    are refused; cleanup cluster needs --yes and the cluster-id; gs:// storage (no storage of flinkha's) is
    reported as not supported while the ZooKeeper side still works.
Prints "N passed, M failed"; exits non-zero on failure.
"""

import re
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
import urllib.request
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402

HERE = Path(__file__).resolve().parent
ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"
def flinkha(conf_dir, home, *args, timeout=300):
    return harness.run([harness.flinkha_bin(), "--conf-dir", conf_dir, "--flink-home", home,
                        *args], timeout=timeout)


def flinkha_json(conf_dir, home, *args, timeout=300):
    r = flinkha(conf_dir, home, "-o", "json", *args, timeout=timeout)
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None


def compile_java(home, out):
    """javac SlowJob + HaTree against the distribution's jars; SlowJob packed into a jar."""
    classes = Path(out, "classes")
    classes.mkdir(parents=True, exist_ok=True)
    cp = f"{home}/lib/*:{fc.ZK_CLASSPATH}"
    r = harness.run([harness.java_tool("javac"), "-proc:none", "-implicit:none", "-nowarn",
                     "-cp", cp, "-d", classes, HERE / "ha_data" / "SlowJob.java",
                     HERE / "ha_data" / "HaTree.java"], timeout=300)
    if r.returncode != 0:
        raise harness.HarnessError(f"javac failed:\n{r.describe()}")
    jar = Path(out, "slowjob.jar")
    r = harness.run([harness.java_tool("jar"), "cf", jar, "-C", classes, "SlowJob.class",
                     "-C", classes, "SlowJob$1.class"], timeout=120)
    if r.returncode != 0:
        raise harness.HarnessError(f"jar failed:\n{r.describe()}")
    return classes, jar


def ha_tree(home, classes, zk_port, ns, job, checkpoints, plan_dir, uri, files=True):
    cp = f"{home}/lib/*:{fc.ZK_CLASSPATH}:{classes}"
    r = harness.run(["java", "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                     "-cp", cp, "HaTree", f"127.0.0.1:{zk_port}", ns, job, checkpoints, plan_dir,
                     uri, "files" if files else "nofiles"], timeout=300)
    if r.returncode != 0:
        raise harness.HarnessError(f"HaTree failed:\n{r.describe()}")
    return int(r.stdout.split()[-1])


def zkcli(zk_port, *command):
    r = harness.run([ZKCLI, "-server", f"127.0.0.1:{zk_port}", *command], timeout=120,
                    env=dict(os.environ, ZOO_LOG4J_PROP="ERROR,CONSOLE"))
    return r


# --- REST ---------------------------------------------------------------------------------------

def rest(jm, method, path, body=None, content_type="application/json", timeout=30):
    request = urllib.request.Request(jm.rest_url + path, data=body, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    with urllib.request.urlopen(request, timeout=timeout) as response:
        text = response.read().decode()
        return json.loads(text) if text.strip() else {}


def upload_jar(jm, jar):
    boundary = uuid.uuid4().hex
    data = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"jarfile\"; "
            f"filename=\"slowjob.jar\"\r\nContent-Type: application/x-java-archive\r\n\r\n"
            ).encode() + Path(jar).read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    uploaded = rest(jm, "POST", "/jars/upload", data, f"multipart/form-data; boundary={boundary}",
                    timeout=120)
    return Path(uploaded["filename"]).name


def submit(jm, jar):
    run = rest(jm, "POST", f"/jars/{upload_jar(jm, jar)}/run",
               json.dumps({"entryClass": "SlowJob"}).encode(), timeout=180)
    return run["jobid"]


def submit_application(jm, jar, known_jobs=()):
    """Flink 2.3: runs the jar as an application (POST /jars/:jarid/run-application,
    JarRunApplicationHandler: a PackagedProgramApplication, the one kind Flink persists in its
    ApplicationStore; /jars/:jarid/run makes a SingleJobApplication, which
    AbstractApplication.getApplicationStoreEntry keeps out of it). Returns (application id, the
    id of its running job, the first one not in known_jobs)."""
    run = rest(jm, "POST", f"/jars/{upload_jar(jm, jar)}/run-application",
               json.dumps({"entryClass": "SlowJob"}).encode(), timeout=180)
    app = run["applicationid"]  # JarRunApplicationResponseBody's @JsonProperty
    job = wait_for("the application's job", lambda: [
        j["jid"] for j in rest(jm, "GET", "/jobs/overview")["jobs"]
        if j["state"] == "RUNNING" and j["jid"] not in known_jobs])[0]
    return app, job


def wait_for(what, predicate, timeout=180, interval=0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except OSError as e:
            last = e
        time.sleep(interval)
    raise harness.HarnessError(f"timed out waiting for {what} (last: {last})")


def completed_checkpoints(jm, job):
    return rest(jm, "GET", f"/jobs/{job}/checkpoints")["counts"]["completed"]


def job_state(jm, job):
    return rest(jm, "GET", f"/jobs/{job}")["state"]


def start_taskmanager(cluster):
    before = set(_pids(cluster))
    r = harness.run([cluster.home / "bin" / "taskmanager.sh", "start"], env=cluster.env,
                    timeout=120)
    if r.returncode != 0:
        raise harness.HarnessError(f"taskmanager.sh start failed:\n{r.describe()}")
    new = [p for p in _pids(cluster) if p not in before]
    for pid in new:
        cluster.procs.add_pid(pid)
    return new


def _pids(cluster):
    pids = []
    for f in (cluster.root / "pids").glob("flink-*-taskexecutor.pid"):
        pids += [int(x) for x in f.read_text().split() if x.strip().isdigit()]
    return pids


def stop_pid(pid, timeout=60):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while harness._alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if harness._alive(pid):
        os.kill(pid, signal.SIGKILL)


def stop_flink(cluster, tm_pids):
    """JobManagers and TaskManagers, not ZooKeeper."""
    for pid in tm_pids:
        stop_pid(pid)
    for jm in cluster.jobmanagers:
        if jm.pid:
            stop_pid(jm.pid)
            jm.stopped = True


def jobs_of(data, job):
    return [j for j in (data or {}).get("jobs", []) if j["job_id"] == job]


def job_znodes(data, job):
    return sorted(z["path"] for z in data["znodes"] if z["job_id"] == job or job in z["path"])


def pointers(job):
    """The pointer records of one job of inspect's JSON: its execution plan, its checkpoints."""
    return ([job["job_graph"]] if job["job_graph"] else []) + job["checkpoints"]


def missing_pointers(data):
    """The znodes of inspect's JSON whose pointed-to file is missing (dangling pointers)."""
    return [p["znode"] for j in data["jobs"] for p in pointers(j) if p["file_status"] == "missing"]


def dirty_json(job):
    return json.dumps({"result": {"id": job, "application-status": "CANCELED",
                                  "accumulator-results": {}, "net-runtime": 1}, "version": 1})


# --- real cluster ------------------------------------------------------------------------------

def run_real(home, td, procs, jar):
    label = "real"
    extra = {"taskmanager.memory.process.size": "1000m", "taskmanager.numberOfTaskSlots": "1",
             "jobmanager.memory.process.size": "700m", "taskmanager.host": "127.0.0.1",
             "taskmanager.bind-host": "127.0.0.1", "job-result-store.delete-on-commit": "false"}
    cluster = fc.start_cluster(td / "real", home, procs, jobmanagers=1, extra_conf=extra)
    jm = cluster.jobmanagers[0]
    tms = start_taskmanager(cluster)
    conf, ns = cluster.conf_dir, cluster.namespace
    storage = cluster.root / "ha" / cluster.cluster_id
    jrs = cluster.root / "ha" / "job-result-store" / cluster.cluster_id
    try:
        # --- a running job, then cancelled: the clean entry ---------------------------------
        job = submit(jm, jar)
        wait_for("2 completed checkpoints", lambda: completed_checkpoints(jm, job) >= 2)
        # The job keeps checkpointing (every 500 ms) while inspect reads: checkpoints are written
        # and subsumed between its ZooKeeper walk and its listing, which inspect itself must tell
        # from dangling pointers and orphans (ha_inventory: settle_moving_tree). One read.
        r, data = flinkha_json(conf, home, "inspect")
        mine = jobs_of(data, job)
        ok = bool(mine) and mine[0]["state"] == "running"
        if ok:
            j = mine[0]
            ok = (j["job_graph"] and j["job_graph"]["file_status"] == "present"
                  and len(j["checkpoints"]) >= 1
                  and all(c["file_status"] == "present" for c in j["checkpoints"])
                  and j["counter"] is not None and j["blob_dir"])
        harness.check(f"{label} inspect: running job with execution plan, checkpoints and files, exit 0",
                      ok and r.returncode == 0, f"rc {r.returncode}\n{json.dumps(mine, indent=1)[:3000]}"
                      f"\nfindings {data and data['findings']}\n{r.stderr}")
        r = flinkha(conf, home, "inspect")
        harness.check(f"{label} inspect text groups by job", f"job {job}" in r.stdout
                      and "checkpoints" in r.stdout and "running" in r.stdout, r.describe())
        r = flinkha(conf, home, "cleanup", "dirty-jobs")
        harness.check(f"{label} cleanup refused while a leader is registered (exit 2, names it)",
                      r.returncode == 2 and "live leader" in r.stderr and "127.0.0.1" in r.stderr,
                      r.describe())
        r = flinkha(conf, home, "cleanup", "dirty-jobs", "--dry-run")
        harness.check(f"{label} a dry run with a live leader shows the plan and says a run is refused",
                      r.returncode == 0 and "live leader" in r.stderr and "refused" in r.stderr,
                      r.describe())
        rest(jm, "PATCH", f"/jobs/{job}?mode=cancel")
        wait_for("the clean JobResultStore entry", lambda: (jrs / f"{job}.json").exists())
        r, data = flinkha_json(conf, home, "inspect")
        mine = jobs_of(data, job)
        entries = [e for e in data["job_result_store"]["entries"] if e["job_id"] == job]
        # A clean job with nothing left is listed in the JobResultStore only, not as a job.
        ok = (r.returncode == 0 and [e["state"] for e in entries] == ["clean"] and not mine
              and not job_znodes(data, job))
        harness.check(f"{label} inspect after cancel: the clean entry, no job data left", ok,
                      f"{json.dumps(mine, indent=1)[:3000]}\n{entries}\n{r.stderr}")
        r = flinkha(conf, home, "inspect")
        harness.check(f"{label} inspect text lists the clean entry", f"{job}.json  clean" in r.stdout,
                      r.stdout[-2000:])

        # --- a real dirty entry -------------------------------------------------------------
        job2 = submit(jm, jar)
        wait_for("2 completed checkpoints", lambda: completed_checkpoints(jm, job2) >= 2)
        locked = [f"{ns}/execution-plans/{job2}", f"{ns}/jobs/{job2}"]
        for path in locked:
            r = zkcli(cluster.zk_port, "setAcl", path, "world:anyone:crwa")
            if r.returncode != 0:
                raise harness.HarnessError(f"setAcl failed:\n{r.describe()}")
        rest(jm, "PATCH", f"/jobs/{job2}?mode=cancel")
        wait_for("the dirty entry and a CANCELED job",
                 lambda: (jrs / f"{job2}_DIRTY.json").exists()
                 and job_state(jm, job2) == "CANCELED")
        time.sleep(3)  # a few of Flink's cleanup attempts fail (NoAuth)
        stop_flink(cluster, tms)
        for path in locked:
            zkcli(cluster.zk_port, "setAcl", path, "world:anyone:cdrwa")
        harness.check(f"{label} Flink's global cleanup failed: dirty entry left after stop",
                      (jrs / f"{job2}_DIRTY.json").exists(), str(list(jrs.iterdir())))
        r, before = flinkha_json(conf, home, "inspect")
        mine = jobs_of(before, job2)
        leftovers = job_znodes(before, job2) if before else []
        files_before = {f["path"] for f in before["storage"]["files"]} if before else set()
        job_files = set()
        if mine:
            ptrs = ([mine[0]["job_graph"]] if mine[0]["job_graph"] else []) + mine[0]["checkpoints"]
            job_files = {p["file"] for p in ptrs if p["file"]}
            job_files |= {e["path"] for e in mine[0]["blob_entries"]}
        harness.check(f"{label} inspect: dirty entry and its leftovers, exit 1",
                      r.returncode == 1 and bool(mine) and mine[0]["state"] == "dirty"
                      and len(leftovers) > 0 and any(f["kind"] == "dirty-job" for f in before["findings"]),
                      f"rc {r.returncode} {json.dumps(mine, indent=1)[:3000]}")
        r, plan = flinkha_json(conf, home, "cleanup", "dirty-jobs", "--dry-run")
        r2, after_dry = flinkha_json(conf, home, "inspect")
        harness.check(f"{label} dry run prints the plan and changes nothing",
                      r.returncode == 0 and plan and plan["dry_run"] and len(plan["plan"]) > 0
                      and not plan["results"] and after_dry and job_znodes(after_dry, job2) == leftovers,
                      r.describe())
        r = flinkha(conf, home, "cleanup", "dirty-jobs", job2)
        _, after = flinkha_json(conf, home, "inspect")
        files_after = {f["path"] for f in after["storage"]["files"]} if after else set()
        others_before = sorted(z["path"] for z in before["znodes"]
                               if z["path"] not in leftovers and z["stat"]["ephemeral_owner"] is None)
        others_after = sorted(z["path"] for z in after["znodes"]) if after else []
        # Curator's parents (leader/latch, …) are container nodes that the server itself removes
        # once they are empty, on its own schedule (znode.container.checkIntervalMs): a node of
        # another job or of the cluster may be gone afterwards without flinkha touching it. What
        # flinkha guarantees is that it deleted none of them: no such path is a step of its plan.
        planned = set(re.findall(r"(/[^\s'\"]+)", r.stdout))
        vanished = set(others_before) - set(others_after)
        harness.check(f"{label} cleanup dirty-jobs removes exactly the leftovers and marks clean",
                      r.returncode == 0 and after and not job_znodes(after, job2)
                      and set(others_after) <= set(others_before)
                      and not (vanished & planned)
                      and files_after == files_before - job_files - {"blob/job_" + job2}
                      and not (jrs / f"{job2}_DIRTY.json").exists() and (jrs / f"{job2}.json").exists(),
                      f"{r.describe()}\nleft {job_znodes(after, job2) if after else None}\n"
                      f"others {set(others_before) ^ set(others_after)}\n"
                      f"files {files_before - files_after} vs {job_files}")
        harness.check(f"{label} plan printed before the steps, order pointer → file → mark",
                      r.stdout.index("plan for") < r.stdout.index("[") and "mark clean" in r.stdout,
                      r.stdout[:2000])
        r = flinkha(conf, home, "cleanup", "dirty-jobs")
        harness.check(f"{label} second run: nothing to do", r.returncode == 0
                      and "nothing to do" in r.stdout, r.describe())
        # --- restart: the job is not recovered --------------------------------------------
        cluster.start_jobmanager(jm)
        cluster.wait_rest(jm)
        tms = start_taskmanager(cluster)
        time.sleep(8)
        overview = rest(jm, "GET", "/jobs/overview")["jobs"]
        log = "\n".join(p.read_text(errors="replace")
                        for p in (cluster.root / "logs").glob("*standalonesession*.log"))
        harness.check(f"{label} restarted cluster does not recover the cleaned job",
                      all(j["jid"] != job2 for j in overview) and f"Recovered" not in
                      "".join(line for line in log.splitlines() if job2 in line),
                      f"{overview}")
        run_dirty_application(cluster, jm, jar, conf, home, label, {job, job2})
    finally:
        stop_flink(cluster, tms)
        cluster.stop()


def run_dirty_application(cluster, jm, jar, conf, home, label, known_jobs):
    """Flink 2.3: a real dirty ApplicationResultStore entry, made as the dirty job entry above
    (DELETE removed from {ns}/applications/<app>: DefaultApplicationStore's global cleanup fails,
    Dispatcher.removeApplication never marks the entry clean), reported by inspect, cleaned by
    cleanup dirty-jobs (pointer, file, then the mark), a second run has nothing to do. Runs on
    the restarted cluster of run_real; stops its JobManager and TaskManagers."""
    ns = cluster.namespace
    storage = cluster.root / "ha" / cluster.cluster_id
    ars = cluster.root / "ha" / "application-result-store" / cluster.cluster_id
    tms = _pids(cluster)
    app, job = submit_application(jm, jar, known_jobs)
    wait_for("a completed checkpoint of the application's job",
             lambda: completed_checkpoints(jm, job) >= 1)
    r, data = flinkha_json(conf, home, "inspect")
    apps = [a for a in (data or {}).get("applications", []) if a["application_id"] == app]
    harness.check(f"{label} inspect: a running application, its pointer, file, locks and jobs",
                  bool(apps) and apps[0]["state"] == "running" and apps[0]["pointer"]
                  and apps[0]["pointer"]["file_status"] == "present"
                  and apps[0]["pointer"]["locks"]
                  and not any(f["kind"] == "unknown-znode" for f in data["findings"]),
                  f"rc {r.returncode} {json.dumps(apps, indent=1)[:2000]}\n"
                  f"{data and data['findings']}")
    path = f"{ns}/applications/{app}"
    r = zkcli(cluster.zk_port, "setAcl", path, "world:anyone:crwa")
    if r.returncode != 0:
        raise harness.HarnessError(f"setAcl failed:\n{r.describe()}")
    rest(jm, "PATCH", f"/jobs/{job}?mode=cancel")
    wait_for("the dirty ApplicationResultStore entry and a CANCELED job",
             lambda: (ars / f"{app}_DIRTY.json").exists() and job_state(jm, job) == "CANCELED")
    time.sleep(3)  # a few of Flink's cleanup attempts fail (NoAuth)
    stop_flink(cluster, tms)
    zkcli(cluster.zk_port, "setAcl", path, "world:anyone:cdrwa")
    harness.check(f"{label} Flink's application cleanup failed: dirty entry left after stop",
                  (ars / f"{app}_DIRTY.json").exists(), str(list(ars.iterdir())))
    r, before = flinkha_json(conf, home, "inspect")
    apps = [a for a in (before or {}).get("applications", []) if a["application_id"] == app]
    dirty = [f for f in (before or {}).get("findings", [])
             if f["kind"] == "dirty-application" and f["application_id"] == app]
    app_file = apps[0]["pointer"]["file"] if apps and apps[0]["pointer"] else None
    harness.check(f"{label} inspect: the dirty application entry and its leftovers, exit 1",
                  r.returncode == 1 and bool(apps) and apps[0]["state"] == "dirty" and dirty
                  and app_file and (storage / app_file).exists()
                  and before["application_result_store"]["dirty_entries"] == 1,
                  f"rc {r.returncode} {json.dumps(apps, indent=1)[:2000]}")
    r = flinkha(conf, home, "inspect")
    harness.check(f"{label} inspect text shows the application", f"application {app}" in r.stdout
                  and f"{app}_DIRTY.json" in r.stdout, r.stdout[-3000:])
    r, plan = flinkha_json(conf, home, "cleanup", "dirty-jobs", "--dry-run")
    steps = plan["plan"] if plan else []
    mine = [s for s in steps if s.get("application_id") == app]
    order = [s["target"] for s in mine]
    harness.check(f"{label} dry run plans the application: pointer, file, then the mark",
                  r.returncode == 0 and len(mine) >= 3 and order[-1] == app
                  and mine[-1]["scope"] == "application-result-store"
                  and order.index(path) < order.index(app_file) < order.index(app)
                  and (ars / f"{app}_DIRTY.json").exists(), r.describe())
    r = flinkha(conf, home, "cleanup", "dirty-jobs")
    r2, after = flinkha_json(conf, home, "inspect")
    left = [z["path"] for z in (after or {}).get("znodes", []) if app in z["path"]]
    harness.check(f"{label} cleanup dirty-jobs removes the application's data and its entry",
                  r.returncode == 0 and after is not None and not left
                  and not (storage / app_file).exists()
                  and not (ars / f"{app}_DIRTY.json").exists()
                  and not any(a["application_id"] == app for a in after["applications"]),
                  f"{r.describe()}\nleft {left}")
    r = flinkha(conf, home, "cleanup", "dirty-jobs")
    harness.check(f"{label} second run after the application: nothing to do",
                  r.returncode == 0 and "nothing to do" in r.stdout, r.describe())


# --- synthetic trees ---------------------------------------------------------------------------

def synthetic_conf(home, root, zk_port, cluster_id, extra=None):
    conf = fc.write_flink_conf(root, home, zk_port, cluster_id, extra)
    return conf


# Kill points: two by time (inside the inventory walk), then three by progress — when a share of
# the checkpoint files is gone — so that kills land mid-way through the deletions however fast or
# loaded the machine is (pointers go before their files: files disappearing means the deletions
# are under way).
KILL_POINTS = [("time", 0.05), ("time", 0.3), ("files", 0.02), ("files", 0.35), ("files", 0.7)]


def sigkill_rounds(cmd, env, count_files, files_initial, after_kill, kill_points=KILL_POINTS,
                   reruns=4):
    """Runs the cleanup `cmd` and SIGKILLs it at each kill point ("time", seconds) or ("files",
    share of the files_initial files gone, as count_files() sees it); after each kill calls
    after_kill(where, rc), which inspects and returns True when the cleanup is complete. Then
    reruns cmd (at most `reruns` times, 300 s each) until it exits 0. Returns whether the
    cleanup completed. Every process is in its own group, killed with it."""
    for point in kill_points + [None] * reruns:
        proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True, env=env)
        if point is None:
            try:
                rc = proc.wait(300)
            except subprocess.TimeoutExpired:
                rc = None
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
            proc.stderr.close()
            if rc == 0:
                return True
            continue
        kind, amount = point
        where = f"{amount}s" if kind == "time" else f"{amount:.0%} of the files gone"
        if kind == "time":
            time.sleep(amount)
        else:
            target = files_initial * (1 - amount)
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline:
                if count_files() <= target:
                    break
                time.sleep(0.005)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        rc = proc.wait(60)
        proc.stderr.close()
        if after_kill(where, rc):
            return True
    return False


def run_sigkill(home, td, zk_port, classes):
    label = "sigkill"
    root = td / "kill"
    cid = "kill-" + uuid.uuid4().hex[:6]
    conf = synthetic_conf(home, root, zk_port, cid)
    storage = root / "ha" / cid
    storage.mkdir(parents=True, exist_ok=True)
    jrs = root / "ha" / "job-result-store" / cid
    jrs.mkdir(parents=True, exist_ok=True)
    job = uuid.uuid4().hex
    n = ha_tree(home, classes, zk_port, f"/flink/{cid}", job, 3000, storage, f"file:{storage}")
    (jrs / f"{job}_DIRTY.json").write_text(dirty_json(job))
    r, data = flinkha_json(conf, home, "inspect")
    initial = len(job_znodes(data, job)) if data else 0
    harness.check(f"{label} seeded {n} znodes, inspect sees the dirty job", data and initial > 6000
                  and jobs_of(data, job) and jobs_of(data, job)[0]["state"] == "dirty", r.describe())
    files_initial = len(list(storage.glob("completedCheckpoint*")))
    mid_way, violations = 0, []

    def after_kill(where, rc):
        nonlocal mid_way
        r, data = flinkha_json(conf, home, "inspect")
        if not data:
            violations.append(f"inspect failed: {r.describe()}")
            return False
        left = len(job_znodes(data, job))
        missing = missing_pointers(data)
        if missing:
            violations.append(f"after kill at {where}: pointers to missing files {missing[:5]}")
        if 0 < left < initial:
            mid_way += 1
        print(f"  kill after {where}: rc {rc}, {left} of {initial} job znodes left", flush=True)
        return rc == 0 and left == 0

    finished = sigkill_rounds(
        [harness.flinkha_bin(), "--conf-dir", conf, "--flink-home", home, "cleanup",
         "dirty-jobs"], None, lambda: len(list(storage.glob("completedCheckpoint*"))),
        files_initial, after_kill)
    harness.check(f"{label} no pointer to a missing file after any kill", not violations,
                  "\n".join(violations))
    harness.check(f"{label} at least one kill landed mid-way through the deletions", mid_way >= 1,
                  f"mid-way kills: {mid_way}")
    r = flinkha(conf, home, "cleanup", "dirty-jobs")
    _, data = flinkha_json(conf, home, "inspect")
    harness.check(f"{label} reruns complete; a final run has nothing to do", finished or (
        r.returncode == 0) and "nothing to do" in r.stdout and data and not job_znodes(data, job)
        and not (jrs / f"{job}_DIRTY.json").exists() and not any(storage.glob("completed*")),
        r.describe())


def run_orphans_and_safety(home, td, zk_port):
    label = "orphans"
    root = td / "orph"
    cid = "orph-" + uuid.uuid4().hex[:6]
    conf = synthetic_conf(home, root, zk_port, cid)
    storage = root / "ha" / cid
    storage.mkdir(parents=True, exist_ok=True)
    old = storage / "completedCheckpoint0123456789ab"
    fresh = storage / "completedCheckpointba9876543210"
    old.write_bytes(b"x" * 100)
    fresh.write_bytes(b"y" * 100)
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    # a symlink pointing outside, named like an orphan, and a symlinked blob dir
    outside = td / "outside"
    outside.mkdir(exist_ok=True)
    secret = outside / "completedCheckpointfeedfeedfeed"
    secret.write_text("keep me")
    link = storage / "completedCheckpoint00000000beef"
    link.symlink_to(secret)
    os.utime(link, (two_hours_ago, two_hours_ago), follow_symlinks=False)
    (storage / "blob").mkdir()
    (storage / "blob" / f"job_{uuid.uuid4().hex}").symlink_to(outside, target_is_directory=True)
    zkcli(zk_port, "create", f"/flink")
    zkcli(zk_port, "create", f"/flink/{cid}")
    r, data = flinkha_json(conf, home, "inspect")
    kinds = {(f["kind"], f["subject"]) for f in data["findings"]} if data else set()
    harness.check(f"{label} inspect: old orphan with its age, symlinks reported",
                  data and ("orphan-file", old.name) in kinds
                  and any(k == "symlink-in-storage" for k, _ in kinds), f"{r.describe()}\n{kinds}")
    r, plan = flinkha_json(conf, home, "cleanup", "orphans", "--dry-run")
    targets = [s["target"] for s in plan["plan"]] if plan else []
    harness.check(f"{label} dry run plans the old orphan only", targets == [old.name],
                  f"{targets}\n{r.describe()}")
    r = flinkha(conf, home, "cleanup", "orphans")
    harness.check(f"{label} cleanup orphans removes the old one, keeps the fresh one (min-age 1h)",
                  r.returncode == 0 and not old.exists() and fresh.exists(), r.describe())
    r = flinkha(conf, home, "cleanup", "orphans", "--min-age", "0s")
    harness.check(f"{label} --min-age 0s removes the fresh one too; symlink targets untouched",
                  r.returncode == 0 and not fresh.exists() and secret.read_text() == "keep me"
                  and link.is_symlink(), r.describe())
    r = flinkha(conf, home, "cleanup", "cluster")
    harness.check(f"{label} cleanup cluster without --yes: usage error 64", r.returncode == 64,
                  r.describe())
    r = flinkha(conf, home, "cleanup", "cluster", "--yes", "--cluster-id", "other")
    harness.check(f"{label} cleanup cluster with a wrong cluster-id: refused (2)",
                  r.returncode == 2 and "refused" in r.stderr, r.describe())
    r = flinkha(conf, home, "cleanup", "cluster", "--yes", "--cluster-id", cid)
    harness.check(f"{label} cleanup cluster: everything of the id, symlinks never followed",
                  r.returncode == 0 and secret.read_text() == "keep me" and outside.is_dir()
                  and zkcli(zk_port, "stat", f"/flink/{cid}").stdout.count("ctime") == 0,
                  r.describe())
    # cluster-ids that leave the cluster's own directory
    for bad in ("/", ".."):
        broot = td / f"bad{len(bad)}"
        bconf = synthetic_conf(home, broot, zk_port, bad)
        victim = broot / "ha" / "completedCheckpoint0123456789ab"
        victim.parent.mkdir(parents=True, exist_ok=True)
        victim.write_text("v")
        os.utime(victim, (two_hours_ago, two_hours_ago))
        r1 = flinkha(bconf, home, "cleanup", "orphans", "--min-age", "0s")
        r2 = flinkha(bconf, home, "cleanup", "cluster", "--yes", "--cluster-id", bad)
        harness.check(f"{label} cluster-id {bad!r} refused, nothing deleted",
                      r1.returncode != 0 and r2.returncode != 0 and "refused" in r1.stderr + r2.stderr
                      and victim.exists(), f"{r1.describe()}\n{r2.describe()}")
    # a scheme flinkha has no storage for: the storage side says so, ZooKeeper side still works
    hroot = td / "gs"
    hconf = synthetic_conf(home, hroot, zk_port, "gs-" + uuid.uuid4().hex[:6],
                           {"high-availability.storageDir": "gs://bucket/flink/ha"})
    r, data = flinkha_json(hconf, home, "inspect")
    harness.check(f"{label} gs:// storage: 'not supported', ZooKeeper side inspected",
                  data is not None and not data["storage"]["available"]
                  and "not supported" in (data["storage"]["error"] or ""), r.describe())


def main():
    try:
        home = harness.flink_home("2.3.0")
    except harness.HarnessError as e:
        harness.check("Flink 2.3.0 available", False, str(e))
        return harness.summary()
    with harness.TestDir("ha-data") as tdir, harness.ProcessRegistry() as procs:
        td = tdir.path
        try:
            classes, jar = compile_java(home, td / "java")
            try:
                run_real(home, td, procs, jar)
            except Exception:
                harness.check("real cluster: no exception", False, traceback.format_exc())
            zk_root = td / "zk-only"
            zk_port = harness.free_port()
            zk = fc.start_zookeeper(zk_root, procs, zk_port)
            try:
                for part in (lambda: run_sigkill(home, td, zk_port, classes),
                             lambda: run_orphans_and_safety(home, td, zk_port)):
                    try:
                        part()
                    except Exception:
                        harness.check("synthetic: no exception", False, traceback.format_exc())
            finally:
                zk.terminate()
                zk.wait(15)
        finally:
            if harness.CHECKS.failed:
                tdir.failed = True
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
