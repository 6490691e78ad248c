"""Wall time of the test suite as CI runs it: a fresh clone of this commit, ``../shared`` beside it.

Each run clones the current commit (``HEAD``: commit what you want measured) into a new temporary folder,
copies ``shared/`` beside it (from this checkout's ``../shared``), links this
checkout's ``.venv`` into it (so installing is not timed; ``./dev`` measures that, see bench/first_run.py) and
times ``python -m pytest`` alone with the options of pyproject.toml (``-n 4``), as ``./dev test`` runs it
after its linters. A fresh clone per run, as on CI: the project's bytecode is compiled by the run itself.
``PYTHONDONTWRITEBYTECODE`` is dropped from the environment (CI does not set it; with it set, every
``python -m albops`` a test starts compiles the project again).

Prints every run's wall and CPU time, the medians, the machine's load average around the runs (a wall time
measured on a busy machine is not the suite's: compare the CPU time, or measure again), and the ten test
files that took longest (median over the runs of the sum of their tests' setup, call and teardown times,
from pytest's JUnit XML; with four workers these add up to several times the wall time).

Usage: .venv/bin/python bench/suite_time.py [--runs 3] [--commit REV] [-- extra pytest arguments]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 60.0


def _shared() -> Path:
    candidate = ROOT.parent / "shared"
    if candidate.is_dir():
        return candidate
    raise SystemExit("bench/suite_time.py: no shared/ folder beside the checkout (../shared); CI has one")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}
    env.pop("PYTEST_ADDOPTS", None)
    return env


def _clone(commit: str, into: Path) -> Path:
    clone = into / "alb-ingress"
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", "--detach", commit], check=True)
    shutil.copytree(_shared(), into / "shared", symlinks=True)
    (clone / ".venv").symlink_to(ROOT / ".venv", target_is_directory=True)
    return clone


def _file_times(report: Path) -> dict[str, float]:
    """Seconds per test file (setup + call + teardown of each of its tests) from a JUnit XML report."""
    totals: dict[str, float] = defaultdict(float)
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")
        # classname is the dotted module path (plus the class, for tests in a class): tests.test_x[.TestY]
        name = next((part for part in module if part.startswith("test_")), ".".join(module))
        totals[f"tests/{name}.py"] += float(case.get("time", "0"))
    return totals


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(commit: str, extra: list[str]) -> tuple[float, float, dict[str, float], int]:
    """Wall and CPU seconds of pytest in a fresh clone (its workers and their children included), seconds per
    file, and pytest's exit code."""
    with tempfile.TemporaryDirectory(prefix="suite-time-") as tmp:
        clone = _clone(commit, Path(tmp))
        report = Path(tmp) / "junit.xml"
        command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "pytest", f"--junitxml={report}", *extra]
        cpu_before = _children_cpu()
        start = time.perf_counter()
        proc = subprocess.run(
            command,
            cwd=clone,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # A shell starts a background job with SIGINT ignored, and Python then never raises KeyboardInterrupt:
            # the suite's Ctrl-C tests need it as a terminal (and CI) gives it.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        wall = time.perf_counter() - start
        cpu = _children_cpu() - cpu_before
        tail = proc.stdout.decode(errors="replace").strip().splitlines()[-1:]
        summary = tail[0] if tail else ""
        print(f"  pytest {wall:6.1f} s wall  {cpu:6.1f} s CPU  exit {proc.returncode}  {summary}", flush=True)
        if proc.returncode != 0:
            sys.stdout.write(proc.stdout.decode(errors="replace")[-6000:])
        times = _file_times(report) if report.exists() else {}
        return wall, cpu, times, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--commit", default="HEAD", help="the commit to measure (default HEAD)")
    parser.add_argument("pytest_args", nargs="*", help="after --: extra pytest arguments")
    args = parser.parse_args()
    if not (ROOT / ".venv" / "bin" / "python").exists():
        raise SystemExit("bench/suite_time.py: no .venv in the checkout; run ./dev once to create it")
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{args.commit}^{{commit}}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    ).stdout.strip()
    print(f"commit {commit[:12]}{' (uncommitted changes are not measured)' if dirty else ''}; cpus {os.cpu_count()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    walls: list[float] = []
    cpus: list[float] = []
    per_file: dict[str, list[float]] = defaultdict(list)
    failed = 0
    for _ in range(args.runs):
        wall, cpu, times, code = one_run(commit, args.pytest_args)
        walls.append(wall)
        cpus.append(cpu)
        failed += code != 0
        for name, seconds in times.items():
            per_file[name].append(seconds)
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    median = statistics.median(walls)
    print(f"pytest wall time: median {median:.1f} s of {args.runs} runs ({', '.join(f'{w:.1f}' for w in walls)})")
    print(
        f"pytest CPU time: median {statistics.median(cpus):.1f} s (workers and the processes they start; on 2 idle "
        f"cores the wall time cannot be under half of it)"
    )
    print(f"target: <= {TARGET_S:.0f} s wall on 2 cores")
    print("slowest files (median seconds summed over their tests, both workers):")
    ranked = sorted(((statistics.median(v), k) for k, v in per_file.items()), reverse=True)
    for seconds, name in ranked[:10]:
        print(f"  {seconds:6.1f} s  {name}")
    if failed:
        print(f"{failed} of {args.runs} runs failed: the figure is not a valid measurement of the suite")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
