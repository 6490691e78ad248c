"""The pinned botocore's bundled data files (endpoints, service models), read without botocore's loader.

``botocore.loaders`` imports botocore's HTTP stack (urllib3, http.client, email: about 0.1 s of CPU); the offline
plan reads three files of data from it and sends nothing. The files are found as the loader finds its bundled
ones (botocore/loaders.py, ``Loader.load_service_model`` and ``determine_latest_version``): under
``botocore/data``, a service's newest API version folder that holds the file, plain or gzipped
(``JSONFileLoader`` reads ``.json`` and ``.json.gz``). User overrides (``~/.aws/models``, ``AWS_DATA_PATH``) are
not read: these facts are the pinned botocore's, as the modules using them say.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

import botocore  # the package alone (a few ms): its data folder is read, its loader is not imported


def _read(folder: Traversable, name: str) -> dict[str, Any] | None:
    plain = folder / f"{name}.json"
    if plain.is_file():
        data: dict[str, Any] = json.loads(plain.read_bytes())
        return data
    packed = folder / f"{name}.json.gz"
    if packed.is_file():
        unpacked: dict[str, Any] = json.loads(gzip.decompress(packed.read_bytes()))
        return unpacked
    return None


def _data() -> Traversable:
    return files(botocore) / "data"


@cache
def bundled(name: str) -> dict[str, Any]:
    """A top-level data file of botocore (``endpoints``, ``partitions``)."""
    data = _read(_data(), name)
    if data is None:
        raise FileNotFoundError(f"botocore/data/{name}.json: not in the installed botocore")
    return data


def service_model(service: str, kind: str = "service-2") -> dict[str, Any]:
    """A service's model (``service-2``) of its newest API version, as botocore's loader picks it."""
    folder = _data() / service
    versions = (
        sorted(
            (
                v.name
                for v in folder.iterdir()
                if v.is_dir() and ((v / f"{kind}.json").is_file() or (v / f"{kind}.json.gz").is_file())
            ),
        )
        if folder.is_dir()
        else []
    )
    if not versions:
        raise FileNotFoundError(f"botocore/data/{service}: no {kind} model in the installed botocore")
    data = _read(folder / versions[-1], kind)
    assert data is not None
    return data
