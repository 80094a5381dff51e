"""``policylint explain RULE``: one rule in full, with its law, packs, examples and fix."""

from __future__ import annotations

import sys

import click

from policylint.cli import error


@click.command()
@click.argument("rule", metavar="RULE_OR_PACK")
@click.option("--rules-dir", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Also load rules and packs from this directory (repeatable).")
def explain(rule: str, rule_dirs: tuple[str, ...]) -> None:
    """Explain a rule (an id or alias): what it checks, why, the law, and how to fix it.

    Given a pack id (e.g. ma-lunn), explain the pack: its status, when it applies, its
    sources and its rules.
    """
    from policylint.errors import PolicylintError
    from policylint.report.ruledocs import explain as explain_rule
    from policylint.rules.registry import load_registry

    try:
        click.echo(explain_rule(load_registry(tuple(rule_dirs)), rule), nl=False)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
