"""The provider entry point: hosts this package's components for Pulumi programs in every language.

Pulumi's Python language host runs this file when a program that added the package (``pulumi package add``)
creates one of the components, and when the CLI asks for the schema; the schema is derived from the
components' type annotations (their TypedDict args and Output attributes). The repository root is put on
the import path so the components are imported from the checkout the package was added from. It prints
the port it listens on (127.0.0.1), as every Pulumi provider does.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pulumi.provider import main  # noqa: E402

from provider.hosted import provider  # noqa: E402

if __name__ == "__main__":
    main(provider(), sys.argv[1:])
