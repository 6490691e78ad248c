"""Names and name patterns the stack's settings and the operations commands share, without importing Pulumi.

``albops migrate`` and ``sweep`` check a group or cluster name before anything else; importing the
settings module for that would load pulumi and pydantic (40 MB and a second of start-up) for one regex.
"""

import re

# The stack's Pulumi project, and so its config namespace (alb-ingress:<section>): the key a message names.
PROJECT = "alb-ingress"

# EKS cluster names (CreateCluster): 1-100 characters, letters, digits, '-' and '_', starting alphanumeric.
CLUSTER_NAME = re.compile(r"[0-9A-Za-z][A-Za-z0-9_-]{0,99}")
# The controller's group.name: lower-case letters, digits, '-' and '.', alphanumeric at both ends (63 at most).
GROUP_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?")

# The environments a stack is deployed as (production turns on the production rules); a stack with an
# ephemeral section is "ephemeral" and names none of them. Settings, the CLI and the policy pack share these.
ENVIRONMENTS = ("production", "staging", "development")
EPHEMERAL = "ephemeral"
PLANNED_ENVIRONMENTS = (*ENVIRONMENTS, EPHEMERAL)

# An Ingress rule's host as the API server accepts it (Kubernetes pkg/apis/networking/validation,
# validateIngressRules): a DNS-1123 subdomain of at most 253 characters, or one with a leading '*.' label, and
# not an IP address (checked apart, since a dotted IPv4 address also matches the pattern).
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
INGRESS_HOST = re.compile(rf"(?=.{{1,253}}\Z)(\*\.)?{_LABEL}(\.{_LABEL})*")
# A DNS-1123 label (namespaces, most object names) and subdomain (IngressClass, Gateway and other object names).
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
DNS_SUBDOMAIN = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(\.{_LABEL})*")
# A certificate an ALB listener takes (ELB API Certificate.CertificateArn): an ACM certificate, or an IAM server
# certificate (IAM identifiers: a path of /-separated [\w+=,.@-] names, but no ',' here, since the controller
# splits the certificate-arn annotation at commas: v3.5.0 pkg/annotations/parser.go splitCommaSeparatedString).
CERTIFICATE_ARN = re.compile(
    r"arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}"
    r"|arn:aws[a-z-]*:iam::\d{12}:server-certificate(/[\w+=.@-]+)+"
)


def certificate_arns(text: str) -> list[str]:
    """The ARNs of a certificate-arn value as the controller reads it: split at commas, each trimmed, empty
    parts dropped (v3.5.0 pkg/annotations/parser.go splitCommaSeparatedString)."""
    return [part.strip() for part in text.split(",") if part.strip()]
