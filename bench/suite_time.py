"""The test suite's wall time on a clean clone: the figure the docs may state about the suite comes from here.

Clones this checkout's HEAD into a temporary folder (with ``../shared`` linked beside it when this checkout
has one, so the CRD validation and the real-world corpus run as they do here), runs ``./dev test`` once
untimed (it creates ``.venv``, installs the pinned requirements and warms mypy's cache), then times
pytest alone, exactly as ``./dev test`` runs it (``.venv/bin/python -m pytest`` with the project's
``addopts``), ``--runs`` times, and prints each run and the median. Other load on the machine lengthens
every run: run it on a quiet one. Target: at most 60 s on the 2-core machine (issue 23).

    .venv/bin/python bench/suite_time.py [--runs 5] [--no-shared]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and exit code of one command; its output is dropped unless it fails."""
    started = time.monotonic()
    proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        print(proc.stdout[-3000:], file=sys.stderr)
    return elapsed, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, choices=range(1, 21), metavar="1-20", help="timed runs")
    parser.add_argument("--no-shared", action="store_true", help="do not link ../shared beside the clone")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
    with tempfile.TemporaryDirectory(prefix="suite-time-") as scratch:
        clone = Path(scratch) / "main"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        shared = SHARED.is_dir() and not args.no_shared
        if shared:
            (Path(scratch) / "shared").symlink_to(SHARED, target_is_directory=True)
        _, warm_rc = _run(["./dev", "test"], clone, env)
        if warm_rc != 0:
            print(f"suite_time: the untimed ./dev test failed (exit {warm_rc}); nothing measured", file=sys.stderr)
            return 1
        seconds: list[float] = []
        for _ in range(args.runs):
            elapsed, rc = _run([str(clone / ".venv" / "bin" / "python"), "-m", "pytest"], clone, env)
            if rc != 0:
                print(f"suite_time: pytest failed (exit {rc}); nothing measured", file=sys.stderr)
                return 1
            seconds.append(round(elapsed, 1))
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True)
        row = {
            "commit": commit.stdout.strip(),
            "shared": shared,
            "cores": os.cpu_count(),
            "runs_s": seconds,
            "median_s": statistics.median(seconds),
        }
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
