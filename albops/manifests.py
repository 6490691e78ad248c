"""Reading the YAML and JSON that commands take from users: files, directories and stdin.

``check`` and ``migrate`` read manifests written by anyone, so every way a read can fail (a missing
path, a directory with nothing to read, bytes that are not UTF-8, text that is not YAML or JSON) is
turned into one ``UnreadableError`` that names the input, never a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import yaml

from albops.stack_file import StackFileError, fast_loader

YAML_SUFFIXES = (".yaml", ".yml")


class UnreadableError(Exception):
    """An input that cannot be read; the message names it and says what is wrong."""


def files_under(paths: Iterable[Path], suffixes: tuple[str, ...] = YAML_SUFFIXES) -> Iterator[Path]:
    """The files given, and under each directory given, the files with one of ``suffixes`` (sorted)."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in suffixes)
            if not found:
                raise UnreadableError(f"{path}: no {', '.join('*' + s for s in suffixes)} files in this directory")
            yield from found
        elif path.is_file():
            yield path
        else:
            raise UnreadableError(f"{path}: no such file or directory")


def parse(text: str, name: str, as_json: bool = False) -> list[Any]:
    """The documents of one text: one JSON document, or every non-empty YAML document."""
    try:
        if as_json:
            return [json.loads(text)]
        return [d for d in yaml.load_all(text, Loader=fast_loader(text)) if d is not None]
    except StackFileError as error:
        raise UnreadableError(f"{name}: {error}") from None
    except RecursionError:
        raise UnreadableError(f"{name}: nested too deeply to read") from None
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(error, "lineno", None)
        where = f" line {line}:" if line is not None else ""
        raise UnreadableError(f"{name}:{where} not valid {'JSON' if as_json else 'YAML'}") from None


def documents(path: Path) -> list[Any]:
    """The documents of one file (JSON by its suffix, YAML otherwise)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise UnreadableError(f"{path}: {error.strerror}") from None
    return parse(text, str(path), as_json=path.suffix == ".json")


def read_sources(sources: Iterable[str], suffixes: tuple[str, ...] = YAML_SUFFIXES) -> list[Any]:
    """Documents of files, directories and ``-`` (stdin), in the order given."""
    found: list[Any] = []
    for source in sources:
        if source == "-":
            found += parse(sys.stdin.read(), "stdin")
            continue
        for file in files_under([Path(source)], suffixes):
            found += documents(file)
    return found
