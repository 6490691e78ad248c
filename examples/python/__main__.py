"""A platform team's program: its EKS cluster from pulumi-eks, then the AWS Load Balancer Controller on it.

Everything the controller needs of the cluster is passed straight from pulumi-eks's outputs; the providers
go through ``opts.providers``. Python 3.11 or newer is needed where ``pulumi up`` runs.
"""

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from albingress import AlbApp, AwsLoadBalancerController

region = aws.config.region or "us-west-2"
aws_provider = aws.Provider("aws", region=region)

cluster = eks.Cluster(
    "platform",
    name="platform",
    create_oidc_provider=True,
    authentication_mode=eks.AuthenticationMode.API,
    opts=pulumi.ResourceOptions(providers={"aws": aws_provider}),
)
kubernetes = k8s.Provider("platform", kubeconfig=cluster.kubeconfig_json)

controller = AwsLoadBalancerController(
    "lbc",
    {
        "cluster_name": cluster.eks_cluster.name,
        "region": region,
        "vpc_id": cluster.core.vpc_id,
        "oidc_provider_arn": cluster.oidc_provider_arn,
        "oidc_issuer": cluster.oidc_issuer,
    },
    opts=pulumi.ResourceOptions(providers={"aws": aws_provider, "kubernetes": kubernetes}),
)

# One app behind the shared ALB group: its own Deployment and Service, and the AlbApp that puts it on the
# ALB. The namespace carries the readiness-gate label, so a pod counts as ready only once the ALB sees it
# healthy; everything the controller's webhooks intercept waits for the controller.
after_controller = pulumi.ResourceOptions(provider=kubernetes, depends_on=controller.ready)
labels = {"app.kubernetes.io/name": "web"}
namespace = k8s.core.v1.Namespace(
    "web",
    metadata={"name": "web", "labels": {"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"}},
    opts=after_controller,
)
service = k8s.core.v1.Service(
    "web",
    metadata={"name": "web", "namespace": "web"},
    spec={"selector": labels, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
    opts=pulumi.ResourceOptions(provider=kubernetes, depends_on=[namespace]),
)
app = AlbApp(
    "web",
    {
        "namespace": "web",
        "service_name": "web",
        "service_port": 80,
        "hosts": ["web.example.com"],
        "group": "platform",
        "ingress_class": controller.ingress_class_name,
        "replicas": 2,
    },
    opts=pulumi.ResourceOptions(providers={"kubernetes": kubernetes}, depends_on=[service]),
)
k8s.apps.v1.Deployment(
    "web",
    metadata={"name": "web", "namespace": "web"},
    spec={
        "replicas": 2,
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                # Longer than the deregistration delay (60 s): the pod outlives its open connections.
                "terminationGracePeriodSeconds": 100,
                "containers": [
                    {
                        "name": "web",
                        "image": "docker.io/jmalloc/echo-server:v0.3.7",
                        "env": [{"name": "PORT", "value": "8080"}],
                        "ports": [{"name": "http", "containerPort": 8080}],
                        # Traffic only once it answers; the ALB's own health check follows the readiness gate.
                        "readinessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 5},
                        # Restarted when it stops answering at all; slower than readiness, so a busy pod is
                        # taken out of the ALB before it is killed.
                        "livenessProbe": {"httpGet": {"path": "/", "port": "http"}, "periodSeconds": 10},
                        "resources": {
                            "requests": {"cpu": "50m", "memory": "64Mi"},
                            "limits": {"cpu": "250m", "memory": "128Mi"},
                        },
                        "lifecycle": {"preStop": {"sleep": {"seconds": 70}}},
                    }
                ],
            },
        },
    },
    # After the Ingress: the first pods get their readiness gate too.
    opts=pulumi.ResourceOptions(provider=kubernetes, depends_on=[app]),
)

pulumi.export("controllerRoleArn", controller.role_arn)
pulumi.export("ingressClassName", controller.ingress_class_name)
pulumi.export("webGroup", app.group_name)
