"""Documentation checks: every man page renders without warnings, every command listed by
`flinkha --help` has a page in man/ and shows examples in its own --help."""

import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

FLINKHA = os.environ["FLINKHA_BIN"]
SOURCE = Path(os.environ["FLINKHA_SOURCE_DIR"])
MAN_DIR = SOURCE / "man"

def help_text(*args):
    result = subprocess.run([FLINKHA, *args, "--help"], capture_output=True, text=True, timeout=30)
    harness.check(f"flinkha {' '.join(args)} --help exits 0 (got {result.returncode})", result.returncode == 0)
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
harness.check("man/ holds pages", len(pages) > 0)
for page in pages:
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    result = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, text=True,
                            env=env, timeout=60)
    harness.check(f"{page.name} renders without warnings: {result.stderr.strip()[:500]}",
                  result.returncode == 0 and result.stderr.strip() == "")
    harness.check(f"{page.name} has an EXAMPLES section", "EXAMPLES" in result.stdout)

top = help_text()
groups = subcommands(top)
harness.check("flinkha --help lists commands", len(groups) > 0)
for group in groups:
    page = MAN_DIR / f"flinkha-{group}.1"
    harness.check(f"command '{group}' has man/flinkha-{group}.1", page.exists())
    harness.check(f"flinkha(1) refers to flinkha-{group}(1)",
                  f"flinkha-{group}" in (MAN_DIR / "flinkha.1").read_text().replace("\\-", "-"))
    group_help = help_text(group)
    children = subcommands(group_help)
    harness.check(f"'flinkha {group} --help' shows examples", "Examples:" in group_help)
    for child in children:
        harness.check(f"'flinkha {group} {child} --help' shows examples",
                      "Examples:" in help_text(group, child))

sys.exit(harness.summary())
