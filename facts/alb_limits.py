"""The Application Load Balancer's quotas that bound a shared group, per load balancer unless said otherwise.

Source: Elastic Load Balancing User Guide, "Quotas for your Application Load Balancers", read 2026-12-07 (rules,
certificates and targets are adjustable; target groups per load balancer and per action are not), and the Amazon VPC
User Guide, "Amazon VPC quotas" (inbound rules per security group, adjustable).
"""

# Listener rules, not counting the default rules (adjustable).
RULES = 100
# Certificates, not counting the default one (adjustable).
CERTIFICATES = 25
# Not adjustable.
TARGET_GROUPS = 100
# Targets per load balancer (adjustable).
TARGETS = 1000
# Listeners per load balancer (adjustable; "Listeners per Application Load Balancer", same page).
LISTENERS = 50
# Inbound rules of one security group (adjustable), which the controller fills per listen port and CIDR.
SECURITY_GROUP_RULES = 60
# Per listener rule: host, path, header, query and source-ip values together.
CONDITION_VALUES_PER_RULE = 5
TARGET_GROUPS_PER_ACTION = 5
# Wildcards ('*' or '?') in the values of one rule's conditions, not counting regexes (same page).
WILDCARDS_PER_RULE = 5
# ELB API Reference, FixedResponseActionConfig.ContentType: the values it takes.
FIXED_RESPONSE_CONTENT_TYPES = ("text/plain", "text/css", "text/html", "application/javascript", "application/json")
# ELB API Reference, HttpHeaderConditionConfig (name up to 40 characters, each value up to 128),
# HttpRequestMethodConditionConfig (each up to 40 characters of A-Z, '-' and '_'), QueryStringConditionConfig (each
# key/value pair up to 128 characters), PathPatternConditionConfig (each up to 128). Not in botocore's model: the
# service checks them at CreateRule.
HEADER_NAME_LENGTH = 40
CONDITION_VALUE_LENGTH = 128
METHOD_VALUE = r"[A-Z_-]{1,40}"
# ELB API Reference, HostHeaderConditionConfig (and the user guide's host conditions): up to 128 characters of
# A-Z, a-z, 0-9, '-', '.', '*' and '?', with at least one '.', and only letters after the last one.
HOST_VALUE = r"[A-Za-z0-9.*?-]{0,128}\.[A-Za-z]+"
# An HTTP header name: a token (RFC 9110 section 5.6.2), as the ALB and a route's HTTPHeaderName take it.
HTTP_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
