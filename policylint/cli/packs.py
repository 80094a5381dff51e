"""``policylint packs``: the rule packs with status, jurisdiction and dates."""

from __future__ import annotations

import sys

import click

from policylint.cli import error
from policylint.report.ruledocs import PACK_FORMATS


@click.command()
@click.option("-f", "--format", "fmt", type=click.Choice(PACK_FORMATS), default="text",
              show_default=True)
@click.option("--rules-dir", "rule_dirs", multiple=True, type=click.Path(file_okay=False),
              help="Also load rules and packs from this directory (repeatable).")
def packs(fmt: str, rule_dirs: tuple[str, ...]) -> None:
    """List the rule packs: status, jurisdiction, which documents get them by default."""
    from policylint.errors import PolicylintError
    from policylint.report.ruledocs import list_packs
    from policylint.rules.registry import load_registry

    try:
        click.echo(list_packs(load_registry(tuple(rule_dirs)), fmt), nl=False)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
