"""Cost of the offline plan against the import floor of exactly the SDK modules it uses.

The figure (issue 23, section 3): CPU seconds of ``python -m albops plan --stack stage`` divided by the CPU
seconds of a process that only imports the Pulumi SDK modules that same plan ends up importing, taken from
``sys.modules`` of a plan run (``pulumi``, ``pulumi_aws``, ``pulumi_kubernetes``, ``pulumi_eks`` and any other
``pulumi_*``, submodules included, in the order the plan loaded them; a module the SDKs only registered for
lazy loading, never executed, is left out). What is above 1.0x is the project's own
cost: its imports, settings, components, the mock run and writing the plan out. Target: <= 1.3x.

CPU time (user + system of the child, from ``wait4``) rather than wall time, so other work on a shared
machine moves the figure less; the two commands run in pairs, alternating which goes first, and the figure is
the median of the per-pair ratios (medians of each side are printed too). Both sides run with bytecode
caching on (``PYTHONDONTWRITEBYTECODE`` dropped from the environment, as on CI and a user's machine) after one
warm-up run each, so neither pays for compiling source.

Usage: .venv/bin/python bench/plan_cost.py [--runs 5] [--stack stage]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.3

# Run inside the plan's own process: the plan as ``python -m albops`` runs it, then the SDK module names in
# load order, written when the interpreter exits (after the plan has written its output).
_RECORD = """
import atexit, json, runpy, sys
out = sys.argv.pop(1)
def _write():
    # A module the SDKs registered for lazy loading and nobody touched was never executed: not part of the floor.
    names = [
        n for n, m in list(sys.modules.items())
        if (n.split(".")[0] == "pulumi" or n.startswith("pulumi_")) and type(m).__name__ != "_LazyModule"
    ]
    with open(out, "w") as f:
        json.dump(names, f)
atexit.register(_write)
sys.argv[0] = "albops"
runpy.run_module("albops", run_name="__main__", alter_sys=True)
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    return env


def _cpu(command: list[str]) -> float:
    """User + system CPU seconds of one child process (and anything it waited for)."""
    child = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    err = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stderr.close()
    if child.returncode != 0:
        raise SystemExit(f"benchmark command failed ({child.returncode}): {' '.join(command)}\n{err.decode()[-2000:]}")
    return usage.ru_utime + usage.ru_stime


def floor_modules(plan_args: list[str], workdir: Path) -> list[str]:
    """The SDK modules a plan run imports, in the order it imported them."""
    record = workdir / "modules.json"
    _cpu([sys.executable, "-c", _RECORD, str(record), *plan_args])
    names: list[str] = json.loads(record.read_text())
    if not names:
        raise SystemExit("the plan imported no Pulumi SDK module: nothing to compare with")
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="paired runs (default 5)")
    parser.add_argument("--stack", default="stage")
    args = parser.parse_args()

    load_start = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="plan-bench-"))
    plan_args = ["plan", "--stack", args.stack, "--out", str(workdir / "out")]
    names = floor_modules(plan_args, workdir)
    floor_script = workdir / "floor.py"
    floor_script.write_text(f"import importlib\nfor name in {names!r}:\n    importlib.import_module(name)\n")

    floor_cmd = [sys.executable, str(floor_script)]
    plan_cmd = [sys.executable, "-m", "albops", *plan_args]
    _cpu(floor_cmd)  # warm the file cache and bytecode of both
    _cpu(plan_cmd)
    floor: list[float] = []
    plan: list[float] = []
    for i in range(args.runs):
        if i % 2 == 0:
            floor.append(_cpu(floor_cmd))
            plan.append(_cpu(plan_cmd))
        else:
            plan.append(_cpu(plan_cmd))
            floor.append(_cpu(floor_cmd))
    ratios = [p / f for p, f in zip(plan, floor, strict=True)]
    tops = sorted({n.split(".")[0] for n in names})
    print(f"load average (1 min) at start {load_start:.2f}, at end {os.getloadavg()[0]:.2f}; cpus: {os.cpu_count()}")
    print(f"import floor: {len(names)} SDK modules the plan imports ({', '.join(tops)})")
    print(f"paired runs: {args.runs}")
    print(f"import floor   median {statistics.median(floor):.3f} s CPU   ({', '.join(f'{x:.2f}' for x in floor)})")
    print(f"offline plan   median {statistics.median(plan):.3f} s CPU   ({', '.join(f'{x:.2f}' for x in plan)})")
    ratio = statistics.median(ratios)
    print(f"ratio          {ratio:.2f}x median of paired ratios (target <= {TARGET}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
