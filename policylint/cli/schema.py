"""``policylint schema``: print the policy-document JSON Schema, or write it to a file."""

from __future__ import annotations

import click

from policylint.cli import error


@click.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              default="-", show_default=True, help="Write the schema to FILE instead of stdout.")
@click.pass_context
def schema(ctx: click.Context, output: str) -> None:
    """Print the JSON Schema (2020-12) of policy documents, for editors and other tools."""
    from policylint.schema.validate import policy_schema_text

    text = policy_schema_text()
    if output == "-":
        click.echo(text, nl=False)
        return
    from policylint.errors import PolicylintError
    from policylint.report.writer import write_file

    try:
        write_file(output, text)
    except PolicylintError as exc:
        error(exc)
        ctx.exit(2)
