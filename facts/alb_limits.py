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
