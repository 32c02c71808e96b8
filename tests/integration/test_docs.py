"""Documentation checks: every man page renders without warnings, every command listed by
`flinkha --help` has a page in man/ and shows examples in its own --help."""

import os
import re
import subprocess
import sys
from pathlib import Path

FLINKHA = os.environ["FLINKHA_BIN"]
SOURCE = Path(os.environ["FLINKHA_SOURCE_DIR"])
MAN_DIR = SOURCE / "man"

failures = []
passed = 0


def check(condition, message):
    global passed
    if condition:
        passed += 1
    else:
        failures.append(message)
        print("FAIL:", message)


def help_text(*args):
    result = subprocess.run([FLINKHA, *args, "--help"], capture_output=True, text=True, timeout=30)
    check(result.returncode == 0, f"flinkha {' '.join(args)} --help exits 0 (got {result.returncode})")
    return result.stdout


def subcommands(text):
    """Names listed under 'Subcommands:' in CLI11's help."""
    names = []
    in_section = False
    for line in text.splitlines():
        if line.strip() == "Subcommands:":
            in_section = True
            continue
        if in_section:
            match = re.match(r"^  (\S+)", line)
            if not match:
                if line.strip() == "":
                    continue
                break
            names.append(match.group(1))
    return names


pages = sorted(MAN_DIR.glob("*.1"))
check(len(pages) > 0, "man/ holds pages")
for page in pages:
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    result = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True,
                            env=env, timeout=60)
    check(result.returncode == 0 and result.stderr.strip() == "",
          f"{page.name} renders without warnings: {result.stderr.strip()[:500]}")
    check("EXAMPLES" in result.stdout, f"{page.name} has an EXAMPLES section")

top = help_text()
groups = subcommands(top)
check(len(groups) > 0, "flinkha --help lists commands")
for group in groups:
    page = MAN_DIR / f"flinkha-{group}.1"
    check(page.exists(), f"command '{group}' has man/flinkha-{group}.1")
    check(f"flinkha-{group}" in (MAN_DIR / "flinkha.1").read_text().replace("\\-", "-"),
          f"flinkha(1) refers to flinkha-{group}(1)")
    group_help = help_text(group)
    children = subcommands(group_help)
    check("Examples:" in group_help, f"'flinkha {group} --help' shows examples")
    for child in children:
        check("Examples:" in help_text(group, child),
              f"'flinkha {group} {child} --help' shows examples")

print(f"{passed} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
