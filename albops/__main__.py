"""``python -m albops``: every command goes through the command-line layer in ``albops.cli``."""

import atexit
import os
import sys

# The command's exit code, once it has one (an uncaught exception leaves it None).
_code: int | None = None


def _end_without_teardown() -> None:
    """Leave the process without tearing down its modules, once everything else is done.

    A command has the Pulumi SDKs loaded (about 1,300 modules and 190,000 objects for a plan): freeing them one
    by one at exit cost 0.4-0.5 s of CPU, a quarter of an offline plan (bench/plan_cost.py), for memory the
    operating system takes back anyway. Registered before anything else, this runs after every other exit
    handler registered after it (logging's included; under ``python -m albops`` nothing registers one before it but
    a tool such as coverage.py, which is let be); non-daemon threads have been joined before exit handlers run. When a
    standard stream cannot be flushed the interpreter's own exit runs instead, so its error and exit code
    stay what they were.
    """
    if _code is None or "coverage" in sys.modules:
        return  # an uncaught exception; or coverage.py, whose exit handler (registered first) must still run
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: started with the stream closed (``>&-``)
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(_code)


def _interrupted_while_starting() -> int:
    """Ctrl-C before the command's own handlers are in place (the first few tenths of a second, while modules
    load): the same line, exit code and, under --json, one error document as later, never a traceback."""
    import json

    code, what = 130, "stopped by Ctrl-C before the command began; run it again"
    print(f"interrupted: {what}", file=sys.stderr)
    if "--json" in sys.argv[1:]:
        print(json.dumps({"error": what, "kind": "interrupted", "exitCode": code}))
    return code


atexit.register(_end_without_teardown)

try:
    from albops.cli.main import main  # after the exit handler, so that it runs last
except KeyboardInterrupt:
    if __name__ != "__main__":
        raise
    _code = _interrupted_while_starting()
    sys.exit(_code)

__all__ = ["main"]

if __name__ == "__main__":
    try:
        _code = main()
    except KeyboardInterrupt:  # between the imports and main's handlers
        _code = _interrupted_while_starting()
    sys.exit(_code)
