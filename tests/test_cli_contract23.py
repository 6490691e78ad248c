"""The command-line contract's last gaps (issue 23, section 4): suggestions, probe's attempts and rate."""

from __future__ import annotations

import pytest

from albops.cli.main import main


@pytest.mark.parametrize(
    ("argv", "wrong", "right"),
    [
        (["plan", "--stak", "stage"], "--stak", "--stack"),
        (["teardown", "--stak", "x"], "--stak", "--stack"),
        (["sweep", "--clustr", "c", "--region", "us-west-2"], "--clustr", "--cluster"),
        (["sweep", "--cluster", "c", "--regoin", "us-west-2"], "--regoin", "--region"),
        (["verify", "--urll", "https://x.example.com/"], "--urll", "--url"),
        (["probe", "--ulr", "http://x.example.com/"], "--ulr", "--url"),
        (["plan", "--json", "--stak=stage"], "--stak=stage", "--stack"),
    ],
)
def test_an_unknown_option_is_named_even_when_a_required_one_is_missing(
    argv: list[str], wrong: str, right: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """argparse says a required option is missing before it says another is unknown; the typo is the cause."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"unrecognized arguments: {wrong}" in err and f"did you mean {right}?" in err
    assert "required" not in err


def test_a_missing_required_option_alone_is_still_said(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan"]) == 2
    assert "the following arguments are required: --stack" in capsys.readouterr().err
    assert main(["sweep", "--region", "us-west-2"]) == 2
    assert "one of the arguments --cluster --expired is required" in capsys.readouterr().err
