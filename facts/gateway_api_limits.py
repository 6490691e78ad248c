"""How much one HTTPRoute may hold (Gateway API v1.6.0), and the controller's own limit on its weights.

The API server refuses a route over any of these, and a refused route never reaches the controller: the
apps or paths it carries are simply not served. Sources, kubernetes-sigs/gateway-api at v1.6.0,
``apis/v1/httproute_types.go``: ``hostnames`` MaxItems=16 (line 118), ``rules`` MaxItems=16 (line 127) and
the CEL rule on ``rules`` that the matches of all rules sum to at most 128 (line 134), ``matches``
MaxItems=64 per rule (line 213), ``filters`` MaxItems=16 per rule (line 256), ``backendRefs`` MaxItems=16
per rule (line 303), ``headers`` and ``queryParams`` MaxItems=16 per match (lines 776, 788);
``apis/v1/shared_types.go``: ``parentRefs`` MaxItems=32 (line 245). The same numbers are in the generated
CRD (``../shared/crds/gateway-api-v1.6.0-standard.yaml``), which the tests validate output against.
"""

ROUTE_HOSTNAMES = 16
ROUTE_RULES = 16
ROUTE_MATCHES = 128  # across all rules of one route (CEL)
RULE_MATCHES = 64
RULE_FILTERS = 16
RULE_BACKEND_REFS = 16
MATCH_HEADERS = 16
MATCH_QUERY_PARAMS = 16
ROUTE_PARENT_REFS = 32
# metadata.name of an HTTPRoute: a DNS-1123 subdomain (Kubernetes apimachinery validation), at most 253.
OBJECT_NAME_LENGTH = 253

# The controller refuses a backendRef weight above 999: "Weight [%d] must be less than or equal to %d"
# (kubernetes-sigs/aws-load-balancer-controller v3.5.0, pkg/gateway/routeutils/backend.go lines 24, 173).
# An unset weight is 1 there (line 168).
BACKEND_WEIGHT_MAX = 999
