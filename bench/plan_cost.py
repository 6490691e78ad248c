"""Cost of the offline plan as a whole process, against the bare import floor.

The target: ``python -m albops plan --stack stage`` should cost no more than
about 1.5x ``python -c "import pulumi, pulumi_aws, pulumi_kubernetes"`` on the
same machine. Both are run alternately, and medians of wall time and peak RSS
are reported, so load on the machine affects both sides alike.

Usage: .venv/bin/python bench/plan_cost.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    out = tempfile.mkdtemp(prefix="plan-bench-")
    floor_cmd = [sys.executable, "-c", "import pulumi, pulumi_aws, pulumi_kubernetes"]
    plan_cmd = [sys.executable, "-m", "albops", "plan", "--stack", "stage", "--out", out]
    _measure(floor_cmd)  # warm the file cache and bytecode for both
    _measure(plan_cmd)
    floor, plan = [], []
    for _ in range(args.runs):
        floor.append(_measure(floor_cmd))
        plan.append(_measure(plan_cmd))

    def med(rows: list[tuple[float, float]], index: int) -> float:
        return statistics.median(row[index] for row in rows)

    floor_s, plan_s = med(floor, 0), med(plan, 0)
    print(f"runs: {args.runs}")
    print(f"import floor   median {floor_s:.3f} s   peak RSS {med(floor, 1):.0f} MiB")
    print(f"offline plan   median {plan_s:.3f} s   peak RSS {med(plan, 1):.0f} MiB")
    print(f"ratio          {plan_s / floor_s:.2f}x (target <= 1.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
