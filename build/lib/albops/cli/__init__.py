"""The one command-line layer: argument types, error lines, exit codes, ``--json`` and signals.

Every ``albops`` command is parsed and run through it, so the contract (0 ok, 1 findings, 2 bad input,
3 refused, 4 tool missing, one JSON document with ``--json``) holds by construction, not case by case.
"""
