"""The ground floor: facts about AWS and the controller that everything above reads, with no Pulumi in them.

Regions, partitions and service availability come from botocore's bundled endpoint data (``regions``), the
EKS versions from the EKS documentation with the date they were read (``eks_versions``), the ALB's quotas
from the Elastic Load Balancing documentation (``alb_limits``); each names its source.
"""
