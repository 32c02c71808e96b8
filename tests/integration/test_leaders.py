#!/usr/bin/env python3
"""`flinkha leader show` / `leader watch` against real Flink JobManagers and a real ZooKeeper.

Per pinned Flink version (one cluster each, shared by every check; JVMs are heavy):
  * leader show (text and JSON) names the leader the JobManagers' REST API reports: the
    rest_server address is the leader's REST URL, and the dispatcher / resource_manager RPC
    addresses carry the rpc port the leader's /jobmanager/config reports; all consistent, the
    latch lists both JobManagers with the leader first; exit 0;
  * SIGKILL the leader (session timeout lowered to 6 s): leader watch -o json reports
    leader_lost, then leader_elected for every component with the standby's addresses and a
    failover_ms; leader show agrees;
  * restart the killed JobManager (new standby), stop the leader gracefully (SIGTERM): the change
    is printed within a second of the process exit, and the restarted one is elected;
  * SIGINT ends leader watch with exit 0; no JobManager → exit 2; no ZooKeeper → exit 3.
Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import flink_cluster as fc  # noqa: E402
import harness  # noqa: E402

COMPONENTS = ("dispatcher", "resource_manager", "rest_server")
def flinkha(cluster, *args, timeout=60):
    return harness.run([harness.flinkha_bin(), "--conf-dir", cluster.conf_dir, "--flink-home",
                        cluster.home, *args], timeout=timeout)


def show_json(cluster):
    r = flinkha(cluster, "-o", "json", "leader", "show", "--zk-timeout", "5000")
    try:
        return r, json.loads(r.stdout)
    except json.JSONDecodeError:
        return r, None


def wait_show(cluster, predicate, timeout=90):
    deadline = time.monotonic() + timeout
    r, data = None, None
    while time.monotonic() < deadline:
        r, data = show_json(cluster)
        if data is not None and predicate(r, data):
            return r, data
        time.sleep(0.5)
    return r, data


def leaders_by_component(data):
    return {entry["component"]: entry for entry in data["leaders"]}


def port_of(address):
    return urlparse(address.replace("pekko.tcp", "http").replace("akka.tcp", "http")).port


def rest_view(cluster):
    """Each live JobManager's rest port -> its rpc port, as its own REST API reports it."""
    view = {}
    for jm in cluster.jobmanagers:
        if jm.stopped:
            continue
        entries = fc.rest_get(jm, "/jobmanager/config")
        view[jm.rest_port] = int(fc.config_value(entries, "jobmanager.rpc.port"))
    return view


def agrees_with_rest(cluster, data, expected_jm):
    """leader show's addresses are the expected JobManager's, per that JobManager's REST API."""
    view = rest_view(cluster)
    leaders = leaders_by_component(data)
    problems = []
    rest = leaders.get("rest_server", {}).get("address")
    if rest != expected_jm.rest_url:
        problems.append(f"rest_server {rest} != {expected_jm.rest_url}")
    for component in ("dispatcher", "resource_manager"):
        address = leaders.get(component, {}).get("address") or ""
        if port_of(address) != view.get(expected_jm.rest_port):
            problems.append(f"{component} {address}: rpc port is not "
                            f"{view.get(expected_jm.rest_port)} (/jobmanager/config)")
    return problems


class Watch:
    """`flinkha -o json leader watch` in the background; lines with their arrival time."""

    def __init__(self, cluster):
        self.proc = subprocess.Popen(
            [str(harness.flinkha_bin()), "--conf-dir", str(cluster.conf_dir), "--flink-home",
             str(cluster.home), "-o", "json", "leader", "watch"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        cluster.procs.add_pid(self.proc.pid)
        self.events = queue.Queue()
        self.seen = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                self.events.put((time.time(), json.loads(line)))
            except json.JSONDecodeError:
                self.events.put((time.time(), {"event": "unparsable", "line": line}))

    def wait_for(self, predicate, count=1, timeout=60):
        """Events (arrival, object) until `count` of them satisfy predicate."""
        matched = []
        deadline = time.monotonic() + timeout
        while len(matched) < count and time.monotonic() < deadline:
            try:
                arrival, event = self.events.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(event)
            if predicate(event):
                matched.append((arrival, event))
        return matched

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


def run_version(version, home):
    label = f"[{version}]"
    # One vocabulary with inspect since the vocabularies were merged (CHANGELOG.md); the old
    # value stays readable as "layout_compat" for one release.
    expected_layout = "2.x" if version.startswith("2.") else "1.15-1.20"
    expected_compat = "2.x" if version.startswith("2.") else "1.15+"
    with harness.TestDir(f"leaders-{version}") as td, harness.ProcessRegistry() as procs:
        try:
            cluster = fc.start_cluster(td.path, home, procs, jobmanagers=2)
            first, second = cluster.jobmanagers

            r, data = wait_show(cluster, lambda r, d: r.returncode == 0 and len(d["latch"]) == 2)
            ok = harness.check(f"{label} leader show -o json: exit 0, two latch participants",
                               data is not None and r.returncode == 0 and len(data["latch"]) == 2,
                               r.describe() if r else "no result")
            if not ok:
                td.failed = True
                return
            harness.check(f"{label} layout {expected_layout}", data["layout"] == expected_layout,
                  data["layout"])
            harness.check(f"{label} layout_compat {expected_compat}",
                  data.get("layout_compat") == expected_compat, data.get("layout_compat"))
            harness.check(f"{label} namespace", data["namespace"] == cluster.namespace, data["namespace"])
            ir = flinkha(cluster, "-o", "json", "inspect", "--zk-timeout", "5000")
            try:
                inspected = json.loads(ir.stdout)
            except json.JSONDecodeError:
                inspected = None
            harness.check(f"{label} inspect -o json names the layout as leader show does",
                  inspected is not None and inspected.get("layout") == data["layout"],
                  ir.describe())
            leaders = leaders_by_component(data)
            harness.check(f"{label} every component consistent",
                          all(leaders.get(c, {}).get("consistent") for c in COMPONENTS), data["leaders"])
            problems = agrees_with_rest(cluster, data, first)
            harness.check(f"{label} leader show == the JobManagers' REST view (first JM leads)",
                          not problems, problems)
            latch_leader = [p for p in data["latch"] if p["leader"]]
            harness.check(f"{label} latch leader owns every connection_info",
                          len(latch_leader) == 1 and data["latch"][0]["leader"] and
                          all(leaders[c]["owner"] == latch_leader[0]["owner"] for c in COMPONENTS),
                          data["latch"])
            sessions = {leaders[c]["session_id"] for c in COMPONENTS}
            harness.check(f"{label} one leader session id for all components", len(sessions) == 1,
                          sessions)
            text = flinkha(cluster, "leader", "show")
            harness.check(f"{label} leader show text: table and latch",
                          text.returncode == 0 and "COMPONENT" in text.stdout and
                          first.rest_url in text.stdout and "  leader" in text.stdout.split("\nlatch ")[-1],
                          text.describe())

            # --- SIGKILL the leader: the standby takes over after the session timeout -------------
            watch = Watch(cluster)
            initial = watch.wait_for(lambda e: e.get("event") == "leader", count=3, timeout=30)
            harness.check(f"{label} leader watch prints the current leaders", len(initial) == 3,
                          watch.seen)
            cluster.kill(first, signal.SIGKILL)
            killed_at = time.time()
            lost = watch.wait_for(lambda e: e.get("event") == "leader_lost", count=3,
                                  timeout=fc.SESSION_TIMEOUT_MS / 1000 + 30)
            harness.check(f"{label} SIGKILL: leader_lost for every component", len(lost) == 3,
                          watch.seen)
            new = watch.wait_for(lambda e: e.get("event") == "leader_elected", count=3,
                                 timeout=60)
            by_component = {e["component"]: e for _, e in new}
            harness.check(f"{label} SIGKILL: leader_elected for every component with a failover_ms",
                          len(by_component) == 3 and
                          all(isinstance(e.get("failover_ms"), int) for e in by_component.values()),
                          watch.seen)
            harness.check(f"{label} SIGKILL: the standby is the new rest_server leader",
                          by_component.get("rest_server", {}).get("address") == second.rest_url,
                          by_component.get("rest_server"))
            if new:
                failover = max(e["failover_ms"] or 0 for e in by_component.values())
                print(f"  {label} SIGKILL -> new leader after {new[-1][0] - killed_at:.1f} s "
                      f"(session timeout {fc.SESSION_TIMEOUT_MS} ms); failover_ms {failover}")
            r, data = wait_show(cluster, lambda r, d: r.returncode == 0 and
                                leaders_by_component(d).get("rest_server", {}).get("address")
                                == second.rest_url, timeout=30)
            problems = agrees_with_rest(cluster, data, second) if data else ["no data"]
            harness.check(f"{label} after failover leader show == REST view (second JM leads)",
                          not problems, problems)

            # --- graceful stop of the new leader: seen within a second ---------------------------
            cluster.start_jobmanager(first)
            cluster.wait_rest(first)
            joined = watch.wait_for(lambda e: e.get("event") == "participant_joined", timeout=60)
            harness.check(f"{label} restarted JobManager joins the latch", len(joined) == 1, watch.seen)
            cluster.kill(second, signal.SIGTERM)
            stop_sent = time.time()
            lost = watch.wait_for(lambda e: e.get("event") == "leader_lost", count=3, timeout=60)
            cluster.wait_exit(second, timeout=60)
            exited = time.time()
            if lost:
                delay = lost[0][0] - stop_sent
                print(f"  {label} SIGTERM -> leader_lost after {delay:.2f} s "
                      f"(process exited after {exited - stop_sent:.2f} s)")
            harness.check(f"{label} graceful stop: leader_lost within 1 s of the process exit",
                          len(lost) == 3 and lost[0][0] <= exited + 1.0, watch.seen)
            new = watch.wait_for(lambda e: e.get("event") == "leader_elected", count=3,
                                 timeout=60)
            by_component = {e["component"]: e for _, e in new}
            harness.check(f"{label} graceful stop: the restarted JobManager is elected",
                          by_component.get("rest_server", {}).get("address") == first.rest_url,
                          watch.seen)
            rc = watch.stop()
            harness.check(f"{label} SIGINT ends leader watch with exit 0", rc == 0,
                          f"rc {rc}; stderr {watch.proc.stderr.read() if watch.proc.stderr else ''}")

            # --- no leader, no ZooKeeper ------------------------------------------------------------
            cluster.kill(first, signal.SIGTERM)
            cluster.wait_exit(first, timeout=60)
            r, data = wait_show(cluster, lambda r, d: r.returncode == 2, timeout=30)
            harness.check(f"{label} no JobManager: exit 2, verdict none",
                          r.returncode == 2 and data and data["verdict"] == "none", r.describe())
            cluster.stop()
            r = flinkha(cluster, "leader", "show", "--zk-timeout", "1000")
            harness.check(f"{label} ZooKeeper down: exit 3 with ZCONNECTIONLOSS",
                          r.returncode == 3 and "ZCONNECTIONLOSS" in r.stderr, r.describe())
        except Exception:
            td.failed = True
            harness.check(f"{label} no exception", False, traceback.format_exc())
            for jm in getattr(locals().get("cluster"), "jobmanagers", []):
                print(locals()["cluster"].log_tail(jm, 20), file=sys.stderr)
                break
        finally:
            if "cluster" in locals():
                locals()["cluster"].stop()
            if harness.CHECKS.failed:
                td.failed = True


def main():
    try:
        homes = harness.flink_homes()
    except harness.HarnessError as e:
        harness.check("Flink distributions available", False, str(e))
        homes = []
    for version, home in homes:
        run_version(version, home)
    return harness.summary()


if __name__ == "__main__":
    sys.exit(main())
