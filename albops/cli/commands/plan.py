"""`albops plan`: its arguments and what it runs."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from albingress.facts.names import EPHEMERAL, PLANNED_ENVIRONMENTS, PROJECT
from albops import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, EXIT_REFUSED, EXIT_TOOL_MISSING
from albops.cli import args as argtypes
from albops.cli import common
from albops.cli.common import cloud_facts_option, say
from albops.preview.runner import PROJECT_DIR

if TYPE_CHECKING:
    from albingress.policies.review import Violation
    from albops.preview.runner import PlanResult


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    plan = commands.add_parser(
        "plan",
        allow_abbrev=False,
        help="show what `pulumi up` would create, with no cloud, credentials or Pulumi CLI",
        description="Runs the real program under Pulumi's mock runtime with plausible cloud answers.",
    )
    plan.add_argument(
        "--stack", "-s", required=True, type=argtypes.stack_name, help="stack name: reads Pulumi.<stack>.yaml"
    )
    plan.add_argument(
        "--out",
        type=argtypes.output_dir,
        default=None,
        help="folder for manifests and documents (default plan-out/<stack>)",
    )
    plan.add_argument(
        "--project-dir",
        type=argtypes.program_dir,
        default=PROJECT_DIR,
        help="folder with Pulumi.yaml, __main__.py and the stack files (default: the current folder when it has a "
        "Pulumi.yaml, else this checkout)",
    )
    shape = plan.add_mutually_exclusive_group()
    shape.add_argument("--markdown", action="store_true", help="print a Markdown summary for a pull-request comment")
    shape.add_argument("--json", action="store_true", help="print the plan as one JSON document on stdout")
    plan.add_argument(
        "--compare-to",
        metavar="GITREF",
        help="plan the stack at GITREF too (a temporary worktree) and show what the change does",
    )
    plan.add_argument(
        "--apply",
        action="store_true",
        help="resolve every value as after `pulumi up` (default: preview, unknowns shown as such)",
    )
    cloud_facts_option(
        plan, "what to assume about the cloud (clusters, tags, Auto Mode, add-ons); default cloud-facts/<stack>.yaml"
    )
    plan.add_argument(
        "--require-environment",
        choices=PLANNED_ENVIRONMENTS,
        help="refuse (exit 3) unless the stack's alb-ingress:environment is this one (for deploy jobs)",
    )


def run(args: argparse.Namespace) -> int:
    if args.compare_to:
        return _compare(args)
    import pulumi

    from albingress.components.model import ComponentInputError, ConfigError
    from albingress.stack_settings.stack import settings_notes
    from albops.preview.cloud import MissingObjectError
    from albops.preview.cloud_facts import resolve_facts
    from albops.preview.plan import (
        OutDirRefusedError,
        check_out_dir,
        plan_document,
        render_outputs,
        render_tree,
        write_plan,
    )
    from albops.preview.runner import project_name, read_stack, run_program

    if args.out is not None:
        try:
            check_out_dir(args.out)  # before any work: nothing is planned into a folder that is not the plan's
        except OutDirRefusedError as error:
            return say(f"refused: {error}", EXIT_REFUSED)
    try:
        stack_file = read_stack(args.stack, args.project_dir)
        config = stack_file.config
        facts = resolve_facts(
            config, args.stack, args.project_dir, args.cloud_facts, project=project_name(args.project_dir)
        )
    except (FileNotFoundError, ValueError) as error:  # StackFileError and FactsError are ValueErrors
        return say(f"error: {error}", EXIT_BAD_INPUT)
    try:
        try:
            result = run_program(config, args.stack, preview=not args.apply, project_dir=args.project_dir, facts=facts)
        except BaseException as error:
            # What the program logged before it failed is said too, as `pulumi preview` would show it.
            _say_logged(getattr(error, "albops_logged", None), [])
            if common.INTERRUPTED is not None and error is not common.INTERRUPTED:
                # A real Ctrl-C or SIGTERM that the program turned into something else (sys.exit(1), a
                # RunError): still the interruption it was.
                raise common.INTERRUPTED from None
            raise
    except SystemExit as leaving:
        # The program's own sys.exit: it stopped before it finished, so nothing it meant to create was planned.
        # Not its exit code: this command's codes have their own meanings (3 is a safety refusal).
        return say(
            f"error: __main__.py called sys.exit({_shown(leaving.code)}) before the program finished: nothing is "
            "planned from a program that ends itself; let it run to its end",
            EXIT_BAD_INPUT,
        )
    except KeyboardInterrupt:
        if common.INTERRUPTED is not None:
            raise  # a real Ctrl-C or SIGTERM: the command's own interruption
        return say(
            "error: __main__.py raised KeyboardInterrupt itself before the program finished: nothing is planned",
            EXIT_BAD_INPUT,
        )
    except ConfigError as error:
        return say(f"error: Pulumi.{args.stack}.yaml: {error}", EXIT_BAD_INPUT)
    except ComponentInputError as error:
        # A component's input, as the program wrote it: the message names the program file first. This project's
        # own program only passes its stack config on (validated settings), so what its components still refuse
        # is a config value: the stack file is named instead, and the message names the config key.
        text = str(error)
        if project_name(args.project_dir) == PROJECT:
            return say(
                f"error: Pulumi.{args.stack}.yaml: {text.removeprefix(error.PROGRAM_FILE + ': ')}", EXIT_BAD_INPUT
            )
        return say(f"error: {text}", EXIT_BAD_INPUT)
    except (pulumi.RunError, MissingObjectError) as error:
        # A component refused what the cluster answered (read while the program ran), as `pulumi up` would.
        return say(f"error: Pulumi.{args.stack}.yaml: {error}", EXIT_BAD_INPUT)
    except Exception as error:
        # A data source the cloud refused (Pulumi raises a plain Exception for a failed invoke): one line.
        if not str(error).startswith("invoke of "):
            raise
        return say(f"error: Pulumi.{args.stack}.yaml: {error}{_invoke_hint(str(error))}", EXIT_BAD_INPUT)
    environment = _planned_environment(config)
    if args.require_environment and environment != args.require_environment:
        return say(
            f"refused: stack {args.stack} is environment {environment or '(none)'}, not {args.require_environment}; "
            "this job deploys only that environment",
            EXIT_REFUSED,
        )
    out_dir = args.out or (args.project_dir / "plan-out" / args.stack)
    violations = guardrail_violations(result, config)
    program_errors = list(dict.fromkeys(result.logged.errors))
    # Written into plan.json too: --compare-to reads the working tree's result from there, not from text the
    # program could print itself (or swallow, by replacing sys.stderr).
    # A plan that could not see part of the config (ESC imports) checked only part of the stack: not a pass.
    incomplete = bool(stack_file.environments)
    outcome = {
        "guardrails": f"{len(violations)} violations",
        "programErrors": program_errors,
        "incomplete": incomplete,
    }
    try:
        written = write_plan(result, out_dir, ours=args.out is None, outcome=outcome)
    except OutDirRefusedError as error:
        return say(f"refused: {error}", EXIT_REFUSED)
    except OSError as error:  # a folder that went away or filled up after the argument was checked
        where = error.filename or out_dir
        return say(
            f"error: --out {out_dir}: {where} cannot be written ({error.strerror}); give another folder", EXIT_BAD_INPUT
        )
    notes = _plan_notes(result, stack_file.environments)
    notes.extend(settings_notes(config))
    notes = _say_logged(result.logged, notes)
    # An error the program logs fails the plan: `pulumi up` goes on (pulumi/pulumi#5085) but counts it as an
    # error, and a reader of a passing plan would not look for one.
    failed = bool(violations) or incomplete or bool(program_errors)
    if args.json:
        document = plan_document(result)
        document["violations"] = [v.__dict__ for v in violations]
        document["programErrors"] = program_errors
        document["notes"] = notes
        document["cloudFacts"] = result.facts.as_dict()
        document["incomplete"] = incomplete
        print(json.dumps(document, indent=2, default=str))
        return EXIT_FINDINGS if failed else EXIT_OK
    if args.markdown:
        from albops.preview.diff import PROGRAM_LINES_SHOWN, md_plain, program_line, render_plan_markdown

        shown = PROGRAM_LINES_SHOWN

        # The pull-request comment --compare-to gives, everything added; a clean run says so too.
        guardrails = [f"Guardrails: {len(violations)} violations"] + [
            f"- :x: `{violation.rule}` {md_plain(violation.resource)}: {_md_text(violation.message)}; fix: "
            f"{_md_text(violation.fix)}"
            for violation in violations
        ]
        if incomplete:
            guardrails.append("- incomplete: the stack imports Pulumi ESC environments the offline plan cannot read")
        guardrails += [f"- :x: the program logged an error: {program_line(e)}" for e in program_errors[:shown]]
        if len(program_errors) > shown:
            guardrails.append(f"- :x: and {len(program_errors) - shown} more errors the program logged (stderr)")
        # The program's warnings are its own text: quoted as code, shortened and counted past the first ones, as
        # its errors are; the plan's own notes are Markdown already.
        own = set(notes) - set(result.logged.warnings)
        program_notes = [n for n in notes if n not in own]
        notes = [_md_text(n) for n in notes if n in own] + [program_line(n) for n in program_notes[:shown]]
        if len(program_notes) > shown:
            notes.append(f"and {len(program_notes) - shown} more warnings the program logged (stderr)")
        mode = "preview" if result.preview else "apply"
        print(render_plan_markdown(plan_document(result), guardrails, notes, mode))
        return EXIT_FINDINGS if failed else EXIT_OK
    custom = sum(1 for r in result.resources if r.custom)
    providers = sum(1 for r in result.resources if r.custom and r.type.startswith("pulumi:providers:"))
    components = sum(1 for r in result.resources if not r.custom and r.type != "pulumi:pulumi:Stack")
    mode = "preview" if result.preview else "apply"
    # --markdown counts the components too (its "N to add"): both figures, so the two outputs agree. Providers
    # are resources Pulumi creates (and counts) too, but no one looks for them in AWS: named apart.
    print(
        f"Offline plan of stack {args.stack!r} ({mode}): {custom} resources to create ({providers} of them "
        f"providers), grouped in {components} components ({custom + components} to add, as --markdown counts)\n"
    )
    print(render_tree(result))
    print("\nOutputs:")
    print(render_outputs(result))
    print(f"\nWrote {len(written)} files to {out_dir}")
    print(f"\nGuardrails: {len(violations)} violations")
    for violation in violations:
        print(f"  {violation}")
    if incomplete:
        print("\nIncomplete: the stack imports Pulumi ESC environments the offline plan cannot read (see notes)")
    if program_errors:
        print(f"\nThe program logged {len(program_errors)} error(s) (pulumi.log.error; see stderr): not a pass")
    return EXIT_FINDINGS if failed else EXIT_OK


def _say_logged(logged: Any, notes: list[str]) -> list[str]:
    """Print the plan's notes with what the program logged through pulumi.log (``pulumi up`` shows those
    lines in its own output): its warnings as notes, once (the settings' own notes say some of them in the
    same words), its errors as error lines. Returns the notes as printed."""
    said = list(dict.fromkeys([*notes, *(logged.warnings if logged is not None else [])]))
    for note in said:
        print(f"note: {note}", file=sys.stderr)
    for error in dict.fromkeys(logged.errors if logged is not None else []):
        print(f"error: the program logged an error: {error}", file=sys.stderr)
    return said


def _shown(value: object) -> str:
    """A value of the program's, for one line of this command's output: its repr escaped and shortened, and a
    repr that fails does not take the command down with it."""
    try:
        text = repr(value)
    except Exception:
        text = f"<a {type(value).__name__}>"
    from albops.text import printable

    text = printable(text)
    return text if len(text) <= 100 else text[:97] + "..."


def _md_text(text: str) -> str:
    """The plan's own text (notes, guardrail findings, which may quote names a program chose) as Markdown shows
    it: its code spans kept, no HTML (a ``<details>`` would fold away the rest of the comment)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _compare(args: argparse.Namespace) -> int:
    from albops.preview.diff import DiffError, GitMissingError, compare_to, render

    try:
        diff = compare_to(args.compare_to, args.stack, args.project_dir, cloud_facts=args.cloud_facts)
    except GitMissingError as error:
        return say(f"error: {error}", EXIT_TOOL_MISSING)
    except DiffError as error:
        return say(f"error: {error}", EXIT_BAD_INPUT)
    if args.json:
        print(json.dumps(diff.as_dict(), indent=2, default=str))
    else:
        print(render(diff, markdown=args.markdown))
    return EXIT_OK


def _invoke_hint(message: str) -> str:
    """What to do about a read the (offline plan's) cloud refused, for the reads whose cause is a stack key."""
    if message.startswith("invoke of aws:iam/getPolicy:getPolicy"):
        return (
            "; fix alb-ingress:controller.iam.extraPolicyArns: name a policy of the deploying account that exists "
            "(the offline plan knows the cloud facts' policies: and AWS managed policies as of the snapshot in "
            "facts/aws_managed_policies.json; regenerate it for a newer AWS managed policy)"
        )
    return ""


def _planned_environment(config: dict[str, object]) -> str | None:
    if "alb-ingress:ephemeral" in config:
        return EPHEMERAL
    value = config.get("alb-ingress:environment")
    return str(value) if value is not None else None


def _plan_notes(result: PlanResult, environments: tuple[str, ...]) -> list[str]:
    """What a reviewer must know about what the offline plan did not see."""
    notes = [
        f"{key} is encrypted (secure:); the offline plan cannot decrypt it, so it did not check it and planned with "
        "a stand-in shown as [secret] (`pulumi preview` checks the real value)"
        for key in result.encrypted
    ]
    if environments:
        notes.append(
            f"the stack imports Pulumi ESC environments ({', '.join(environments)}), which the offline plan cannot "
            "resolve; it planned with the config: it has, so values those environments set were not checked "
            "(`pulumi preview` resolves them)"
        )
    source = result.facts.source
    if source:
        notes.append(f"cloud facts from {source}")
    notes.extend(f"assumed {line}" for line in result.facts.assumed)
    if any(r.type == "kubernetes:eks.amazonaws.com/v1:IngressClassParams" for r in result.resources):
        notes.append(
            "Auto Mode: the stack tags its load balancers (IngressClassParams tags); EKS Auto Mode applies custom "
            "tags only when the cluster's IAM role may tag them (EKS user guide, Auto Mode cluster IAM role: "
            "elasticloadbalancing:AddTags / ec2:CreateTags with the eks:eks-cluster-name condition)"
        )
    return notes


def guardrail_violations(result: PlanResult, config: dict[str, object]) -> list[Violation]:
    """The guardrail rules over what the plan registered (the same rules as the policy pack and check)."""
    from albingress.policies.guardrails import evaluate
    from albingress.policies.review import INGRESS, Context, Resource

    resources = [Resource(r.type, r.name, r.inputs) for r in result.resources]
    classes = {str((r.inputs.get("spec") or {}).get("ingressClassName")) for r in result.by_type(INGRESS)}
    environment = config.get("alb-ingress:environment")
    from albingress.policies.group_budget import quotas_from_config
    from albops.preview.runner import caller_account

    context = Context(
        ingress_classes=frozenset(classes | {"alb"}),
        environment=str(environment) if environment else None,
        # The roles' own account: its root in a trust policy is not another account's.
        account_id=caller_account(config),
        quotas=quotas_from_config(config.get("alb-ingress:alb")),
    )
    return list(evaluate(resources, context))
