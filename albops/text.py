"""Text from outside this tool (a program's log lines, a server's answer, a name a program chose) as one
printable line of this tool's output."""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` as one printable line: a newline would start a line of its own in the output, and an escape
    sequence would drive the terminal; each such character is written as its Python escape."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
