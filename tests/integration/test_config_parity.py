#!/usr/bin/env python3
"""Config parity: flinkha reads Flink's config files exactly as Flink does.

For each Flink version under test (every pin of scripts/fetch-flink, or
$FLINK_HOME) and each case in fixtures/config_parity/{legacy,yaml}/<case>/:

  * Java side: tests/integration/java/ConfigDump.java, compiled against that
    version's lib/, loads the case through Flink's own
    GlobalConfiguration.loadConfiguration(dir) and prints toMap().
  * flinkha side: `$FLINKHA_BIN --conf-dir DIR --flink-version X.Y
    config show --all -o json`, whose "entries" map key -> {"value": ...}.

The key -> value maps must be equal. A case with an `expect-error` file must
make both fail (flinkha with exit status 78, configuration error). Legacy cases
(flink-conf.yaml) run on 1.x only; yaml cases (config.yaml alone) on every
version. If `expected-<version>.json` exists next to a case, Flink's result must
still equal it (these goldens are Flink's own output, reused by unit tests).

    test_config_parity.py                  the full test (ctest runs this)
    test_config_parity.py --java-only      Flink side only: fixtures vs goldens
    test_config_parity.py --update-golden  rewrite expected-<version>.json
    test_config_parity.py -k crlf          only cases whose name contains "crlf"

Prints one line per case and finally "N passed, M failed"; exit 1 on failure.
"""

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "config_parity"
CONFIG_DUMP = HERE / "java" / "ConfigDump.java"
LOG4J_STDERR = HERE / "java" / "log4j2-stderr.properties"
CONFIG_FILE = {"legacy": "flink-conf.yaml", "yaml": "config.yaml"}
EXIT_CONFIG_ERROR = 78  # DESIGN.md exit codes: configuration error


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, name, note=""):
        self.passed += 1
        print(f"ok    {name}{'  (' + note + ')' if note else ''}", flush=True)

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL  {name}\n      " + why.replace("\n", "\n      "), flush=True)


def kinds_for(version):
    # Flink 1.19/1.20 use the legacy parser for flink-conf.yaml; 2.x reads config.yaml only.
    return ["legacy", "yaml"] if version.startswith("1.") else ["yaml"]


def cases(kind, pattern):
    root = FIXTURES / kind
    return [d for d in sorted(root.iterdir())
            if d.is_dir() and (d / CONFIG_FILE[kind]).is_file() and pattern in f"{kind}/{d.name}"]


def stage(case_dir, kind, dest):
    """A conf dir holding only the case's config file (nothing else to trip over)."""
    dest.mkdir(parents=True)
    shutil.copyfile(case_dir / CONFIG_FILE[kind], dest / CONFIG_FILE[kind])
    return dest


def run_config_dump(home, version, conf_dirs, workdir):
    """Compile ConfigDump against this Flink and load every conf dir in one JVM."""
    classes = workdir / f"classes-{version}"
    classes.mkdir(parents=True, exist_ok=True)
    libs = f"{home}/lib/*"
    r = harness.run([harness.java_tool("javac"), "-nowarn", "-cp", libs, "-d", classes,
                     CONFIG_DUMP], timeout=300)
    if r.returncode != 0:
        raise harness.HarnessError(f"javac ConfigDump.java failed:\n{r.describe()}")
    # The legacy parser reads with the platform charset: pin UTF-8 like a usual deployment.
    env = dict(os.environ, LC_ALL="C.UTF-8")
    r = harness.run([harness.java_tool("java"), f"-Dlog4j2.configurationFile={LOG4J_STDERR}",
                     "-cp", f"{classes}{os.pathsep}{libs}", "ConfigDump", *conf_dirs],
                    timeout=300, env=env)
    (workdir / f"configdump-{version}.stderr").write_text(r.stderr)
    if r.returncode != 0:
        raise harness.HarnessError(f"ConfigDump failed:\n{r.describe()}")
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise harness.HarnessError(f"ConfigDump printed invalid JSON ({e}):\n{r.stdout[:2000]}")


def normalized(result, conf_dir):
    """Flink's result without machine-specific paths (for the golden files)."""
    text = json.dumps(result, ensure_ascii=False)
    return json.loads(text.replace(json.dumps(str(conf_dir))[1:-1], "<conf-dir>"))


def golden_text(result):
    return json.dumps(result, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def diff_maps(expected, actual):
    lines = []
    for k in sorted(set(expected) | set(actual)):
        if k not in actual:
            lines.append(f"missing in flinkha: {k!r} = {expected[k]!r}")
        elif k not in expected:
            lines.append(f"extra in flinkha:   {k!r} = {actual[k]!r}")
        elif expected[k] != actual[k]:
            lines.append(f"differs: {k!r}: Flink {expected[k]!r}, flinkha {actual[k]!r}")
    return "\n".join(lines)


# ConfigDump's "derived" names -> flinkha's "ha" names.
DERIVED = {"ha_mode": "mode", "namespace": "namespace",
           "cluster_storage_dir": "cluster_storage_dir", "job_result_store": "job_result_store"}


def diff_derived(flink_derived, ours):
    """Flink's own derivation of the HA locations against flinkha's "ha" section."""
    lines = []
    for theirs_key, our_key in DERIVED.items():
        theirs = flink_derived.get(theirs_key)
        if theirs_key == "ha_mode" and theirs == "factory_class":
            continue  # flinkha keeps the class name itself; Flink only says FACTORY_CLASS
        if theirs != ours.get(our_key):
            lines.append(f"{our_key}: Flink {theirs!r}, flinkha {ours.get(our_key)!r}")
    return "\n".join(lines)


def run_flinkha(binary, conf_dir, version):
    env = {k: v for k, v in os.environ.items() if k not in ("FLINK_HOME", "FLINK_CONF_DIR")}
    env["NO_COLOR"] = "1"
    return harness.run([binary, "--conf-dir", conf_dir, "--flink-version", harness.series(version),
                        "config", "show", "--all", "-o", "json"], timeout=60, env=env)


def check_case(name, case_dir, conf_dir, version, flink, binary, args, tally):
    expect_error = (case_dir / "expect-error").exists()
    problems = []

    # 1. The fixture says what Flink does.
    flink_failed = "error" in flink
    if expect_error and not flink_failed:
        problems.append("fixture has expect-error but Flink loaded it: "
                        + json.dumps(flink, ensure_ascii=False))
    if not expect_error and flink_failed:
        problems.append("Flink failed to load it (add expect-error?): "
                        + json.dumps(flink["error"], ensure_ascii=False))

    # 2. Flink still gives what the golden file recorded.
    golden = case_dir / f"expected-{version}.json"
    mine = normalized(flink, conf_dir)
    note = ""
    if args.update_golden:
        golden.write_text(golden_text(mine), encoding="utf-8")
        note = f"wrote {golden.name}"
    elif golden.exists():
        if json.loads(golden.read_text(encoding="utf-8")) != mine:
            problems.append(f"Flink's result differs from {golden.name} "
                            f"(rerun with --update-golden if Flink changed):\n"
                            + golden_text(mine))
    else:
        note = f"no {golden.name}"

    # 3. flinkha agrees with Flink.
    if binary is not None:
        r = run_flinkha(binary, conf_dir, version)
        if expect_error:
            if r.returncode != EXIT_CONFIG_ERROR:
                problems.append("Flink fails on this file; flinkha should exit "
                                f"{EXIT_CONFIG_ERROR} (configuration error):\n" + r.describe(800))
        elif r.timed_out or r.returncode not in (0, 1):
            problems.append("flinkha failed:\n" + r.describe(2000))
        else:
            try:
                entries = json.loads(r.stdout)["entries"]
                ours = {k: (v.get("value") if isinstance(v, dict) else v)
                        for k, v in entries.items()}
            except (ValueError, KeyError, TypeError, AttributeError) as e:
                problems.append(f"flinkha's JSON has no usable \"entries\" ({e!r}):\n"
                                + r.describe(2000))
            else:
                d = diff_maps(flink.get("entries", {}), ours)
                if d:
                    problems.append("key -> value maps differ:\n" + d)
                d = diff_derived(flink.get("derived", {}), json.loads(r.stdout).get("ha", {}))
                if d:
                    problems.append("derived HA locations differ:\n" + d)

    if problems:
        tally.fail(name, "\n".join(problems) + f"\n(conf dir: {conf_dir})")
    else:
        tally.ok(name, note)
    return not problems


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--java-only", action="store_true",
                        help="run Flink's side only (check fixtures and goldens)")
    parser.add_argument("--update-golden", action="store_true",
                        help="write expected-<version>.json from Flink's output")
    parser.add_argument("-k", dest="pattern", default="", help="only cases containing this")
    args = parser.parse_args()

    tally = Tally()
    with harness.TestDir("config-parity") as td:
        try:
            homes = harness.flink_homes()
            binary = None if args.java_only else harness.flinkha_bin()
        except harness.HarnessError as e:
            tally.fail("setup", str(e))
            homes = []
        for version, home in homes:
            print(f"# Flink {version} ({home})", flush=True)
            todo = []   # (name, case dir, staged conf dir)
            for kind in kinds_for(version):
                for case_dir in cases(kind, args.pattern):
                    staged = stage(case_dir, kind, td.path / version / kind / case_dir.name)
                    todo.append((f"{version} {kind}/{case_dir.name}", case_dir, staged))
            if not todo:
                continue
            try:
                results = run_config_dump(home, version, [str(t[2]) for t in todo], td.path)
            except harness.HarnessError as e:
                tally.fail(f"{version} ConfigDump", str(e))
                continue
            for name, case_dir, staged in todo:
                check_case(name, case_dir, staged, version, results[str(staged)], binary,
                           args, tally)
        td.failed = tally.failed > 0
    print(f"{tally.passed} passed, {tally.failed} failed", flush=True)
    return 1 if tally.failed or tally.passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
