"""What ``albops migrate`` costs against a bare libyaml load-and-dump of the same input, in the same run.

Generated inputs: N ingress-nginx Ingresses across 300 hosts, each with a capture-group rewrite, TLS,
a few paths and everyday annotations, written as one multi-document file. For each size it times, in
this process and alternately (median of ``--repeat``): ``yaml.load_all`` + ``yaml.dump_all`` with
libyaml (``CSafeLoader``/``CSafeDumper``), and ``migrate`` as the command runs it (read, convert,
dump). It prints the ratio (target: at most 3x) and the peak memory of a migrate run in a fresh
process, as a multiple of the input's size (target: at most 10x).

    .venv/bin/python bench/migrate_cost.py [--sizes 1000 10000] [--repeat 3] [--big-mb 50]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ingress(index: int, hosts: int, rng: random.Random) -> dict[str, object]:
    host = f"app{index % hosts}.example.com"
    service = f"svc{index}"
    prefix = f"/team{index // hosts}/api{index}"
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": f"app{index}",
            "namespace": f"team{index % 17}",
            "annotations": {
                "nginx.ingress.kubernetes.io/rewrite-target": "/$2",
                "nginx.ingress.kubernetes.io/proxy-body-size": rng.choice(["1m", "8m", "64m"]),
                "nginx.ingress.kubernetes.io/proxy-read-timeout": "60",
                "team": f"team{index % 17}",
            },
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": [host], "secretName": f"tls-{index % hosts}"}],
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": f"{prefix}(/|$)(.*)",
                                "pathType": "ImplementationSpecific",
                                "backend": {"service": {"name": service, "port": {"number": 80}}},
                            },
                            {
                                "path": f"{prefix}/static(/|$)(.*)",
                                "pathType": "ImplementationSpecific",
                                "backend": {"service": {"name": service + "-static", "port": {"number": 8080}}},
                            },
                        ]
                    },
                }
            ],
        },
    }


def write_input(path: Path, count: int, hosts: int = 300) -> None:
    rng = random.Random(count)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write("---\n")
            yaml.dump(ingress(i, hosts, rng), handle, Dumper=yaml.CSafeDumper, sort_keys=False)


def bare(path: Path) -> float:
    started = time.perf_counter()
    documents = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
    yaml.dump_all(documents, Dumper=yaml.CSafeDumper, sort_keys=False)
    return time.perf_counter() - started


def migrate_once(path: Path) -> float:
    from albops.manifests import read_sources
    from albops.migrate import Options, dump, migrate

    started = time.perf_counter()
    documents = read_sources([str(path)])
    converted, _ = migrate(documents, Options(group="bench", allow_unprotected=True), copy=False)
    "".join(dump(converted))
    return time.perf_counter() - started


# Runs the command in this interpreter and prints its peak resident set afterwards, from /proc/self/status
# (VmHWM: the high-water mark of this process's own memory, which starts anew at exec; ru_maxrss would
# also count the parent's pages the child held between fork and exec).
_MEASURE = """
import runpy, sys
root, argv = sys.argv[1], sys.argv[2:]
sys.path.insert(0, root)
if argv[0] == "floor":
    import albops.__main__, albops.manifests, albops.migrate
else:
    sys.argv = ["albops", *argv]
    try:
        runpy.run_module("albops", run_name="__main__")
    except SystemExit:
        pass
status = open("/proc/self/status").read()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")), file=sys.stderr)
"""


def _maxrss(argv: list[str]) -> int:
    with open(os.devnull, "w") as sink:
        proc = subprocess.run(
            [sys.executable, "-c", _MEASURE, str(ROOT), *argv], stdout=sink, stderr=subprocess.PIPE, text=True
        )
    return int(proc.stderr.strip().splitlines()[-1]) * 1024  # KiB on Linux


def peak_memory(path: Path) -> int:
    """Peak resident memory ``albops migrate`` adds over ``path``, in bytes: the command in a fresh
    process (output to /dev/null), less one that only imports the same modules."""
    return _maxrss(["migrate", "--allow-unprotected", str(path)]) - _maxrss(["floor"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big-mb", type=int, default=50, help="size of the large input in MB (0: skip)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            path = Path(scratch) / f"in-{size}.yaml"
            write_input(path, size)
            bare_times, migrate_times = [], []
            for _ in range(args.repeat):
                bare_times.append(bare(path))
                migrate_times.append(migrate_once(path))
            b, m = statistics.median(bare_times), statistics.median(migrate_times)
            rows.append(
                {
                    "ingresses": size,
                    "mb": round(path.stat().st_size / 1e6, 1),
                    "bare_s": round(b, 2),
                    "migrate_s": round(m, 2),
                    "ratio": round(m / b, 2),
                }
            )
        if args.big_mb:
            path = Path(scratch) / "big.yaml"
            count = 1000
            write_input(path, count)
            per = path.stat().st_size / count
            count = int(args.big_mb * 1e6 / per)
            write_input(path, count)
            started = time.perf_counter()
            migrate_once(path)
            seconds = time.perf_counter() - started
            peak = peak_memory(path)
            size = path.stat().st_size
            rows.append(
                {
                    "ingresses": count,
                    "mb": round(size / 1e6, 1),
                    "migrate_s": round(seconds, 1),
                    "peak_mb": round(peak / 1e6),
                    "memory_x_input": round(peak / size, 1),
                }
            )
    for row in rows:
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
