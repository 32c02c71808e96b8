#!/usr/bin/env python3
"""Fake ZooKeeper endpoints for hostile-server tests (Python 3 stdlib only).

Run as a server process, started and stopped by pid through harness.ProcessRegistry:

    port = harness.free_port()
    procs.start([sys.executable, fake_zk.__file__, "garbage", str(port)], log=td.path / "f.log")
    fake_zk.wait_listening(port)

Modes (each connection is served by its own thread; 127.0.0.1 only):
  garbage  sends random bytes at once (a random length, 1 to 4096 bytes, each connection),
           then at random either closes the connection or keeps it open and answers every
           read with more: random each run, so tests loop it;
  silent   accepts and reads, never sends a byte;
  trickle  accepts and sends random bytes one at a time, TRICKLE_S apart, forever;
  unsolicited  answers the handshake with a real ZooKeeper 3.8 ConnectResponse (the captured
           fixture), then at once with a reply to a request nobody sent: the ZooKeeper C client
           Debian ships asserts on that and aborts the process (flinkha's abort guard must turn
           it into exit 3 and a message).
A ZooKeeper ConnectResponse is 41 framed bytes; the random bytes are almost never one, and a
trickle is too slow to finish one within the timeouts the tests use.
"""

import os
from pathlib import Path
import random
import socket
import struct
import sys
import threading
import time

TRICKLE_S = 0.2


def wait_listening(port, timeout=10.0):
    """Waits until something accepts on 127.0.0.1:port (then hangs up at once)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"fake ZooKeeper on 127.0.0.1:{port} did not start within {timeout} s")


def _garbage_first(conn, rng):
    """On accept, before reading: the answer fits a fresh socket's buffer, so the accept loop
    never waits on a client; True when the connection stays open for more."""
    conn.sendall(rng.randbytes(rng.randint(1, 4096)))
    return rng.random() < 0.5


def _garbage(conn, rng):
    while True:
        data = conn.recv(4096)
        if not data:
            return
        conn.sendall(rng.randbytes(rng.randint(1, 256)))


def _silent(conn, rng):
    while conn.recv(4096):
        pass


def _trickle(conn, rng):
    while True:
        conn.sendall(rng.randbytes(1))
        time.sleep(TRICKLE_S)


CONNECT_RESPONSE = (Path(__file__).resolve().parents[1] / "unit" / "fixtures" / "zk" /
                    "connect_response.bin")


def _unsolicited(conn, rng):
    conn.recv(4096)  # the ConnectRequest
    # ReplyHeader{xid, zxid, err} of zookeeper.jute, for an xid the client never used.
    reply = struct.pack(">iqi", 12345, 1, 0) + bytes(68)
    conn.sendall(CONNECT_RESPONSE.read_bytes() + struct.pack(">i", len(reply)) + reply)
    while conn.recv(4096):
        pass


MODES = {"garbage": _garbage, "silent": _silent, "trickle": _trickle,
         "unsolicited": _unsolicited}


def _serve(handler, conn, seed):
    try:
        handler(conn, random.Random(seed))
    except OSError:
        pass  # the client hung up
    finally:
        conn.close()


def main():
    mode, port = sys.argv[1], int(sys.argv[2])
    handler = MODES[mode]
    seed = int.from_bytes(os.urandom(8), "big")
    print(f"fake ZooKeeper ({mode}) on 127.0.0.1:{port}, seed {seed}", flush=True)
    rng = random.Random(seed)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    # The C client reconnects at once after each protocol error: hundreds of connections a
    # second. A deep backlog keeps a later connection (flinkha's probe) from a dropped SYN.
    listener.listen(4096)
    while True:
        conn, _ = listener.accept()
        seed = rng.getrandbits(64)
        if mode == "garbage":
            # The C client reconnects in a tight loop: answer inline, keep a thread only for the
            # connections that stay open, so a later connection is accepted at once.
            try:
                if not _garbage_first(conn, random.Random(seed)):
                    conn.close()
                    continue
            except OSError:
                conn.close()
                continue
        threading.Thread(target=_serve, args=(handler, conn, seed), daemon=True).start()


if __name__ == "__main__":
    main()
