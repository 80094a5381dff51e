"""``policylint compare``: parse options and write the side-by-side report."""

from __future__ import annotations

import sys

import click

from policylint.cli import error, split_ids
from policylint.compare.order import FILTER_KEYS, GROUP_KEYS, SORT_KEYS
from policylint.compare.run import COMPARE_FORMATS


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(COMPARE_FORMATS), default=None,
              help="Report format. Default: from the -o suffix (html for a FOLDER/), else markdown.")
@click.option("-o", "--output", type=click.Path(), default=None,
              help="Write the report to FILE (atomically) instead of standard output; an HTML "
                   "report to FOLDER/ is index.html with a page per state.")
@click.option("--pack", "packs", multiple=True, callback=split_ids, metavar="ID",
              help="Compare against this pack (repeatable); replaces each document's default packs.")
@click.option("--extend-pack", "extend_packs", multiple=True, callback=split_ids, metavar="ID",
              help="Add a pack to the default ones (repeatable).")
@click.option("--filter", "filters", multiple=True, metavar="KEY=VALUE[,VALUE]",
              help=f"Keep agencies whose KEY is one of the values; KEY: {', '.join(FILTER_KEYS)}. "
                   "Repeat for several keys (all must match).")
@click.option("--sort", default="name", show_default=True, metavar="KEY",
              help=f"Row order: {', '.join(SORT_KEYS)}, or score:PACK.")
@click.option("--group-by", type=click.Choice(GROUP_KEYS), default="none", show_default=True,
              help="Group the rows of every table.")
@click.option("--all-topics", is_flag=True, help="Show every topic, not only those some document addresses.")
@click.option("--title", default="Policy comparison", show_default=True, help="The report's title.")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte order mark (for Excel).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Use this configuration file instead of searching for one.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
def compare(paths: tuple[str, ...], fmt: str | None, output: str | None, packs: tuple[str, ...],
            extend_packs: tuple[str, ...], filters: tuple[str, ...], sort: str, group_by: str,
            all_topics: bool, title: str, bom: bool, config_file: str | None, isolated: bool) -> None:
    """Compare policies side by side: topics, rules, scorecards and coverage.

    Exit codes: 0 report written; 2 usage or configuration error, or a document that could
    not be read (the report is still written and lists it).
    """
    from policylint.compare.run import CompareSettings, configured, pick_format, run_compare
    from policylint.errors import PolicylintError

    try:
        options, config_files = configured(packs, extend_packs, config_file, isolated)
        settings = CompareSettings(paths=paths, fmt=pick_format(fmt, output, COMPARE_FORMATS),
                                   output=output, filters=filters, sort=sort, group_by=group_by,
                                   all_topics=all_topics, title=title, bom=bom,
                                   config_files=config_files)
        code, unreadable = run_compare(settings, options)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
    from policylint.report.environment import control_safe

    for file, problem in unreadable:
        click.echo(control_safe(f"policylint: {file}: {problem}"), err=True)
    sys.exit(code)
