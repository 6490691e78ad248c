"""Tear down a short-lived stack and its cluster, leaving nothing behind in AWS, and touching nothing else.

The order is what makes it clean. The controller owns the ALBs, so it must
delete them while it still runs: first every Ingress, LoadBalancer Service and
Gateway it manages goes (the whole cluster is going away, not only this stack's
objects), and teardown waits until the controller has removed their AWS
resources. Only then does ``pulumi destroy`` remove the controller and the
cluster, with ``PULUMI_K8S_DELETE_UNREACHABLE`` so a re-run after the cluster is
gone still completes. A sweep then removes anything the controller could not
(the shared backend security group, leftovers of a crashed controller), and the
stack is removed last, keeping its config file until then. Each step accepts
that an earlier run already did it, so running teardown again finishes the job.

Because step 2 empties a whole cluster, teardown first proves the cluster is
this stack's, from sources a pull request cannot change:

- the target (which cluster, in which region) comes from the backend's copy of
  the stack's config, never from a ``Pulumi.<stack>.yaml`` in the checkout;
- the backend's state must record that cluster, and its ARN must be the ARN
  of the cluster AWS describes under that name;
- that cluster must carry ``alb-ingress/ephemeral: true`` and
  ``alb-ingress/stack: <organization>/<project>/<stack>``, which only this stack
  sets, with the organization the backend names (``pulumi stack --show-name
  --fully-qualify-stack-names``; "organization" on a self-managed backend).

Anything else is refused (exit 3) before anything is deleted, naming the tag or
ARN that differed. The sweep after destroy deletes only what carries that same
owner value; anything else of the cluster's name (another project's or stack's,
the old two-part value, no owner tag) is listed with the command a person can
run once they have checked it, and teardown exits 1 (docs/ownership.md).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from albingress.components.tags import DIY_ORGANIZATION, EPHEMERAL_TAG, STACK_TAG, parse_owner, stack_tag_value
from albops import EXIT_FINDINGS, EXIT_OK
from albops.cluster.aws import AwsSession, TaggedResource, cluster_resources, error_code, tagged_resources
from albops.cluster.kube import KubeObject, UnreachableError
from albops.cluster.sweep import ORDER, Item, Scope, Sweeper, SweepReport, Timing, removal_command

# Re-exported: teardown looks for its owner value in each of these (and the tests narrow them here).
from albops.cluster.sweep import enabled_regions as enabled_regions
from albops.preview.stack_file import config_mapping

PROJECT = "alb-ingress"
EKS_CLUSTER_TYPE = "aws:eks/cluster:Cluster"


class ToolMissingError(Exception):
    """A program teardown needs (the Pulumi CLI) is not installed."""


class RefusedError(Exception):
    """Teardown will not touch this stack; the message says why and what to do."""


class StackBackend(Protocol):
    """What teardown needs of Pulumi: the backend's config and state, destroy, and removing the stack."""

    def exists(self) -> bool: ...

    def qualified_name(self) -> str:
        """The stack's fully qualified name, ``<organization>/<project>/<stack>``, as the backend has it."""
        ...

    def config(self) -> dict[str, Any]: ...

    def export(self) -> dict[str, Any]: ...

    def destroy(self) -> None: ...

    def remove(self) -> None: ...


class ClusterApi(Protocol):
    """What teardown needs of the cluster's API server."""

    def managed_objects(self) -> list[KubeObject]: ...

    def delete(self, obj: KubeObject) -> None: ...


@dataclass(frozen=True)
class Target:
    """The stack to tear down, as the backend's config and state describe it."""

    stack: str
    cluster: str
    region: str
    owner: str
    expires: str
    project: str = PROJECT
    # The cluster's ARN as the stack's state recorded it; None when the state holds no cluster.
    cluster_arn: str | None = None
    # The stack's organization as its backend names it; None until the backend was asked (a checkout's file
    # does not say).
    organization: str | None = None

    @property
    def stack_tag(self) -> str:
        """The owner value this stack wrote on its cluster and, through the chart, on its load balancers."""
        return stack_tag_value(self.organization or "<organization>", self.project, self.stack)


def target_from_config(stack: str, flat: dict[str, Any], project: str = PROJECT) -> Target:
    """The teardown target, or ``RefusedError`` when the config does not mark the stack ephemeral."""
    ephemeral = config_mapping(flat.get(f"{project}:ephemeral"))
    cluster = config_mapping(flat.get(f"{project}:cluster"))
    if not ephemeral.get("expires") or not ephemeral.get("owner"):
        raise RefusedError(
            f"stack {stack} is not marked ephemeral ({project}:ephemeral with owner and expires); teardown deletes "
            "every load balancer of the stack's cluster and the cluster itself, so it only runs on stacks made for "
            "that (see Pulumi.pr.yaml). Use `pulumi destroy` for this one."
        )
    if cluster.get("create") is not True:
        raise RefusedError(
            f"stack {stack} is marked ephemeral but uses an existing cluster ({project}:cluster.create is not true); "
            "teardown would delete other teams' load balancers in it: use `pulumi destroy`"
        )
    region = flat.get("aws:region")
    if not isinstance(region, str):
        raise RefusedError(f"stack {stack} has no aws:region; set it so teardown knows where the cluster is")
    return Target(
        stack=stack,
        cluster=str(cluster.get("name") or stack),
        region=region,
        owner=str(ephemeral["owner"]),
        expires=str(ephemeral["expires"]),
        project=project,
    )


def recorded_cluster_arn(state: dict[str, Any], cluster: str) -> str | None:
    """The ARN of ``cluster`` in a ``pulumi stack export`` document, or None when the state holds none.

    pulumi-eks creates the control plane as an ``aws:eks/cluster:Cluster`` child; its ``name``
    output is the cluster's name. A state that records a different cluster is refused: it does
    not match the config, and neither can be trusted to say what teardown may empty.
    """
    resources = (state.get("deployment") or {}).get("resources") or []
    clusters = [r for r in resources if isinstance(r, dict) and r.get("type") == EKS_CLUSTER_TYPE]
    if not clusters:
        return None
    for resource in clusters:
        outputs = resource.get("outputs") or {}
        if outputs.get("name") == cluster and isinstance(outputs.get("arn"), str):
            return str(outputs["arn"])
    names = ", ".join(str((r.get("outputs") or {}).get("name")) for r in clusters)
    raise RefusedError(
        f"the stack's state records cluster {names}, but its config names {cluster}; config and state disagree, so "
        "teardown cannot tell which cluster is this stack's: check the stack by hand (`pulumi stack export`)"
    )


# What `pulumi destroy` may run on the reaper's credentials: the providers the default branch's program uses
# (its plan: aws, eks, kubernetes) and this project's components, which destroy does not call. A pull
# request's job writes its stack's state, so the state could name a dynamic provider (pulumi-python:dynamic,
# pulumi-nodejs:dynamic: code stored in the state), command:local:Command (a delete script), another
# package, or a provider fetched from its own pluginDownloadURL; destroy would run each of them as the
# reaper (docs/ci.md, "What the reaper runs").
TRUSTED_TYPE_PACKAGES = ("aws", "eks", "kubernetes", "albingress")
TRUSTED_PROVIDERS = ("aws", "eks", "kubernetes")


def untrusted_state_resources(state: dict[str, Any]) -> list[str]:
    """The URNs (or types) in an exported state that teardown refuses to run `pulumi destroy` on."""
    found = []
    for resource in (state.get("deployment") or {}).get("resources") or []:
        if not isinstance(resource, dict):
            found.append(repr(resource)[:80])
            continue
        kind = str(resource.get("type", ""))
        name = str(resource.get("urn") or kind)
        package = kind.split(":", 1)[0]
        if kind.startswith("pulumi:providers:"):
            trusted = kind.removeprefix("pulumi:providers:") in TRUSTED_PROVIDERS
        else:
            trusted = kind == "pulumi:pulumi:Stack" or package in TRUSTED_TYPE_PACKAGES
        inputs = resource.get("inputs") or {}
        if not trusted or (isinstance(inputs, dict) and "pluginDownloadURL" in inputs):
            found.append(name)
    return found


def backend_organization(stack: str, project: str, qualified: str) -> str:
    """The organization in the backend's fully qualified name of the stack; refused unless that name is
    ``<organization>/<project>/<stack>`` for this very project and stack."""
    parsed = parse_owner(qualified.strip())
    if parsed is None or parsed[1:] != (project, stack):
        raise RefusedError(
            f"the backend names stack {stack} {qualified.strip()!r}, not <organization>/{project}/{stack}, so "
            "teardown cannot tell which owner tag is this stack's; nothing was deleted. Check `pulumi stack "
            "--show-name --fully-qualify-stack-names` in the project folder (--show-name honours that flag in Pulumi "
            "CLIs released after 24 June 2024, pulumi/pulumi#16453; an older one prints the bare stack name)"
        )
    return parsed[0]


def backend_target(stack: str, backend: StackBackend, project: str = PROJECT) -> Target:
    """The target from the backend's copy of the config, the cluster ARN its state recorded, and the
    organization the backend names."""
    target = target_from_config(stack, backend.config(), project)
    state = backend.export()
    untrusted = untrusted_state_resources(state)
    if untrusted:
        raise RefusedError(
            f"stack {stack}'s state holds what `pulumi destroy` would run with these credentials and this project "
            f"does not use: {', '.join(untrusted[:5])}; nothing was deleted. Delete it by tags instead "
            "(`albops sweep --expired`), or check the state by hand (`pulumi stack export`)"
        )
    arn = recorded_cluster_arn(state, target.cluster)
    organization = backend_organization(stack, project, backend.qualified_name())
    return Target(**{**target.__dict__, "cluster_arn": arn, "organization": organization})


@dataclass(frozen=True)
class ClusterProof:
    """What AWS says of the target's cluster, once it is proven to be this stack's (None: it is gone)."""

    description: dict[str, Any] | None


def prove_ownership(aws: AwsSession, target: Target) -> ClusterProof:
    """Refuse unless the cluster AWS has under the target's name is the one this stack created."""
    try:
        description: dict[str, Any] = aws.client("eks").describe_cluster(name=target.cluster)["cluster"]
    except Exception as error:
        if error_code(error) == "ResourceNotFoundException":
            return ClusterProof(None)  # already gone: nothing in it to delete; destroy and sweep finish
        raise
    if target.organization is None:
        raise RefusedError(f"stack {target.stack}'s organization is not known; nothing was deleted")
    arn = str(description.get("arn"))
    tags = description.get("tags") or {}
    tag_command = (
        f"aws eks tag-resource --region {shlex.quote(target.region)} --resource-arn {shlex.quote(arn)} "
        f"--tags {shlex.quote(f'{STACK_TAG}={target.stack_tag}')}"
    )
    if target.cluster_arn is None:
        raise RefusedError(
            f"cluster {target.cluster} exists ({arn}), but stack {target.stack}'s state records no cluster: it was "
            "not created by this stack; nothing was deleted"
        )
    if arn != target.cluster_arn:
        raise RefusedError(
            f"cluster {target.cluster} is {arn}, but stack {target.stack}'s state recorded {target.cluster_arn}: "
            "another cluster now has that name; nothing was deleted"
        )
    if tags.get(EPHEMERAL_TAG) != "true":
        raise RefusedError(
            f"cluster {target.cluster} ({arn}) has no {EPHEMERAL_TAG}=true tag, so it is not a short-lived cluster; "
            "nothing was deleted"
        )
    if STACK_TAG not in tags:
        raise RefusedError(
            f"cluster {target.cluster} ({arn}) has no {STACK_TAG} tag (it was created before teardown required one); "
            f"nothing was deleted. After a person has checked it is stack {target.stack}'s, tag it and run teardown "
            f"again: {tag_command}"
        )
    if parse_owner(tags[STACK_TAG]) is None and tags[STACK_TAG] == f"{target.project}/{target.stack}":
        raise RefusedError(
            f"cluster {target.cluster} ({arn}) carries the old two-part owner value {STACK_TAG}={tags[STACK_TAG]}, "
            "which a fork or another Pulumi organization with the same project and stack name shares; nothing was "
            f"deleted. After a person has checked it is this stack's, tag it and run teardown again: {tag_command}"
        )
    if tags[STACK_TAG] != target.stack_tag:
        raise RefusedError(
            f"cluster {target.cluster} ({arn}) is tagged {STACK_TAG}={tags[STACK_TAG]}, not {target.stack_tag}: "
            "it belongs to another stack; nothing was deleted"
        )
    return ClusterProof(description)


@dataclass
class Teardown:
    """The steps, each safe to repeat; ``say`` reports progress.

    ``cluster_api`` is handed the description of the proven cluster (its endpoint and CA).
    """

    target: Target
    backend: Callable[[], StackBackend]
    cluster_api: Callable[[dict[str, Any]], ClusterApi]
    aws: AwsSession
    timing: Timing = field(default_factory=Timing)
    say: Callable[[str], None] = print
    # The sweep after destroy, filled as it goes: a caller stopped half-way (deadline, Ctrl-C) reports it.
    sweep_reports: list[SweepReport] = field(default_factory=list)
    # True while pulumi destroy runs: an interruption then leaves the stack's operation cut short (a lock, pending
    # operations), which the caller's last line must say.
    in_destroy: bool = False

    def run(self) -> int:
        target = self.target
        # One window of waiting for the controller and for AWS, step 2 and the sweep together.
        self.timing = self.timing.begin()
        self.say(f"Tearing down stack {target.stack}: cluster {target.cluster} in {target.region}")
        if target.organization == DIY_ORGANIZATION:
            self.say(
                f"note: the backend names the organization {DIY_ORGANIZATION!r}, as every self-managed backend (file, "
                f"S3, ...) does: a fork with its own self-managed backend in this account writes the same owner value "
                f"{target.stack_tag}, and nothing here can tell its resources from this stack's (docs/ownership.md)"
            )
        proof = prove_ownership(self.aws, target)
        self.say(
            f"step 1: cluster {target.cluster} is this stack's ({STACK_TAG}={target.stack_tag}, ARN as in its state)"
            if proof.description is not None
            else f"step 1: cluster {target.cluster} no longer exists"
        )
        if proof.description is not None:
            self._delete_load_balancer_objects(proof.description)
        backend = self.backend()
        self.say("step 3: pulumi destroy (PULUMI_K8S_DELETE_UNREACHABLE=true)")
        destroy_started = (self.timing.clock(), self.aws.deadline.clock())
        self.in_destroy = True
        try:
            backend.destroy()
            self.in_destroy = False
        except (ToolMissingError, RefusedError):
            raise
        except Exception as error:
            self.in_destroy = False
            self.say(f"pulumi destroy failed: {error}; fix the cause and run teardown again")
            return EXIT_FINDINGS
        finally:
            # Pulumi's time is its own (its providers have their timeouts): the deadlines cover teardown's calls.
            self.timing.extend(self.timing.clock() - destroy_started[0])
            self.aws.deadline.extend(self.aws.deadline.clock() - destroy_started[1])
        self.say(f"step 3: sweeping what the controller left for {target.cluster} with {STACK_TAG}={target.stack_tag}")
        report = Sweeper(self.aws, target.cluster, self.timing, Scope(owner=target.stack_tag)).run(
            delete=True, into=self.sweep_reports
        )
        foreign = report.not_ours
        if report.refused:
            self.say(f"sweep refused: {report.refused}")
        own = [i for i in report.remaining if i.status != "not-ours"]
        for item in own:
            self.say(f"  remains: {item.resource.kind} {item.resource.name}: {item.reason}")
            if item.command:
                self.say(f"    {item.command}")
        self._list_foreign(foreign)
        elsewhere = self._own_elsewhere({i.resource.arn for i in report.items})
        regions, in_other_regions, unread = self._own_in_other_regions()
        if unread:
            self.say(
                f"  could not look for {STACK_TAG}={target.stack_tag} in {unread}; the stack is kept until every "
                "enabled region can be read (ec2:DescribeRegions and tag:GetResources there), then run teardown again"
            )
        if report.refused or own or elsewhere or in_other_regions or unread:
            if elsewhere or in_other_regions or unread or any(i.status == "in-use" for i in own):
                self.say(
                    "something of this stack remains that another owner's resource uses, or that is not the "
                    "controller's for this cluster: a person checks each one listed and runs its command, then "
                    "runs teardown again to finish"
                )
                return EXIT_FINDINGS
            self.say("something of this stack remains; run teardown again to finish")
            return EXIT_FINDINGS
        self.say(f"step 4: removing stack {target.stack} (its config is kept until now)")
        backend.remove()
        if foreign:
            self.say(
                f"done: nothing of this stack remains, but {len(foreign)} resources tagged for cluster "
                f"{target.cluster} are not provably this stack's and were left (listed above)"
            )
            return EXIT_FINDINGS
        self.say(
            f"done: nothing of the cluster remains: no load balancer, target group or security group tagged for "
            f"cluster {target.cluster} with {STACK_TAG}={target.stack_tag} in {target.region}, and none with that "
            f"owner value in any of the {len(regions)} enabled regions ({', '.join(regions)})"
        )
        return EXIT_OK

    def _own_in_other_regions(self) -> tuple[list[str], list[TaggedResource], str]:
        """The enabled regions, what carries this stack's exact owner value in any region but the target's, and
        which regions could not be read ('' when all could).

        A stack's controller, a renamed stack or a second region's cluster may leave resources elsewhere; the
        stack (and the owner value it alone can prove) is kept while any remain. Regions come from ec2
        DescribeRegions, which lists the enabled ones, as the reaper's do (sweep.live_owners_everywhere).
        """
        target = self.target
        try:
            regions = enabled_regions(self.aws)
        except Exception as error:
            return [], [], f"any region: the account's regions could not be listed ({error_code(error)})"
        regions = sorted({*regions, self.aws.region})
        found: list[TaggedResource] = []
        failed: list[str] = []
        for region in regions:
            if region == self.aws.region:
                continue  # the sweep and _own_elsewhere looked there
            session = AwsSession(region, session=self.aws.session, deadline=self.aws.deadline)
            session.counter = self.aws.counter
            try:
                hits = [
                    r
                    for r in tagged_resources(session, [{"Key": STACK_TAG, "Values": [target.stack_tag]}])
                    if r.tags.get(STACK_TAG) == target.stack_tag and r.kind in ORDER
                ]
            except Exception as error:
                failed.append(f"{region} ({error_code(error)})")
                continue
            for resource in hits:
                self.say(f"  this stack's, in another region: {resource.kind} {resource.arn} ({region})")
                self.say(f"    {removal_command(resource, region)}")
            found.extend(hits)
        if found:
            self.say(
                f"  {len(found)} resources in other regions than {target.region} carry {STACK_TAG}="
                f"{target.stack_tag}; not deleted, and the stack is kept while they remain"
            )
        return regions, found, ", ".join(failed)

    def _own_elsewhere(self, swept: set[str]) -> list[TaggedResource]:
        """What carries this stack's exact owner value but was not part of the cluster's sweep (another cluster's
        tag, no tracking tag): this stack's all the same, so the stack is kept while any of it remains."""
        found = [
            r
            for r in tagged_resources(self.aws, [{"Key": STACK_TAG, "Values": [self.target.stack_tag]}])
            if r.tags.get(STACK_TAG) == self.target.stack_tag and r.arn not in swept and r.kind in ORDER
        ]
        if found:
            self.say(
                f"  {len(found)} more resources in {self.target.region} carry {STACK_TAG}={self.target.stack_tag} "
                f"but are not tagged as the controller's for cluster {self.target.cluster}; not deleted, and the "
                "stack is kept while they remain. Check each, then run its command:"
            )
        for resource in found:
            cluster = resource.tags.get("elbv2.k8s.aws/cluster")
            where = f"cluster tag {cluster!r}" if cluster is not None else "no cluster tag"
            tracking = "" if resource.controller_owned else ", no controller tracking tag"
            self.say(f"  this stack's, elsewhere: {resource.kind} {resource.arn} ({where}{tracking})")
            self.say(f"    {removal_command(resource, self.target.region)}")
        return found

    def _list_foreign(self, items: list[Item]) -> None:
        """What matches the cluster but not this stack's owner value: each with why, and how to remove it."""
        if not items:
            return
        self.say(
            f"  {len(items)} resources carry the cluster tag {self.target.cluster} but not "
            f"{STACK_TAG}={self.target.stack_tag}; not deleted. Check each, then run its command:"
        )
        for item in items:
            self.say(f"  not this stack's: {item.resource.kind} {item.resource.arn}: {item.reason}")
            self.say(f"    {item.command}")

    def _delete_load_balancer_objects(self, description: dict[str, Any]) -> None:
        """Step 2: delete what the controller turns into load balancers, then wait for it to clean up AWS."""
        try:
            api = self.cluster_api(description)
            objects = api.managed_objects()
        except UnreachableError as error:
            self.say(f"step 2: cluster not reachable ({error}); skipping, the sweep after destroy cleans up")
            return
        self.say(f"step 2: deleting {len(objects)} Ingresses, LoadBalancer Services and Gateways")
        for obj in objects:
            self.say(f"  delete {obj}")
            api.delete(obj)
        deadline = self.timing.wait_until()
        while True:
            try:
                left = api.managed_objects()
            except UnreachableError:
                left = []
            owned = [
                r
                for r in cluster_resources(self.aws, self.target.cluster)
                if _made_for_an_object(r.tags) and r.tags.get(STACK_TAG) == self.target.stack_tag
            ]
            if not left and not owned:
                self.say("step 2: the controller has removed their AWS resources")
                return
            if self.timing.clock() >= deadline:
                self.say(
                    f"step 2: still {len(left)} objects and {len(owned)} AWS resources after "
                    f"{self.timing.deadline_seconds:.0f} s; going on, the sweep removes what is left"
                )
                return
            self.say(f"  waiting for the controller: {len(left)} objects, {len(owned)} AWS resources left")
            self.timing.sleep(min(self.timing.poll_seconds, max(0.0, deadline - self.timing.clock())))


def _made_for_an_object(tags: dict[str, str]) -> bool:
    """Made for an Ingress, Service or Gateway (the shared backend group is not: the sweep takes it)."""
    ours = ("elbv2.k8s.aws/", "alb-ingress/")
    return any(k.endswith(("/stack", "/resource")) and not k.startswith(ours) for k in tags)


# The stacks made from Pulumi.pr.yaml, whose config lives only in the backend (no file in the checkout).
PULL_REQUEST_STACK = re.compile(r"pr-[0-9]{1,10}")


def local_precheck(stack: str, project_dir: Path) -> Target | None:
    """The target a checked-out ``Pulumi.<stack>.yaml`` describes, refusing early when it is not ephemeral.

    It only ever refuses or describes: what is deleted is decided by the backend's copy
    (``backend_target``), since a pull request can change the file in the checkout.
    """
    from albops.preview.runner import project_name, read_stack_file

    try:
        flat = read_stack_file(stack, project_dir)
    except FileNotFoundError:
        return None
    return target_from_config(stack, flat, project_name(project_dir))


def backend_for(stack: str, project_dir: Path) -> StackBackend:
    """The stack's backend (the Pulumi CLI through the Automation API); tests replace it with a fake."""
    return AutomationBackend(stack, project_dir)


class AutomationBackend:
    """The Pulumi Automation API, created on first use: creating a workspace runs ``pulumi version``."""

    def __init__(self, stack: str, project_dir: Path) -> None:
        self.stack_name = stack
        self.project_dir = project_dir
        self._stack: Any = None
        self.gone = False  # the backend has no such stack: an earlier run removed it

    def _select(self) -> Any:
        if self._stack is None:
            from pulumi import automation as auto

            options = auto.LocalWorkspaceOptions(env_vars={"PULUMI_K8S_DELETE_UNREACHABLE": "true"})
            try:
                self._stack = auto.select_stack(self.stack_name, work_dir=str(self.project_dir), opts=options)
            except FileNotFoundError:
                raise ToolMissingError(
                    "the Pulumi CLI is not installed; install it (https://www.pulumi.com/docs/install/)"
                ) from None
            except auto.CommandError as error:
                text = str(error)
                if "not found" in text and "pulumi" in text.lower() and "stack" not in text.lower():
                    raise ToolMissingError(f"the Pulumi CLI could not be run: {text.strip()}") from None
                raise
        return self._stack

    def exists(self) -> bool:
        from pulumi import automation as auto

        try:
            self._select()
        except auto.StackNotFoundError:
            return False
        return True

    def qualified_name(self) -> str:
        """``pulumi stack --show-name --fully-qualify-stack-names``: the backend's ``<org>/<project>/<stack>``
        (the flag came with pulumi/pulumi#15857; --show-name honours it since pulumi/pulumi#16453, merged 24 June 2024;
        a self-managed backend says "organization")."""
        workspace = self._select().workspace
        result = workspace.pulumi_command.run(
            ["stack", "--show-name", "--fully-qualify-stack-names", "--stack", self.stack_name],
            str(self.project_dir),
            dict(workspace.env_vars or {}),
        )
        return str(result.stdout).strip()

    def config(self) -> dict[str, Any]:
        from pulumi import automation as auto

        try:
            return {key: value.value for key, value in self._select().get_all_config().items()}
        except auto.StackNotFoundError:
            raise RefusedError(f"stack {self.stack_name} does not exist in the backend") from None

    def export(self) -> dict[str, Any]:
        deployment = self._select().export_stack()
        return {"version": deployment.version, "deployment": deployment.deployment}

    def destroy(self) -> None:
        from pulumi import automation as auto

        try:
            stack = self._select()
        except auto.StackNotFoundError:
            self.gone = True
            return
        stack.destroy(on_output=print)

    def remove(self) -> None:
        if self.gone:
            return
        stack = self._select()
        stack.workspace.remove_stack(self.stack_name, preserve_config=True)
