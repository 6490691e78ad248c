"""IAM for the controller: its pinned policy and the role its pods assume.

Two ways to hand the role to the pods are offered because clusters differ:
IRSA works everywhere an OIDC provider is registered; EKS Pod Identity needs
the eks-pod-identity-agent add-on but no per-cluster trust policy edits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.settings import ControllerSettings
from policies.controller_iam import controller_policy


@dataclass(frozen=True)
class ControllerIamArgs:
    """Inputs; the OIDC pair is required for IRSA and ignored for Pod Identity."""

    cluster_name: str
    cluster_arn: str
    account_id: str
    controller: ControllerSettings
    partition: str
    provider: aws.Provider
    oidc_provider_arn: pulumi.Input[str] | None = None
    oidc_issuer: pulumi.Input[str] | None = None
    # What must exist before the Pod Identity association: a cluster the stack creates.
    cluster_ready: list[pulumi.Resource] = field(default_factory=list)


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

    Without conditions any Pod Identity association in the account, on any
    cluster, could hand this role to its pods; the session tags EKS sets
    (``eks-cluster-arn``, ``kubernetes-namespace``, ``kubernetes-service-account``)
    and the source account pin it to the controller's own service account.
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


class ControllerIam(pulumi.ComponentResource):
    """Policy, role, attachment and (for Pod Identity) the association."""

    policy: aws.iam.Policy
    role: aws.iam.Role
    attachment: aws.iam.RolePolicyAttachment
    extra_attachments: list[aws.iam.RolePolicyAttachment]
    association: aws.eks.PodIdentityAssociation | None
    policy_arn: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ControllerIamArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:ControllerIam", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        controller = args.controller
        iam = controller.iam
        tags = {
            "app.kubernetes.io/name": "aws-load-balancer-controller",
            "elbv2-controller-version": controller.version,
            "eks-cluster": args.cluster_name,
        }

        self.policy = aws.iam.Policy(
            f"{name}-policy",
            description=f"AWS Load Balancer Controller {controller.version} for EKS cluster {args.cluster_name}",
            path=iam.role_path,
            policy=json.dumps(controller_policy(controller.version, args.partition)),
            tags=tags,
            opts=child,
        )

        if controller.uses_irsa:
            if args.oidc_provider_arn is None or args.oidc_issuer is None:
                raise ValueError("IRSA needs the cluster's OIDC provider ARN and issuer")
            # Known at once for an existing cluster; only after apply for one the stack creates.
            trust = pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
                lambda pair: json.dumps(
                    irsa_trust_policy(pair[0], pair[1], controller.namespace, controller.service_account)
                )
            )
        else:
            trust = pulumi.Output.from_input(
                json.dumps(
                    pod_identity_trust_policy(
                        args.account_id, args.cluster_arn, controller.namespace, controller.service_account
                    )
                )
            )

        self.role = aws.iam.Role(
            f"{name}-role",
            description=f"Assumed by {controller.namespace}/{controller.service_account} on {args.cluster_name}",
            assume_role_policy=trust,
            path=iam.role_path,
            permissions_boundary=iam.permissions_boundary_arn,
            tags=tags,
            opts=child,
        )
        self.attachment = aws.iam.RolePolicyAttachment(
            f"{name}-attachment",
            role=self.role.name,
            policy_arn=self.policy.arn,
            opts=child,
        )
        self.extra_attachments = [
            aws.iam.RolePolicyAttachment(f"{name}-extra-{index}", role=self.role.name, policy_arn=arn, opts=child)
            for index, arn in enumerate(iam.extra_policy_arns)
        ]
        self.association = None
        if not controller.uses_irsa:
            self.association = aws.eks.PodIdentityAssociation(
                f"{name}-pod-identity",
                cluster_name=args.cluster_name,
                namespace=controller.namespace,
                service_account=controller.service_account,
                role_arn=self.role.arn,
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, provider=args.provider, depends_on=args.cluster_ready),
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
