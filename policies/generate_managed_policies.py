"""Makes ``facts/aws_managed_policies.json`` from a checkout of zoph-io/MAMIP, which records every AWS managed
policy's default version (``policies-list.json``: names and paths; ``policies/<name>``: ``GetPolicyVersion``'s
answer).

    python -m albingress.policies.generate_managed_policies PATH-TO-MAMIP-CHECKOUT

Nothing of the source is copied as it is: each policy keeps only its statements' Effect, Resource,
NotResource and Condition, and the action patterns that match an action the escalation judge asks about
(``policies.iam_judge.judged_actions``) or every action; statements left without one are dropped (NotAction
statements are kept whole: they grant what they do not name). The file records the source's commit and
date, so a reviewer knows how old the AWS documents are.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from albingress.policies.iam_judge import ANY_ACTION, as_list, judged_actions, matches, statements

# Writes the facts snapshot in the checkout; it lives here, not in facts/, because it asks the judge (a policy) which
# actions to keep, and facts import nothing above them.
OUT = Path(__file__).resolve().parents[1] / "facts" / "aws_managed_policies.json"
_KEPT = ("Effect", "Resource", "NotResource", "Condition", "NotAction")


def _reduced(statement: dict[str, Any], actions: tuple[str, ...]) -> dict[str, Any] | None:
    kept = {key: statement[key] for key in _KEPT if key in statement}
    if "NotAction" in statement or ("NotResource" in statement and str(statement.get("Effect")).lower() == "allow"):
        # An Allow with NotResource grants its actions on everything it does not name: the judge flags it
        # whatever its actions are, so it is kept whole with its actions.
        return {**kept, **({"Action": statement["Action"]} if "Action" in statement else {})}
    patterns = [p for p in as_list(statement.get("Action")) if any(matches(p, a) for a in (*actions, ANY_ACTION))]
    return {**kept, "Action": patterns} if patterns else None


def generate(checkout: Path) -> dict[str, Any]:
    listed = json.loads((checkout / "policies-list.json").read_text(encoding="utf-8"))["Policies"]
    actions = judged_actions()
    policies: dict[str, list[dict[str, Any]]] = {}
    for entry in listed:
        name, path = entry["PolicyName"], entry["Path"]
        version = json.loads((checkout / "policies" / name).read_text(encoding="utf-8"))["PolicyVersion"]
        found = [r for s in statements(version["Document"]) if (r := _reduced(dict(s), actions)) is not None]
        policies[f"{path.lstrip('/')}{name}"] = found
    git = ["git", "-C", str(checkout), "log", "-1", "--format=%H %cs"]
    commit, date = subprocess.run(git, check=True, capture_output=True, text=True).stdout.split()
    return {
        "source": f"github.com/zoph-io/MAMIP at {commit} (policies-list.json, policies/)",
        "date": date,
        "kept": "per policy: statements reduced to the actions policies.iam_judge judges; see the generator",
        "policies": dict(sorted(policies.items())),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not (Path(argv[0]) / "policies-list.json").is_file():
        print("usage: python -m albingress.policies.generate_managed_policies PATH-TO-MAMIP-CHECKOUT", file=sys.stderr)
        return 2
    snapshot = generate(Path(argv[0]))
    OUT.write_text(json.dumps(snapshot, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(snapshot['policies'])} policies as of {snapshot['date']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
