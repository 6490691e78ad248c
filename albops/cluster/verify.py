"""Check a deployed stack the way a person would in a browser, with a line per check.

Each check is bounded in time and independent: DNS resolves; plain HTTP
redirects to HTTPS; the certificate is valid for the host; the echoserver
answers on its path with the prefix stripped, through the ALB (the ALB adds
``X-Forwarded-For`` and ``X-Amzn-Trace-Id``, which a direct connection to a pod
would not carry); a WebSocket on that path echoes a message; the fixed response
answers as configured; and the ALB found by its group tags has the expected
listeners, TLS policy and attributes.

The resolver is injectable, so tests point a real host name at 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from albops.deadline import DeadlineExceeded, join_awake

Resolver = Callable[[str], list[str]]


def system_resolver(host: str) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)})


@dataclass(frozen=True)
class Expectations:
    """What the stack should serve; ``None`` skips a check that needs it."""

    host: str
    path: str = "/echo"
    https_port: int = 443
    http_port: int | None = 80
    rewrite: bool = True  # the ALB strips the path prefix (lbc mode)
    fixed_path: str | None = None
    fixed_status: int | None = None
    fixed_body: str | None = None
    cluster: str | None = None
    region: str | None = None
    group: str | None = None
    ssl_policy: str | None = None
    idle_timeout: int | None = None
    listen_ports: list[tuple[str, int]] = field(default_factory=list)
    # NAMESPACE/NAME of the Gateway whose ALB this is (alb.api gateway); None: an Ingress group's.
    gateway: str | None = None


def _check_name(step: Callable[[], Check]) -> str:
    """A check's name from its method, as the check names itself in its result."""
    name = step.__name__.strip("_").replace("_", " ")
    return {"redirect": "http redirect", "load balancer without aws": "load balancer"}.get(name, name)


NO_AWS = "not run: no AWS session (--no-aws)"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    # Nothing to check for this stack (no HTTP listener, so no redirect), or not run (the name does not resolve,
    # no AWS session): neither a pass nor a failure, and said with its reason.
    skipped: bool = False
    # Skipped because verify was interrupted first: counted apart ("not run"), as running it again would run it.
    interrupted: bool = False

    @property
    def result(self) -> str:
        return "skip" if self.skipped else "pass" if self.ok else "fail"

    def __str__(self) -> str:
        return f"{self.result.upper()}  {self.name}: {self.detail}"


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a resolved address, with SNI and certificate checks for the real host name."""

    def __init__(self, address: str, port: int, server_name: str, context: ssl.SSLContext, timeout: float) -> None:
        super().__init__(address, port, timeout=timeout, context=context)
        self.server_name = server_name
        self.ssl_context = context

    def connect(self) -> None:
        raw = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self.ssl_context.wrap_socket(raw, server_hostname=self.server_name)


class Verifier:
    """Runs the checks against one host (and, with AWS access, its ALB)."""

    def __init__(
        self,
        expect: Expectations,
        resolver: Resolver = system_resolver,
        ca_file: str | None = None,
        timeout: float = 10.0,
        aws: Any = None,
    ) -> None:
        self.expect = expect
        self.resolver = resolver
        self.timeout = timeout
        self.context = ssl.create_default_context(cafile=ca_file)
        self.aws = aws
        self.address = ""

    def _steps(self) -> list[Callable[[], Check]]:
        """The checks after DNS that apply to these expectations, in the order they run."""
        steps: list[Callable[[], Check]] = [self._redirect, self._certificate, self._echo, self._websocket]
        if self.expect.fixed_path is not None:
            steps.append(self._fixed_response)
        if self._alb:
            steps.append(self._load_balancer if self.aws is not None else self._load_balancer_without_aws)
        return steps

    def _load_balancer_without_aws(self) -> Check:
        """The load balancer check's row when verify has no AWS session: said, not left out, and the same in an
        interrupted run (running verify again would not run it either)."""
        return Check("load balancer", True, NO_AWS, skipped=True)

    @property
    def _alb(self) -> bool:
        return bool(self.expect.group and self.expect.cluster)

    def unfinished(self, reached: Iterable[str], stopped: str) -> list[Check]:
        """The checks of a whole run that an interruption (``stopped``, e.g. "interrupted by SIGTERM") kept from
        ending, in their order: the first was under way, the others never started. The load balancer check
        without an AWS session keeps its own reason: running verify again would not run it either."""
        done = set(reached)
        rows: list[Check] = []
        steps = {_check_name(step): step for step in self._steps()}
        for name in self.planned():
            if name in done:
                continue
            if steps.get(name) == self._load_balancer_without_aws:
                rows.append(self._load_balancer_without_aws())
                continue
            state = "not run" if any(row.interrupted for row in rows) else "not finished"
            rows.append(Check(name, True, f"{state}: verify was {stopped} first", skipped=True, interrupted=True))
        return rows

    def planned(self) -> list[str]:
        """The name of every check a whole run reports, in its order: an interrupted run's caller can then say
        which it never reached instead of leaving them out of the table and the counts."""
        return ["dns", *(_check_name(step) for step in self._steps())]

    def run(self, on_check: Callable[[Check], None] | None = None) -> list[Check]:
        """Every check in turn; ``on_check`` gets each as it ends, so what was checked before an interruption
        is still reported."""
        report = on_check or (lambda _: None)
        # Name resolution has no timeout of its own (getaddrinfo): it runs under the check's deadline too.
        checks = [self._bounded(self._dns)]
        report(checks[0])
        for step in self._steps():
            # Every check but the load balancer's (AWS's APIs only; it may say why the name has no address)
            # connects to the address the name resolves to: without one it is said as not run, not left out.
            if checks[0].ok or step in (self._load_balancer, self._load_balancer_without_aws):
                checks.append(self._bounded(step))
            else:
                reason = f"not run: the dns check failed, so there is no address for {self.expect.host}"
                checks.append(Check(_check_name(step), True, reason, skipped=True))
            report(checks[-1])
        return checks

    def _bounded(self, step: Callable[[], Check]) -> Check:
        """Run one check with ``timeout`` as its wall-clock deadline.

        Socket timeouts bound each read, not the check: a server that sends a byte every second (a
        slowloris) would hold it for ever. The check runs in a thread of its own; past the deadline it
        fails with that reason and the next check starts (the thread's socket times out by itself later).
        """
        name = _check_name(step)
        outcome: list[Check] = []

        def work() -> None:
            try:
                outcome.append(step())
            except Exception as error:  # each check reports its own failure; the others still run
                outcome.append(Check(name, False, self._failure(name, error)))
            except DeadlineExceeded as error:  # an AWS call of the check ran out of its time
                outcome.append(Check(name, False, str(error)))

        worker = threading.Thread(target=work, name=f"verify-{name}", daemon=True)
        worker.start()
        join_awake(worker, self.timeout)  # a signal stops the wait at once
        if worker.is_alive() or not outcome:
            return Check(
                name,
                False,
                f"no complete answer within {self.timeout:g} s from {self._endpoint_of(name)} "
                "(the deadline of each check)",
            )
        return outcome[0]

    def _endpoint_of(self, check: str) -> str:
        """What a check talks to, for the line that says it did not answer."""
        host, address = self.expect.host, self.address or "?"
        https = f"https://{self._authority(self.expect.https_port, 443)} ({address})"
        return {
            "dns": f"the resolver, for {host}",
            "http redirect": f"http://{self._authority(self.expect.http_port or 80, 80)} ({address})",
            "websocket": f"wss://{self._authority(self.expect.https_port, 443)} ({address})",
            "load balancer": self._aws_endpoints(),
        }.get(check, https)

    def _aws_endpoints(self) -> str:
        """The AWS endpoints the ALB check calls (the tagging and ELBv2 APIs), by URL."""
        if self.aws is None:
            return "AWS"
        try:
            urls = [
                self.aws.session.client(s, config=self.aws.config).meta.endpoint_url
                for s in ("resourcegroupstaggingapi", "elbv2")
            ]
        except Exception:  # a setting botocore refuses is said by the check's own error
            return "AWS (the tagging and elbv2 APIs)"
        return "AWS at " + " and ".join(str(u) for u in urls)

    def _failure(self, check: str, error: Exception) -> str:
        """One line for a check that failed with an error: what it talked to, the cause in plain words, the fix."""
        from albops.cluster.aws import UNUSABLE

        where = self._endpoint_of(check)
        if isinstance(error, UNUSABLE):
            return str(error)
        if hasattr(error, "response") or type(error).__module__.startswith("botocore"):
            text = " ".join(str(error).split())
            return f"{where}: {text}; check the AWS credentials and endpoint, then run again"
        if isinstance(error, TimeoutError):
            cause = f"no answer in time (the {self.timeout:g} s of the check)"
            fix = "check that the load balancer's listener and security groups let this machine in"
        elif isinstance(error, ConnectionRefusedError):
            cause, fix = "connection refused: nothing listens there", "check the port and that the listener exists"
        elif isinstance(error, ConnectionResetError | BrokenPipeError):
            cause, fix = "the connection was closed by the far end", "check the listener and its targets"
        elif isinstance(error, ssl.SSLError):
            cause = f"the TLS handshake failed ({error.reason or error})"
            fix = "check the certificate and the listener's TLS policy"
        elif isinstance(error, OSError):
            cause = error.strerror or str(error) or type(error).__name__
            fix = "check the address and the network path"
        else:  # a protocol error (an opening handshake refused, a malformed answer): its own words
            cause = " ".join(str(error).split()) or type(error).__name__
            fix = "check what answers there (a proxy in the way, a listener of another protocol)"
        return f"{where}: {cause}; {fix}"

    # -- the checks ------------------------------------------------------------
    def _dns(self) -> Check:
        try:
            addresses = self.resolver(self.expect.host)
        except OSError as error:
            return Check("dns", False, f"{self.expect.host} does not resolve ({error})")
        if not addresses:
            return Check("dns", False, f"{self.expect.host} has no address")
        self.address = addresses[0]
        return Check("dns", True, f"{self.expect.host} -> {', '.join(addresses)}")

    def _https(self, method: str, path: str) -> tuple[int, dict[str, str], str]:
        connection = _PinnedHTTPSConnection(
            self.address, self.expect.https_port, self.expect.host, self.context, self.timeout
        )
        try:
            connection.request(method, path, headers={"Host": self._authority(self.expect.https_port, 443)})
            response = connection.getresponse()
            body = response.read(65536).decode(errors="replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body
        finally:
            connection.close()

    def _authority(self, port: int, default: int) -> str:
        return self.expect.host if port == default else f"{self.expect.host}:{port}"

    def _redirect(self) -> Check:
        if self.expect.http_port is None:
            return Check("http redirect", True, "no HTTP listener expected", skipped=True)
        connection = http.client.HTTPConnection(self.address, self.expect.http_port, timeout=self.timeout)
        try:
            connection.request("GET", self.expect.path, headers={"Host": self._authority(self.expect.http_port, 80)})
            response = connection.getresponse()
            location = response.getheader("Location") or ""
        finally:
            connection.close()
        target = urlsplit(location)
        ok = (
            response.status in (301, 302, 307, 308) and target.scheme == "https" and target.hostname == self.expect.host
        )
        return Check("http redirect", ok, f"{response.status} -> {location or '(no Location)'}")

    def _certificate(self) -> Check:
        raw = socket.create_connection((self.address, self.expect.https_port), self.timeout)
        with self.context.wrap_socket(raw, server_hostname=self.expect.host) as tls:
            cert = tls.getpeercert() or {}
            version = tls.version()
        not_after = str(cert.get("notAfter", ""))
        days = (ssl.cert_time_to_seconds(not_after) - time.time()) / 86400 if not_after else 0
        ok = days > 0 and version in ("TLSv1.2", "TLSv1.3")
        return Check("certificate", ok, f"valid for {self.expect.host}, {version}, {days:.0f} days left")

    def _echo(self) -> Check:
        probe = f"verify-{uuid.uuid4().hex[:8]}"
        status, _, body = self._https("GET", f"{self.expect.path}/{probe}")
        request_line = next((line for line in body.splitlines() if line.startswith("GET ")), "")
        seen_path = request_line.split(" ")[1] if request_line else ""
        wanted = f"/{probe}" if self.expect.rewrite else f"{self.expect.path}/{probe}"
        headers = {line.split(":", 1)[0].lower() for line in body.splitlines() if ":" in line}
        via_alb = {"x-forwarded-for", "x-amzn-trace-id"} <= headers
        ok = status == 200 and seen_path == wanted and via_alb
        detail = f"{status}, the pod saw {seen_path or '(no request line)'} (want {wanted})"
        detail += ", through the ALB (X-Forwarded-For, X-Amzn-Trace-Id)" if via_alb else ", not through an ALB"
        return Check("echo", ok, detail)

    def _websocket(self) -> Check:
        """The WebSocket echo; a handshake the far end closed without any answer, or left unanswered for half
        the deadline, is tried once more on a new connection.

        A load balancer or a server can drop one opening handshake (a target draining, a busy accept loop, a
        lost packet) and still serve WebSockets; a path that is really broken fails both tries, with its
        reason. Both tries together stay within the check's deadline.
        """
        from websockets.exceptions import InvalidMessage

        started = time.monotonic()
        # Each try works to deadlines, not per-step timeouts: a connect, a TLS handshake, an opening handshake
        # and a read that each took nearly their own timeout would add up past the check's deadline.
        finish = started + self.timeout - min(0.25, self.timeout / 10)
        try:
            return self._websocket_once(opened_by=started + self.timeout / 2, finish=finish)
        except (InvalidMessage, ConnectionResetError, TimeoutError):
            return self._websocket_once(opened_by=finish, finish=finish)

    def _websocket_once(self, opened_by: float, finish: float) -> Check:
        """One try: the connection open by ``opened_by``, the echo back by ``finish`` (monotonic times).

        websockets' asyncio client, on an event loop of this check's own: its threaded client reads a TLS
        socket in one thread while it writes in another, which OpenSSL does not allow, and over TLS 1.3 now
        and then loses the opening handshake (2 in 900 here; python-websockets issue 1648, CPython
        issue 137583, python-socketio issue 1568). An ALB's TLS 1.3 policies would make that a false failure.
        """
        return asyncio.run(self._websocket_async(opened_by, finish))

    async def _websocket_async(self, opened_by: float, finish: float) -> Check:
        from websockets.asyncio.client import connect

        def left(until: float) -> float:
            return max(0.05, until - time.monotonic())

        message = f"verify-{uuid.uuid4().hex[:8]}"
        uri = f"wss://{self._authority(self.expect.https_port, 443)}{self.expect.path}/"
        ws = await connect(
            uri,
            host=self.address,
            port=self.expect.https_port,
            ssl=self.context,
            server_hostname=self.expect.host,
            open_timeout=left(opened_by),
            proxy=None,
        )
        check = Check("websocket", False, f"{uri} did not echo {message!r} within {self.timeout:g} s")
        try:
            await ws.send(message)
            # Open, but no echo in time: a broken path, not a dropped handshake to try again.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left(finish)):
                    while await ws.recv() != message:
                        pass
                    check = Check("websocket", True, f"{uri} echoed {message!r}")
        finally:
            ws.close_timeout = left(finish)  # the closing handshake within the check's deadline too
            await ws.close()
        return check

    def _fixed_response(self) -> Check:
        assert self.expect.fixed_path is not None
        status, _, body = self._https("GET", self.expect.fixed_path)
        ok = status == self.expect.fixed_status and (self.expect.fixed_body is None or body == self.expect.fixed_body)
        return Check("fixed response", ok, f"{self.expect.fixed_path} -> {status} {body[:40]!r}")

    def _load_balancer(self) -> Check:
        from albops.cluster.aws import tagged_resources

        # The controller tracks a Gateway's ALB by the Gateway's namespace/name, an Ingress group's by its name
        # (pkg/deploy/tracking in its sources).
        if self.expect.gateway:
            tracking: dict[str, Any] = {"Key": "gateway.k8s.aws.alb/stack", "Values": [self.expect.gateway]}
        else:
            tracking = {"Key": "ingress.k8s.aws/stack", "Values": [self.expect.group]}
        tags = [{"Key": "elbv2.k8s.aws/cluster", "Values": [self.expect.cluster]}, tracking]
        balancers = [r for r in tagged_resources(self.aws, tags) if r.kind == "load-balancer"]
        if len(balancers) != 1:
            owner = f"Gateway {self.expect.gateway}" if self.expect.gateway else f"group {self.expect.group}"
            return Check("load balancer", False, f"{len(balancers)} ALBs tagged for {owner}")
        elb = self.aws.client("elbv2")
        arn = balancers[0].arn
        listeners = elb.describe_listeners(LoadBalancerArn=arn)["Listeners"]
        found = sorted((lst["Protocol"], lst["Port"]) for lst in listeners)
        problems = []
        if self.expect.listen_ports and found != sorted(self.expect.listen_ports):
            problems.append(f"listeners {found}, want {sorted(self.expect.listen_ports)}")
        policies = {lst.get("SslPolicy") for lst in listeners if lst["Protocol"] == "HTTPS"}
        if self.expect.ssl_policy and policies != {self.expect.ssl_policy}:
            problems.append(f"TLS policy {policies}, want {self.expect.ssl_policy}")
        attributes = {
            a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
        }
        if self.expect.idle_timeout and attributes.get("idle_timeout.timeout_seconds") != str(self.expect.idle_timeout):
            problems.append(
                f"idle timeout {attributes.get('idle_timeout.timeout_seconds')}, want {self.expect.idle_timeout}"
            )
        detail = (
            "; ".join(problems) or f"{balancers[0].name}: listeners {found}, policy {sorted(p for p in policies if p)}"
        )
        return Check("load balancer", not problems, detail)


def expectations_from(settings: Any, outputs: dict[str, Any]) -> Expectations:
    """What a stack should serve, from its validated settings and its outputs."""
    alb, echo = settings.alb, settings.echoserver
    http_ports = [port for entry in alb.listen_ports for proto, port in entry.items() if proto == "HTTP"]
    fixed = alb.fixed_response
    return Expectations(
        host=echo.host,
        path=echo.path,
        https_port=alb.https_ports[0],
        http_port=http_ports[0] if http_ports and alb.ssl_redirect is not None else None,
        rewrite=outputs.get("controllerMode", "lbc") == "lbc",
        fixed_path=fixed.path,
        fixed_status=fixed.status_code,
        fixed_body=fixed.message_body,
        cluster=str(outputs.get("clusterName") or settings.cluster.name),
        region=settings.region,
        group=alb.group_name,
        ssl_policy=alb.ssl_policy,
        idle_timeout=alb.idle_timeout_seconds,
        listen_ports=[(proto, port) for entry in alb.listen_ports for proto, port in entry.items()],
        gateway=f"{echo.namespace}/{alb.group_name}" if alb.api == "gateway" else None,
    )


# Stack keys whose values verify checks against what the ALB serves (expectations_from reads them).
_CHECKED_KEYS = (
    "alb-ingress:echoserver.host",
    "alb-ingress:echoserver.path",
    "alb-ingress:alb.listenPorts",
    "alb-ingress:alb.sslRedirect",
    "alb-ingress:alb.sslPolicy",
    "alb-ingress:alb.idleTimeoutSeconds",
    "alb-ingress:alb.groupName",
    "alb-ingress:alb.fixedResponse",
)


def with_encrypted_from_outputs(expect: Expectations, encrypted: list[str], outputs: dict[str, Any]) -> Expectations:
    """Expectations whose encrypted inputs (host, path) are taken from the stack's ``echoserverUrl`` output.

    The stack file's ciphertext cannot be read here, and a stand-in must never be checked
    against a real site; a value verify needs that neither the file nor the outputs give is
    bad input, named with its key.
    """
    whole_sections = ("alb-ingress:echoserver", "alb-ingress:alb")
    needed = [key for key in encrypted if key.startswith(_CHECKED_KEYS) or key in whole_sections]
    if not needed:
        return expect
    url = outputs.get("echoserverUrl")
    parts = urlsplit(str(url)) if isinstance(url, str) else None
    if parts is None or not parts.hostname:
        raise ValueError(
            f"{', '.join(needed)} is encrypted and the outputs have no echoserverUrl to take it from; pass "
            "--outputs with `pulumi stack output --json` of a deployed stack"
        )
    unreadable = [k for k in needed if not k.startswith(("alb-ingress:echoserver.host", "alb-ingress:echoserver.path"))]
    if unreadable:
        raise ValueError(
            f"{', '.join(unreadable)} is encrypted, and verify checks the ALB against it; keep it in clear text "
            "(it is not a secret), or check that part by hand"
        )
    return replace(expect, host=parts.hostname, path=parts.path.rstrip("/") or expect.path)
