"""Entry point of the CrossGuard pack: ``pulumi preview --policy-pack policies/guardrails_pack``.

Constructing ``PolicyPack`` starts the policy server and never returns, so nothing imports this file;
the policies themselves live in ``policies/crossguard.py``, and the rules in ``policies/guardrails.py``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from pulumi_policy import PolicyPack

from albingress.policies.crossguard import policies

PolicyPack(name="alb-ingress-guardrails", policies=policies())
