"""The ground floor: facts about AWS and the controller that everything above reads, with no Pulumi in them.

Regions, partitions and service availability come from botocore's bundled endpoint data (``regions``), the
EKS versions from the EKS documentation with the date they were read (``eks_versions``), the ALB's quotas
from the Elastic Load Balancing documentation (``alb_limits``); each names its source.
"""

# One module per file: imported as top-level `facts` (from the repository root) this package would load a
# second time beside albingress.facts, with its own classes and registries. (pyproject bans the old name.)
if __name__ != "albingress.facts":
    raise ImportError(f"import albingress.facts, not {__name__}: the package lives under albingress")
