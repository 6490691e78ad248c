// A platform team's TypeScript program: its EKS cluster from pulumi-eks, then the AWS Load Balancer
// Controller on it through the SDK `pulumi package add` generates from this package. Every input the
// controller needs of the cluster comes straight from pulumi-eks's outputs; the providers go through
// the resource options. The package's components run in Python 3.11+ where `pulumi up` runs.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as albingress from "@pulumi/albingress";

const region = aws.config.region ?? "us-west-2";
const awsProvider = new aws.Provider("aws", { region });

const cluster = new eks.Cluster("platform", {
    name: "platform",
    createOidcProvider: true,
    authenticationMode: eks.AuthenticationMode.Api,
}, { providers: { aws: awsProvider } });
const kubernetes = new k8s.Provider("platform", { kubeconfig: cluster.kubeconfigJson });

const controller = new albingress.AwsLoadBalancerController("lbc", {
    clusterName: cluster.eksCluster.name,
    region,
    vpcId: cluster.core.vpcId,
    oidcProviderArn: cluster.oidcProviderArn,
    oidcIssuer: cluster.oidcIssuer,
}, { providers: { aws: awsProvider, kubernetes } });

// One app behind the shared ALB group, for a Service the app's team already runs in namespace "web".
const web = new albingress.AlbApp("web", {
    namespace: "web",
    serviceName: "web",
    servicePort: 80,
    hosts: ["web.example.com"],
    group: "platform",
    ingressClass: controller.ingressClassName,
    paths: [{ path: "/" }],
}, { providers: { kubernetes }, dependsOn: [controller] });

export const controllerRoleArn: pulumi.Output<string> = controller.roleArn;
export const ingressClassName = controller.ingressClassName;
export const webAlbHostname = web.albHostname;
