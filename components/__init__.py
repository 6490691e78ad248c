"""Pulumi components of the stack, one per concern, plus the validated settings."""

# One module per file: imported as top-level `components` (from the repository root) this package would load a
# second time beside albingress.components, with its own classes and registries. (pyproject bans the old name.)
if __name__ != "albingress.components":
    raise ImportError(f"import albingress.components, not {__name__}: the package lives under albingress")
