"""`flinkha config check` on configuration files that are large, unresolvable or deep (issue 12):
the built binary names a symlink loop (ELOOP) and a YAML nesting limit for what they are, lists
the first 100 malformed lines of a file of millions and summarizes the rest, and reads a 50 MB
flink-conf.yaml completely (every key, the last one included). How long that takes is measured in
bench/config-size, not here: this test asserts what is reported, never a duration."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

ENV = {k: v for k, v in os.environ.items()
       if k not in ("FLINK_SSH_OPTS", "FLINK_CONF_DIR", "FLINK_HOME", "HADOOP_CONF_DIR")}
HA = ("high-availability.type: zookeeper\n"
      "high-availability.zookeeper.quorum: 127.0.0.1:2181\n"
      "high-availability.storageDir: file:///tmp/flinkha-it-ha\n"
      "high-availability.cluster-id: it\n")


def config_check(conf, version, *extra, timeout=120):
    return harness.run([harness.flinkha_bin(), "--flink-version", version, "--conf-dir", conf,
                        *extra, "config", "check"], timeout=timeout, env=ENV)


def masters(conf):
    (conf / "masters").write_text("127.0.0.1:8081\n")
    (conf / "workers").write_text("127.0.0.1\n")


with harness.TestDir("config-files") as td:
    # A symlink loop where flink-conf.yaml should be.
    loop = td.path / "loop"
    loop.mkdir()
    os.symlink("b", loop / "a")
    os.symlink("a", loop / "b")
    os.symlink("a", loop / "flink-conf.yaml")
    r = config_check(loop, "1.20")
    harness.check("symlink loop: exit 78", r.returncode == 78, r.describe())
    harness.check("symlink loop: names the path and ELOOP",
                  f"cannot resolve {loop / 'flink-conf.yaml'}: " in r.stderr
                  and "ELOOP" in r.stderr, r.describe())
    harness.check("symlink loop: not called a missing file",
                  "no flink-conf.yaml" not in r.stderr, r.describe())

    # config.yaml nested past the YAML parser's limit (yaml-cpp said "bad file").
    deep = td.path / "deep"
    deep.mkdir()
    (deep / "config.yaml").write_text(HA + "a: " + "[" * 5000 + "]" * 5000 + "\n")
    masters(deep)
    r = config_check(deep, "2.3")
    harness.check("deep nesting: exit 78", r.returncode == 78, r.describe())
    harness.check("deep nesting: says the limit and the line",
                  "config.yaml:5: nesting depth limit of 500 reached" in r.stderr, r.describe())
    harness.check("deep nesting: not 'bad file'", "bad file" not in r.stderr, r.describe())

    # Two million malformed lines: 100 listed, one summary, and the key after them is read.
    bad = td.path / "malformed"
    bad.mkdir()
    with open(bad / "flink-conf.yaml", "w") as out:
        out.write(HA)
        out.write("k:v\n" * 2_000_000)
        out.write("rest.port: 8081\n")
    masters(bad)
    r = config_check(bad, "1.20", "-o", "json")
    report = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
    malformed = [d for d in report.get("diagnostics", [])
                 if d.get("code") == "legacy-malformed-line"]
    harness.check("malformed lines: 100 listed and one summary", len(malformed) == 101,
                  f"{len(malformed)} legacy-malformed-line findings\n{r.describe()}")
    harness.check("malformed lines: the summary counts the rest",
                  bool(malformed) and malformed[-1].get("message", "").startswith(
                      "1999900 more 'legacy-malformed-line' findings on lines 105-2000004"),
                  json.dumps(malformed[-1:]))
    r = harness.run([harness.flinkha_bin(), "--flink-version", "1.20", "--conf-dir", bad, "-o",
                     "json", "config", "show"], timeout=120, env=ENV)
    harness.check("malformed lines: the key after them is read", '"8081"' in r.stdout,
                  r.describe())

    # 50 MB of keys: every one is read, the last one with its line.
    big = td.path / "big"
    big.mkdir()
    keys = 0
    with open(big / "flink-conf.yaml", "w") as out:
        out.write(HA)
        written = len(HA)
        while written < 50 * 1024 * 1024:
            line = f"bench.key{keys}: {'v' * 150}\n"
            out.write(line)
            written += len(line)
            keys += 1
        out.write("high-availability.cluster-id: last-wins\n")
    masters(big)
    lines = 4 + keys + 1
    r = harness.run([harness.flinkha_bin(), "--flink-version", "1.20", "--conf-dir", big, "-o",
                     "json", "config", "show", "--all"], timeout=300, env=ENV)
    shown = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
    entries = shown.get("entries", {})  # key -> {"value", "source"}, in file order
    harness.check("50 MB: every key is read", len(entries) == 4 + keys,
                  f"{len(entries)} entries, expected {4 + keys}\n{r.describe(limit=500)}")
    cluster_id = entries.get("high-availability.cluster-id", {})
    harness.check("50 MB: the last duplicate wins, with its line, in the first one's place",
                  cluster_id == {"value": "last-wins", "source": f"flink-conf.yaml:{lines}"}
                  and list(entries)[3:4] == ["high-availability.cluster-id"],
                  json.dumps(cluster_id))
    last = f"bench.key{keys - 1}"
    harness.check("50 MB: the last key is read with its line",
                  entries.get(last, {}).get("source") == f"flink-conf.yaml:{4 + keys}",
                  json.dumps(entries.get(last))[:300])

# --- storage access in config show: the credential source, never the secret ------------------
with harness.TestDir("config-s3") as td:
    s3 = td.path / "s3"
    s3.mkdir()
    (s3 / "config.yaml").write_text(
        "high-availability.type: zookeeper\n"
        "high-availability.zookeeper.quorum: 127.0.0.1:2181\n"
        "high-availability.storageDir: s3://ha-bucket/flink/ha\n"
        "s3.endpoint: http://127.0.0.1:8333\n"
        "s3.access-key: AKIDCONFIGSHOW\n"
        "s3.secret-key: do-not-print-this-secret\n")
    masters(s3)
    base = [harness.flinkha_bin(), "--flink-version", "2.3", "--conf-dir", s3]
    r = harness.run([*base, "-o", "json", "config", "show", "--all"], timeout=60, env=ENV)
    shown = json.loads(r.stdout) if r.stdout.strip().startswith("{") else {}
    access = shown.get("storage_access") or {}
    harness.check("config show: the S3 credential source and access key id, never the secret",
                  access.get("credentials_source") == "s3.access-key (config.yaml:5)"
                  and access.get("access_key_id") == "AKIDCONFIGSHOW"
                  and access.get("endpoint") == "http://127.0.0.1:8333"
                  and "do-not-print-this-secret" not in r.stdout + r.stderr, r.describe())
    harness.check("config show --all: the secret key's value is Flink's mask",
                  shown.get("entries", {}).get("s3.secret-key", {}).get("value") == "******",
                  json.dumps(shown.get("entries", {}).get("s3.secret-key")))
    r = harness.run([*base, "config", "show", "--all"], timeout=60, env=ENV)
    harness.check("config show (text): credential source shown, secret not",
                  "s3.access-key (config.yaml:5)" in r.stdout
                  and "do-not-print-this-secret" not in r.stdout + r.stderr, r.describe())

sys.exit(harness.summary())
