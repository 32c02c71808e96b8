"""Shared code of the bench/ case scripts (Python 3 stdlib only).

A case is a list of contenders (a command, its environment, a check of its output, optional
untimed preparation before every run). measure() runs them interleaved, run by run
(warm-up rounds first: A, B, C, A, B, C, ...), each as a whole process: wall time from fork to
exit, peak RSS (ru_maxrss of the process and the children it waited for, from wait4) and CPU.
case_result() turns that into one JSON-able record; print_case() prints it; write_json() saves it
for bench/run, which prints the records of every case as one table (format_table()).

    contenders = [Contender("flinkha", [...], check=expect("started", 8), flinkha=True),
                  Contender("pdsh", [...])]
    result = measure("taskmanager start, 8 hosts", contenders, runs=5, warmup=1)
    print_case(result); write_json(args.json, result)
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INTEGRATION = ROOT / "tests" / "integration"
if str(INTEGRATION) not in sys.path:
    sys.path.insert(0, str(INTEGRATION))

ZKCLI = "/usr/share/zookeeper/bin/zkCli.sh"
ZKSERVER = "/usr/share/zookeeper/bin/zkServer.sh"


class BenchError(Exception):
    """A contender failed or the environment is unusable: the case has no result."""


# --- one whole-process run ---------------------------------------------------------------------

@dataclass
class Run:
    cmd: list
    returncode: int | None  # None: killed after the timeout
    stdout: str
    stderr: str
    seconds: float
    maxrss_kib: int
    cpu_seconds: float

    def describe(self, limit=2000):
        status = "timed out" if self.returncode is None else f"exit {self.returncode}"
        return (f"$ {' '.join(self.cmd)}\n  -> {status} after {self.seconds:.2f}s\n"
                f"  stdout: ...{self.stdout.strip()[-limit:]}\n"
                f"  stderr: ...{self.stderr.strip()[-limit:]}")


GNU_TIME = "/usr/bin/time"  # Debian package `time` (scripts/install-deps)


def run_process(cmd, env=None, timeout=600, cwd=None):
    """Runs cmd in its own process group, stdout/stderr to temporary files; returns a Run with the
    wall time from spawn to exit, CPU time, and the peak RSS of cmd (and the children it waited
    for). The peak RSS comes from GNU time's wait4 of cmd: Linux carries a process's maxrss over
    exec, so wait4 here would report at least this Python's RSS, whereas GNU time's child starts
    from GNU time's 2 MiB. On timeout the group is killed."""
    cmd = [str(c) for c in cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r", prefix="bench-rss-") as rss:
        started = time.monotonic()
        proc = subprocess.Popen([GNU_TIME, "-o", rss.name, "-f", "%M %U %S", *cmd],
                                stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                                cwd=cwd, start_new_session=True)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        out.seek(0)
        err.seek(0)
        # GNU time prefixes "Command exited with non-zero status N" when cmd failed.
        fields = (rss.read().strip().splitlines() or ["0 0 0"])[-1].split()
        try:
            maxrss, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
        except (IndexError, ValueError):
            maxrss, cpu = 0, usage.ru_utime + usage.ru_stime
        return Run(cmd, None if timed_out.is_set() else proc.returncode,
                   out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   seconds, maxrss, cpu)


# --- contenders and interleaved measurement ----------------------------------------------------

def expect(text=None, count=None, codes=(0,)):
    """A check: exit status in codes and (optionally) `text` in stdout, `count` times if given."""
    def check(run):
        if run.returncode not in codes:
            raise BenchError(f"unexpected exit status:\n{run.describe()}")
        if text is not None:
            found = run.stdout.count(text)
            if (count is None and found == 0) or (count is not None and found != count):
                raise BenchError(f"expected {count or 'some'} x {text!r} in stdout, got {found}:\n"
                                 f"{run.describe()}")
    return check


@dataclass
class Contender:
    name: str
    cmd: list = None             # one process, or None with `steps`
    env: dict = None
    check: object = field(default_factory=expect)
    flinkha: bool = False        # the row the ratios are computed against
    prepare: object = None       # untimed, before every run (e.g. rebuild the tree it deletes)
    verify: object = None        # untimed, after every run (e.g. the tree is gone)
    steps: list = None           # several processes timed back to back as one run (a loop)
    timeout: float = 600
    note: str = ""

    def run_once(self):
        if self.prepare:
            self.prepare()
        commands = self.steps if self.steps is not None else [self.cmd]
        seconds, rss, cpu = 0.0, 0, 0.0
        for cmd in commands:
            r = run_process(cmd, env=self.env, timeout=self.timeout)
            self.check(r)
            seconds += r.seconds
            rss = max(rss, r.maxrss_kib)
            cpu += r.cpu_seconds
        if self.verify:
            self.verify()
        return seconds, rss, cpu


def measure(case, contenders, runs, warmup=1, after_round=None, note="", log=True):
    """Runs every contender `warmup` rounds untimed, then `runs` timed rounds, interleaved
    (A, B, C, A, B, C, ...). after_round() runs untimed after each round. Returns the case record.
    """
    samples = {c.name: [] for c in contenders}
    for index in range(warmup + runs):
        line = []
        for c in contenders:
            seconds, rss, cpu = c.run_once()
            if index >= warmup:
                samples[c.name].append((seconds, rss, cpu))
            line.append(f"{c.name} {seconds:.3f}s {rss / 1024:.0f}MiB")
        if after_round:
            after_round()
        if log:
            label = "warm-up" if index < warmup else f"run {index - warmup + 1}"
            print(f"  [{case}] {label}: " + ", ".join(line), file=sys.stderr, flush=True)
    return case_result(case, contenders, samples, runs, warmup, note)


def case_result(case, contenders, samples, runs, warmup, note=""):
    rows = []
    for c in contenders:
        times = [s[0] for s in samples[c.name]]
        rows.append({"name": c.name, "flinkha": c.flinkha, "note": c.note,
                     "times": [round(t, 4) for t in times],
                     "median": statistics.median(times), "min": min(times), "max": max(times),
                     "maxrss_kib": max(s[1] for s in samples[c.name]),
                     "cpu_median": statistics.median(s[2] for s in samples[c.name])})
    return {"case": case, "runs": runs, "warmup": warmup, "note": note, "contenders": rows,
            "loadavg": os.getloadavg()[0], "cpus": os.cpu_count()}


def skipped(case, reason):
    return {"case": case, "skipped": reason, "contenders": []}


# --- output ------------------------------------------------------------------------------------

def common_args(description, runs=5, warmup=1):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--runs", type=int, default=runs, help=f"timed runs (default {runs})")
    parser.add_argument("--warmup", type=int, default=warmup,
                        help=f"untimed warm-up rounds first (default {warmup})")
    parser.add_argument("--json", metavar="OUT", help="also write the result record to OUT")
    parser.add_argument("--flinkha", default=os.environ.get("FLINKHA_BIN")
                        or str(ROOT / "build" / "dev" / "cli" / "flinkha"),
                        help="flinkha binary (default: $FLINKHA_BIN or build/dev)")
    return parser


def write_json(path, records):
    if path:
        records = records if isinstance(records, list) else [records]
        Path(path).write_text(json.dumps(records, indent=1) + "\n")


def format_table(records):
    """One table: case | contender | median s | (min-max) | runs | flinkha/contender | peak RSS."""
    header = ("case", "contender", "median s", "min-max s", "runs", "flinkha/contender",
              "peak RSS")
    lines = []
    for rec in records:
        if rec.get("skipped"):
            lines.append((rec["case"], "-", "-", "-", "-", "-", f"SKIPPED: {rec['skipped']}"))
            continue
        base = next((r for r in rec["contenders"] if r["flinkha"]), None)
        for row in rec["contenders"]:
            if row["flinkha"] or base is None:
                ratio = "-"
            else:
                ratio = base["median"] / row["median"]
                ratio = (f"{ratio:.3f} (flinkha {1 / ratio:.1f}x faster)" if ratio <= 1 else
                         f"{ratio:.3f} (flinkha {ratio:.1f}x slower)")
            lines.append((rec["case"], row["name"] + (f" [{row['note']}]" if row["note"] else ""),
                          f"{row['median']:.3f}", f"{row['min']:.3f}-{row['max']:.3f}",
                          str(rec["runs"]), ratio, f"{row['maxrss_kib'] / 1024:.1f} MiB"))
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h)
              for i, h in enumerate(header)]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for line in lines:
        out.append("| " + " | ".join(v.ljust(w) for v, w in zip(line, widths)) + " |")
    return "\n".join(out)


def print_case(records):
    records = records if isinstance(records, list) else [records]
    for rec in records:
        if rec.get("note"):
            print(f"{rec['case']}: {rec['note']}")
    print(format_table(records))
    print(f"(whole-process medians after warm-up, contenders interleaved run by run; "
          f"peak RSS = max ru_maxrss of one process; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs)")


def main_wrapper(main, name):
    try:
        sys.exit(main())
    except (BenchError, Exception) as e:  # noqa: BLE001 - a case reports, bench/run goes on
        import harness  # noqa: F401 - HarnessError is an Exception too
        print(f"{name}: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
