"""A real OpenSSH sshd on loopback for integration tests (Python 3 stdlib only).

One sshd process, started as the current user, listens on one free unprivileged port on
127.0.0.2 ... 127.0.0.(N+1); each address is one "host". Everything it uses is generated per run
in a fresh temporary directory: the host key, a user key (the only entry of authorized_keys) and
a known_hosts file listing every address with the host key. sshd is stopped by its pid (never by
name) and the directory is removed on stop(), also when the test failed.

    with SshdHarness(hosts=4) as sshd:
        sshd.addresses, sshd.port, sshd.user_key, sshd.known_hosts, sshd.log_text()

Run directly (python3 sshd_harness.py 4) to get a harness for manual use; it prints its state as
JSON and stops on Ctrl-C.
"""

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SSHD = "/usr/sbin/sshd"  # sshd re-executes itself per connection: it needs an absolute path
PRIVSEP_DIR = "/run/sshd"  # compiled into Debian's sshd; required when it runs as root


def _keygen(path, comment, extra_args=()):
    # Later options win in ssh-keygen, so extra_args can replace the type and the passphrase.
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path,
                    *extra_args], check=True, stdin=subprocess.DEVNULL)
    with open(path + ".pub", encoding="ascii") as f:
        return f.read().split()[:2]  # [type, base64]


def fingerprint(public_key_path):
    """SHA256 fingerprint ("SHA256:...") of a public key file, as ssh-keygen -l prints it."""
    out = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", public_key_path], check=True,
                         capture_output=True, text=True).stdout
    return out.split()[1]


def _port_free(addresses, port):
    for address in addresses:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind((address, port))
            except OSError:
                return False
    return True


class SshdHarness:
    def __init__(self, hosts=4, first=2):
        if hosts < 1 or first + hosts > 255:
            raise ValueError("hosts must fit in 127.0.0.2 .. 127.0.0.254")
        self.addresses = [f"127.0.0.{first + i}" for i in range(hosts)]
        self.dir = None
        self.port = None
        self.process = None
        self.host_key_pub = None
        self.user_key = None
        self.known_hosts = None
        self.log_path = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="flinkha-sshd-")
        try:
            self._prepare()
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)  # by pid: the Popen's own child
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- helpers for tests -------------------------------------------------------------------

    def path(self, name):
        return os.path.join(self.dir, name)

    def known_hosts_name(self, address):
        return f"[{address}]:{self.port}"

    def known_hosts_line(self, address, key=None):
        key_type, key_b64 = key or self._host_key
        return f"{self.known_hosts_name(address)} {key_type} {key_b64}\n"

    def write_known_hosts(self, name, lines):
        path = self.path(name)
        with open(path, "w", encoding="ascii") as f:
            f.writelines(lines)
        return path

    def new_key(self, name, comment="flinkha-test-other", extra_args=()):
        """Generates another key pair in the run dir (ed25519 unless extra_args say otherwise,
        e.g. ["-t", "ecdsa", "-m", "PEM", "-N", "secret"]); returns [type, base64]."""
        return _keygen(self.path(name), comment, extra_args)

    def authorize(self, key):
        """Adds a public key ([type, base64]) to authorized_keys."""
        with open(self.path("authorized_keys"), "a", encoding="ascii") as f:
            f.write(" ".join(key) + "\n")

    def host_fingerprint(self):
        return fingerprint(self.host_key_pub)

    def log_text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def connections_to(self, address, log=None):
        """How many TCP connections sshd accepted on `address` (LogLevel VERBOSE line)."""
        pattern = re.compile(rf"Connection from \S+ port \d+ on {re.escape(address)} port "
                             rf"{self.port}\b")
        return len(pattern.findall(log if log is not None else self.log_text()))

    def accepted_auths(self, log=None):
        return len(re.findall(r"Accepted publickey for ", log if log is not None
                              else self.log_text()))

    def state(self):
        return {"dir": self.dir, "port": self.port, "addresses": self.addresses,
                "user_key": self.user_key, "known_hosts": self.known_hosts,
                "host_key_fingerprint": self.host_fingerprint(), "log": self.log_path,
                "pid": self.process.pid if self.process else None}

    # -- internals ---------------------------------------------------------------------------

    def _prepare(self):
        if os.geteuid() == 0 and not os.path.isdir(PRIVSEP_DIR):
            os.makedirs(PRIVSEP_DIR, mode=0o755, exist_ok=True)
        self.host_key = self.path("ssh_host_ed25519_key")
        self._host_key = _keygen(self.host_key, "flinkha-test-host")
        self.host_key_pub = self.host_key + ".pub"
        self.user_key = self.path("id_ed25519")
        user_pub = _keygen(self.user_key, "flinkha-test-user")
        with open(self.path("authorized_keys"), "w", encoding="ascii") as f:
            f.write(" ".join(user_pub) + "\n")
        self.log_path = self.path("sshd.log")

    def _config(self):
        listen = "".join(f"ListenAddress {a}\n" for a in self.addresses)
        return (f"Port {self.port}\n{listen}"
                f"HostKey {self.host_key}\n"
                f"PidFile {self.path('sshd.pid')}\n"
                f"AuthorizedKeysFile {self.path('authorized_keys')}\n"
                "StrictModes no\n"
                "UsePAM no\n"
                "PubkeyAuthentication yes\n"
                "PasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\n"
                "PermitRootLogin prohibit-password\n"
                "UseDNS no\n"
                "LogLevel VERBOSE\n"
                "MaxStartups 200\n"
                "MaxSessions 100\n"
                "MaxAuthTries 30\n"
                "PrintMotd no\n"
                "X11Forwarding no\n")

    def _launch(self):
        last_log = ""
        for _ in range(20):
            self.port = random.randint(20000, 59999)
            if not _port_free(self.addresses, self.port):
                continue
            config = self.path("sshd_config")
            with open(config, "w", encoding="ascii") as f:
                f.write(self._config())
            if os.path.exists(self.log_path):
                os.unlink(self.log_path)
            self.process = subprocess.Popen(
                [SSHD, "-D", "-f", config, "-E", self.log_path],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=open(self.path("sshd.stderr"), "w"))
            if self._wait_listening():
                return
            last_log = self.log_text() if os.path.exists(self.log_path) else ""
            self.stop_process()
        raise RuntimeError(f"sshd did not start on any port; last log:\n{last_log}")

    def stop_process(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        self.process = None

    def _wait_listening(self, timeout=10.0):
        deadline = time.monotonic() + timeout
        wanted = {f"Server listening on {a} port {self.port}." for a in self.addresses}
        while time.monotonic() < deadline:
            log = self.log_text() if os.path.exists(self.log_path) else ""
            if all(w in log for w in wanted):
                return True
            if self.process.poll() is not None or "Bind to port" in log:
                return False  # another process took the port between check and bind
            time.sleep(0.02)
        return False


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    with SshdHarness(hosts=count) as harness:
        harness.known_hosts = harness.write_known_hosts(
            "known_hosts", [harness.known_hosts_line(a) for a in harness.addresses])
        print(json.dumps(harness.state(), indent=2), flush=True)
        try:
            while harness.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
