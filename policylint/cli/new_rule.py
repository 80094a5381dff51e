"""``policylint new-rule ID --pack PACK``: a new rule file from the template, added to a pack."""

from __future__ import annotations

import sys

import click

from policylint.cli import error


@click.command("new-rule")
@click.argument("rule_id", metavar="ID")
@click.option("--pack", required=True, help="The pack to add the rule to (its file in packs/).")
@click.option("--category", default=None,
              help="Folder of the rule file (default: the folder holding most of the pack's rules).")
@click.option("--rules-dir", "rule_dir", default=None, type=click.Path(file_okay=False, exists=True),
              help="A third-party rule directory to write in (default: the package's rules).")
def new_rule(rule_id: str, pack: str, category: str | None, rule_dir: str | None) -> None:
    """Write <category>/ID.yaml from a template with every required field, add the rule to
    the pack, and print what to do next.

    The file loads as written, but its placeholders say TODO and its fail example expects
    a finding it cannot give, so the rule's example test fails until real examples are
    written. Existing files are never overwritten.
    """
    from policylint.errors import PolicylintError
    from policylint.rules.newrule import new_rule as write_rule

    try:
        made = write_rule(rule_id, pack, category, rule_dir)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
    click.echo(f"Created {made.rule_file}\nAdded `{rule_id}` to {made.pack_file}\nNext:")
    for n, step in enumerate(made.next_steps, 1):
        click.echo(f"  {n}. {step}")
