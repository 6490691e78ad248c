"""A newcomer's first run: the README's two commands on a fresh clone, timed, with warm and cold caches.

Clones this checkout into a temporary folder and runs ``./dev plan`` then ``./dev test`` there, timing
each (the first includes creating ``.venv`` and installing the pinned requirements). ``--cold`` points
uv's and pip's caches at empty folders, as on a machine that never installed them. Target: both
commands within 90 s with warm caches.

    .venv/bin/python bench/first_run.py [--cold] [--skip-tests]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    started = time.monotonic()
    proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        print(proc.stderr[-2000:], file=sys.stderr)
    return time.monotonic() - started, proc.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="empty uv and pip caches")
    parser.add_argument("--skip-tests", action="store_true", help="time ./dev plan only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="first-run-") as scratch:
        clone = Path(scratch) / "main"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHONPATH"))}
        if args.cold:
            env["UV_CACHE_DIR"] = str(Path(scratch) / "uv-cache")
            env["PIP_CACHE_DIR"] = str(Path(scratch) / "pip-cache")
        plan_s, plan_rc = timed(["./dev", "plan"], clone, env)
        row: dict[str, object] = {"cold": args.cold, "dev_plan_s": round(plan_s, 1), "dev_plan_rc": plan_rc}
        if not args.skip_tests:
            test_s, test_rc = timed(["./dev", "test"], clone, env)
            row.update({"dev_test_s": round(test_s, 1), "dev_test_rc": test_rc})
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
