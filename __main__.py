"""Composition only: read the validated settings, wire the components, export."""

import pulumi

from components.certificate import AlbCertificate, AlbCertificateArgs
from components.cluster import ClusterAccess, ClusterAccessArgs
from components.controller_iam import ControllerIam, ControllerIamArgs
from components.controller_release import ControllerRelease, ControllerReleaseArgs
from components.echoserver import Echoserver, EchoserverArgs
from components.settings import load_settings

settings = load_settings()
name = settings.cluster.name

cluster = ClusterAccess(
    name,
    ClusterAccessArgs(
        cluster=settings.cluster,
        region=settings.region,
        needs_oidc=settings.controller.uses_irsa,
    ),
)
iam = ControllerIam(
    f"{name}-lbc",
    ControllerIamArgs(
        cluster_name=name,
        controller=settings.controller,
        partition=settings.partition,
        oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer=cluster.oidc_issuer,
    ),
)
controller = ControllerRelease(
    f"{name}-lbc",
    ControllerReleaseArgs(
        cluster_name=name,
        region=settings.region,
        vpc_id=cluster.vpc_id,
        controller=settings.controller,
        provider=cluster.provider,
        role_arn=iam.service_account_role_arn,
        depends_on=iam.ready,
    ),
)
certificate = AlbCertificate(
    f"{name}-alb",
    AlbCertificateArgs(certificate=settings.certificate, tags={"eks-cluster": name}),
)
echoserver = Echoserver(
    f"{name}-echoserver",
    EchoserverArgs(
        echoserver=settings.echoserver,
        alb=settings.alb,
        certificate_arn=certificate.certificate_arn,
        provider=cluster.provider,
        depends_on=[controller.release],
    ),
)

pulumi.export("controllerRoleArn", iam.role_arn)
pulumi.export("controllerPolicyArn", iam.policy_arn)
pulumi.export("certificateArn", certificate.certificate_arn)
pulumi.export("albGroupName", settings.alb.group_name)
pulumi.export("albHostname", echoserver.alb_hostname)
pulumi.export("echoserverUrl", echoserver.url)
