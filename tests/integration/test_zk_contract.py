#!/usr/bin/env python3
"""The ZooKeeper contract on a real server: one standalone Debian ZooKeeper peer on a free
loopback port, and flinkha_zk_contract_live (the unit fake's contract cases, run on ZkClient)
against it. A case that passes on the fake but fails here means the fake drifted.
"""

import os
import sys

import flink_env
import harness


def main():
    live = os.environ.get("FLINKHA_ZK_CONTRACT_LIVE")
    if not live:
        print("FLINKHA_ZK_CONTRACT_LIVE is not set (run through ctest)", file=sys.stderr)
        return 1
    with harness.TestDir("zk-contract") as td, harness.ProcessRegistry() as procs:
        port = flink_env.start_zookeeper(td.path, procs)
        r = harness.run([live], timeout=120,
                        env=dict(os.environ, FLINKHA_ZK_CONNECT=f"127.0.0.1:{port}"))
        print(r.describe())
        td.failed |= r.returncode != 0
        if r.returncode != 0:
            print("FAIL: the ZooKeeper contract does not hold on the real server",
                  file=sys.stderr)
            return 1
    print("ok: the ZooKeeper contract holds on a real server")
    return 0


if __name__ == "__main__":
    sys.exit(main())
