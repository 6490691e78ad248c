"""Gateway API as the pinned controller (v3.5.0) reads it: API groups, its controller name, the release.

Sources: the controller's docs/guide/gateway/gateway.md at v3.5.0 (built for Gateway API v1.6.0, installed
from the release's standard-install.yaml) and pkg/gateway/constants (the ALB Gateway controller's name).
The ground floor: the components, the guardrails and albops all read these.
"""

GATEWAY_API_GROUP = "gateway.networking.k8s.io"
GATEWAY_API_VERSION = f"{GATEWAY_API_GROUP}/v1"
# The controller's own Gateway kinds: LoadBalancerConfiguration, TargetGroupConfiguration,
# ListenerRuleConfiguration.
AWS_GATEWAY_GROUP = "gateway.k8s.aws"
AWS_GATEWAY_VERSION = f"{AWS_GATEWAY_GROUP}/v1"
# The controller name the ALB Gateway controller answers to in a GatewayClass.
ALB_GATEWAY_CONTROLLER = "gateway.k8s.aws/alb"
# The Gateway API release the pinned controller is built for, and the annotation its CRDs carry it in.
GATEWAY_API_BUNDLE = "v1.6.0"
BUNDLE_VERSION_ANNOTATION = "gateway.networking.k8s.io/bundle-version"
GATEWAY_API_CRDS_URL = (
    f"https://github.com/kubernetes-sigs/gateway-api/releases/download/{GATEWAY_API_BUNDLE}/standard-install.yaml"
)
# The CRD whose bundle version a cluster's Gateway API install is read from.
GATEWAY_CRD_NAME = "gateways.gateway.networking.k8s.io"
