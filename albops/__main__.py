"""Command line: ``python -m albops plan --stack stage``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from albops.runner import PROJECT_DIR

# Exit codes shared by every command.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2
EXIT_REFUSED = 3
EXIT_TOOL_MISSING = 4


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m albops", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser(
        "plan",
        help="show what `pulumi up` would create, with no cloud, credentials or Pulumi CLI",
        description="Runs the real program under Pulumi's mock runtime with plausible cloud answers.",
    )
    plan.add_argument("--stack", "-s", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    plan.add_argument(
        "--out", type=Path, default=None, help="folder for manifests and documents (default plan-out/<stack>)"
    )
    plan.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_DIR,
        help="folder with Pulumi.yaml, __main__.py and the stack files (default: this checkout)",
    )
    plan.add_argument("--markdown", action="store_true", help="print a Markdown summary for a pull-request comment")
    plan.add_argument("--json", action="store_true", help="print the plan as one JSON document on stdout")
    plan.add_argument(
        "--apply",
        action="store_true",
        help="resolve every value as after `pulumi up` (default: preview, unknowns shown as such)",
    )
    return parser


def _plan(args: argparse.Namespace) -> int:
    from albops.plan import plan_document, render_markdown, render_outputs, render_tree, write_plan
    from albops.runner import read_stack_file, run_program
    from components.settings import ConfigError

    try:
        config = read_stack_file(args.stack, args.project_dir)
    except (FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        result = run_program(config, args.stack, preview=not args.apply, project_dir=args.project_dir)
    except ConfigError as error:
        print(f"error: Pulumi.{args.stack}.yaml: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out_dir = args.out or (args.project_dir / "plan-out" / args.stack)
    written = write_plan(result, out_dir)
    for key in result.encrypted:
        print(
            f"note: {key} is encrypted (secure:); the offline plan cannot decrypt it, so it did not check it "
            "and planned with a stand-in shown as [secret] (`pulumi preview` checks the real value)",
            file=sys.stderr,
        )
    if args.json:
        print(json.dumps(plan_document(result), indent=2, default=str))
        return EXIT_OK
    if args.markdown:
        print(render_markdown(result))
        return EXIT_OK
    custom = sum(1 for r in result.resources if r.custom)
    mode = "preview" if result.preview else "apply"
    print(f"Offline plan of stack {args.stack!r} ({mode}): {custom} resources to create\n")
    print(render_tree(result))
    print("\nOutputs:")
    print(render_outputs(result))
    print(f"\nWrote {len(written)} files to {out_dir}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as error:  # argparse: --help exits 0, usage errors exit 2
        return int(error.code or 0)
    if args.command == "plan":
        return _plan(args)
    return EXIT_BAD_INPUT  # argparse rejects unknown commands before this


if __name__ == "__main__":
    sys.exit(main())
