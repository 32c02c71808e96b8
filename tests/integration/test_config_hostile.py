"""`flinkha config check` on hostile conf dirs (tests/unit/fixtures/hostile, issue 12): the built
binary reports each finding with its file:line and code, and exits 78 on errors, 1 on warnings
only. The unit test (test_config_lint.cpp) covers every case; this one proves the CLI wiring,
including env.ssh.opts, which config check takes from lib/remote."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FIXTURES = harness.SOURCE_DIR / "tests" / "unit" / "fixtures" / "hostile"


def config_check(case, *extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("FLINK_SSH_OPTS", "FLINK_CONF_DIR", "FLINK_HOME", "HADOOP_CONF_DIR")}
    return harness.run([harness.flinkha_bin(), "--flink-version", "1.20", "--conf-dir",
                        FIXTURES / case, *extra, "config", "check"], timeout=30, env=env)


CASES = [
    # (conf dir, exit code, lines the text report must contain)
    ("quorum-host", 78, [
        "flink-conf.yaml:2: error: high-availability.zookeeper.quorum: quorum entry "
        "'-oProxyCommand=id:2181' has host '-oProxyCommand=id', which starts with '-'",
        "[bad-quorum-entry]",
    ]),
    ("host-options", 78, [
        "flink-conf.yaml:5: error: jobmanager.rpc.address 'jm1;reboot' is not a host "
        "name or address: it contains the shell metacharacter ';' [bad-host]",
        "flink-conf.yaml:6: error: rest.bind-address '-oProxyCommand=x'",
    ]),
    ("zoo-not-key-value", 78, [
        "zoo.cfg:5: error: 'this is not a zoo.cfg' is not key=value",
        "[zk-malformed-line]",
    ]),
    ("ssh-opts-ignored", 1, [
        "flink-conf.yaml:5: warning: env.ssh.opts: flinkha does not apply \"-o ProxyCommand=nc\"",
        "[ssh-opts-ignored]",
        "0 error(s), 3 warning(s)",
    ]),
]

for case, code, fragments in CASES:
    result = config_check(case)
    harness.check(f"{case}: config check exits {code}", result.returncode == code,
                  result.describe())
    for fragment in fragments:
        harness.check(f"{case}: the report says {fragment!r}", fragment in result.stdout,
                      result.describe())

# The JSON report carries the same findings, with file and line apart.
result = config_check("port-options", "-o", "json")
harness.check("port-options: -o json config check exits 78", result.returncode == 78,
              result.describe())
try:
    report = json.loads(result.stdout)
except ValueError:
    report = {}
harness.check("port-options: the JSON report parses", bool(report), result.describe())
found = {(d.get("code"), json.dumps(d)) for d in report.get("diagnostics", [])}
for code, key in [("bad-port", "rest.port"), ("bad-port-range", "blob.server.port"),
                  ("bad-port-range", "taskmanager.rpc.port")]:
    harness.check(f"port-options: a {code} finding names {key}",
                  any(c == code and key in text for c, text in found), result.stdout[:2000])

sys.exit(harness.summary())
