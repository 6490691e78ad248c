"""Tag keys shared by the stack and the operations commands.

Short-lived clusters carry these on the cluster and, through the controller's
``defaultTags``, on every load balancer, target group and security group its
controller creates, so the scheduled ``albops sweep --expired`` can find what
outlived a cluster even after the cluster itself is gone.
"""

EPHEMERAL_TAG = "alb-ingress/ephemeral"
OWNER_TAG = "alb-ingress/owner"
EXPIRES_TAG = "alb-ingress/expires"
