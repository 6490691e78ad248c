"""IAM for the controller: its pinned policy and the role its pods assume.

Two ways to hand the role to the pods are offered because clusters differ: IRSA works everywhere an OIDC
provider is registered; EKS Pod Identity needs the eks-pod-identity-agent add-on but no per-cluster trust
policy edits. Every value here has been checked by the component that creates this one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from albingress.policies.controller_iam import controller_policy


@dataclass(frozen=True)
class ControllerIamArgs:
    """Checked inputs; the OIDC pair is set for IRSA and None for Pod Identity."""

    cluster_name: pulumi.Input[str]
    # Pod Identity's trust conditions: the cluster's ARN and its account.
    cluster_arn: pulumi.Input[str]
    account_id: pulumi.Input[str]
    version: str
    partition: pulumi.Input[str]
    pod_identity: bool
    namespace: pulumi.Input[str]
    service_account: pulumi.Input[str]
    role_path: pulumi.Input[str]
    permissions_boundary_arn: pulumi.Input[str] | None
    extra_policy_arns: Sequence[str]
    # The verdict on the extra policies read at preview: the attachments wait for it (None: nothing to read).
    extra_policies_judged: pulumi.Output[bool] | None = None
    oidc_provider_arn: pulumi.Input[str] | None = None
    oidc_issuer: pulumi.Input[str] | None = None
    tags: pulumi.Input[dict[str, str]] = field(default_factory=dict)
    # What must exist before the Pod Identity association: a cluster the caller creates.
    depends_on: Sequence[pulumi.Resource] = ()


def irsa_trust_policy(oidc_provider_arn: str, issuer: str, namespace: str, service_account: str) -> dict[str, Any]:
    """Trust only the controller's own service account, and only tokens meant for STS."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
                        f"{issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }


def pod_identity_trust_policy(
    account_id: str, cluster_arn: str, namespace: str, service_account: str
) -> dict[str, Any]:
    """Pod Identity assumes the role for a pod and tags the session with the pod's cluster, namespace and SA.

    Without conditions any Pod Identity association in the account, on any cluster, could hand this role
    to its pods; the session tags EKS sets (``eks-cluster-arn``, ``kubernetes-namespace``,
    ``kubernetes-service-account``) and the source account pin it to the controller's own service account.
    """
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {
                    "StringEquals": {
                        "aws:SourceAccount": account_id,
                        "aws:RequestTag/eks-cluster-arn": cluster_arn,
                        "aws:RequestTag/kubernetes-namespace": namespace,
                        "aws:RequestTag/kubernetes-service-account": service_account,
                    }
                },
            }
        ],
    }


def _after(verdict: pulumi.Output[bool], arn: str) -> pulumi.Output[str]:
    """``arn`` once the verdict on the extra policies is in (a refusal fails it, and so the attachment)."""
    return verdict.apply(lambda _: arn)


class ControllerIam(pulumi.ComponentResource):
    """Policy, role, attachments and (for Pod Identity) the association."""

    policy: aws.iam.Policy
    role: aws.iam.Role
    attachment: aws.iam.RolePolicyAttachment
    extra_attachments: list[aws.iam.RolePolicyAttachment]
    association: aws.eks.PodIdentityAssociation | None
    policy_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ControllerIamArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:ControllerIam", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = pulumi.Output.all(pulumi.Output.from_input(args.tags), args.cluster_name).apply(
            lambda pair: {
                **pair[0],
                "app.kubernetes.io/name": "aws-load-balancer-controller",
                "elbv2-controller-version": args.version,
                "eks-cluster": pair[1],
            }
        )
        self.policy = aws.iam.Policy(
            f"{name}-policy",
            description=pulumi.Output.concat(
                f"AWS Load Balancer Controller {args.version} for EKS cluster ", args.cluster_name
            ),
            path=args.role_path,
            policy=pulumi.Output.from_input(args.partition).apply(
                lambda partition: json.dumps(controller_policy(args.version, partition))
            ),
            tags=tags,
            opts=child,
        )

        if args.pod_identity:
            trust = pulumi.Output.all(args.account_id, args.cluster_arn, args.namespace, args.service_account).apply(
                lambda v: json.dumps(pod_identity_trust_policy(v[0], v[1], v[2], v[3]))
            )
        else:
            # Known at once for an existing cluster; only after apply for one the caller creates.
            trust = pulumi.Output.all(
                args.oidc_provider_arn, args.oidc_issuer, args.namespace, args.service_account
            ).apply(lambda v: json.dumps(irsa_trust_policy(v[0], v[1], v[2], v[3])))

        self.role = aws.iam.Role(
            f"{name}-role",
            description=pulumi.Output.concat(
                "Assumed by ", args.namespace, "/", args.service_account, " on ", args.cluster_name
            ),
            assume_role_policy=trust,
            path=args.role_path,
            permissions_boundary=args.permissions_boundary_arn,
            tags=tags,
            opts=child,
        )
        self.attachment = aws.iam.RolePolicyAttachment(
            f"{name}-attachment", role=self.role.name, policy_arn=self.policy.arn, opts=child
        )
        judged = args.extra_policies_judged
        self.extra_attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-extra-{index}",
                role=self.role.name,
                policy_arn=arn if judged is None else _after(judged, arn),
                opts=child,
            )
            for index, arn in enumerate(args.extra_policy_arns)
        ]
        self.association = None
        if args.pod_identity:
            self.association = aws.eks.PodIdentityAssociation(
                f"{name}-pod-identity",
                cluster_name=args.cluster_name,
                namespace=args.namespace,
                service_account=args.service_account,
                role_arn=self.role.arn,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.depends_on)),
            )

        self.policy_arn = self.policy.arn
        self.role_arn = self.role.arn
        self.register_outputs({"policyArn": self.policy_arn, "roleArn": self.role_arn})

    @property
    def service_account_role_arn(self) -> pulumi.Output[str] | None:
        """The ARN the ServiceAccount must carry; None when Pod Identity hands it over instead."""
        return self.role_arn if self.association is None else None

    @property
    def ready(self) -> list[pulumi.Resource]:
        """Resources the controller pods need in place before they start calling AWS."""
        ready: list[pulumi.Resource] = [self.attachment, *self.extra_attachments]
        if self.association is not None:
            ready.append(self.association)
        return ready
