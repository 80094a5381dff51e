"""``policylint explain RULE``: one rule in full, with its law, packs, examples and fix."""

from __future__ import annotations

import sys

import click

from policylint.cli import error


@click.command()
@click.argument("rule")
@click.option("--rules-dir", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Also load rules and packs from this directory (repeatable).")
def explain(rule: str, rule_dirs: tuple[str, ...]) -> None:
    """Explain RULE (an id or alias): what it checks, why, the law, and how to fix it."""
    from policylint.errors import PolicylintError
    from policylint.registry import load_registry
    from policylint.ruledocs import explain as explain_rule

    try:
        click.echo(explain_rule(load_registry(tuple(rule_dirs)), rule), nl=False)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
