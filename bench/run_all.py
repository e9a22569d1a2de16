"""Run every budget script, one after the other, and print a Markdown summary for the README.

Each script runs in its own process (``--json`` collects its rows); their own tables are shown as they come.
The summary block at the end can be pasted as the README's "Latest results" section. Exit code 0 even when a
budget fails, unless ``--strict``; 2 when a script itself breaks.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    "evaluate.py",
    "page_weight.py",
    "swap_time.py",
    "render_rps.py",
    "widgets.py",
    "builder.py",
    "posters.py",
    "inbox.py",
    "load.py",
]
TIMEOUTS = {"inbox.py": 1800, "load.py": 1500}
"""Seconds a script may take (default 300): the inbox loads a million applications into PostgreSQL first."""


def run(script: str, flags: list[str], out: Path) -> dict[str, Any] | None:
    """Run one script, echo its output; its JSON report, or None when it broke."""
    result = subprocess.run(
        [sys.executable, str(HERE / script), "--json", str(out), *flags],
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        timeout=TIMEOUTS.get(script, 300),
    )
    sys.stdout.write(result.stdout)
    if result.returncode not in (0, 1) or not out.exists():
        sys.stdout.write(f"\n{script} broke (exit {result.returncode}):\n{result.stderr[-3000:]}\n")
        return None
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=HERE.parent, capture_output=True, text=True, check=False
        ).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + (" + uncommitted changes" if git("status", "--porcelain") else "")


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def summary(reports: dict[str, dict[str, Any] | None]) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        "## Latest results",
        "",
        f"Measured {today} on {cpu_name()} ({os.cpu_count()} cores), {platform.system()}, Python "
        f"{platform.python_version()}, commit {commit()}, with `.venv/bin/python bench/run_all.py`.",
        "",
        "| budget | measured | result |",
        "|---|---|---|",
    ]
    for script, report in reports.items():
        if report is None:
            lines.append(f"| `bench/{script}` | the script failed to run | ERROR |")
            continue
        for row in report["rows"]:
            if row["passed"] is None:
                continue
            result = "PASS" if row["passed"] else "**FAIL**"
            lines.append(f"| {row['measure'].strip()} ({row['budget']}) | {row['figure']} | {result} |")
    lines += ["", "Context (not budgets):", ""]
    for _script, report in reports.items():
        if report is None:
            continue
        context = [
            f"{row['measure'].strip()}: {row['figure']}" for row in report["rows"] if row["passed"] is None
        ]
        if context:
            lines.append(f"- {report['title']}: " + "; ".join(context) + ".")
    notes = [line for report in reports.values() if report for line in report.get("summary", [])]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 when a budget fails")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    parser.add_argument("--profile", action="store_true", help="show where the time goes even on PASS")
    args = parser.parse_args()
    flags = [flag for flag, on in (("--quick", args.quick), ("--profile", args.profile)) if on]

    reports: dict[str, dict[str, Any] | None] = {}
    with tempfile.TemporaryDirectory(prefix="shenbao-bench-") as directory:
        for script in SCRIPTS:
            reports[script] = run(script, flags, Path(directory) / f"{script}.json")

    print("\n\n" + "=" * 30 + " paste below into README.md " + "=" * 30 + "\n")
    print(summary(reports))
    if any(report is None for report in reports.values()):
        return 2
    failed = any(row["passed"] is False for report in reports.values() if report for row in report["rows"])
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    raise SystemExit(main())
