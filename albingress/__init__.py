"""The public API of this package: the components any Pulumi program can use, and their args.

Import from here (``from albingress import AwsLoadBalancerController``), not from ``components``: that is
where the code lives today and it may move (see the README, Package); this module's names are the
package's semantic-versioned API. The same components are hosted for every other language by the
provider in ``provider/``.
"""

from components.app.component import AlbApp, AlbAppArgs, AlbAppPathArgs, AlbQuotasArgs, AppInputError
from components.controller.component import (
    AwsLoadBalancerController,
    AwsLoadBalancerControllerArgs,
    ControllerIamOptionsArgs,
    ControllerInputError,
    ControllerResourcesArgs,
)
from policies.controller_iam import DEFAULT_VERSION

__version__ = "0.2.0"
# The controller version the package installs by default; its IAM policy, chart and CRDs are pinned to it.
CONTROLLER_VERSION = DEFAULT_VERSION
# The Pulumi package name the provider hosts the components under (type tokens albingress:index:<Name>).
PACKAGE = "albingress"

__all__ = [
    "CONTROLLER_VERSION",
    "PACKAGE",
    "AlbApp",
    "AlbAppArgs",
    "AlbAppPathArgs",
    "AlbQuotasArgs",
    "AppInputError",
    "AwsLoadBalancerController",
    "AwsLoadBalancerControllerArgs",
    "ControllerIamOptionsArgs",
    "ControllerInputError",
    "ControllerResourcesArgs",
    "__version__",
]
