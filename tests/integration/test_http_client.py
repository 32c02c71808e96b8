#!/usr/bin/env python3
"""lib/http's Client (through flinkha_http_probe) against a real HTTP/1.1 server on loopback
(Python's ThreadingHTTPServer with keep-alive): retries with backoff on 503 and on a reset
connection, the time budget, the body cap, a refused port, bounded concurrency on kept-alive
connections, and the request shapes the storage protocols need (PUT with an empty body, DELETE;
no Content-Type or Expect header curl would add on its own).

Prints "N passed, M failed"; exits non-zero on failure.
"""

import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

PROBE = os.environ.get("FLINKHA_HTTP_PROBE") or str(
    Path(harness.flinkha_bin()).parent.parent / "tests" / "integration" / "flinkha_http_probe")
UNREACHABLE = 3  # ErrorCategory::unreachable
FAILED = 6       # ErrorCategory::failed


class State:
    lock = threading.Lock()
    hits = {}          # path -> requests seen
    connections = 0    # TCP connections accepted
    active = 0
    max_active = 0
    seen = []          # (method, headers) of /echo requests


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive

    def setup(self):
        super().setup()
        with State.lock:
            State.connections += 1

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"ok"):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?")[0]
        with State.lock:
            State.hits[path] = State.hits.get(path, 0) + 1
            hit = State.hits[path]
        if path.startswith("/flaky/"):
            return self.answer(503 if hit <= 2 else 200, b"SlowDown" if hit <= 2 else b"done")
        if path.startswith("/always503"):
            return self.answer(503, b"SlowDown")
        if path.startswith("/reset/"):
            if hit == 1:
                self.close_connection = True
                self.connection.shutdown(2)  # no answer at all: a reset mid-exchange
                return None
            return self.answer(200, b"after reset")
        if path == "/slow":
            time.sleep(3)
            return self.answer(200)
        if path == "/big":
            return self.answer(200, b"x" * (2 << 20))
        if path.startswith("/hold"):
            with State.lock:
                State.active += 1
                State.max_active = max(State.max_active, State.active)
            time.sleep(0.2)
            with State.lock:
                State.active -= 1
            return self.answer(200)
        if path == "/echo":
            with State.lock:
                State.seen.append((self.command, dict(self.headers.items()), length))
            return self.answer(200, self.command.encode())
        return self.answer(404, b"no such path")

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def probe(*args, timeout=30):
    r = harness.run([PROBE, *map(str, args)], timeout=timeout)
    lines = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    return r, lines


def main():
    if not Path(PROBE).exists():
        raise harness.HarnessError(f"{PROBE} is not built")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        r, out = probe(f"{base}/flaky/a")
        harness.check("503 twice, then 200: retried, 3 attempts",
                      out and out[0].get("status") == 200 and out[0].get("attempts") == 3,
                      r.describe())

        r, out = probe("--budget-ms", 1500, f"{base}/always503", timeout=20)
        harness.check("503 until the budget ends: the last answer, more than one attempt",
                      out and out[0].get("status") == 503 and out[0].get("attempts", 0) >= 2,
                      r.describe())

        r, out = probe(f"{base}/reset/a")
        harness.check("a connection closed without an answer is retried",
                      out and out[0].get("status") == 200 and out[0].get("attempts") == 2
                      and out[0].get("body") == "after reset", r.describe())

        closed = harness.free_port()
        r, out = probe(f"http://127.0.0.1:{closed}/x?op=LISTSTATUS&user.name=u")
        harness.check("a refused port: unreachable, names the server, not the query",
                      out and out[0].get("category") == UNREACHABLE
                      and f"127.0.0.1:{closed}" in out[0]["error"]
                      and "user.name" not in out[0]["error"], r.describe())

        r, out = probe("--budget-ms", 1000, f"{base}/slow", timeout=20)
        harness.check("no answer within the budget: unreachable, says the budget",
                      out and out[0].get("category") == UNREACHABLE
                      and "within 1000 ms" in out[0]["error"], r.describe())

        r, out = probe("--max-body", 1 << 20, f"{base}/big")
        harness.check("an answer larger than allowed is refused, not retried",
                      out and out[0].get("category") == FAILED
                      and "larger than" in out[0]["error"], r.describe())

        with State.lock:
            State.connections = 0
        r, out = probe("--in-flight", 8, *[f"{base}/hold/{i}" for i in range(64)], timeout=60)
        harness.check("64 requests, 8 in flight: all answered, in order",
                      len(out) == 64 and all(o.get("status") == 200 for o in out), r.describe())
        harness.check("at most 8 at a time, and more than one at a time",
                      2 <= State.max_active <= 8, f"max concurrent {State.max_active}")
        harness.check("kept-alive connections: at most 8 for 64 requests",
                      State.connections <= 8, f"connections {State.connections}")

        # 30 requests of 0.2 s, 2 at a time: 3 s in all, twice the budget of one request. The
        # budget is per request: the last ones start late and still have all of theirs.
        r, out = probe("--in-flight", 2, "--budget-ms", 1500,
                       *[f"{base}/hold/late{i}" for i in range(30)], timeout=60)
        harness.check("the budget is per request: queued requests are not timed out by others",
                      len(out) == 30 and all(o.get("status") == 200 for o in out), r.describe())

        r, out = probe("--method", "PUT", f"{base}/echo")
        method, headers, length = State.seen[-1] if State.seen else (None, {}, None)
        lower = {k.lower(): v for k, v in headers.items()}
        harness.check("PUT without a body: Content-Length 0, no Content-Type, no Expect",
                      method == "PUT" and lower.get("content-length") == "0"
                      and "content-type" not in lower and "expect" not in lower,
                      f"{method} {headers} {r.describe()}")
        r, out = probe("--method", "DELETE", f"{base}/echo")
        harness.check("DELETE is sent as DELETE", State.seen and State.seen[-1][0] == "DELETE",
                      r.describe())
        r, out = probe("--method", "POST", "--body", "<Delete/>", f"{base}/echo")
        harness.check("POST with a body", State.seen and State.seen[-1][0] == "POST"
                      and State.seen[-1][2] == len("<Delete/>"), r.describe())
    finally:
        server.shutdown()
    return harness.summary()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except harness.HarnessError as e:
        print(f"harness error: {e}")
        sys.exit(1)
