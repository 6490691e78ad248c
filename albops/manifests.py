"""Reading the YAML and JSON that commands take from users: files, directories and stdin.

``check`` and ``migrate`` read manifests written by anyone, so every way a read can fail (a missing
path, a directory with nothing to read, bytes that are not UTF-8, text that is not YAML or JSON) is
turned into one ``UnreadableError`` that names the input, never a traceback.
"""

from __future__ import annotations

import codecs
import functools
import json
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import yaml

from albingress.policies.review import one_line
from albops.preview.stack_file import FastBoundedLoader, FastLoader, StackFileError, fast_loader

YAML_SUFFIXES = (".yaml", ".yml")


class UnreadableError(Exception):
    """An input that cannot be read; the message names it and says what is wrong."""


def files_under(paths: Iterable[Path], suffixes: tuple[str, ...] = YAML_SUFFIXES) -> Iterator[Path]:
    """The files given, and under each directory given, the files with one of ``suffixes`` (sorted)."""
    for path in paths:
        try:
            # Path.is_dir and is_file pass over ENOENT but not ENAMETOOLONG or EACCES, which would end in a traceback.
            is_dir = path.is_dir()
            named = sorted(p for p in path.rglob("*") if p.suffix in suffixes and not p.is_dir()) if is_dir else []
            found = [p for p in named if p.is_file()]
            is_file = not is_dir and path.is_file()
        except OSError as error:
            raise UnreadableError(f"{str(path)[:200]}: {error.strerror or error}") from None
        if is_dir:
            # A manifest's name on something that is no file (a FIFO, a socket, a link to nothing) is not passed
            # over, which would judge the folder without it: a FIFO in a folder is not read (a writer that never
            # closes it would hang the run), only one named on the command line is.
            odd = [p for p in named if not p.is_file()]
            if odd:
                raise UnreadableError(
                    f"{odd[0]}: {_why_not_a_file(odd[0])}, in directory {path}; remove it, or give the files to "
                    "read one by one"
                )
            if not found:
                raise UnreadableError(f"{path}: no {', '.join('*' + s for s in suffixes)} files in this directory")
            yield from found
        elif is_file or _is_pipe(path):  # a pipe named on the command line: `<(kubectl get ingress -A -o yaml)`
            yield path
        else:
            raise UnreadableError(f"{path}: {_why_not_a_file(path)}")


def _is_pipe(path: Path) -> bool:
    try:
        return stat.S_ISFIFO(path.stat().st_mode)
    except OSError:
        return False


def _pipe_text(path: Path) -> str:
    """What a pipe holds, read to its end. Opened without waiting for a writer (a FIFO nobody writes to would
    block the open for ever), then read waiting for data: a pipe with no writer reads as empty at once."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        os.set_blocking(descriptor, True)
        chunks = []
        while chunk := os.read(descriptor, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(descriptor)
    return b"".join(chunks).decode("utf-8")


def _why_not_a_file(path: Path) -> str:
    """Why a path given is neither a file nor a directory: the OS's own reason (a symlink loop, a missing part),
    or what it is instead."""
    try:
        path.stat()
    except OSError as error:
        reason = str(error.strerror or error).lower()
        return f"a symbolic link that cannot be followed ({reason})" if path.is_symlink() else reason
    mode = path.stat().st_mode
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO), not a regular file"
    return "not a regular file, directory or pipe (a device or socket, which cannot be read as a manifest); give a file"


class _DuplicateKeyError(ValueError):
    """A JSON object names one key twice; readers differ on which value wins, so the file is refused."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKeyError(repr(key))
        found[key] = value
    return found


def _not_json(word: str) -> Any:
    """Python's reader takes NaN, Infinity and -Infinity; JSON (RFC 8259), and so IAM, refuses them."""
    raise ValueError(f"{word} is not JSON (RFC 8259 has no NaN or Infinity; IAM refuses the document)")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):  # 1e400: past a double, read as infinity by Python
        raise ValueError(f"{text} is past the largest number JSON readers keep (a 64-bit float)")
    return value


def parse(text: str | IO[bytes], name: str, as_json: bool = False, anchors: bool | None = None) -> list[Any]:
    """The documents of one text or binary stream: one JSON document, or every non-empty YAML document.

    ``anchors`` says whether a stream may hold YAML anchors (whose aliases are then bounded); a text is
    looked at itself.
    """
    try:
        if as_json:
            raw = text if isinstance(text, str) else text.read()
            return [json.loads(raw, object_pairs_hook=_unique_keys, parse_constant=_not_json, parse_float=_finite)]
        loader = fast_loader(text) if isinstance(text, str) else (FastBoundedLoader if anchors else FastLoader)
        return [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    except StackFileError as error:
        raise UnreadableError(f"{name}: {error}") from None
    except RecursionError:
        raise UnreadableError(f"{name}: nested too deeply to read") from None
    except _DuplicateKeyError as error:
        raise UnreadableError(
            f"{name}: key {error} appears twice in one object (JSON keeps only the last): remove one"
        ) from None
    except (ValueError, yaml.YAMLError) as error:
        # ValueError: json.JSONDecodeError, or an integer longer than Python reads (4300 digits).
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else getattr(error, "lineno", None)
        where = f" line {line}:" if line is not None else ""
        # The parser's own reason, without its excerpt of the text: "expected ',' delimiter", "mapping values are
        # not allowed here", "Exceeds the limit (4300 digits)".
        reason = str(getattr(error, "problem", None) or getattr(error, "msg", None) or error).splitlines()[0][:120]
        if reason.startswith("Exceeds the limit"):
            reason = "a number of more than 4300 digits, longer than any value here needs"
        raise UnreadableError(
            f"{name}:{where} not valid {'JSON' if as_json else 'YAML'} ({reason}); fix the syntax there"
        ) from None


def _utf8_with_anchors(path: Path) -> bool:
    """Checks ``path`` is UTF-8 a megabyte at a time (never holding it whole) and says whether it has '&'."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    anchors = False
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            anchors = anchors or b"&" in chunk
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    return anchors


def documents(path: Path) -> list[Any]:
    """The documents of one file (JSON by its suffix, YAML otherwise).

    YAML is parsed from the file itself: a 50 MB input is never also held as one string.
    """
    try:
        if _is_pipe(path):  # read once: a pipe cannot be read again
            text = _pipe_text(path)
            return parse(text, str(path), as_json=path.suffix == ".json")  # YAML reads JSON too, as from stdin
        if path.suffix == ".json":
            return parse(path.read_text(encoding="utf-8"), str(path), as_json=True)
        anchors = _utf8_with_anchors(path)
        with path.open("rb") as handle:
            return parse(handle, str(path), anchors=anchors)
    except UnicodeDecodeError:
        raise UnreadableError(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise UnreadableError(f"{path}: {error.strerror}") from None


def _stdin_documents() -> list[Any]:
    """The documents of standard input, refused as a file's would be: bytes that are not UTF-8 (which the text
    stream, under a C locale, would pass on as surrogates for YAML to refuse in its own words) or a stream that
    cannot be read (pytest's own stdin, a closed descriptor)."""
    if sys.stdin is None:  # the process started with descriptor 0 closed (`<&-`)
        raise UnreadableError("stdin: cannot be read (it is closed); give a file, or pipe the input in")
    try:
        stream = getattr(sys.stdin, "buffer", None)
        data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
        return parse(data.decode("utf-8"), "stdin")
    except UnicodeDecodeError:
        raise UnreadableError("stdin: not UTF-8 text") from None
    except OSError as error:
        raise UnreadableError(f"stdin: cannot be read ({error.strerror or error})") from None
    except ValueError as error:  # a closed stream: "I/O operation on closed file"
        raise UnreadableError(f"stdin: cannot be read ({error})") from None


_STDIN_NAMES = ("-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0")


def read_files(
    sources: Iterable[str],
    suffixes: tuple[str, ...] = YAML_SUFFIXES,
    check: Callable[[Any, str], None] | None = None,
) -> tuple[list[tuple[str, list[Any]]], list[str]]:
    """The documents of each file of files, directories and ``-`` (stdin), in the order given, and what was
    refused: every input is read, so a folder of many files is fixed in one pass, not one run per file.

    ``check`` sees each document with where it came from (``in.yaml: document 3``) and raises UnreadableError
    for one in the wrong shape; a file is refused whole, named by its first refused document.
    """
    found: list[tuple[str, list[Any]]] = []
    refused: list[str] = []
    stdin_read = False
    for source in sources:
        # /dev/stdin is stdin by another name: read twice (beside -), the second read would find it empty.
        if source in _STDIN_NAMES and stdin_read:
            refused.append(
                "stdin: given twice; it can be read once, so give - once"
                if source == "-"
                else f"{source}: is stdin, which an earlier input already reads; it can be read once, so give it once"
            )
            continue
        if source in _STDIN_NAMES:
            stdin_read = True
            files: list[tuple[str, Callable[[], list[Any]]]] = [("stdin", _stdin_documents)]
        else:
            try:
                files = [(str(f), functools.partial(documents, f)) for f in files_under([Path(source)], suffixes)]
            except UnreadableError as error:
                refused.append(str(error))
                continue
        for name, read in files:
            try:
                docs = read()
                if check is not None:
                    for index, document in enumerate(docs):
                        check(document, f"{name}: document {index + 1}")
            except UnreadableError as error:
                refused.append(str(error))
                continue
            found.append((name, docs))
    return found, refused


def refusal(refused: list[str]) -> UnreadableError:
    """One error naming every refused input (``read_files``'s second list, which is not empty), one line each: a
    file name's control characters (a newline, an escape) are written escaped, so no name splits a line or
    drives the terminal."""
    lines = [one_line(r) for r in refused]
    if len(lines) == 1:
        return UnreadableError(lines[0])
    return UnreadableError(f"{len(lines)} inputs refused:\n  " + "\n  ".join(lines))


def read_sources(
    sources: Iterable[str],
    suffixes: tuple[str, ...] = YAML_SUFFIXES,
    check: Callable[[Any, str], None] | None = None,
) -> list[Any]:
    """The documents of ``read_files``, one list; one UnreadableError names all the refused inputs."""
    files, refused = read_files(sources, suffixes, check)
    if refused:
        raise refusal(refused)
    return [document for _, docs in files for document in docs]
