"""IAM documents shipped with the project, one file per controller release.

The controller's permissions change between releases (new describe calls, new
tag conditions), so the policy is chosen by the exact controller version the
stack deploys rather than kept as one "latest" document that silently drifts.
"""

# One module per file: imported as top-level `policies` (from the repository root) this package would load a
# second time beside albingress.policies, with its own classes and registries. (pyproject bans the old name.)
if __name__ != "albingress.policies":
    raise ImportError(f"import albingress.policies, not {__name__}: the package lives under albingress")
