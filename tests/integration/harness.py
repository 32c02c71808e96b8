"""Shared helpers for flinkha's integration tests (Python 3 stdlib only).

    import harness
    homes = harness.flink_homes()             # [(version, FLINK_HOME)], fetched and cached
    bin = harness.flinkha_bin()               # $FLINKHA_BIN or build/dev/cli/flinkha
    with harness.TestDir("zk") as td, harness.ProcessRegistry() as procs:
        port = harness.free_port()
        p = procs.start(["zkServer.sh", ...], log=td.path / "zk.log")
        r = harness.run([bin, "zk", "status"], timeout=30)
        td.failed |= r.returncode != 0         # keep the directory for a post-mortem

Everything a test starts is killed by pid (or by the process group the
registry created for it), never by name. Problems the test cannot work around
(no Flink, no binary) raise HarnessError: a test reports that as a failure,
never as a skip.

Every test counts its assertions with the one check() here (name first, then
the condition) and ends with `return harness.summary()`:

    harness.check("zk status exits 0", r.returncode == 0, r.describe())
    return harness.summary()                  # prints "N passed, M failed"; 0 or 1
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SOURCE_DIR = Path(os.environ.get("FLINKHA_SOURCE_DIR") or Path(__file__).resolve().parents[2])
FETCH_FLINK = SOURCE_DIR / "scripts" / "fetch-flink"


class Checks:
    """The one counter of a test script: check() counts, summary() reports.

    check(name, condition, detail="") refuses a swapped call loudly: `name`
    must be a str and `condition` must not be one (a swapped call passes the
    condition as the name, or the name as the condition, and would otherwise
    always pass). Returns bool(condition), so a check can guard what follows.
    """

    def __init__(self):
        self.passed = 0
        self.failures = []  # the names (with details) of the failed checks

    @property
    def failed(self):
        return len(self.failures)

    def check(self, name, condition, detail=""):
        if not isinstance(name, str):
            raise TypeError(f"check(name, condition, detail): name must be a str, got "
                            f"{type(name).__name__} {name!r} (arguments swapped?)")
        if isinstance(condition, str):
            raise TypeError(f"check({name!r}, ...): the condition is a str {condition!r} "
                            "(arguments swapped?)")
        if condition:
            self.passed += 1
            print(f"PASS {name}", flush=True)
            return True
        self.failures.append(f"{name}: {str(detail)[:3000]}" if detail else name)
        print(f"FAIL {name}" + (f"\n  {str(detail)[:3000]}" if detail else ""), flush=True)
        return False

    def summary(self, label=""):
        """Prints "[label: ]N passed, M failed"; returns the exit code: 1 on a failure or when
        nothing was checked, else 0."""
        prefix = f"{label}: " if label else ""
        print(f"{prefix}{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failures or not self.passed else 0


CHECKS = Checks()


def check(name, condition, detail=""):
    """CHECKS.check: counts one assertion of this test script (see Checks)."""
    return CHECKS.check(name, condition, detail)


def summary(label=""):
    return CHECKS.summary(label)


class HarnessError(Exception):
    """The environment is not usable for the test (reported as a failure)."""


# --- running commands -----------------------------------------------------------

@dataclass
class Result:
    cmd: list
    returncode: int | None          # None: killed after the timeout
    stdout: str
    stderr: str
    seconds: float

    @property
    def timed_out(self):
        return self.returncode is None

    def describe(self, limit=4000):
        """The command, its status and (the start of) its output, for a failure message."""
        status = "timed out" if self.timed_out else f"exit {self.returncode}"
        return (f"$ {' '.join(self.cmd)}\n  -> {status} after {self.seconds:.1f}s\n"
                f"  stdout: {_clip(self.stdout, limit)}\n  stderr: {_clip(self.stderr, limit)}")


def _clip(text, limit):
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more chars)"


def run(cmd, timeout=60, env=None, cwd=None, input=None):
    """Run cmd in its own process group; capture text output; kill the group on timeout."""
    cmd = [str(c) for c in cmd]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", errors="replace", env=env, cwd=cwd,
                            start_new_session=True)
    try:
        out, err = proc.communicate(input, timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        rc = None
    return Result(cmd, rc, out, err, time.monotonic() - started)


def _kill_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def free_port(host="127.0.0.1"):
    """A TCP port that was free on host a moment ago (bind to port 0, then release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


# --- processes a test started -----------------------------------------------------

class ProcessRegistry:
    """Everything a test started; kill_all() (or leaving the `with`) ends it all.

    start() puts each child in a new session, so its whole process group is
    ended. add_pid() registers a daemon started by someone else (say, a pid
    read from Flink's or ZooKeeper's pid file) and ends just that pid.
    """

    def __init__(self):
        self._groups = []    # (Popen, log file or None)
        self._pids = []

    def start(self, cmd, log=None, env=None, cwd=None):
        out = open(log, "ab") if log else subprocess.DEVNULL
        proc = subprocess.Popen([str(c) for c in cmd], stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                start_new_session=True)
        self._groups.append((proc, out if log else None))
        return proc

    def add_pid(self, pid):
        self._pids.append(int(pid))

    def kill_all(self, grace=5.0):
        for proc, _ in self._groups:
            if proc.poll() is None:
                _kill_group(proc.pid, signal.SIGTERM)
        for pid in self._pids:
            _signal_pid(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc, _ in self._groups:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _kill_group(proc.pid, signal.SIGKILL)   # stragglers left in the group
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                print(f"harness: pid {proc.pid} survived SIGKILL", file=sys.stderr)
        for pid in self._pids:
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            _signal_pid(pid, signal.SIGKILL)
        for _, out in self._groups:
            if out is not None:
                out.close()
        self._groups.clear()
        self._pids.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill_all()
        return False


def _signal_pid(pid, sig):
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- per-test temporary directory -------------------------------------------------

class TestDir:
    """A temporary directory: removed if the test passed, kept (and printed) if not.

    Set `failed = True` to keep it; an exception leaving the `with` keeps it too.
    FLINKHA_KEEP_TMP=1 keeps it always.
    """

    def __init__(self, name):
        self.path = Path(tempfile.mkdtemp(prefix=f"flinkha-{name}-"))
        self.failed = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if self.failed or exc_type is not None or os.environ.get("FLINKHA_KEEP_TMP"):
            print(f"kept test directory: {self.path}", file=sys.stderr, flush=True)
        else:
            shutil.rmtree(self.path, ignore_errors=True)
        return False


# --- the flinkha binary and Flink ----------------------------------------------------

def flinkha_bin():
    """$FLINKHA_BIN (set by ctest), else the dev build's binary."""
    path = os.environ.get("FLINKHA_BIN") or SOURCE_DIR / "build" / "dev" / "cli" / "flinkha"
    path = Path(path)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise HarnessError(f"flinkha binary not found or not executable: {path} "
                           "(set FLINKHA_BIN or build the dev preset)")
    return path


def flink_version_of(home):
    """Full Flink version of a FLINK_HOME, from its lib/flink-dist-<version>.jar."""
    jars = sorted(Path(home, "lib").glob("flink-dist*.jar"))
    if len(jars) != 1:
        raise HarnessError(f"{home}: expected one lib/flink-dist*.jar, found {len(jars)}")
    version = jars[0].name.removeprefix("flink-dist-").removesuffix(".jar")
    if not version[:1].isdigit():
        raise HarnessError(f"{home}: cannot read a version from {jars[0].name}")
    return version


def series(version):
    """'1.20.5' -> '1.20' (what flinkha's --flink-version takes)."""
    return ".".join(version.split(".")[:2])


def flink_home(version):
    """FLINK_HOME for one version ("1.20", "2", "2.3.0", ...) via scripts/fetch-flink."""
    r = run([FETCH_FLINK, version], timeout=1800)
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or len(lines) != 1:
        raise HarnessError(f"scripts/fetch-flink {version} failed:\n{r.describe()}")
    return Path(lines[0])


def flink_homes():
    """[(full version, FLINK_HOME)] to test against.

    $FLINK_HOME when set (one version, read from its flink-dist jar), else every
    pinned version from `scripts/fetch-flink all` (the pins live there only).
    """
    if os.environ.get("FLINK_HOME"):
        home = Path(os.environ["FLINK_HOME"])
        return [(flink_version_of(home), home)]
    r = run([FETCH_FLINK, "all"], timeout=3600)
    if r.returncode != 0:
        raise HarnessError(f"scripts/fetch-flink all failed:\n{r.describe()}")
    homes = [Path(line) for line in r.stdout.split("\n") if line.strip()]
    if not homes:
        raise HarnessError(f"scripts/fetch-flink all printed no FLINK_HOME:\n{r.describe()}")
    return [(flink_version_of(h), h) for h in homes]


def java_tool(name):
    """`java` / `javac` from $JAVA_HOME, else from PATH."""
    if os.environ.get("JAVA_HOME"):
        candidate = Path(os.environ["JAVA_HOME"], "bin", name)
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    if not found:
        raise HarnessError(f"{name} not found (install a JDK: scripts/install-deps)")
    return Path(found)
