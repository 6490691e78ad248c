"""Find, and with consent delete, what the controller left in AWS for one cluster.

The controller creates load balancers, listeners, rules, target groups and
security groups outside Pulumi's state. When a cluster goes away before its
controller has cleaned up, those stay: paid for, and blocking VPC deletion.
This module finds them by the controller's own tags (the exact cluster value
and one of its tracking keys, never a name that merely looks like ``k8s-…``),
and deletes them in the order AWS accepts: load balancers (which take their
listeners and rules with them), then target groups once nothing forwards to
them, then security groups once no load balancer ENI and no other group's rule
uses them. One failure never stops the rest, and a second run finishes what
the first could not.

Only what is provably the caller's goes (docs/ownership.md). A resource whose
``alb-ingress/stack`` names an owner is deleted only when that owner is the one
the caller names (``sweep --stack``, teardown's own stack), or, for the reaper
(``--expired``), when it is an expired short-lived resource of this project
whose stack has no cluster left. Everything else that matches the cluster is
listed with the reason and the command a person can run after checking it, and
the exit code is 1.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from albops import EXIT_FINDINGS, EXIT_OK, EXIT_REFUSED
from albops.cluster.aws import (
    CLUSTER_TAG,
    EXPIRES_TAG,
    UNUSABLE,
    AwsSession,
    TaggedResource,
    cluster_resources,
    error_code,
)
from albops.cluster.aws import tagged_resources as _tagged
from albops.deadline import Unanswered
from components.names import PROJECT
from components.tags import EPHEMERAL_TAG, STACK_TAG, owner_claims, parse_owner

# A delete that was sent, or may have been, and whose answer never came before the deadline.
STATE_UNKNOWN = "state unknown"
ORDER = ("load-balancer", "listener", "listener-rule", "target-group", "security-group")


@dataclass
class Timing:
    """How long to wait for AWS, and how often to look; tests shrink these.

    ``deadline_seconds`` bounds all the waits of one command together, counted from ``begin()``, not each
    wait anew: three waits of a sweep never add up to three times ``--wait-seconds``.
    """

    deadline_seconds: float = 600.0
    poll_seconds: float = 5.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    # Where waits report their progress (stderr by default, so --json output stays one document).
    progress: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr, flush=True))
    # When the command's waiting began (None until begin()).
    started: float | None = None

    def begin(self) -> Timing:
        """This timing with its window started now, unless it already runs (a sweep inside a teardown)."""
        return self if self.started is not None else replace(self, started=self.clock())

    def extend(self, seconds: float) -> None:
        """Move the window on: time spent in a step the waits do not cover (pulumi destroy)."""
        if self.started is not None:
            self.started += seconds

    def wait_until(self) -> float:
        """When the waiting must end (the clock's time)."""
        started = self.started if self.started is not None else self.clock()
        return started + self.deadline_seconds

    def wait(self, what: str, deadline: float) -> None:
        """One poll interval, said: what is awaited and how long the wait may still last; never past it."""
        left = max(0.0, deadline - self.clock())
        self.progress(f"  waiting for {what} ({left:.0f} s left of {self.deadline_seconds:.0f} s)")
        self.sleep(min(self.poll_seconds, left))


@dataclass
class Item:
    """One resource of the cluster and what became of it."""

    resource: TaggedResource
    status: str = "found"  # found | deleted | with-load-balancer | failed | remains | not-ours | state unknown
    reason: str = ""
    # For a resource that is not provably the caller's: what a person can run once they have checked it.
    command: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.resource.kind,
            "name": self.resource.name,
            "arn": self.resource.arn,
            "status": self.status,
            "reason": self.reason,
            "owner": self.resource.tags.get(STACK_TAG, ""),
            "command": self.command,
        }


@dataclass
class SweepReport:
    """The outcome for one cluster; ``remaining`` is empty exactly when nothing of it is left."""

    cluster: str
    region: str
    dry_run: bool
    items: list[Item] = field(default_factory=list)
    refused: str = ""
    # Not swept, and why (an expired cluster that still exists: its stack must be torn down instead).
    skipped: str = ""
    # The cluster's resources were read: until then the report claims no count (a script must not read an
    # unread cluster as clean); ``stopped`` says what ended the command before that.
    listed: bool = False
    stopped: str = ""

    @property
    def remaining(self) -> list[Item]:
        return [i for i in self.items if i.status in ("found", "failed", "remains", "not-ours", STATE_UNKNOWN)]

    @property
    def not_ours(self) -> list[Item]:
        """Resources of the cluster that were listed, not deleted, because nothing proves they are the caller's."""
        return [i for i in self.items if i.status == "not-ours"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster": self.cluster,
            "region": self.region,
            "dryRun": self.dry_run,
            "refused": self.refused,
            "skipped": self.skipped,
            "listed": self.listed,
            "notListed": "" if self.listed or self.skipped else f"not listed: {self.stopped or 'not reached'}",
            "resources": [i.as_dict() for i in self.items],
            "remaining": len(self.remaining) if self.listed or self.skipped else None,
            "notOurs": len(self.not_ours) if self.listed else None,
        }


def _load_balancer_key(arn: str) -> str:
    """``app/<name>/<id>`` of the load balancer an ELB ARN (load balancer, listener or rule) belongs to."""
    parts = arn.split(":", 5)[5].split("/")
    return "/".join(parts[1:4])


def cluster_tags(aws: AwsSession, cluster: str) -> dict[str, str] | None:
    """The EKS cluster's tags while it exists (its controller would recreate what a sweep deletes), else None."""
    try:
        description = aws.client("eks").describe_cluster(name=cluster)["cluster"]
    except Exception as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise
    return dict(description.get("tags") or {})


def live_cluster_refusal(cluster: str, region: str, tags: dict[str, str], force: bool) -> str:
    """Why a sweep of a cluster that still exists does not run ('' when ``force`` may override it).

    A cluster that is not marked short-lived is someone's running cluster: nothing overrides
    that, and ``--force`` is not offered.
    """
    if tags.get(EPHEMERAL_TAG) != "true":
        return (
            f"EKS cluster {cluster} exists in {region} and is not a short-lived cluster (no {EPHEMERAL_TAG} tag): "
            "its load balancers serve a running cluster, and a sweep never deletes those"
        )
    if force:
        return ""
    owner = parse_owner(tags.get(STACK_TAG, ""))
    how = f"albops teardown --stack {owner[2]}" if owner else "albops teardown --stack <its stack>"
    return (
        f"EKS cluster {cluster} still exists in {region}: its controller would recreate what the sweep deletes; "
        f"tear its stack down first ({how}), or pass --force once its controller is gone"
    )


# -- whose a resource is ----------------------------------------------------------


@dataclass(frozen=True)
class Reaper:
    """The nightly reaper's rules (``sweep --expired``): a resource goes only when it is marked short-lived, its
    expiry date has passed, its owner is a stack of this project, and that stack has no EKS cluster left."""

    project: str
    today: dt.date
    # The owner values of the EKS clusters that still exist in the region: such a stack is not gone.
    live_owners: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Scope:
    """Whose leftovers a sweep may delete.

    ``owner``: exactly that owner value's (``sweep --stack``, teardown's own stack); ``reaper``: the reaper's
    rules; neither: only resources that carry no owner claim at all (clusters this project never tagged).
    """

    owner: str | None = None
    reaper: Reaper | None = None


def expiry_date(value: str) -> dt.date | None:
    """The date of an ``alb-ingress/expires`` value as the stack writes it (YYYY-MM-DD only), else None."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _unprovable_owner(value: str) -> str:
    """Why an ``alb-ingress/stack`` value that is not three parts proves nothing."""
    if len(value.split("/")) == 2 and parse_owner(f"x/{value}") is not None:
        return (
            f"carries the old two-part owner value {STACK_TAG}={value}, which a fork or another Pulumi organization "
            "with the same project and stack name shares: listed, never deleted"
        )
    return (
        f"{STACK_TAG}={value!r} is not an owner value this project writes (<organization>/<project>/<stack>, "
        "without spaces): listed, never deleted"
    )


def refusal(resource: TaggedResource, scope: Scope) -> str | None:
    """Why ``resource`` may not be deleted under ``scope``; None when it may."""
    claims = owner_claims(resource.tags)
    odd = sorted(key for key in claims if key != STACK_TAG)
    if odd:
        return (
            f"carries the tag {odd[0]!r}={claims[odd[0]]!r}, which differs from {STACK_TAG} only in letter case, "
            "spaces or dashes: nothing proves whose it is"
        )
    value = resource.tags.get(STACK_TAG)
    if scope.reaper is not None:
        return _reaper_refusal(resource, value, scope.reaper)
    if value is None:
        return None if scope.owner is None else f"carries no {STACK_TAG} tag: nothing proves it is {scope.owner}'s"
    if parse_owner(value) is None:
        return _unprovable_owner(value)
    if value == scope.owner:
        return None
    if scope.owner is None:
        return f"belongs to stack {value} ({STACK_TAG}); only a sweep given --stack {value} deletes it"
    return f"belongs to stack {value} ({STACK_TAG}), not {scope.owner}"


def _reaper_refusal(resource: TaggedResource, value: str | None, reaper: Reaper) -> str | None:
    tags = resource.tags
    if tags.get(EPHEMERAL_TAG) != "true":
        return f"no {EPHEMERAL_TAG}=true tag: not a short-lived resource, the reaper leaves it"
    expires = tags.get(EXPIRES_TAG, "")
    date = expiry_date(expires)
    if date is None:
        return f"{EXPIRES_TAG}={expires!r} is not a date (YYYY-MM-DD): the reaper leaves it"
    if date >= reaper.today:
        return f"expires on {expires}, not yet past"
    if value is None:
        return f"carries no {STACK_TAG} tag: nothing proves it is a stack of project {reaper.project}"
    owner = parse_owner(value)
    if owner is None:
        return _unprovable_owner(value)
    if owner[1] != reaper.project:
        return f"belongs to stack {value}, of project {owner[1]}, not {reaper.project}: the reaper leaves it"
    if value in reaper.live_owners:
        return f"stack {value} still has an EKS cluster: tear it down (albops teardown --stack {owner[2]})"
    return None


_AWS_DELETE = {
    "load-balancer": "aws elbv2 delete-load-balancer --region {region} --load-balancer-arn {id}",
    "listener": "aws elbv2 delete-listener --region {region} --listener-arn {id}",
    "listener-rule": "aws elbv2 delete-rule --region {region} --rule-arn {id}",
    "target-group": "aws elbv2 delete-target-group --region {region} --target-group-arn {id}",
    "security-group": "aws ec2 delete-security-group --region {region} --group-id {id}",
}


def removal_command(resource: TaggedResource, cluster: str, region: str) -> str:
    """What a person runs to delete a listed resource once they have checked it is no one's.

    A well-formed owner gets the sweep that names it (dependency order, rules revoked); a resource with no
    owner claim gets the sweep without ``--stack``, which deletes only those; anything else (the old two-part
    value, a malformed or look-alike tag) only the AWS CLI, one resource at a time.
    """
    claims = owner_claims(resource.tags)
    value = resource.tags.get(STACK_TAG)
    sweep = f"albops sweep --cluster {cluster} --region {region}"
    if not claims:
        return f"{sweep} --yes"
    if set(claims) == {STACK_TAG} and value is not None and parse_owner(value) is not None:
        return f"{sweep} --stack {value} --yes"
    return _AWS_DELETE[resource.kind].format(region=region, id=resource.resource_id)


class Sweeper:
    """Deletes, in dependency order, the controller resources of one cluster that ``scope`` proves are the
    caller's, and lists the rest."""

    def __init__(self, aws: AwsSession, cluster: str, timing: Timing | None = None, scope: Scope | None = None) -> None:
        self.aws = aws
        self.cluster = cluster
        self.timing = (timing or Timing()).begin()
        self.scope = scope or Scope()

    def run(self, delete: bool, force: bool = False, into: list[SweepReport] | None = None) -> SweepReport:
        """Sweep the cluster; the report is appended to ``into`` before any work, so a caller interrupted
        half-way (Ctrl-C) still has what was done so far."""
        report = SweepReport(cluster=self.cluster, region=self.aws.region, dry_run=not delete)
        if into is not None:
            into.append(report)
        tags = cluster_tags(self.aws, self.cluster)
        if tags is not None:
            report.refused = live_cluster_refusal(self.cluster, self.aws.region, tags, force)
        found = sorted(
            (r for r in cluster_resources(self.aws, self.cluster) if r.kind in ORDER),
            key=lambda r: (ORDER.index(r.kind), r.arn),
        )
        for resource in found:
            item = Item(resource)
            reason = refusal(resource, self.scope)
            if reason is not None:
                item.status, item.reason = "not-ours", reason
                item.command = removal_command(resource, self.cluster, self.aws.region)
            report.items.append(item)
        report.listed = True
        ours = [i for i in report.items if i.status == "found"]
        if report.refused or not delete or not ours:
            return report
        by_kind = {kind: [i for i in ours if i.resource.kind == kind] for kind in ORDER}
        self._delete_load_balancers(by_kind["load-balancer"])
        self._listeners_and_rules(by_kind["listener"] + by_kind["listener-rule"], by_kind["load-balancer"])
        self._delete_with_retry(by_kind["target-group"], self._delete_target_group, retry_on={"ResourceInUse"})
        self._revoke_references(by_kind["security-group"])
        self._delete_with_retry(
            by_kind["security-group"],
            self._delete_security_group,
            retry_on={"DependencyViolation", "InvalidGroup.InUse"},
        )
        self._confirm(report)
        return report

    # -- load balancers ------------------------------------------------------
    def _delete_load_balancers(self, items: list[Item]) -> None:
        client = self.aws.client("elbv2")
        pending: list[Item] = []
        for item in items:
            try:
                client.delete_load_balancer(LoadBalancerArn=item.resource.arn)
                pending.append(item)
            except Exception as error:
                self._fail(item, error)
        if not pending:
            return
        deadline = self.timing.wait_until()
        waiting = {i.resource.arn: i for i in pending}
        while waiting:
            present = self._existing_load_balancers()
            for arn in [a for a in waiting if a not in present]:
                waiting.pop(arn).status = "deleted"
            if not waiting:
                break
            if self.timing.clock() >= deadline:
                for item in waiting.values():
                    item.status, item.reason = "remains", "still deleting when the wait ended; run the sweep again"
                break
            self.timing.wait(f"{len(waiting)} load balancers to be deleted", deadline)

    def _existing_load_balancers(self) -> set[str]:
        """ARNs of every load balancer in the region, 400 per call (not one describe per resource)."""
        arns: set[str] = set()
        for page in (
            self.aws.client("elbv2")
            .get_paginator("describe_load_balancers")
            .paginate(PaginationConfig={"PageSize": 400})
        ):
            arns.update(lb["LoadBalancerArn"] for lb in page.get("LoadBalancers", []))
        return arns

    def _listeners_and_rules(self, items: list[Item], load_balancers: list[Item]) -> None:
        """Listeners and rules go with their load balancer; any left on one that stays is deleted on its own."""
        gone = {_load_balancer_key(i.resource.arn) for i in load_balancers if i.status == "deleted"}
        client = self.aws.client("elbv2")
        for item in items:
            arn = item.resource.arn
            if _load_balancer_key(arn) in gone:
                item.status = "with-load-balancer"
                continue
            try:
                if item.resource.kind == "listener-rule":
                    client.delete_rule(RuleArn=arn)
                else:
                    client.delete_listener(ListenerArn=arn)
                item.status = "deleted"
            except Exception as error:
                if error_code(error) in ("ListenerNotFound", "RuleNotFound"):
                    item.status = "with-load-balancer"
                else:
                    self._fail(item, error)

    # -- target groups and security groups -------------------------------------
    def _delete_target_group(self, item: Item) -> None:
        self.aws.client("elbv2").delete_target_group(TargetGroupArn=item.resource.arn)

    def _delete_security_group(self, item: Item) -> None:
        self.aws.client("ec2").delete_security_group(GroupId=item.resource.resource_id)

    def _delete_with_retry(self, items: list[Item], delete: Callable[[Item], None], retry_on: set[str]) -> None:
        """Delete each; while AWS says something still uses one, wait and try again, up to the deadline."""
        deadline = self.timing.wait_until()
        pending = list(items)
        while pending:
            retry: list[Item] = []
            for item in pending:
                try:
                    delete(item)
                    item.status, item.reason = "deleted", ""
                except Exception as error:
                    code = error_code(error)
                    if code in ("TargetGroupNotFound", "InvalidGroup.NotFound"):
                        item.status, item.reason = "deleted", ""
                    elif code in retry_on:
                        item.status, item.reason = "remains", f"{code}: still in use (e.g. load balancer ENIs)"
                        retry.append(item)
                    else:
                        self._fail(item, error)
            if not retry or self.timing.clock() >= deadline:
                return
            self.timing.wait(f"{len(retry)} {retry[0].resource.kind}s still in use to let go", deadline)
            pending = retry

    def _revoke_references(self, groups: list[Item]) -> None:
        """Revoke, in any group, the rules whose source is a group being swept, and only those."""
        if not groups:
            return
        swept = [g.resource.resource_id for g in groups]
        swept_set = set(swept)
        ec2 = self.aws.client("ec2")
        for chunk_start in range(0, len(swept), 200):
            chunk = swept[chunk_start : chunk_start + 200]
            for direction, filter_name in (
                ("ingress", "ip-permission.group-id"),
                ("egress", "egress.ip-permission.group-id"),
            ):
                for page in ec2.get_paginator("describe_security_groups").paginate(
                    Filters=[{"Name": filter_name, "Values": chunk}], PaginationConfig={"PageSize": 1000}
                ):
                    for group in page.get("SecurityGroups", []):
                        key = "IpPermissions" if direction == "ingress" else "IpPermissionsEgress"
                        self._revoke(group["GroupId"], direction, group.get(key, []), swept_set, groups)

    def _revoke(
        self, group_id: str, direction: str, permissions: Iterable[dict[str, Any]], swept: set[str], items: list[Item]
    ) -> None:
        revoke = []
        for permission in permissions:
            pairs = [p for p in permission.get("UserIdGroupPairs", []) if p.get("GroupId") in swept]
            if not pairs:
                continue
            rule = {k: v for k, v in permission.items() if k in ("IpProtocol", "FromPort", "ToPort")}
            rule["UserIdGroupPairs"] = [
                {"GroupId": p["GroupId"], **({"UserId": p["UserId"]} if "UserId" in p else {})} for p in pairs
            ]
            revoke.append(rule)
        if not revoke:
            return
        ec2 = self.aws.client("ec2")
        try:
            if direction == "ingress":
                ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=revoke)
            else:
                ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=revoke)
        except Exception as error:
            sources = {p["GroupId"] for rule in revoke for p in rule["UserIdGroupPairs"]}
            for item in items:
                if item.resource.resource_id in sources:
                    item.reason = f"could not revoke the rule in {group_id} that uses it ({error_code(error)})"

    # -- bookkeeping ------------------------------------------------------------
    def _fail(self, item: Item, error: Exception) -> None:
        if isinstance(error, UNUSABLE):
            raise error  # the endpoint cannot work: it stops the command (one line, exit 2), not one resource
        code = error_code(error)
        item.status = "failed"
        if code == "OperationNotPermitted":
            item.reason = f"{code}: deletion protection is on; turn it off if this load balancer is really to go"
        else:
            item.reason = f"{code}: {getattr(error, 'response', {}).get('Error', {}).get('Message', error)}"

    def _confirm(self, report: SweepReport) -> None:
        """Look again: anything of the cluster still tagged is listed as remaining, whatever the calls said."""
        left = {r.arn for r in cluster_resources(self.aws, self.cluster)}
        for item in report.items:
            if item.resource.arn in left and item.status in ("deleted", "with-load-balancer"):
                item.status, item.reason = "remains", "still present after deletion; run the sweep again"
            elif item.resource.arn not in left and item.status == "remains":
                item.status, item.reason = "deleted", ""


@dataclass(frozen=True)
class ExpiredCluster:
    """A cluster whose ephemeral tags say it is past its expiry."""

    name: str
    expires: str
    running: bool


def expired_clusters(
    aws: AwsSession, today: dt.date | None = None, live_owners: set[str] | None = None
) -> list[ExpiredCluster]:
    """Clusters past expiry: running EKS clusters by their tags, gone ones by what their controller left.

    ``live_owners`` is filled with the owner values of every EKS cluster that exists (the reaper keeps what
    belongs to a stack that still has one)."""
    today = today or dt.datetime.now(dt.UTC).date()
    expiry: dict[str, str] = {}
    running: set[str] = set()
    eks = aws.client("eks")
    tagged: set[str] = set()  # existing clusters whose own expiry tag decides
    for page in eks.get_paginator("list_clusters").paginate():
        for name in page.get("clusters", []):
            running.add(name)
            tags = eks.describe_cluster(name=name)["cluster"].get("tags") or {}
            if live_owners is not None and STACK_TAG in tags:
                live_owners.add(tags[STACK_TAG])
            if EXPIRES_TAG in tags:
                expiry[name] = tags[EXPIRES_TAG]
                tagged.add(name)
    for resource in _tagged(aws, [{"Key": EXPIRES_TAG}]):
        cluster = resource.tags.get(CLUSTER_TAG)
        value = resource.tags[EXPIRES_TAG]
        date = expiry_date(value)
        if not cluster or not resource.controller_owned or cluster in tagged or date is None:
            continue
        # Several stacks' leftovers may share a cluster name: the earliest date decides whether the cluster is
        # looked at, and each resource's own tags decide whether it goes.
        known = expiry_date(expiry.get(cluster, ""))
        if known is None or date < known:
            expiry[cluster] = value
    expired = []
    for name, value in sorted(expiry.items()):
        date = expiry_date(value)
        if date is None:
            continue  # not a date we wrote; leave it to a person
        if date < today:
            expired.append(ExpiredCluster(name=name, expires=value, running=name in running))
    return expired


# -- the command ---------------------------------------------------------------


def render_table(report: SweepReport) -> str:
    """One line per resource: kind, name, what happened, and why when it did not."""
    mode = "dry run: nothing deleted (add --yes to delete)" if report.dry_run else "deleted in dependency order"
    if report.refused:
        mode = "refused: nothing deleted"
    if not report.listed and not report.skipped:
        return f"Cluster {report.cluster} in {report.region}: not listed: {report.stopped or 'not reached'}"
    lines = [f"Cluster {report.cluster} in {report.region}: {len(report.items)} controller resources; {mode}"]
    if report.skipped:
        lines.append(f"skipped: {report.skipped}")
        return "\n".join(lines)
    if report.refused:
        lines.append(f"refused: {report.refused}")
    width = max((len(i.resource.name) for i in report.items), default=4)
    for item in report.items:
        reason = f"  {item.reason}" if item.reason else ""
        lines.append(f"  {item.resource.kind:<15} {item.resource.name:<{width}}  {item.status}{reason}")
        if item.command:
            lines.append(f"  {'':<15} {'':<{width}}  after checking it: {item.command}")
    if report.refused:
        return "\n".join(lines)
    foreign = len(report.not_ours)
    note = f" ({foreign} not provably this sweep's: listed, not deleted)" if foreign else ""
    lines.append(f"{len(report.remaining)} remaining{note}")
    return "\n".join(lines)


def mark_interrupted(
    reports: list[SweepReport], unanswered: Iterable[Unanswered], why: str = "the deadline passed first"
) -> None:
    """After a deadline or Ctrl-C: a resource whose delete went unanswered is 'state unknown', one never reached
    says so (``why``).

    Nothing is claimed that did not happen: the delete may have reached AWS (a second run describes it anew),
    and what was not yet tried is still there. An unanswered change to another resource (a rule revoked in
    another group) is listed on its own by the caller, and changes no item here.
    """
    unknown = {u.subject: u for u in unanswered if u.step.startswith("Delete")}
    for report in reports:
        if not report.listed:
            report.stopped = why
        for item in report.items:
            call = unknown.get(item.resource.arn) or unknown.get(item.resource.resource_id)
            if call is not None:
                item.status = STATE_UNKNOWN
                item.reason = f"{call.step} sent, no answer ({why}); it may or may not be deleted"
            elif item.status == "found" and not report.dry_run:
                item.reason = f"not reached: {why}"


def exit_code(reports: list[SweepReport]) -> int:
    if any(r.refused for r in reports):
        return EXIT_REFUSED
    return EXIT_FINDINGS if any(r.remaining or r.skipped or not r.listed for r in reports) else EXIT_OK


def sweep_command(
    aws: AwsSession,
    cluster: str | None,
    delete: bool,
    force: bool,
    expired: bool,
    timing: Timing | None = None,
    today: dt.date | None = None,
    reports: list[SweepReport] | None = None,
    owner: str | None = None,
    project: str = PROJECT,
) -> list[SweepReport]:
    """Sweep one cluster, or every expired one.

    A running cluster is refused (``force`` overrides that only for a short-lived one). ``owner`` (``--stack``)
    names the one owner whose resources may go; without it only resources with no owner claim go. With
    ``expired``, an expired cluster that still runs is skipped with the reason, and the others are swept under
    the reaper's rules: one cluster whose stack was not torn down must not stop the nightly clean-up.
    """
    reports = [] if reports is None else reports  # filled as the work goes, for an interrupted caller
    timing = (timing or Timing()).begin()  # one window of waiting for the whole command, every cluster
    if not expired:
        assert cluster is not None
        Sweeper(aws, cluster, timing, Scope(owner=owner)).run(delete=delete, force=force, into=reports)
        return reports
    today = today or dt.datetime.now(dt.UTC).date()
    live: set[str] = set()
    found_clusters = expired_clusters(aws, today, live)
    scope = Scope(reaper=Reaper(project=project, today=today, live_owners=frozenset(live)))
    for found in found_clusters:
        if found.running:
            report = SweepReport(cluster=found.name, region=aws.region, dry_run=not delete)
            report.skipped = (
                f"expired on {found.expires} but the EKS cluster still exists: its stack must be torn down "
                "(albops teardown), not swept"
            )
            reports.append(report)
            continue
        Sweeper(aws, found.name, timing, scope).run(delete=delete, force=False, into=reports)
    return reports
