"""The AWS session every ``albops`` command shares, and the tag queries they build on.

One place decides how the commands talk to AWS: the standard credential chain,
``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_<SERVICE>`` (boto3 honours them, so
any AWS-compatible endpoint works), boto3's adaptive retry mode for
throttling, and a count of every call made, split into reads and writes, so
commands can prove they stay within their API budgets.

Every call runs under a wall-clock ``Deadline`` (albops/deadline.py): a stalled or trickling endpoint, a
name that does not resolve, or retries that do not end cannot hold a command past it, and a call given up
sends nothing more.
"""

from __future__ import annotations

import functools
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config

from albops.deadline import CallAbandonedError, Deadline, attempts_within, current_call
from components.tags import EXPIRES_TAG as EXPIRES_TAG

# The tags the controller puts on what it creates (pkg/deploy/tracking and
# pkg/shared_constants in its sources): the cluster, plus one tracking key per
# kind of owner (Ingress group, Service, Gateway) or the backend security group.
CLUSTER_TAG = "elbv2.k8s.aws/cluster"
RESOURCE_TAG = "elbv2.k8s.aws/resource"
BACKEND_SG_VALUE = "backend-sg"
TRACKING_TAG_PREFIXES = (
    "ingress.k8s.aws/",
    "service.k8s.aws/",
    "gateway.k8s.aws.alb/",
    "gateway.k8s.aws.nlb/",
)

RESOURCE_TYPES = (
    "elasticloadbalancing:loadbalancer",
    "elasticloadbalancing:listener",
    "elasticloadbalancing:listener-rule",
    "elasticloadbalancing:targetgroup",
    "ec2:security-group",
)
_READ = re.compile(r"^(Describe|Get|List)")


@dataclass
class CallCounter:
    """API calls made through a session, by operation (an automatic retry is part of its call)."""

    calls: Counter[str] = field(default_factory=Counter)

    def record(self, operation: str) -> None:
        self.calls[operation] += 1

    @property
    def reads(self) -> int:
        return sum(n for op, n in self.calls.items() if _READ.match(op.split(".", 1)[1]))

    @property
    def writes(self) -> int:
        return sum(self.calls.values()) - self.reads


@functools.cache
def _shared_loader(data_path: str | None) -> botocore.loaders.Loader:
    """One botocore data loader for every session of the process.

    A new session otherwise reads and parses the endpoints and each service's model again (megabytes of
    JSON per client): a teardown or sweep makes several sessions, and the tests make hundreds. The files
    are read-only data, so sharing their parsed form changes nothing else.
    """
    return botocore.loaders.create_loader(data_path)


def new_session(region: str) -> boto3.session.Session:
    """A boto3 session with the standard credential chain and configuration, on the shared data loader."""
    core = botocore.session.Session()
    data_path = core.get_config_variable("data_path")
    loader = _shared_loader(str(data_path) if data_path else None)
    core.register_component("data_loader", loader)
    session = boto3.session.Session(region_name=region, botocore_session=core)
    # boto3 adds its own data folder to the loader's search path with every session: keep one of each.
    loader.search_paths[:] = list(dict.fromkeys(loader.search_paths))
    return session


class AwsSession:
    """Clients for one region, with adaptive retries, a call count and a wall-clock deadline on every call."""

    def __init__(
        self,
        region: str,
        max_attempts: int | None = None,
        session: boto3.session.Session | None = None,
        deadline: Deadline | None = None,
    ) -> None:
        self.region = region
        self.session = session or new_session(region)
        self.deadline = deadline or Deadline()
        call_seconds = self.deadline.call_seconds
        # AWS_MAX_ATTEMPTS, the SDKs' own setting, wins over our default of 10; either is cut to the tries whose
        # back-off fits in a call's allowance (the wall clock would end the call anyway, with a vaguer reason).
        attempts = attempts_within(call_seconds, max_attempts or int(os.environ.get("AWS_MAX_ATTEMPTS") or 10))
        self.config = Config(
            region_name=region,
            retries={"mode": "adaptive", "max_attempts": attempts},
            connect_timeout=min(10.0, call_seconds),
            read_timeout=min(60.0, call_seconds),
        )
        self.counter = CallCounter()
        self._clients: dict[str, Any] = {}
        self._credentials_resolved = False

    def client(self, service: str) -> Any:
        if service not in self._clients:
            client = self.new_client(service)
            self.bound(client)
            client.meta.events.register("before-call", self._count)
            self._clients[service] = client
        return self._clients[service]

    def bound(self, client: Any) -> Any:
        """Put every API call of ``client`` (paginated ones too) under the session's deadline.

        botocore's operation methods and paginators all go through ``client._make_api_call``; an attribute of
        the instance of that name wins over the class's method.
        """
        make_call = client._make_api_call
        endpoint = str(client.meta.endpoint_url)
        deadline = self.deadline

        def bounded(operation: str, params: dict[str, Any]) -> Any:
            return deadline.run(
                lambda: make_call(operation, params),
                endpoint=endpoint,
                step=operation,
                subject=_subject(params),
                changes=not _READ.match(operation),
            )

        client._make_api_call = bounded
        client.meta.events.register("before-send", _refuse_when_abandoned)
        client.meta.events.register("needs-retry", _note_retry)
        client.meta.events.register("before-parse", functools.partial(_refuse_html, endpoint))
        return client

    def new_client(self, service: str) -> Any:
        """A client, its credentials resolved under the deadline: resolving them may call out (IMDS, a container
        endpoint, a credential_process) with no deadline of its own. Loading the service's model is local work
        and is not counted against a call."""
        if not self._credentials_resolved:
            self.deadline.run(
                self.session.get_credentials, endpoint="the AWS credential providers", step="resolving credentials"
            )
            self._credentials_resolved = True  # botocore keeps what it resolved for every later client
        return self.session.client(service, config=self.config)

    def _count(self, model: Any, **_: Any) -> None:
        self.counter.record(f"{model.service_model.service_name}.{model.name}")


_SUBJECT_KEYS = ("LoadBalancerArn", "TargetGroupArn", "ListenerArn", "RuleArn", "GroupId", "ResourceARN", "name")


def _subject(params: dict[str, Any]) -> str:
    """What a call is about, for the line that names it (an ARN, a group id, a cluster name)."""
    return next((str(params[key]) for key in _SUBJECT_KEYS if key in params), "")


def _refuse_when_abandoned(**_: Any) -> None:
    """An abandoned call sends nothing more: no retry reaches AWS after the command has reported."""
    state = current_call()
    if state is not None:
        state.tries += 1
        if state.abandoned.is_set():
            raise CallAbandonedError("the call was given up at its deadline")


class NotAnAwsEndpointError(Exception):
    """The endpoint answered with a web page: a proxy, a login page or a wrong AWS_ENDPOINT_URL, not AWS."""


def _refuse_html(endpoint: str, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """AWS APIs answer XML or JSON, never HTML: say so, instead of parsing a login page into an empty answer."""
    headers = {str(k).lower(): str(v) for k, v in (response_dict.get("headers") or {}).items()}
    body = response_dict.get("body") or b""
    if "html" in headers.get("content-type", "").lower() or bytes(body[:100]).lstrip().lower().startswith(
        b"<!doctype html"
    ):
        raise NotAnAwsEndpointError(
            f"{endpoint} answered {operation_model.name} with an HTML page (HTTP {response_dict.get('status_code')}), "
            "not an AWS API answer: it is not an AWS endpoint (a proxy or login page, or a wrong endpoint); check "
            "AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> and HTTPS_PROXY"
        )


def _note_retry(response: Any = None, caught_exception: Exception | None = None, **_: Any) -> None:
    """Remember what the last try was told, so a call that ran out of time while retrying says why."""
    state = current_call()
    if state is None:
        return
    if caught_exception is not None:
        state.last = type(caught_exception).__name__
    elif response is not None:
        http, parsed = response
        code = (parsed or {}).get("Error", {}).get("Code")
        status = int(getattr(http, "status_code", 0) or 0)
        if code or status >= 300:
            state.last = f"HTTP {status}" + (f" {code}" if code else "")


@dataclass(frozen=True)
class TaggedResource:
    """One resource the tagging API returned, with the kind taken from its ARN."""

    arn: str
    tags: dict[str, str]

    @property
    def kind(self) -> str:
        if ":security-group/" in self.arn:
            return "security-group"
        resource = self.arn.split(":", 5)[5]
        for prefix, kind in (
            ("loadbalancer/", "load-balancer"),
            ("listener-rule/", "listener-rule"),
            ("listener/", "listener"),
            ("targetgroup/", "target-group"),
        ):
            if resource.startswith(prefix):
                return kind
        return "other"

    @property
    def resource_id(self) -> str:
        """The id EC2 calls take (``sg-...``), or the ARN for Elastic Load Balancing."""
        return self.arn.rsplit("/", 1)[1] if self.kind == "security-group" else self.arn

    @property
    def name(self) -> str:
        if self.kind == "security-group":
            return self.resource_id
        parts = self.arn.split(":", 5)[5].split("/")
        # loadbalancer/app/NAME/ID, listener/app/NAME/ID/LISTENER, listener-rule/app/NAME/ID/LISTENER/RULE,
        # targetgroup/NAME/ID: a listener or rule is named by its load balancer and its own ids.
        if self.kind in ("listener", "listener-rule") and len(parts) > 4:
            return "/".join([parts[2], *parts[4:]])
        return parts[2] if self.kind == "load-balancer" and len(parts) > 2 else parts[1]

    @property
    def controller_owned(self) -> bool:
        """Carries a tracking tag of the controller, not only a cluster tag someone could copy."""
        if self.tags.get(RESOURCE_TAG) == BACKEND_SG_VALUE:
            return True
        return any(key.startswith(TRACKING_TAG_PREFIXES) for key in self.tags)


def tagged_resources(aws: AwsSession, tag_filters: list[dict[str, Any]]) -> Iterator[TaggedResource]:
    """Everything of the controller's resource types matching ``tag_filters``, 100 per call."""
    client = aws.client("resourcegroupstaggingapi")
    token = ""
    while True:
        page = client.get_resources(
            TagFilters=tag_filters,
            ResourceTypeFilters=list(RESOURCE_TYPES),
            ResourcesPerPage=100,
            PaginationToken=token,
        )
        for mapping in page.get("ResourceTagMappingList", []):
            tags = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
            yield TaggedResource(arn=mapping["ResourceARN"], tags=tags)
        token = page.get("PaginationToken") or ""
        if not token:
            return


def cluster_resources(aws: AwsSession, cluster: str) -> list[TaggedResource]:
    """What the controller created for exactly ``cluster`` (exact tag value, so ``NAME-2`` never matches)."""
    found = tagged_resources(aws, [{"Key": CLUSTER_TAG, "Values": [cluster]}])
    return [r for r in found if r.tags.get(CLUSTER_TAG) == cluster and r.controller_owned]


def error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", type(error).__name__))
