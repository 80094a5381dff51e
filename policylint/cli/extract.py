"""``policylint extract``: propose a draft document from a policy's text."""

from __future__ import annotations

import os
import sys

import click

from policylint.cli import error


@click.command()
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--agency", required=True, help="The agency's name, e.g. \"Quincy Police Department\".")
@click.option("--state", required=True, help="Two-letter state code, e.g. MA.")
@click.option("--kind", default="municipal_police", show_default=True, help="Agency kind.")
@click.option("--jurisdiction", help="The city, town or county the agency serves.")
@click.option("--instrument-kind", help="The instrument's kind (default: read from its headings, "
              "else department_policy).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the draft here (default: standard output, the summary on standard error).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def extract(source: str, agency: str, state: str, kind: str, jurisdiction: str | None,
            instrument_kind: str | None, output: str | None, force: bool) -> None:
    """Propose a draft document from SOURCE (.txt, .md, .html, .pdf, .docx).

    Every topic's passages are quoted verbatim with their section; a value is proposed only
    where a documented pattern is confident, else `unclear`; every entry is marked
    "proposed by extract" for review. Topics with nothing found are left out (silent).
    """
    from policylint.errors import PolicylintError, UsageError
    from policylint.extract import draft_from_file
    from policylint.report.scaffold import Agency
    from policylint.report.writer import Guard, write_file

    try:
        record = Agency(agency, state, kind, jurisdiction).checked()
        if output and os.path.exists(output) and not force:
            raise UsageError(f"{output} already exists; use --force to overwrite it")
        draft = draft_from_file(source, record, output, instrument_kind)
        if output:
            directory = os.path.dirname(output)
            if directory:
                os.makedirs(directory, exist_ok=True)
            write_file(output, draft.text, Guard().protect([source], "the source"))
            click.echo(f"wrote {output}")
        else:
            click.echo(draft.text, nl=False)
        for warning in draft.warnings:
            click.echo(f"policylint: warning: {warning}", err=True)
        click.echo(draft.summary, err=not output)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
    except OSError as exc:
        error(f"{exc.filename or ''}: {exc.strerror or exc}")  # escaped, as every message
        sys.exit(2)
