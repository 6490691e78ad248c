"""Argument types every command shares, strict by construction.

argparse calls each with the text given and turns an ``ArgumentTypeError`` into one usage line and exit 2,
so a bad value is refused before any work starts, naming the option and the fix: a duration that is
``nan``, negative or absurd, a count out of range, a file that is missing or not what it should be, an
output path that cannot be written, a host or address that does not parse.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from albingress.facts.names import (
    CERTIFICATE_ARN,
    CLUSTER_NAME,
    DNS_LABEL,
    DNS_SUBDOMAIN,
    GROUP_NAME,
    certificate_arns,
)


def _finite(low: float, high: float, unit: str) -> Callable[[str], float]:
    """A finite number from ``low`` to ``high`` (``nan``, ``inf``, out of range refused), named by its unit."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number {unit} from {low:g} to {high:g}")
        return value

    return parse


def seconds(low: float, high: float) -> Callable[[str], float]:
    """A finite number of seconds from ``low`` to ``high`` (``nan``, ``inf``, ``-1`` and ``1e12`` are refused)."""
    return _finite(low, high, "of seconds")


def milliseconds(low: float, high: float) -> Callable[[str], float]:
    """A finite number of milliseconds from ``low`` to ``high``."""
    return _finite(low, high, "of milliseconds")


def per_second(low: float, high: float) -> Callable[[str], float]:
    """A finite rate, in events a second, from ``low`` to ``high`` (a rate, never an interval in seconds)."""
    return _finite(low, high, "a second")


def count(low: int, high: int) -> Callable[[str], int]:
    """A whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range; use {low} to {high}")
        return value

    return parse


def port(text: str) -> int:
    return count(1, 65535)(text)


def readable_file(text: str) -> Path:
    """A file that exists and can be read (not a directory)."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such file" + ("; it is a directory" if path.is_dir() else ""))
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"{text}: cannot be read (permissions)")
    return path


def pem_file(text: str) -> Path:
    """A readable PEM bundle holding at least one certificate."""
    path = readable_file(text)
    try:
        content = path.read_bytes()[: 1 << 20]
    except OSError as error:
        raise argparse.ArgumentTypeError(f"{text}: {error.strerror}") from None
    if b"-----BEGIN CERTIFICATE-----" not in content:
        raise argparse.ArgumentTypeError(f"{text}: not a PEM bundle (no BEGIN CERTIFICATE block)")
    return path


def output_file(text: str) -> Path:
    """A file path that can be written: in an existing, writable folder, and not itself a folder."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a directory; name a file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: the folder {parent} does not exist")
    if not _can_create_in(parent) or (path.exists() and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"{text}: cannot be written in {parent}")
    return path


def _can_create_in(folder: Path) -> bool:
    """Whether a file can really be created in ``folder``: a probe file, removed at once.

    ``os.access`` says yes to root everywhere and knows nothing of read-only mounts or /proc and /sys,
    where creating fails only when tried.
    """
    try:
        handle, name = tempfile.mkstemp(prefix=".albops-probe-", dir=folder)
    except OSError:
        return False
    os.close(handle)
    os.unlink(name)
    return True


def output_dir(text: str) -> Path:
    """A folder that exists and is writable, or can be created in an existing writable folder."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a file, not a folder")
    existing = path if path.exists() else path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir() or not _can_create_in(existing):
        raise argparse.ArgumentTypeError(f"{text}: cannot be written under {existing}")
    return path


def web_url(schemes: tuple[str, ...]) -> Callable[[str], str]:
    """An absolute URL of one of ``schemes`` with a host, a port in range if given, and no whitespace anywhere
    (a trailing newline from a copied line would otherwise go out in the request line)."""
    wanted = " or ".join(f"{scheme}://" for scheme in schemes)

    def parse(text: str) -> str:
        if any(char.isspace() for char in text):
            raise argparse.ArgumentTypeError(f"{text!r} holds a space or line break; give the URL alone")
        try:
            parts = urlsplit(text)
            _ = parts.port  # raises on a port out of range or not a number
        except ValueError as error:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a URL ({error}); give e.g. {schemes[-1]}://host/path"
            ) from None
        if parts.scheme not in schemes or not parts.hostname:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not an {wanted} URL with a host; give e.g. {schemes[-1]}://host/"
            )
        return text

    return parse


def host_address(text: str) -> tuple[str, str]:
    """``HOST=ADDRESS`` with an IPv4 or IPv6 address."""
    host, _, address = text.partition("=")
    if not host or not address:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST=ADDRESS, e.g. www.example.com=192.0.2.10")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{address!r} is not an IP address; give e.g. {host}=192.0.2.10") from None
    return host, address


def group_name(text: str) -> str:
    """An ALB group.name: at most 63 lower-case letters, digits, '-' and '.', alphanumeric at both ends."""
    if len(text) > 63 or not GROUP_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a valid group.name (lower-case, digits, '-', '.')")
    return text


def object_name(text: str) -> str:
    """The name of a cluster-wide Kubernetes object (a GatewayClass): a DNS-1123 subdomain."""
    if not DNS_SUBDOMAIN.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a Kubernetes object name, e.g. alb (lower-case, digits, '-', '.')"
        )
    return text


def namespaced_name(text: str) -> tuple[str, str]:
    """NAMESPACE/NAME of an object (a Gateway): a namespace and a name as Kubernetes takes them."""
    namespace, slash, name = text.partition("/")
    if not slash or not DNS_LABEL.fullmatch(namespace) or not DNS_SUBDOMAIN.fullmatch(name):
        raise argparse.ArgumentTypeError(f"{text!r} is not NAMESPACE/NAME, e.g. infra/shared-alb (lower-case names)")
    return namespace, name


def cluster_name(text: str) -> str:
    """An EKS cluster name (CreateCluster's rule: 1-100 letters, digits, '-' and '_', starting alphanumeric)."""
    if not CLUSTER_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an EKS cluster name (1-100 letters, digits, - or _)")
    return text


def owner_value(text: str) -> str:
    """An owner value as the stack writes it in ``alb-ingress/stack``: ORGANIZATION/PROJECT/STACK, exactly."""
    from albingress.components.tags import parse_owner

    if parse_owner(text) is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an owner ORGANIZATION/PROJECT/STACK (three names of letters, digits, '_.-'), e.g. "
            "organization/alb-ingress/pr-12, as `pulumi stack --show-name --fully-qualify-stack-names` prints it "
            "and as the alb-ingress/stack tag of the resources carries it"
        )
    return text


def aws_region(text: str) -> str:
    """A region botocore knows, with the nearest names suggested for a typo."""
    from albingress.facts.regions import region_advice, region_exists

    if not region_exists(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an AWS region; {region_advice(text)}")
    return text


def project_dir(text: str) -> Path:
    """A folder holding a Pulumi project (``Pulumi.yaml``): where the stack files and the backend's settings are."""
    path = Path(text)
    if not (path / "Pulumi.yaml").is_file():
        raise argparse.ArgumentTypeError(f"{text}: no Pulumi.yaml there; give the folder of this project")
    return path


def program_dir(text: str) -> Path:
    """A Pulumi project with its program (``__main__.py``), which the plan runs."""
    path = project_dir(text)
    if not (path / "__main__.py").is_file():
        raise argparse.ArgumentTypeError(
            f"{text}: no __main__.py (the Pulumi program) there; give this project's folder"
        )
    return path


def annotation_prefix(text: str) -> str:
    """ingress-nginx's --annotations-prefix: the prefix part of a qualified annotation key, a DNS subdomain."""
    prefix = text.removesuffix("/")
    if len(prefix) > 253 or not DNS_SUBDOMAIN.fullmatch(prefix):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an annotation prefix, e.g. nginx.ingress.kubernetes.io (lower-case DNS name)"
        )
    return prefix


def class_scheme(text: str) -> tuple[str, str]:
    """CLASS=SCHEME for migrate --class-scheme: an IngressClass name and internal or internet-facing."""
    cls, eq, scheme = text.partition("=")
    if not eq or not DNS_SUBDOMAIN.fullmatch(cls) or scheme not in ("internal", "internet-facing"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not CLASS=SCHEME, e.g. nginx-internal=internal (SCHEME: internal or internet-facing)"
        )
    return cls, scheme


def certificate_arn_list(text: str) -> str:
    """One or more certificate ARNs, comma-separated, as the controller's certificate-arn annotation takes them:
    each an ACM certificate or an IAM server certificate (ELB refuses anything else and the whole group stops)."""
    arns = certificate_arns(text)
    bad = [arn for arn in arns if not CERTIFICATE_ARN.fullmatch(arn)]
    if not arns or bad:
        raise argparse.ArgumentTypeError(
            f"{(bad[0] if bad else text)!r} is not a certificate ARN; give an ACM certificate, e.g. "
            "arn:aws:acm:eu-west-1:111122223333:certificate/00000000-0000-0000-0000-000000000000 (see `aws acm "
            "list-certificates`), or an IAM server certificate (arn:aws:iam::111122223333:server-certificate/NAME); "
            "several separated by commas"
        )
    return ",".join(arns)


def name_suffix(text: str) -> str:
    """--name-suffix: what ends every converted Ingress's name, so it must keep the name a DNS-1123 subdomain."""
    from albops.migrate.side_by_side import suffix_problem

    problem = suffix_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"{text!r} cannot end an Ingress name: {problem}")
    return text


def _host_and_port(text: str) -> tuple[str, str] | None:
    """``HOST[:PORT]`` split as curl reads --connect-to and --resolve: an IPv6 address in brackets when a port
    follows, or bare (more than one colon) without one; None for a bracket left open or followed by no port."""
    if text.startswith("["):
        host, closed, rest = text[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            return None
        return host, rest[1:]
    if text.count(":") == 1:
        host, _, port_text = text.partition(":")
        return host, port_text
    return text, ""


def via(text: str) -> tuple[str, int | None]:
    """``NAME[:PORT]`` or ``ADDRESS[:PORT]`` (IPv6 in brackets when a port follows): where a probe connects.

    A name (a load balancer's DNS name) is looked up again for each connection, as a client resolving it would;
    an address is used as given. The port defaults to the URL's.
    """
    example = "e.g. my-alb-123.eu-west-1.elb.amazonaws.com or 192.0.2.10:443"
    if not text or any(char.isspace() for char in text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is empty or holds a space; give NAME[:PORT] or ADDRESS[:PORT], {example}"
        )
    split = _host_and_port(text)
    if split is None:
        raise argparse.ArgumentTypeError(f"{text!r}: an IPv6 address goes in brackets, then :PORT; {example}")
    host, port_text = split
    if port_text and (not port_text.isdigit() or not 1 <= int(port_text) <= 65535):
        raise argparse.ArgumentTypeError(f"{text!r}: the port {port_text!r} is not 1 to 65535; {example}")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.rstrip(".").split(".")
        if not all(re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", label) for label in labels):
            raise argparse.ArgumentTypeError(f"{text!r} is neither a DNS name nor an IP address; {example}") from None
    return host, int(port_text) if port_text else None


# ---- albops cutover ------------------------------------------------------------------------------------------

_DNS_NAME = re.compile(
    r"(?=.{1,253}\Z)(\*\.)?[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([-A-Za-z0-9_]{0,61}[A-Za-z0-9_])?)*\.?"
)
# A hosted zone id as Route 53 prints it (Z + upper-case letters and digits, at most 32), with or without the
# /hostedzone/ prefix the API answers with.
_ZONE_ID = re.compile(r"(?:/hostedzone/)?([A-Z0-9]{1,32})")


def zone_id(text: str) -> str:
    match = _ZONE_ID.fullmatch(text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a hosted zone id, e.g. Z0123456789ABCDEFGHIJ (`aws route53 list-hosted-zones`)"
        )
    return match.group(1)


def dns_host(text: str) -> str:
    """A DNS name (a host, or a wildcard record ``*.example.com``), compared without case or final dot."""
    if not _DNS_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a DNS name, e.g. www.example.com")
    return text.lower().rstrip(".")


def host_name(text: str) -> str:
    """--host: a name clients resolve (the gates probe it), so never a wildcard; the wildcard goes in --record."""
    name = dns_host(text)
    if name.startswith("*"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is a wildcard; give a name it covers (e.g. www.{name[2:]}) and --record '{name}'"
        )
    return name


def load_balancer(text: str) -> str:
    """A load balancer's DNS name or ARN (found through ELBv2 or the Classic ELB API later)."""
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        if len(parts) == 6 and parts[2] == "elasticloadbalancing" and parts[5].startswith("loadbalancer/"):
            return text
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a load balancer ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:loadbalancer/...); "
            "give its ARN or DNS name"
        )
    if not _DNS_NAME.fullmatch(text) or "." not in text or text.startswith("*"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a load balancer DNS name or ARN, e.g. k8s-web-1234567890.eu-west-1.elb.amazonaws.com"
        )
    return text


def percent(text: str) -> int:
    """--weight: the new load balancer's share, a whole percent 1..100 (0 is --rollback; past 100 is --finish)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole percent from 1 to 100") from None
    if value == 0:
        raise argparse.ArgumentTypeError("0 sends nothing to the new load balancer; use --rollback for that")
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{value} is out of range; give a percent from 1 to 100 (then --finish)")
    return value


def fraction(text: str) -> float:
    """A rate from 0 to 1 (0.001 is 0.1%)."""
    return _finite(0.0, 1.0, "(a fraction: 0.001 is 0.1%)")(text)


def resolve_entry(text: str) -> tuple[str, str]:
    """--resolve NAME=ADDRESS[:PORT]: an IPv4 address, or an IPv6 one (in brackets when a port follows)."""
    name, eq, rest = text.partition("=")
    hint = "give NAME=ADDRESS[:PORT], e.g. www.example.com=192.0.2.10:443 or www.example.com=[2001:db8::1]:443"
    if not eq or not _DNS_NAME.fullmatch(name) or not rest:
        raise argparse.ArgumentTypeError(f"{text!r}: {hint}")
    split = _host_and_port(rest)
    if split is None:
        raise argparse.ArgumentTypeError(f"{text!r}: {hint}")
    address, port_text = split
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {address!r} is not an IP address; {hint}") from None
    if port_text or rest.endswith(":"):
        try:
            count(1, 65535)(port_text)
        except argparse.ArgumentTypeError:
            raise argparse.ArgumentTypeError(f"{text!r}: the port must be 1-65535; {hint}") from None
    return name.lower().rstrip("."), rest


def txt_affix(text: str) -> str:
    """external-dns's --txt-prefix/--txt-suffix: DNS label characters, dots and ``%{record_type}``."""
    if len(text) > 63 or not re.fullmatch(r"[A-Za-z0-9_.-]*", text.replace("%{record_type}", "")):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an external-dns TXT affix, e.g. extdns- or %{{record_type}}-"
        )
    return text


def external_dns_prefix(text: str) -> str:
    """external-dns's --annotation-prefix: a DNS-subdomain prefix ending in '/'."""
    prefix = text.removesuffix("/")
    if not DNS_SUBDOMAIN.fullmatch(prefix):
        raise argparse.ArgumentTypeError(f"{text!r} is not an annotation prefix, e.g. external-dns.kubernetes.io/")
    return prefix + "/"


def stack_name(text: str) -> str:
    """A stack's own name, as in ``Pulumi.<stack>.yaml``: what ``pulumi stack init`` takes (letters, digits,
    ``-``, ``_``, ``.``; at most 100), so ``--stack ../../etc/passwd`` or an empty one is refused by name."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", text) or text in (".", ".."):
        parts = text.split("/")
        owner_value = len(parts) == 3 and all(re.fullmatch(r"[A-Za-z0-9_.-]+", p) and p.strip(".") for p in parts)
        hint = f"; the stack's own name is the last part of ORG/PROJECT/STACK: {parts[-1]}" if owner_value else ""
        raise argparse.ArgumentTypeError(f"{text!r} is not a stack name (letters, digits, '_', '.', '-'){hint}")
    return text
