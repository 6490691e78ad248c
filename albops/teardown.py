"""Tear down a short-lived stack and its cluster, leaving nothing behind in AWS.

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
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from albops import EXIT_FINDINGS, EXIT_OK
from albops.aws import AwsSession, cluster_resources
from albops.kube import KubeObject, UnreachableError
from albops.sweep import Sweeper, Timing

PROJECT = "alb-ingress"


class ToolMissingError(Exception):
    """A program teardown needs (the Pulumi CLI) is not installed."""


class RefusedError(Exception):
    """Teardown will not touch this stack; the message says why and what to do."""


class StackBackend(Protocol):
    """What teardown needs of Pulumi: the backend's config, destroy, and removing the stack."""

    def config(self) -> dict[str, Any]: ...

    def destroy(self) -> None: ...

    def remove(self) -> None: ...


class ClusterApi(Protocol):
    """What teardown needs of the cluster's API server."""

    def managed_objects(self) -> list[KubeObject]: ...

    def delete(self, obj: KubeObject) -> None: ...


@dataclass(frozen=True)
class Target:
    """The stack to tear down, as its config describes it."""

    stack: str
    cluster: str
    region: str
    owner: str
    expires: str


def _mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, dict) else {}


def target_from_config(stack: str, flat: dict[str, Any]) -> Target:
    """The teardown target, or ``RefusedError`` when the config does not mark the stack ephemeral."""
    ephemeral = _mapping(flat.get(f"{PROJECT}:ephemeral"))
    cluster = _mapping(flat.get(f"{PROJECT}:cluster"))
    if not ephemeral.get("expires") or not ephemeral.get("owner"):
        raise RefusedError(
            f"stack {stack} is not marked ephemeral ({PROJECT}:ephemeral with owner and expires); teardown deletes "
            "every load balancer of the stack's cluster and the cluster itself, so it only runs on stacks made for "
            "that (see Pulumi.pr.yaml). Use `pulumi destroy` for this one."
        )
    if cluster.get("create") is not True:
        raise RefusedError(
            f"stack {stack} is marked ephemeral but uses an existing cluster ({PROJECT}:cluster.create is not true); "
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
    )


@dataclass
class Teardown:
    """The four steps, each safe to repeat; ``say`` reports progress."""

    target: Target
    backend: Callable[[], StackBackend]
    cluster_api: Callable[[], ClusterApi]
    aws: AwsSession
    timing: Timing = field(default_factory=Timing)
    say: Callable[[str], None] = print

    def run(self) -> int:
        target = self.target
        self.say(f"Tearing down stack {target.stack}: cluster {target.cluster} in {target.region}")
        self._delete_load_balancer_objects()
        backend = self.backend()
        self.say("step 3: pulumi destroy (PULUMI_K8S_DELETE_UNREACHABLE=true)")
        try:
            backend.destroy()
        except (ToolMissingError, RefusedError):
            raise
        except Exception as error:
            self.say(f"pulumi destroy failed: {error}; fix the cause and run teardown again")
            return EXIT_FINDINGS
        self.say(f"step 3: sweeping what the controller left for {target.cluster}")
        report = Sweeper(self.aws, target.cluster, self.timing).run(delete=True)
        if report.refused:
            self.say(f"sweep refused: {report.refused}")
            return EXIT_FINDINGS
        for item in report.remaining:
            self.say(f"  remains: {item.resource.kind} {item.resource.name}: {item.reason}")
        if report.remaining:
            self.say("something of the cluster remains; run teardown again to finish")
            return EXIT_FINDINGS
        self.say(f"step 4: removing stack {target.stack} (its config is kept until now)")
        backend.remove()
        self.say("done: nothing of the cluster remains")
        return EXIT_OK

    def _delete_load_balancer_objects(self) -> None:
        """Step 2: delete what the controller turns into load balancers, then wait for it to clean up AWS."""
        try:
            api = self.cluster_api()
            objects = api.managed_objects()
        except UnreachableError as error:
            self.say(f"step 2: cluster not reachable ({error}); skipping, the sweep after destroy cleans up")
            return
        self.say(f"step 2: deleting {len(objects)} Ingresses, LoadBalancer Services and Gateways")
        for obj in objects:
            self.say(f"  delete {obj}")
            api.delete(obj)
        deadline = self.timing.clock() + self.timing.deadline_seconds
        while True:
            try:
                left = api.managed_objects()
            except UnreachableError:
                left = []
            owned = [r for r in cluster_resources(self.aws, self.target.cluster) if _made_for_an_object(r.tags)]
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
            self.timing.sleep(self.timing.poll_seconds)


def _made_for_an_object(tags: dict[str, str]) -> bool:
    """Made for an Ingress, Service or Gateway (the shared backend group is not: the sweep takes it)."""
    return any(k.endswith(("/stack", "/resource")) and not k.startswith("elbv2.k8s.aws/") for k in tags)


def read_target(stack: str, project_dir: Path, backend: Callable[[], StackBackend]) -> Target:
    """From ``Pulumi.<stack>.yaml`` when present (no CLI, no cloud), else from the backend's copy."""
    from albops.runner import read_stack_file

    try:
        flat = read_stack_file(stack, project_dir)
    except FileNotFoundError:
        flat = backend().config()
    return target_from_config(stack, flat)


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

    def config(self) -> dict[str, Any]:
        from pulumi import automation as auto

        try:
            return {key: value.value for key, value in self._select().get_all_config().items()}
        except auto.StackNotFoundError:
            raise RefusedError(
                f"stack {self.stack_name} has no Pulumi.{self.stack_name}.yaml here and does not exist in the backend"
            ) from None

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
