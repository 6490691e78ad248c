"""Cost of the offline plan against the import floor of exactly the SDK modules it uses.

The figure (issue 23, section 3): CPU seconds of ``python -m albops plan --stack stage`` divided by the CPU
seconds of a process that only imports the Pulumi SDK modules that same plan ends up importing, taken from
``sys.modules`` of a plan run (``pulumi``, ``pulumi_aws``, ``pulumi_kubernetes``, ``pulumi_eks`` and any other
``pulumi_*``, submodules included, in the order the plan loaded them; a module the SDKs only registered for
lazy loading, never executed, is left out). What is above 1.0x is the project's own cost: its imports,
settings, components, the mock run and writing the plan out. Target: <= 1.3x.

The plan leaves without the interpreter's teardown of its modules (albops/__main__.py), which cost it 0.4-0.5 s
of CPU. Two floors are measured so that this is not counted as the plan outdoing the SDKs: the import floor
(the headline; the floor process leaves the same way, so both sides are import and work only) and the floor
as a plain ``python`` process that then tears its modules down (how the issue's 1.53x was measured, plan and
floor both tearing down).

CPU time (user + system of the child, from ``wait4``) rather than wall time, so other work on a shared
machine moves the figure less; the commands run in rounds, rotating which goes first, and each figure is the
median of the per-round ratios (medians of each side are printed too). All run with bytecode caching on
(``PYTHONDONTWRITEBYTECODE`` dropped from the environment, as on CI and a user's machine) after one warm-up
run each, so none pays for compiling source.

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

# Run inside the plan's own process: the command as ``python -m albops`` runs it (albops/__main__.py adds only its
# exit), then the SDK module names in load order, written once the plan has written its output.
_RECORD = """
import json, sys
from albops.cli.main import main
out = sys.argv.pop(1)
code = main(sys.argv[1:])
# A module the SDKs registered for lazy loading and nobody touched was never executed: not part of the floor.
names = [
    n for n, m in list(sys.modules.items())
    if (n.split(".")[0] == "pulumi" or n.startswith("pulumi_")) and type(m).__name__ != "_LazyModule"
]
with open(out, "w") as f:
    json.dump(names, f)
sys.exit(code)
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
    parser.add_argument("--runs", type=int, default=5, help="rounds of the three commands (default 5)")
    parser.add_argument("--stack", default="stage")
    args = parser.parse_args()

    load_start = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="plan-bench-"))
    plan_args = ["plan", "--stack", args.stack, "--out", str(workdir / "out")]
    names = floor_modules(plan_args, workdir)
    imports = f"import importlib\nfor name in {names!r}:\n    importlib.import_module(name)\n"
    floor_script = workdir / "floor.py"
    floor_script.write_text(imports + "import os, sys\nsys.stdout.flush()\nos._exit(0)\n")
    teardown_script = workdir / "floor_teardown.py"
    teardown_script.write_text(imports)

    commands = {
        "floor": [sys.executable, str(floor_script)],
        "teardown": [sys.executable, str(teardown_script)],
        "plan": [sys.executable, "-m", "albops", *plan_args],
    }
    for command in commands.values():
        _cpu(command)  # warm the file cache and bytecode of each
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    order = list(commands)
    for i in range(args.runs):
        for name in order[i % 3 :] + order[: i % 3]:
            cpu[name].append(_cpu(commands[name]))
    tops = sorted({n.split(".")[0] for n in names})

    def med(values: list[float]) -> float:
        return statistics.median(values)

    def shown(values: list[float]) -> str:
        return ", ".join(f"{x:.2f}" for x in values)

    ratio = med([p / f for p, f in zip(cpu["plan"], cpu["floor"], strict=True)])
    issue_way = med([p / f for p, f in zip(cpu["plan"], cpu["teardown"], strict=True)])
    print(f"load average (1 min) at start {load_start:.2f}, at end {os.getloadavg()[0]:.2f}; cpus: {os.cpu_count()}")
    print(f"import floor: {len(names)} SDK modules the plan imports ({', '.join(tops)})")
    print(f"rounds: {args.runs}")
    print(f"import floor            median {med(cpu['floor']):.3f} s CPU   ({shown(cpu['floor'])})")
    print(f"floor with teardown     median {med(cpu['teardown']):.3f} s CPU   ({shown(cpu['teardown'])})")
    print(f"offline plan            median {med(cpu['plan']):.3f} s CPU   ({shown(cpu['plan'])})")
    print(f"ratio                   {ratio:.2f}x plan / import floor, median of rounds (target <= {TARGET}x)")
    print(f"ratio, floor torn down  {issue_way:.2f}x (the floor as the issue's 1.53x measured it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
