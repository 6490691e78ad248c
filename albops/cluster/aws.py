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
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions
import botocore.loaders
import botocore.session
from botocore.config import Config

from albingress.components.tags import EXPIRES_TAG as EXPIRES_TAG
from albops.deadline import CallAbandonedError, Deadline, attempts_within, current_call

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
        try:
            self.session = session or new_session(region)
        except (botocore.exceptions.BotoCoreError, ValueError) as error:  # a profile that is not there, ...
            raise AwsSettingError(_setting_problem(error)) from None
        self.deadline = deadline or Deadline()
        call_seconds = self.deadline.call_seconds
        # AWS_MAX_ATTEMPTS, the SDKs' own setting, wins over our default of 10; either is cut to the tries whose
        # back-off fits in a call's allowance (the wall clock would end the call anyway, with a vaguer reason).
        attempts = attempts_within(call_seconds, max_attempts or _max_attempts_setting())
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

        def call(operation: str, params: dict[str, Any]) -> Any:
            try:
                return make_call(operation, params)
            except botocore.exceptions.ClientError as error:
                error.albops_endpoint = endpoint  # named in the one error line
                raise
            except (botocore.exceptions.BotoCoreError, NotAnAwsEndpointError, CallAbandonedError):
                raise
            except (KeyError, AttributeError, TypeError, ValueError, IndexError) as error:
                # botocore's parser met an answer of another shape (a JSON number where an object belongs, XML
                # without the operation's result): not AWS, whatever the status said.
                what = f"an answer of another shape ({error!r})"
                raise NotAnAwsEndpointError(_not_aws(endpoint, operation, what)) from None

        def bounded(operation: str, params: dict[str, Any]) -> Any:
            return deadline.run(
                lambda: call(operation, params),
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
        try:
            if not self._credentials_resolved:
                self.deadline.run(
                    self.session.get_credentials, endpoint="the AWS credential providers", step="resolving credentials"
                )
                self._credentials_resolved = True  # botocore keeps what it resolved for every later client
            return self.session.client(service, config=self.config)
        except (botocore.exceptions.NoCredentialsError, botocore.exceptions.PartialCredentialsError):
            raise
        except (botocore.exceptions.BotoCoreError, ValueError) as error:
            # Raised before any request: a setting (AWS_PROFILE, AWS_DEFAULTS_MODE, AWS_ENDPOINT_URL, the config
            # file, ...) that botocore cannot use. Running again changes nothing.
            raise AwsSettingError(_setting_problem(error)) from None

    def _count(self, model: Any, **_: Any) -> None:
        self.counter.record(f"{model.service_model.service_name}.{model.name}")


class NotAnAwsEndpointError(Exception):
    """The endpoint answered with a web page: a proxy, a login page or a wrong AWS_ENDPOINT_URL, not AWS."""


class AwsSettingError(Exception):
    """An AWS setting (an ``AWS_*`` variable, the config file) cannot work; the message names it and the fix."""


def _max_attempts_setting() -> int:
    """``AWS_MAX_ATTEMPTS`` (the SDKs' own setting), or our default of 10; anything but a whole number of at
    least 1 is refused by name, as botocore itself would refuse it for its own clients."""
    raw = os.environ.get("AWS_MAX_ATTEMPTS")
    if raw is None or raw.strip() == "":
        return 10
    try:
        value = int(raw.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise AwsSettingError(
            f"AWS_MAX_ATTEMPTS={raw!r} is not a number of tries (a whole number, 1 or more); set it to one, e.g. "
            "AWS_MAX_ATTEMPTS=5, or unset it (default 10)"
        )
    return value


# Values never printed, whatever the error says (credentials).
_SECRET_SETTINGS = frozenset({"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID"})


def _setting_problem(error: Exception) -> str:
    """One line naming the setting botocore refused (the ``AWS_*`` variable whose value its message quotes,
    else every ``AWS_*`` variable set) and the fix."""
    text = " ".join(str(error).split())
    settings = {k: v for k, v in os.environ.items() if k.startswith("AWS_") and k not in _SECRET_SETTINGS}
    named = sorted(k for k, v in settings.items() if v and (v in text or k in text))
    where = ", ".join(named) if named else ", ".join(sorted(settings)) or "the AWS config file (~/.aws/config)"
    return (
        f"the AWS settings cannot be used ({type(error).__name__}: {text}); fix or unset {where}, or the profile in "
        "the AWS config file, and run again"
    )


_SUBJECT_KEYS = ("LoadBalancerArn", "TargetGroupArn", "ListenerArn", "RuleArn", "GroupId", "ResourceARN", "name")


def _subject(params: dict[str, Any]) -> str:
    """What a call is about, for the line that names it (an ARN, a group id, a cluster name)."""
    return next((str(params[key]) for key in _SUBJECT_KEYS if key in params), "")


# Errors that say the endpoint or the settings cannot work at all: they stop a command (exit 2), never count as
# one resource's failure.
UNUSABLE: tuple[type[Exception], ...] = (NotAnAwsEndpointError, AwsSettingError)


def _refuse_when_abandoned(**_: Any) -> None:
    """An abandoned call sends nothing more: no retry reaches AWS after the command has reported."""
    state = current_call()
    if state is not None:
        state.tries += 1
        if state.abandoned.is_set():
            raise CallAbandonedError("the call was given up at its deadline")


def _not_aws(endpoint: str, operation: str, what: str) -> str:
    return (
        f"{endpoint} answered {operation} with {what}, not an AWS API answer: it is not an AWS endpoint (a proxy or "
        "login page, or a wrong endpoint); check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> and HTTPS_PROXY"
    )


def _refuse_html(endpoint: str, operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """AWS answers XML or JSON in the envelope of its protocol, never HTML: say so, instead of parsing a login
    page, garbage or a cut-off body into an empty answer (a sweep would then report "0 remaining")."""
    headers = {str(k).lower(): str(v) for k, v in (response_dict.get("headers") or {}).items()}
    body = bytes(response_dict.get("body") or b"")
    status = int(response_dict.get("status_code") or 0)
    if "html" in headers.get("content-type", "").lower() or body[:100].lstrip().lower().startswith(
        (b"<!doctype html", b"<html")
    ):
        raise NotAnAwsEndpointError(_not_aws(endpoint, operation_model.name, f"an HTML page (HTTP {status})"))
    if not 200 <= status < 300 or operation_model.has_streaming_output:
        return  # errors are botocore's to parse (its parser knows each protocol's error forms)
    problem = _envelope_problem(operation_model, body)
    if problem:
        raise NotAnAwsEndpointError(_not_aws(endpoint, operation_model.name, f"{problem} (HTTP {status})"))


def _envelope_problem(operation_model: Any, body: bytes) -> str:
    """What is wrong with a success answer's envelope for the operation's protocol ('' when nothing).

    Query and EC2 protocols answer ``<{Operation}Response>`` XML (botocore/parsers.py, QueryParser and
    EC2QueryParser); JSON and REST-JSON answer a JSON object, which holds at least one member of the output
    shape when that shape has members (DescribeCluster's ``cluster``, GetResources' list).
    """
    protocol = operation_model.metadata.get("protocol", "")
    output = operation_model.output_shape
    members = set()
    if output is not None and not output.serialization.get("payload"):
        members = {name for name, shape in output.members.items() if not shape.serialization.get("location")}
    if protocol in ("query", "ec2"):
        import xml.etree.ElementTree as ElementTree

        try:
            root = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            return "a body that is not XML (or was cut off)"
        if root.tag.rsplit("}", 1)[-1] != f"{operation_model.name}Response":
            return f"XML whose root is not {operation_model.name}Response"
        return ""
    if protocol in ("json", "rest-json"):
        if not body.strip():
            return "an empty body" if members and protocol == "json" else ""
        try:
            data = json.loads(body)
        except ValueError:
            return "a body that is not JSON (or was cut off)"
        if not isinstance(data, dict):
            return f"JSON that is not an object ({type(data).__name__})"
        if members and not members & set(data):
            return f"a JSON object with none of its fields ({', '.join(sorted(members)[:3])}, ...)"
    return ""


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


def tagged_resources(
    aws: AwsSession, tag_filters: list[dict[str, Any]], types: tuple[str, ...] = RESOURCE_TYPES
) -> Iterator[TaggedResource]:
    """Everything of the controller's resource types (or ``types``) matching ``tag_filters``, 100 per call."""
    client = aws.client("resourcegroupstaggingapi")
    token = ""
    while True:
        page = client.get_resources(
            TagFilters=tag_filters,
            ResourceTypeFilters=list(types),
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
