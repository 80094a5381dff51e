"""``policylint init``: scaffold a new policy document (or one per row of a CSV)."""

from __future__ import annotations

import os
import sys

import click

from policylint.cli import error


@click.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@click.option("--agency", help="The agency's name, e.g. \"Quincy Police Department\".")
@click.option("--state", help="Two-letter state code, e.g. MA.")
@click.option("--kind", default="municipal_police", show_default=True, help="Agency kind.")
@click.option("--jurisdiction", help="The city, town or county the agency serves.")
@click.option("--county", help="County (optional).")
@click.option("--from-csv", "from_csv", type=click.Path(exists=True, dir_okay=False),
              help="Create one stub per row of a CSV with columns name,state,kind,jurisdiction.")
@click.option("--output-dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Where --from-csv writes its stubs.")
@click.option("--schema", "schema_ref", metavar="PATH_OR_URL",
              help="Schema reference for the editor line (default: the repository's "
                   "schemas/policy.schema.json, relative to the document; written if missing).")
@click.option("--force", is_flag=True, help="Overwrite existing files.")
def init(path: str | None, agency: str | None, state: str | None, kind: str,
         jurisdiction: str | None, county: str | None, from_csv: str | None, output_dir: str,
         schema_ref: str | None, force: bool) -> None:
    """Write a new, valid policy document listing every topic as `silent`.

    Asks for the agency's name and state when they are not given. With --from-csv, writes
    one document per row into --output-dir.
    """
    from policylint.errors import PolicylintError, UsageError
    from policylint.report.scaffold import (
        Agency,
        agencies_from_csv,
        ensure_kept_schema,
        render_document,
        scaffold_many,
        slug,
        write_new,
    )

    try:
        if from_csv:
            with open(from_csv, encoding="utf-8-sig") as fh:
                agencies = agencies_from_csv(fh.read(), from_csv)
            for written in scaffold_many(agencies, output_dir, force, schema_ref):
                click.echo(f"wrote {os.path.relpath(written) if written.endswith('.json') else written}")
            return
        name = agency or click.prompt("Agency name")
        code = state or click.prompt("State (two letters)")
        place = jurisdiction if jurisdiction is not None or agency else click.prompt(
            "Jurisdiction (city, town or county)", default="", show_default=False)
        record = Agency(name, code, kind, place, county).checked()
        target = path or f"{slug(record.name)}.yaml"
        if os.path.exists(target) and not force:
            raise UsageError(f"{target} already exists; use --force to overwrite it")
        if schema_ref is None:
            schema_ref, schema = ensure_kept_schema(target)
            if schema:
                click.echo(f"wrote {os.path.relpath(schema)} (the schema editors read: keep it "
                           "in the repository)")
        write_new(target, render_document(record, schema_ref), force)
        click.echo(f"wrote {target}")
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
    except OSError as exc:
        error(f"{exc.filename or ''}: {exc.strerror or exc}")  # escaped, as every message
        sys.exit(2)
