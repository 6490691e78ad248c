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
import json
import re
import shlex
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from albingress.components.tags import EPHEMERAL_TAG, STACK_TAG, lookalike_claims, namespace_claims, parse_owner
from albingress.facts.names import CLUSTER_NAME, PROJECT
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

# A delete that was sent, or may have been, and whose answer never came before the deadline.
STATE_UNKNOWN = "state unknown"
# A delete AWS answered (200) whose effect was not yet seen: ELB deletes a load balancer asynchronously, so until
# a describe shows it gone it is neither 'deleted' nor 'not reached'.
DELETE_ACCEPTED = "delete accepted, not confirmed gone"
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
    # found | deleted | with-load-balancer | failed | remains | not-ours | in-use | state unknown
    # ('in-use': the caller's, but something that is not the caller's still uses it, so it is listed, not deleted)
    status: str = "found"
    reason: str = ""
    # For a listed resource: what a person can run once they have checked it; it removes that one resource only.
    command: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.resource.kind,
            "name": self.resource.name,
            "arn": self.resource.arn,
            "status": self.status,
            "reason": self.reason,
            "owner": self.resource.tags.get(STACK_TAG, ""),
            # Every tag that reads as this project's (look-alike keys included), key and value as AWS has them.
            "ownerClaims": namespace_claims(self.resource.tags),
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
    # The sweep of this cluster stopped on an error; what is in ``items`` is what was done before it.
    error: str = ""
    # The cluster's resources were read: until then the report claims no count (a script must not read an
    # unread cluster as clean); ``stopped`` says what ended the command before that.
    listed: bool = False
    stopped: str = ""
    # Neither the EKS cluster nor anything tagged for it exists in the region: said with the region, so a
    # mistyped name or the wrong --region is not read as a clean sweep.
    absent: str = ""

    @property
    def remaining(self) -> list[Item]:
        return [
            i for i in self.items if i.status in ("found", "failed", "remains", "not-ours", "in-use", STATE_UNKNOWN)
        ]

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
            "error": self.error,
            "listed": self.listed,
            "notListed": "" if self.listed or self.skipped else f"not listed: {self.stopped or 'not reached'}",
            "resources": [i.as_dict() for i in self.items],
            "remaining": len(self.remaining) if self.listed or self.skipped else None,
            "notOurs": len(self.not_ours) if self.listed else None,
            "absent": self.absent,
        }


def _sources(rule: dict[str, Any]) -> set[str]:
    """The groups an IpPermissions entry names."""
    return {str(p.get("GroupId")) for p in rule.get("UserIdGroupPairs", [])}


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
    how = teardown_command(owner[2]) if owner else "albops teardown --stack <its stack> --yes"
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
    # The owner values of the EKS clusters that still exist, in every region the account has enabled: such a
    # stack is not gone (its cluster may run in another region than its leftovers).
    live_owners: frozenset[str] = frozenset()
    # Why the reaper could not see every region ('' when it could): then no stack is proven gone.
    unproven: str = ""


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


def _shown(tags: dict[str, str]) -> str:
    return ", ".join(f"{key!r}={value!r}" for key, value in sorted(tags.items()))


def teardown_command(stack: str) -> str:
    """The teardown of a stack of this project, run from its project folder."""
    return f"albops teardown --stack {shlex.quote(stack)} --yes"


def verdict(resource: TaggedResource, scope: Scope, region: str) -> tuple[str, str] | None:
    """Why ``resource`` may not be deleted under ``scope`` and what a person can run instead; None when it may go.

    Default deny: a key that reads as one of this project's (``namespace_claims``) but is not one exactly is an
    unjudgeable claim; without ``--stack`` anything carrying any of this project's keys is listed; with it, only
    the exact key with the exact value goes.
    """
    reason = _refusal(resource, scope)
    if reason is None:
        return None
    command = removal_command(resource, region)
    owner = parse_owner(resource.tags.get(STACK_TAG, ""))
    if owner is not None and reason == _LIVE_STACK.format(value=resource.tags[STACK_TAG]):
        command = teardown_command(owner[2])  # the reason says: tear that stack down
    return reason, command


def refusal(resource: TaggedResource, scope: Scope) -> str | None:
    """Why ``resource`` may not be deleted under ``scope``; None when it may."""
    return _refusal(resource, scope)


def _refusal(resource: TaggedResource, scope: Scope) -> str | None:
    odd = lookalike_claims(resource.tags)
    if odd:
        key = sorted(odd)[0]
        return (
            f"carries the tag {key!r}={odd[key]!r}, which reads as one of this project's keys (alb-ingress/...) or "
            "names an owner in its value, but is not this project's key exactly: nothing proves whose it is; listed, "
            "never deleted"
        )
    value = resource.tags.get(STACK_TAG)
    if scope.reaper is not None:
        return _reaper_refusal(resource, value, scope.reaper)
    if scope.owner is None:
        claims = namespace_claims(resource.tags)
        if not claims:
            return None
        if value is None:
            return (
                f"carries this project's tags ({_shown(claims)}) but no {STACK_TAG}: a stack of this project made "
                "it, and nothing proves which; listed, never deleted"
            )
        if parse_owner(value) is None:
            return _unprovable_owner(value)
        return (
            f"belongs to stack {value} ({STACK_TAG}): a sweep without --stack deletes only what carries none of "
            "this project's tags"
        )
    if value is None:
        return f"carries no {STACK_TAG} tag: nothing proves it is {scope.owner}'s"
    if parse_owner(value) is None:
        return _unprovable_owner(value)
    if value == scope.owner:
        return None
    return f"belongs to stack {value} ({STACK_TAG}), not {scope.owner}"


_LIVE_STACK = "stack {value} still has an EKS cluster: tear it down"


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
        return _LIVE_STACK.format(value=value)
    if reaper.unproven:
        return f"nothing proves stack {value}'s cluster is gone: {reaper.unproven}; the reaper leaves it"
    return None


_AWS_DELETE = {
    "load-balancer": "aws elbv2 delete-load-balancer --region {region} --load-balancer-arn {id}",
    "listener": "aws elbv2 delete-listener --region {region} --listener-arn {id}",
    "listener-rule": "aws elbv2 delete-rule --region {region} --rule-arn {id}",
    "target-group": "aws elbv2 delete-target-group --region {region} --target-group-arn {id}",
    "security-group": "aws ec2 delete-security-group --region {region} --group-id {id}",
}


def removal_command(resource: TaggedResource, region: str) -> str:
    """The AWS CLI delete of exactly this one resource, every value shell-quoted.

    Never an ``albops sweep``: that deletes every resource its rule lets go, more than the one listed.
    """
    return _AWS_DELETE[resource.kind].format(region=shlex.quote(region), id=shlex.quote(resource.resource_id))


def _revoke_command(region: str, group_id: str, direction: str, rule: dict[str, Any]) -> str:
    """The AWS CLI revoke of one rule (``rule``: an IpPermissions entry) in another group, shell-quoted."""
    return (
        f"aws ec2 revoke-security-group-{direction} --region {shlex.quote(region)} --group-id {shlex.quote(group_id)} "
        f"--ip-permissions {shlex.quote(json.dumps([rule], separators=(',', ':')))}"
    )


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
        valid_name = CLUSTER_NAME.fullmatch(self.cluster) is not None
        exists = False
        if valid_name:
            tags = cluster_tags(self.aws, self.cluster)
            exists = tags is not None
            if tags is not None:
                report.refused = live_cluster_refusal(self.cluster, self.aws.region, tags, force)
        found = sorted(
            (r for r in cluster_resources(self.aws, self.cluster) if r.kind in ORDER),
            key=lambda r: (ORDER.index(r.kind), r.arn),
        )
        for resource in found:
            item = Item(resource)
            judged = verdict(resource, self.scope, self.aws.region)
            if not valid_name:
                # A tag value EKS would not take as a cluster name ('/', spaces, ...): no EKS cluster can prove
                # whether it is gone, and no albops command names it (CreateCluster's rule, facts/names.py).
                judged = (
                    f"its {CLUSTER_TAG} value {self.cluster!r} is not an EKS cluster name (1-100 letters, digits, "
                    "'-' and '_', starting with a letter or digit), so nothing proves its cluster is gone: listed, "
                    "never deleted",
                    removal_command(resource, self.aws.region),
                )
            if judged is not None:
                item.status, (item.reason, item.command) = "not-ours", judged
            report.items.append(item)
        report.listed = True
        if not exists and not report.items:
            report.absent = (
                f"no EKS cluster {self.cluster} and nothing tagged {CLUSTER_TAG}={self.cluster} in {self.aws.region}: "
                "nothing to sweep; check the cluster's name and --region"
            )
        if report.refused or not any(i.status == "found" for i in report.items):
            return report
        references = self._judge_dependencies(report)
        ours = [i for i in report.items if i.status == "found"]
        if not delete or not ours:
            return report
        by_kind = {kind: [i for i in ours if i.resource.kind == kind] for kind in ORDER}
        self._delete_load_balancers(by_kind["load-balancer"])
        self._listeners_and_rules(by_kind["listener"] + by_kind["listener-rule"], by_kind["load-balancer"])
        self._delete_with_retry(by_kind["target-group"], self._delete_target_group, retry_on={"ResourceInUse"})
        self._revoke_references(by_kind["security-group"], references)
        self._delete_with_retry(
            by_kind["security-group"],
            self._delete_security_group,
            retry_on={"DependencyViolation", "InvalidGroup.InUse"},
        )
        self._confirm(report)
        return report

    # -- what depends on what ----------------------------------------------------
    def _judge_dependencies(self, report: SweepReport) -> list[tuple[str, str, dict[str, Any]]]:
        """List (not delete) what is the caller's but tied to something that is not, before anything is deleted.

        A listener or rule goes only with, or on, a load balancer that goes too; a load balancer only when every
        listener and rule of it found here may go; a target group only when no load balancer that stays forwards
        to it; a security group only when no load balancer that stays uses it and no group that stays has a rule
        naming it. Returns the rules to revoke: those in groups that go, naming groups that go.
        """
        items = report.items

        def going(kind: str) -> list[Item]:
            return [i for i in items if i.resource.kind == kind and i.status == "found"]

        def hold(item: Item, reason: str, command: str = "") -> None:
            item.status, item.reason = "in-use", reason
            item.command = command or removal_command(item.resource, self.aws.region)

        by_key = {_load_balancer_key(i.resource.arn): i for i in items if i.resource.kind == "load-balancer"}
        children = [i for i in items if i.resource.kind in ("listener", "listener-rule")]
        for child in children:  # a listener or rule that may not go keeps its load balancer
            parent = by_key.get(_load_balancer_key(child.resource.arn))
            if child.status == "not-ours" and parent is not None and parent.status == "found":
                hold(
                    parent,
                    f"its {child.resource.kind} {child.resource.name} is not provably this sweep's "
                    f"({child.reason}), and it would go with it",
                )
        about_to_go = going("load-balancer")
        if about_to_go:  # a listener or rule not tagged for the cluster goes with its load balancer all the same
            untracked = self._untracked_claims(
                [i.resource.arn for i in about_to_go], {child.resource.arn for child in children}
            )
            for parent in about_to_go:
                if parent.resource.arn in untracked:
                    hold(parent, untracked[parent.resource.arn])
        for child in children:  # a listener or rule goes only with, or on, a load balancer that goes
            if child.status != "found":
                continue
            parent = by_key.get(_load_balancer_key(child.resource.arn))
            if parent is None:
                hold(
                    child,
                    f"its load balancer {_load_balancer_key(child.resource.arn)} is not tagged for cluster "
                    f"{self.cluster}, so nothing proves it is this sweep's: listed, never deleted",
                )
            elif parent.status != "found":
                hold(
                    child,
                    f"its load balancer {parent.resource.name} is not deleted by this sweep "
                    f"({parent.reason}): listed, never deleted",
                )
        staying = {
            arn: lb
            for arn, lb in self._load_balancers().items()
            if arn not in {i.resource.arn for i in going("load-balancer")}
        }
        target_groups = going("target-group")
        if target_groups:
            users = self._target_group_users()
            for item in target_groups:
                leaving = {i.resource.arn for i in going("load-balancer")}
                foreign = sorted(arn for arn in users.get(item.resource.arn, []) if arn not in leaving)
                if foreign:
                    hold(
                        item,
                        f"load balancer {_load_balancer_key(foreign[0])} ({foreign[0]}) still forwards to it "
                        "and is not deleted by this sweep; remove it from that load balancer first",
                    )
        groups = going("security-group")
        if not groups:
            return []
        attached: dict[str, list[str]] = {}
        for arn, lb in staying.items():
            for group_id in lb.get("SecurityGroups", []):
                attached.setdefault(group_id, []).append(arn)
        interfaces = self._other_interfaces([g.resource.resource_id for g in groups])
        rules = self._references([g.resource.resource_id for g in groups])
        delete = {g.resource.resource_id for g in groups}
        while True:  # until no group that goes is held by one that stays
            held = False
            for item in [g for g in groups if g.status == "found"]:
                group_id = item.resource.resource_id
                if group_id in attached:
                    arn = attached[group_id][0]
                    hold(
                        item,
                        f"load balancer {_load_balancer_key(arn)} ({arn}) uses it and is not deleted by this "
                        "sweep; detach it there first",
                    )
                elif group_id in interfaces:
                    eni = interfaces[group_id]
                    hold(
                        item,
                        f"network interface {eni} uses it and is not a load balancer's, so this sweep does not "
                        "delete it; move that interface to another group first",
                    )
                blockers = [(g, d, r) for g, d, r in rules if group_id in _sources(r) and g not in delete]
                if blockers and item.status == "found":
                    other, direction, rule = blockers[0]
                    only = {
                        **rule,
                        "UserIdGroupPairs": [p for p in rule["UserIdGroupPairs"] if p.get("GroupId") == group_id],
                    }
                    revokes = [
                        _revoke_command(
                            self.aws.region,
                            g,
                            d,
                            {
                                **r,
                                "UserIdGroupPairs": [p for p in r["UserIdGroupPairs"] if p.get("GroupId") == group_id],
                            },
                        )
                        for g, d, r in blockers
                    ]
                    hold(
                        item,
                        f"an {direction} rule of security group {other}, which this sweep does not delete, "
                        f"names it ({json.dumps(only, separators=(',', ':'))}); it is not revoked: a person "
                        "decides",
                        " && ".join([*revokes, removal_command(item.resource, self.aws.region)]),
                    )
                if item.status != "found":
                    delete.discard(group_id)
                    held = True
            if not held:
                break
        return [(g, d, r) for g, d, r in rules if g in delete and _sources(r) & delete]

    def _untracked_claims(self, load_balancers: list[str], tracked: set[str]) -> dict[str, str]:
        """Why each of ``load_balancers`` must stay because a listener or rule of it that is not tagged for the
        cluster (so not among the sweep's items) carries an owner claim this sweep may not act on, by load
        balancer ARN. DeleteLoadBalancer takes every listener and rule with it.

        One listing of the region's tagged listeners and rules (the tagging API, 100 a call), not a describe per
        load balancer: a listener or rule with no tag claims nothing, and one with a tag is in that listing.
        """
        wanted = {_load_balancer_key(arn): arn for arn in load_balancers}
        held: dict[str, str] = {}
        try:
            children = list(_tagged(self.aws, [], types=_CHILD_TYPES))
        except Exception as error:
            if isinstance(error, UNUSABLE):
                raise
            why = (
                f"its listeners and rules could not be read ({error_code(error)}), so nothing proves none is another "
                "owner's: listed, never deleted"
            )
            return dict.fromkeys(load_balancers, why)
        for child in children:
            parent = wanted.get(_load_balancer_key(child.arn))
            if parent is None or parent in held or child.arn in tracked or not namespace_claims(child.tags):
                continue
            reason = refusal(child, self.scope)
            if reason is not None:
                held[parent] = (
                    f"its {child.kind} {child.arn}, not tagged for cluster {self.cluster}, {reason}; it would go with "
                    "the load balancer"
                )
        return held

    def _other_interfaces(self, group_ids: list[str]) -> dict[str, str]:
        """For each of ``group_ids``, a network interface that uses it and is not a load balancer's (an instance's,
        a Lambda's, an endpoint's), described by its id and description; 200 groups per call.

        A load balancer's interfaces (requester ``amazon-elb``, described ``ELB app/NAME/ID``) are left out: the
        load balancers themselves are judged by their ``SecurityGroups``, and a deleted one's interfaces are
        waited out."""
        found: dict[str, str] = {}
        paginator = self.aws.client("ec2").get_paginator("describe_network_interfaces")
        for start in range(0, len(group_ids), 200):
            chunk = group_ids[start : start + 200]
            for page in paginator.paginate(Filters=[{"Name": "group-id", "Values": chunk}]):
                for eni in page.get("NetworkInterfaces", []):
                    description = str(eni.get("Description") or "")
                    if eni.get("RequesterId") == "amazon-elb" or description.startswith("ELB "):
                        continue
                    shown = f"{eni.get('NetworkInterfaceId')} ({description or eni.get('InterfaceType', '')})"
                    for group in eni.get("Groups", []):
                        found.setdefault(str(group.get("GroupId")), shown)
        return found

    def _load_balancers(self) -> dict[str, dict[str, Any]]:
        """Every load balancer of the region by ARN, 400 per call."""
        found: dict[str, dict[str, Any]] = {}
        paginator = self.aws.client("elbv2").get_paginator("describe_load_balancers")
        for page in paginator.paginate(PaginationConfig={"PageSize": 400}):
            found.update((lb["LoadBalancerArn"], lb) for lb in page.get("LoadBalancers", []))
        return found

    def _target_group_users(self) -> dict[str, list[str]]:
        """The load balancers that forward to each target group of the region, 400 groups per call."""
        users: dict[str, list[str]] = {}
        paginator = self.aws.client("elbv2").get_paginator("describe_target_groups")
        for page in paginator.paginate(PaginationConfig={"PageSize": 400}):
            for group in page.get("TargetGroups", []):
                users[group["TargetGroupArn"]] = list(group.get("LoadBalancerArns", []))
        return users

    def _references(self, group_ids: list[str]) -> list[tuple[str, str, dict[str, Any]]]:
        """Every rule, in any group, whose source or destination is one of ``group_ids``: (group, direction, rule)."""
        found: list[tuple[str, str, dict[str, Any]]] = []
        ec2 = self.aws.client("ec2")
        wanted = set(group_ids)
        for chunk_start in range(0, len(group_ids), 200):
            chunk = group_ids[chunk_start : chunk_start + 200]
            for direction, filter_name, key in (
                ("ingress", "ip-permission.group-id", "IpPermissions"),
                ("egress", "egress.ip-permission.group-id", "IpPermissionsEgress"),
            ):
                for page in ec2.get_paginator("describe_security_groups").paginate(
                    Filters=[{"Name": filter_name, "Values": chunk}], PaginationConfig={"PageSize": 1000}
                ):
                    for group in page.get("SecurityGroups", []):
                        for permission in group.get(key, []):
                            pairs = [p for p in permission.get("UserIdGroupPairs", []) if p.get("GroupId") in wanted]
                            if not pairs:
                                continue
                            rule = {k: v for k, v in permission.items() if k in ("IpProtocol", "FromPort", "ToPort")}
                            rule["UserIdGroupPairs"] = [
                                {"GroupId": p["GroupId"], **({"UserId": p["UserId"]} if "UserId" in p else {})}
                                for p in pairs
                            ]
                            entry = (group["GroupId"], direction, rule)
                            if entry not in found:
                                found.append(entry)
        return found

    # -- load balancers ------------------------------------------------------
    def _delete_load_balancers(self, items: list[Item]) -> None:
        client = self.aws.client("elbv2")
        pending: list[Item] = []
        for item in items:
            try:
                client.delete_load_balancer(LoadBalancerArn=item.resource.arn)
                # Said at once: a stall or Ctrl-C in the wait that follows must not turn it into "not reached".
                item.status, item.reason = STATE_UNKNOWN, DELETE_ACCEPTED
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

    def _revoke_references(self, groups: list[Item], references: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Revoke the rules that name a group being deleted, and only those in groups being deleted too: a rule in
        any other group was listed with its revoke command by ``_judge_dependencies``, never changed here."""
        ec2 = self.aws.client("ec2")
        for group_id, direction, rule in references:
            try:
                if direction == "ingress":
                    ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[rule])
                else:
                    ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=[rule])
            except Exception as error:
                for item in groups:
                    if item.resource.resource_id in _sources(rule):
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


# What goes with a load balancer when it is deleted.
_CHILD_TYPES = ("elasticloadbalancing:listener", "elasticloadbalancing:listener-rule")


def _message(error: Exception) -> str:
    return str(getattr(error, "response", {}).get("Error", {}).get("Message") or error).splitlines()[0][:200]


def enabled_regions(aws: AwsSession) -> list[str]:
    """The regions the account has enabled: ec2 DescribeRegions lists exactly those (opted-out ones are left out
    unless AllRegions is asked for)."""
    return sorted(r["RegionName"] for r in aws.client("ec2").describe_regions()["Regions"])


def live_owners_everywhere(aws: AwsSession, regions: list[str] | None = None) -> tuple[set[str], str]:
    """The owner values of every EKS cluster that exists in any region the account has enabled, and why that is
    not known for sure ('' when it is).

    A stack's leftovers may be in another region than its cluster (a renamed or moved stack, a second
    region's controller), so one region's clusters cannot prove a stack is gone. Every claim a live cluster
    makes counts, look-alike keys included. ``regions``: the regions to look in (default: ec2 DescribeRegions,
    which lists the enabled ones).
    """
    owners: set[str] = set()
    if regions is None:
        try:
            regions = enabled_regions(aws)
        except Exception as error:
            return owners, f"the account's regions could not be listed ({error_code(error)})"
    failed: list[str] = []
    for region in sorted({*regions, aws.region}):
        # The same credentials and the same wall clock as the command's own session.
        session = aws if region == aws.region else AwsSession(region, session=aws.session, deadline=aws.deadline)
        session.counter = aws.counter  # one count of the command's calls
        eks = session.client("eks")
        try:
            for page in eks.get_paginator("list_clusters").paginate():
                for name in page.get("clusters", []):
                    tags = eks.describe_cluster(name=name)["cluster"].get("tags") or {}
                    owners.update(namespace_claims(tags).values())
        except Exception as error:
            failed.append(f"{region} ({error_code(error)})")
    if failed:
        return owners, f"the EKS clusters of {', '.join(failed)} could not be read"
    return owners, ""


@dataclass(frozen=True)
class ExpiredCluster:
    """A cluster whose ephemeral tags say it is past its expiry."""

    name: str
    expires: str
    running: bool


def expired_clusters(aws: AwsSession, today: dt.date | None = None) -> list[ExpiredCluster]:
    """Clusters past expiry: running EKS clusters by their tags, gone ones by what their controller left; and gone
    clusters whose leftovers carry an expiry value that is not a date, so that the reaper lists them."""
    today = today or dt.datetime.now(dt.UTC).date()
    expiry: dict[str, str] = {}
    running: set[str] = set()
    eks = aws.client("eks")
    tagged: set[str] = set()  # existing clusters whose own expiry tag decides
    unreadable: dict[str, str] = {}  # gone clusters with a leftover whose expiry value is not a date
    for page in eks.get_paginator("list_clusters").paginate():
        for name in page.get("clusters", []):
            running.add(name)
            tags = eks.describe_cluster(name=name)["cluster"].get("tags") or {}
            if EXPIRES_TAG in tags:
                expiry[name] = tags[EXPIRES_TAG]
                tagged.add(name)
    for resource in _tagged(aws, [{"Key": EXPIRES_TAG}]):
        cluster = resource.tags.get(CLUSTER_TAG)
        value = resource.tags[EXPIRES_TAG]
        date = expiry_date(value)
        if not cluster or not resource.controller_owned or cluster in tagged:
            continue
        if date is None:
            # Not a date this project writes ('2026-12-06T23:59:59Z', '2026-12-6', ' 2026-12-06'): never taken
            # for expired, never passed over in silence either; its cluster is swept under the reaper's rules,
            # which list it with that reason (exit 1).
            unreadable.setdefault(cluster, value)
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
    listed = {found.name for found in expired}
    for name, value in sorted(unreadable.items()):
        if name not in running and name not in listed:
            expired.append(ExpiredCluster(name=name, expires=value, running=False))
    return expired


# -- the command ---------------------------------------------------------------


def render_table(report: SweepReport) -> str:
    """One line per resource: kind, name, what happened, and why when it did not."""
    mode = "dry run: nothing deleted (add --yes to delete)" if report.dry_run else "deleted in dependency order"
    if report.refused:
        mode = "refused: nothing deleted"
    if not report.listed and not report.skipped:
        return f"Cluster {report.cluster} in {report.region}: not listed: {report.stopped or 'not reached'}"
    if report.absent:
        return f"Cluster {report.cluster} in {report.region}: {report.absent}"
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
    if report.error:
        lines.append(f"error: {report.error}")
    if report.refused:
        return "\n".join(lines)
    notes = []
    if report.not_ours:
        notes.append(f"{len(report.not_ours)} not provably this sweep's: listed, not deleted")
    held = [i for i in report.items if i.status == "in-use"]
    if held:
        notes.append(f"{len(held)} still used by something this sweep does not delete: listed, not deleted")
    note = f" ({'; '.join(notes)})" if notes else ""
    lines.append(f"{len(report.remaining)} remaining{note}")
    return "\n".join(lines)


def mark_interrupted(
    reports: list[SweepReport], unanswered: Iterable[Unanswered], why: str = "the deadline passed first"
) -> None:
    """After a deadline or Ctrl-C: a resource whose delete went unanswered is 'state unknown', one whose delete was
    answered but not yet seen done stays 'state unknown' (``DELETE_ACCEPTED``), one never reached says so (``why``).

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
            elif item.status == STATE_UNKNOWN and item.reason == DELETE_ACCEPTED:
                item.reason = f"{DELETE_ACCEPTED} ({why})"
            elif item.status == "found" and not report.dry_run:
                item.reason = f"not reached: {why}"


def exit_code(reports: list[SweepReport]) -> int:
    if any(r.refused for r in reports):
        return EXIT_REFUSED
    return EXIT_FINDINGS if any(r.remaining or r.skipped or r.error or not r.listed for r in reports) else EXIT_OK


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
    regions: list[str] | None = None,
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
    found_clusters = expired_clusters(aws, today)
    if not found_clusters:
        return reports
    live, unproven = live_owners_everywhere(aws, regions)
    scope = Scope(reaper=Reaper(project=project, today=today, live_owners=frozenset(live), unproven=unproven))
    for found in found_clusters:
        if found.running:
            report = SweepReport(cluster=found.name, region=aws.region, dry_run=not delete)
            report.skipped = (
                f"expired on {found.expires} but the EKS cluster still exists: its stack must be torn down "
                "(albops teardown), not swept"
            )
            reports.append(report)
            continue
        before = len(reports)
        try:
            Sweeper(aws, found.name, timing, scope).run(delete=delete, force=False, into=reports)
        except Exception as error:  # one odd cluster never stops the nightly run, nor loses what was reported
            if len(reports) == before:
                reports.append(SweepReport(cluster=found.name, region=aws.region, dry_run=not delete))
            reports[-1].error = f"{error_code(error)}: {_message(error)}; the other clusters were swept"
    return reports
