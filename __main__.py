"""Composition only: read the validated settings, wire the components, export."""

import pulumi

from albingress.components.app.component import AlbApp
from albingress.components.aws_account import AwsAccount
from albingress.components.certificate import AlbCertificate, AlbCertificateArgs
from albingress.components.cluster.access import ClusterAccess, ClusterAccessArgs
from albingress.components.cluster.ephemeral import EphemeralCluster, EphemeralClusterArgs
from albingress.components.controller.component import AwsLoadBalancerController
from albingress.components.dns import AliasRecords, AliasRecordsArgs
from albingress.components.echoserver import Echoserver, EchoserverArgs
from albingress.components.tags import DIY_ORGANIZATION, STACK_TAG, stack_tag_value
from albingress.stack_settings import account_args, check_mode, controller_args, ingress_tags, load_settings

settings = load_settings()
name = settings.cluster.name
stack = pulumi.get_stack()
# A short-lived cluster and everything in it carries the ephemeral tags and the owner value naming this stack
# as Pulumi does, <organization>/<project>/<stack>, which teardown and sweep check before they delete anything.
owner = stack_tag_value(pulumi.get_organization() or DIY_ORGANIZATION, pulumi.get_project(), stack)
ephemeral_tags = {**settings.ephemeral.tags(), STACK_TAG: owner} if settings.ephemeral else {}

account = AwsAccount(f"{name}-account", account_args(settings, stack, ephemeral_tags))
cluster: ClusterAccess | EphemeralCluster
if settings.cluster.create:
    cluster = EphemeralCluster(
        name,
        EphemeralClusterArgs(
            cluster=settings.cluster,
            ephemeral=settings.ephemeral,
            region=settings.region,
            partition=settings.partition,
            account_id=account.account_id,
            provider=account.provider,
            invoke=account.invoke,
            pod_identity=not settings.controller.uses_irsa,
            tags=ephemeral_tags,
            role_path=settings.controller.iam.role_path,
            permissions_boundary_arn=settings.controller.iam.permissions_boundary_arn,
        ),
    )
else:
    cluster = ClusterAccess(
        name,
        ClusterAccessArgs(
            cluster=settings.cluster,
            region=settings.region,
            invoke=account.invoke,
            requested_mode=settings.controller.mode,
            needs_pod_identity_addon=(
                not settings.controller.uses_irsa and settings.controller.pod_identity_agent == "addon"
            ),
        ),
    )
check_mode(settings, cluster.mode)

waits: list[pulumi.Resource] = []
if cluster.mode == "lbc":
    oidc_arn, oidc_issuer = (
        cluster.oidc_provider(settings.cluster, account.invoke) if settings.controller.uses_irsa else (None, None)
    )
    controller = AwsLoadBalancerController(
        f"{name}-lbc",
        controller_args(
            settings,
            vpc_id=cluster.vpc_id,
            cluster_arn=cluster.arn,
            oidc=(oidc_arn, oidc_issuer) if oidc_arn is not None and oidc_issuer is not None else None,
        ),
        opts=pulumi.ResourceOptions(
            providers={"aws": account.provider, "kubernetes": cluster.provider}, depends_on=list(cluster.ready)
        ),
        # The ephemeral and stack marks go on every load balancer the controller makes (chart defaultTags).
        ownership_tags=ephemeral_tags,
        # The stack read the cluster (or creates it) and passes what it read: nothing to compare.
        describe_cluster=False,
    )
    waits = controller.ready
    pulumi.export("controllerRoleArn", controller.role_arn)
    pulumi.export("controllerPolicyArn", controller.policy_arn)

certificate = AlbCertificate(
    f"{name}-alb",
    AlbCertificateArgs(certificate=settings.certificate, tags={"eks-cluster": name}, provider=account.provider),
)
echoserver = Echoserver(
    f"{name}-echoserver",
    EchoserverArgs(
        echoserver=settings.echoserver,
        alb=settings.alb,
        certificate_arn=certificate.certificate_arn,
        provider=cluster.provider,
        depends_on=waits,
        mode=cluster.mode,
        ingress_class=settings.controller.class_name(cluster.mode),
        stack_tags=ingress_tags(settings, stack),
        subnets=cluster.ingress_subnets,
        api=settings.alb.api,
        app_certificates=settings.gateway_certificates,
    ),
)
# The platform's apps (alb-ingress:apps), counted with the echoserver against their groups' ALB quotas. A route
# on the stack's Gateway comes after it (its acceptance is what the route waits for).
on_gateway = [echoserver.gateway] if echoserver.gateway is not None else []
apps = [
    AlbApp(
        app_name,
        app_args,  # type: ignore[arg-type]
        opts=pulumi.ResourceOptions(
            providers={"kubernetes": cluster.provider},
            depends_on=[*waits, *(on_gateway if app_args.get("api") == "gateway" else [])],
        ),
    )
    for app_name, app_args in settings.apps
]
if settings.dns is not None:
    AliasRecords(
        f"{name}-dns",
        AliasRecordsArgs(
            dns=settings.dns,
            host=settings.echoserver.host,
            cluster_name=name,
            group_name=settings.alb.group_name,
            provider=account.provider,
            ingress=echoserver.entry,
            mode=cluster.mode,
            alb_hostname=echoserver.alb_hostname,
            gateway_namespace=settings.echoserver.namespace if settings.alb.api == "gateway" else None,
        ),
    )

pulumi.export("controllerMode", cluster.mode)
pulumi.export("clusterName", name)
pulumi.export("certificateArn", certificate.certificate_arn)
pulumi.export("albGroupName", settings.alb.group_name)
pulumi.export("albHostname", echoserver.alb_hostname)
pulumi.export("echoserverUrl", echoserver.url)
