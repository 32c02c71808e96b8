"""A real S3 server on loopback for the S3 integration tests, bench/storage-s3 and fixture capture.

    import s3_env
    with harness.TestDir("s3") as td, harness.ProcessRegistry() as procs:
        s3 = s3_env.S3Server(td.path / "s3", procs).start()   # weed server -s3, one bucket
        s3.client().put_object(Bucket=s3.bucket, Key="k", Body=b"x")   # boto3, admin identity
        s3.client(s3_env.READER)                               # the read-only identity
        r = s3.aws(["s3", "ls", "--recursive", f"s3://{s3.bucket}/"])   # awscli, a Result
        s3.flink_options("flink/ha")   # high-availability.storageDir + s3.* keys for config.yaml
        plugins = s3_env.flink_plugins_dir(td.path, flink_version)   # for FLINK_PLUGINS_DIR

The server is SeaweedFS's `weed server -s3` (master + volume + filer + S3 gateway in one
process; `weed mini` starts the admin UI and more besides), built from the Go module proxy by
scripts/fetch-seaweedfs. It verifies AWS Signature V4 for the identities of its -s3.config JSON
(SeaweedFS weed/s3api/auth_credentials.go; actions Admin/Read/Write/List/Tagging): ADMIN may do
everything, READER only Read and List, so AccessDenied can be provoked with a valid signature.
Every port is a free loopback port (gRPC ports too: their default is port+10000, which may not
exist); the data lives in the test's directory; the process is ended by the registry (pid).

The independent S3 client (signing the capture and check requests; never flinkha's code) is
botocore/boto3 and awscli from PyPI, pinned, in a venv cached outside the tree
(tools_venv()); Python 3 stdlib otherwise.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import harness

FETCH_SEAWEEDFS = harness.SOURCE_DIR / "scripts" / "fetch-seaweedfs"
# The client tools, pinned (awscli 1.x pins its botocore exactly; boto3 matches that botocore).
TOOL_PINS = ["awscli==1.46.2", "boto3==1.44.8", "botocore==1.44.8"]
REGION = "us-east-1"


@dataclass(frozen=True)
class Identity:
    name: str
    access_key: str
    secret_key: str
    actions: tuple


ADMIN = Identity("flinkha-admin", "AKIAFLINKHAADMIN0001", "flinkha/admin+secret/key/0001",
                 ("Admin", "Read", "Write", "List", "Tagging"))
READER = Identity("flinkha-reader", "AKIAFLINKHAREADER001", "flinkha/reader+secret/key/001",
                  ("Read", "List"))


def cache_root():
    if os.environ.get("FLINKHA_CACHE_DIR"):
        return Path(os.environ["FLINKHA_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(xdg, "flinkha")


def weed_binary():
    """The cached `weed` (scripts/fetch-seaweedfs builds it on first use, ~7 min on 2 cores)."""
    r = harness.run([FETCH_SEAWEEDFS], timeout=3600)
    lines = r.stdout.strip().splitlines()
    if r.returncode != 0 or len(lines) != 1 or not Path(lines[0]).is_file():
        raise harness.HarnessError(f"scripts/fetch-seaweedfs failed:\n{r.describe()}")
    return Path(lines[0])


def tools_venv():
    """The venv with the pinned awscli and boto3 (created once, under a lock)."""
    return pinned_venv("s3-tools", TOOL_PINS)


def pinned_venv(name, pins):
    """A venv under cache_root() named `name` (plus the Python version) holding `pins`, installed
    by pip from its configured index once, under a lock; reinstalled when the pins change."""
    tag = f"py{sys.version_info.major}.{sys.version_info.minor}"
    venv = cache_root() / f"{name}-{tag}"
    marker = venv / "flinkha-pins.json"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{name}-{tag}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if json.loads(marker.read_text()) == pins:
                return venv
        except (OSError, ValueError):
            pass
        r = harness.run([sys.executable, "-m", "venv", "--clear", venv], timeout=300)
        if r.returncode != 0:
            raise harness.HarnessError(f"python3 -m venv failed (python3-venv installed?):\n"
                                       f"{r.describe()}")
        r = harness.run([venv / "bin" / "python", "-m", "pip", "install", "--quiet",
                         "--disable-pip-version-check", *pins], timeout=900)
        if r.returncode != 0:
            raise harness.HarnessError(f"pip install {' '.join(pins)} failed:\n{r.describe()}")
        marker.write_text(json.dumps(pins))
        return venv


def boto3():
    """The boto3 module of tools_venv() (its site-packages put first on sys.path)."""
    venv = tools_venv()
    site = next(venv.glob("lib/python*/site-packages"))
    if str(site) not in sys.path:
        sys.path.insert(0, str(site))
    import boto3 as module  # noqa: E402
    return module


def identities_config(identities=(ADMIN, READER)):
    """SeaweedFS -s3.config JSON (weed/s3api/auth_credentials.go: identities → credentials)."""
    return {"identities": [{"name": i.name,
                            "credentials": [{"accessKey": i.access_key, "secretKey": i.secret_key}],
                            "actions": list(i.actions)} for i in identities]}


class S3Server:
    """One `weed server -s3` on 127.0.0.1 with ADMIN and READER, and one bucket."""

    def __init__(self, root, procs, bucket="flinkha-it"):
        self.root = Path(root)
        self.procs = procs
        self.bucket = bucket
        self.proc = None
        self.port = None
        self.weed = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self):
        return self.root / "weed.log"

    def log_tail(self, n=40):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no weed log)"

    def start(self, timeout=90):
        self.weed = weed_binary()
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        config = self.root / "s3-identities.json"
        config.write_text(json.dumps(identities_config(), indent=1))
        os.chmod(config, 0o600)
        ports = {name: harness.free_port() for name in
                 ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
                  "filer.port", "filer.port.grpc", "s3.port", "s3.port.grpc")}
        self.port = ports["s3.port"]
        cmd = [self.weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={data}",
               *(f"-{name}={port}" for name, port in ports.items()),
               "-filer", "-s3", f"-s3.config={config}", "-s3.port.iceberg=0", "-s3.port.lance=0",
               # Small: few volumes of 64 MB, no pre-allocation, no 10 s drain on SIGTERM.
               "-volume.max=16", "-master.volumeSizeLimitMB=64", "-volume.preStopSeconds=0",
               "-master.telemetry=false"]
        self.proc = self.procs.start(cmd, log=self.log, cwd=self.root)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout):
        """Until the bucket exists and an object can be written and removed (the volume server
        registers with the master a moment after the S3 port answers)."""
        client = self.client(retries=0)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise harness.HarnessError(f"weed server exited ({self.proc.returncode}):\n"
                                           f"{self.log_tail()}")
            try:
                names = [b["Name"] for b in client.list_buckets().get("Buckets", [])]
                if self.bucket not in names:
                    client.create_bucket(Bucket=self.bucket)
                client.put_object(Bucket=self.bucket, Key=".flinkha-ready", Body=b"ok")
                client.delete_object(Bucket=self.bucket, Key=".flinkha-ready")
                return
            except Exception as e:  # botocore raises its own classes; any means "not yet"
                last = e
            time.sleep(0.5)
        raise harness.HarnessError(f"weed S3 on {self.endpoint} not ready within {timeout} s "
                                   f"(last: {last}):\n{self.log_tail()}")

    def stop(self, grace=3):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    # --- clients --------------------------------------------------------------------------

    def client(self, identity=ADMIN, retries=2, timeout=10, secret_key=None, access_key=None):
        """A boto3 S3 client, path-style, SigV4, on this server (optionally with a wrong key)."""
        b3 = boto3()
        from botocore.config import Config
        return b3.client(
            "s3", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=access_key or identity.access_key,
            aws_secret_access_key=secret_key or identity.secret_key,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                          retries={"max_attempts": retries + 1, "mode": "standard"},
                          connect_timeout=timeout, read_timeout=timeout,
                          max_pool_connections=64))

    def aws_env(self, identity=ADMIN):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=identity.access_key,
                   AWS_SECRET_ACCESS_KEY=identity.secret_key, AWS_DEFAULT_REGION=REGION,
                   AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
        return env

    def aws_command(self):
        return [tools_venv() / "bin" / "aws", "--endpoint-url", self.endpoint]

    def aws(self, args, identity=ADMIN, timeout=120):
        """awscli (the server's own kind of client) with `identity`; a harness.Result."""
        return harness.run([*self.aws_command(), *args], timeout=timeout,
                           env=self.aws_env(identity))

    # --- data -----------------------------------------------------------------------------

    def keys(self, prefix):
        """{key: size} of every object under prefix (ListObjectsV2, all pages)."""
        out = {}
        paginator = self.client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                out[obj["Key"]] = obj["Size"]
        return out

    def exists(self, key):
        try:
            self.client().head_object(Bucket=self.bucket, Key=key)
            return True
        except Exception as e:
            if getattr(e, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return False
            raise

    def put_many(self, items, threads=48):
        """Uploads {key: bytes} with `threads` requests in flight."""
        client = self.client()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda kv: client.put_object(Bucket=self.bucket, Key=kv[0],
                                                       Body=kv[1]), items.items()))

    def upload_dir(self, local_dir, prefix, threads=48):
        """Every regular file of local_dir (not recursive) as prefix/<name>."""
        items = {f"{prefix.rstrip('/')}/{p.name}": p.read_bytes()
                 for p in Path(local_dir).iterdir() if p.is_file()}
        self.put_many(items, threads)
        return len(items)

    def delete_prefix(self, prefix):
        client = self.client()
        keys = list(self.keys(prefix))
        for i in range(0, len(keys), 1000):
            client.delete_objects(Bucket=self.bucket, Delete={
                "Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
        return len(keys)

    # --- Flink ----------------------------------------------------------------------------

    def storage_uri(self, prefix, scheme="s3"):
        return f"{scheme}://{self.bucket}/{prefix.strip('/')}"

    def flink_options(self, prefix, identity=ADMIN, credentials=True, scheme="s3"):
        """config.yaml keys for a storageDir under this server, as Flink's S3 file systems read
        them (flink-s3-fs-base: s3.endpoint, s3.path.style.access, s3.access-key, s3.secret-key;
        mirrored to fs.s3a.* by flink-s3-fs-hadoop). credentials=False leaves the keys out (the
        environment's AWS_* then apply)."""
        options = {"high-availability.storageDir": self.storage_uri(prefix, scheme),
                   "s3.endpoint": self.endpoint, "s3.path.style.access": "true",
                   "s3.endpoint.region": REGION}
        if credentials:
            options.update({"s3.access-key": identity.access_key,
                            "s3.secret-key": identity.secret_key})
        return options


# --- Flink's S3 file system plugin ---------------------------------------------------------------

def _local_repo():
    for opt in os.environ.get("MAVEN_OPTS", "").split():
        if opt.startswith("-Dmaven.repo.local="):
            return Path(opt.split("=", 1)[1])
    return Path.home() / ".m2" / "repository"


def _sha1_verified(jar):
    """The jar and the .sha1 Maven stored next to it agree."""
    sha1 = Path(str(jar) + ".sha1")
    if not (jar.is_file() and sha1.is_file()):
        return False
    words = sha1.read_text().split()
    digest = hashlib.sha1()
    with open(jar, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return bool(words) and digest.hexdigest() == words[0].lower()


def flink_s3_plugin_jar(flink_version, plugin="flink-s3-fs-hadoop"):
    """org.apache.flink:<plugin>:<version> through `mvn dependency:get` (Maven's own settings
    decide where from), verified against Maven's .sha1."""
    jar = _local_repo().joinpath("org", "apache", "flink", plugin, flink_version,
                                 f"{plugin}-{flink_version}.jar")
    if not _sha1_verified(jar):
        coordinate = f"org.apache.flink:{plugin}:{flink_version}"
        r = harness.run(["mvn", "-q", "-B", "dependency:get", f"-Dartifact={coordinate}",
                         "-Dtransitive=false"], timeout=1800)
        if r.returncode != 0 or not _sha1_verified(jar):
            raise harness.HarnessError(f"mvn dependency:get {coordinate} failed or the jar does "
                                       f"not match its .sha1:\n{r.describe()}")
    return jar


def flink_plugins_dir(root, flink_version, plugin="flink-s3-fs-hadoop"):
    """<root>/plugins/<plugin>/<plugin>-<version>.jar: a per-test FLINK_PLUGINS_DIR (the cached
    FLINK_HOME is never modified). A hard link when the file system allows it, else a copy."""
    jar = flink_s3_plugin_jar(flink_version, plugin)
    target = Path(root, "plugins", plugin)
    target.mkdir(parents=True, exist_ok=True)
    dest = target / jar.name
    if not dest.exists():
        try:
            os.link(jar, dest)
        except OSError:
            shutil.copyfile(jar, dest)
    return Path(root, "plugins")
