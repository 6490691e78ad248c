"""A kubeconfig's exec credential plugin (``aws eks get-token``), run by albops itself, bounded and reaped.

The Kubernetes client runs the plugin with ``communicate()`` and no timeout, logs its failure on the root logger
(the plugin's stderr, unredacted, as ``ERROR:root:exec: ...``) and goes on without credentials, so the API
server's 401 is what the user sees. Run here instead: in a session of its own, so that when its time is over
the whole process group (a shell script's children included) is killed and reaped before albops exits; its
failure is one line naming the command, its exit status and its stderr with anything credential-like removed.
The credential it prints is handed to the client as a static token (or certificate data) of the kubeconfig
user; the read ends long before an EKS token (15 minutes) expires.

The ExecCredential exchange is client-go's (tools/clientcmd/api/types.go ExecConfig, pkg/client/auth/exec):
``KUBERNETES_EXEC_INFO`` holds the request, stdout the response with ``status.token`` or
``status.clientCertificateData``/``clientKeyData`` (PEM), its apiVersion the request's; a command with a path
separator is relative to the kubeconfig's directory (tools/clientcmd/loader.go ResolvePaths).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What is left of a plugin's stderr in a message: one line, this long at most.
STDERR_CHARS = 200
# After the kill, how long to wait for the pipes to close and the process to be reaped.
REAP_SECONDS = 2.0


class ExecPluginError(Exception):
    """The plugin failed, hung or printed no credential; the message names it and is safe to print."""


@dataclass(frozen=True, slots=True)
class Credential:
    """What the plugin printed: a bearer token, or a client certificate and key (PEM)."""

    token: str = ""
    certificate: str = ""
    key: str = ""


def _without_userinfo(text: str) -> str:
    return re.sub(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@", r"\1REDACTED@", text)


def redact(text: str) -> str:
    """``text`` on one line with anything that may be a credential removed: a URL's userinfo, bearer tokens,
    whatever follows the word 'token' (or 'tokens', 'id_token', not 'ExpiredToken') on the line, and long base64
    runs (keys, JWT segments)."""
    line = _without_userinfo(" ".join(text.split()))
    line = re.sub(r"(?i)(bearer)\s+\S+", r"\1 REDACTED", line)
    line = re.sub(r"(?i)(?<![a-z])(tokens?)(?![a-z]).+", r"\1 REDACTED", line)
    line = re.sub(r"[A-Za-z0-9+/=_-]{32,}", "REDACTED", line)
    return line if len(line) <= STDERR_CHARS else line[: STDERR_CHARS - 3] + "..."


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the plugin's process group and reap the plugin (never wait for ever on a pipe a child holds)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.communicate(timeout=REAP_SECONDS)
    except subprocess.TimeoutExpired:  # a grandchild in another session holds the pipes: stop reading them
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=REAP_SECONDS)


def run(exec_config: dict[str, Any], base_dir: str, seconds: float, cluster: dict[str, Any] | None) -> Credential:
    """The credential the plugin gives within ``seconds``, or ExecPluginError."""
    command = exec_config.get("command")
    api_version = exec_config.get("apiVersion")
    if not isinstance(command, str) or not command:
        raise ExecPluginError("the kubeconfig's exec plugin has no command; set users[].user.exec.command")
    if not isinstance(api_version, str) or not api_version:
        raise ExecPluginError(
            f"the kubeconfig's exec plugin {command} has no apiVersion; set it (client.authentication.k8s.io/v1beta1)"
        )
    path = command
    if os.sep in command and not os.path.isabs(command) and base_dir:
        path = str(Path(base_dir) / command)
    args = [path, *[str(a) for a in exec_config.get("args") or []]]
    env = dict(os.environ)
    for entry in exec_config.get("env") or []:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            env[entry["name"]] = str(entry.get("value", ""))
    spec: dict[str, Any] = {"interactive": False}
    if exec_config.get("provideClusterInfo") and cluster:
        spec["cluster"] = cluster
    env["KUBERNETES_EXEC_INFO"] = json.dumps({"apiVersion": api_version, "kind": "ExecCredential", "spec": spec})
    named = f"the kubeconfig's exec plugin {_without_userinfo(command)}"
    try:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,  # never interactive: a prompt must not wait for a terminal
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=base_dir or None,
            start_new_session=True,  # its own process group, killed as one
        )
    except OSError as error:
        raise ExecPluginError(f"{named} cannot be started ({error.strerror}); install it or fix exec.command") from None
    try:
        stdout, stderr = process.communicate(timeout=max(0.05, seconds))
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise ExecPluginError(
            f"{named} did not return within {seconds:.1f} s and was stopped (see --call-timeout)"
        ) from None
    except BaseException:  # Ctrl-C: the plugin must not outlive albops
        _kill_group(process)
        raise
    if process.returncode != 0:
        said = redact(stderr.decode("utf-8", "replace"))
        status = f"exit {process.returncode}" if process.returncode > 0 else f"signal {-process.returncode}"
        raise ExecPluginError(f"{named} failed ({status})" + (f": {said}" if said else "") + "; run it by hand")
    return _credential(stdout, api_version, named)


def _credential(stdout: bytes, api_version: str, named: str) -> Credential:
    try:
        answer = json.loads(stdout)
    except ValueError:
        raise ExecPluginError(f"{named} printed no ExecCredential JSON; run it by hand") from None
    if not isinstance(answer, dict) or answer.get("kind") != "ExecCredential":
        raise ExecPluginError(f"{named} printed no ExecCredential; run it by hand")
    if answer.get("apiVersion") != api_version:
        raise ExecPluginError(
            f"{named} answered apiVersion {str(answer.get('apiVersion'))[:80]!r} to a request of {api_version}; "
            "set exec.apiVersion to the one it speaks"
        )
    status: dict[str, Any] = answer["status"] if isinstance(answer.get("status"), dict) else {}
    token = status.get("token")
    if isinstance(token, str) and token:
        return Credential(token=token)
    cert, key = status.get("clientCertificateData"), status.get("clientKeyData")
    if isinstance(cert, str) and cert and isinstance(key, str) and key:
        return Credential(certificate=cert, key=key)
    raise ExecPluginError(
        f"{named} printed an ExecCredential with neither status.token nor status.clientCertificateData and "
        "clientKeyData; run it by hand"
    )
