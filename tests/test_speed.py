"""What keeps the offline plan cheap (bench/plan_cost.py measures it): facts read without botocore's loader, and
no import the stage plan does not use."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from botocore.loaders import create_loader

from albingress.facts.botocore_data import bundled, service_model
from albingress.facts.instance_types import known_instance_types
from albingress.facts.regions import known_regions, partition_for_region
from albingress.policies.iam_judge import iam_write_actions
from tests.conftest import ROOT


def test_bundled_data_is_what_botocores_loader_returns() -> None:
    loader = create_loader()
    assert bundled("endpoints") == loader.load_data("endpoints")
    for service in ("iam", "ec2"):
        assert service_model(service) == loader.load_service_model(service, "service-2")


def test_facts_read_from_the_bundled_files_by_hand() -> None:
    # Written from the AWS documentation, not from the files: regions and their partitions, IAM and EC2 names.
    assert known_regions()["us-west-2"] == "aws"
    assert partition_for_region("cn-north-1") == "aws-cn"
    assert partition_for_region("us-gov-west-1") == "aws-us-gov"
    assert {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"} <= set(iam_write_actions())
    assert "iam:GetRole" not in iam_write_actions()
    assert {"t3.medium", "m5.large"} <= known_instance_types()


def test_missing_files_are_named() -> None:

    with pytest.raises(FileNotFoundError, match=r"botocore/data/no-such-file\.json"):
        bundled("no-such-file")
    with pytest.raises(FileNotFoundError, match="botocore/data/no-such-service"):
        service_model("no-such-service")


def test_the_stage_plan_imports_neither_the_schema_validator_nor_botocores_loader(tmp_path: Path) -> None:
    """jsonschema (for scheduling fields the stage stack does not set) and botocore.loaders cost the plan about a
    quarter of a second together; they load only when a stack needs them."""
    script = textwrap.dedent(
        f"""
        import json, sys
        from albops.cli.main import main
        code = main(["plan", "--stack", "stage", "--out", {str(tmp_path)!r} + "/out"])
        print(json.dumps(sorted(sys.modules)), file=sys.stderr)
        sys.exit(code)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    modules = set(json.loads(proc.stderr.strip().splitlines()[-1]))
    assert "pulumi_kubernetes" in modules  # the plan ran
    assert not {"jsonschema", "botocore.loaders", "botocore.session"} & modules
