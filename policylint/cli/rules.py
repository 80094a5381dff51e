"""``policylint rules``: list the rules, all or one pack's."""

from __future__ import annotations

import sys

import click

from policylint.cli import error
from policylint.report.ruledocs import RULE_FORMATS


@click.command()
@click.option("--pack", metavar="ID", help="Only the rules of this pack, at its severities.")
@click.option("-f", "--format", "fmt", type=click.Choice(RULE_FORMATS), default="text",
              show_default=True, help="markdown is what docs/rules.md is generated with.")
@click.option("--rules-dir", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Also load rules and packs from this directory (repeatable).")
def rules(pack: str | None, fmt: str, rule_dirs: tuple[str, ...]) -> None:
    """List the rules with their severity, title and packs."""
    from policylint.errors import PolicylintError
    from policylint.report.ruledocs import list_rules
    from policylint.rules.registry import load_registry

    try:
        click.echo(list_rules(load_registry(tuple(rule_dirs)), pack, fmt), nl=False)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
