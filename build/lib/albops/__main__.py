"""``python -m albops``: every command goes through the command-line layer in ``albops.cli``."""

import sys

from albops.cli.main import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
