"""``policylint diff``: parse options and write what changed between two versions of a policy."""

from __future__ import annotations

import sys

import click

from policylint.cli import error, split_ids
from policylint.compare.run import DIFF_FORMATS
from policylint.finding import SEVERITIES


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("-f", "--format", "fmt", type=click.Choice(DIFF_FORMATS), default=None,
              help="Output format. Default: from the -o suffix, else text on a terminal and "
                   "markdown (for pull-request comments) anywhere else.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to FILE (atomically) instead of standard output.")
@click.option("--pack", "packs", multiple=True, callback=split_ids, metavar="ID",
              help="Check both versions against this pack (repeatable); replaces the default packs.")
@click.option("--extend-pack", "extend_packs", multiple=True, callback=split_ids, metavar="ID",
              help="Add a pack to the default ones (repeatable).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Use this configuration file instead of searching for one.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when NEW has a new finding at least this severe (default: never).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour in text output (NO_COLOR is honoured).")
def diff(old: str, new: str, fmt: str | None, output: str | None, packs: tuple[str, ...],
         extend_packs: tuple[str, ...], config_file: str | None, isolated: bool,
         fail_on: str | None, color: str) -> None:
    """Show what changed between two versions of a policy document.

    OLD and NEW are files, or git revisions of one (REV:path, as `git show` reads them, e.g.
    HEAD~1:policies/lynn.yaml). Provisions are compared by topic (added, removed, value
    changed, quote reworded) and findings by rule and place (new, fixed, unchanged).

    Exit codes: 0 written; 1 a new finding at or above --fail-on; 2 usage error or a version
    that could not be read.
    """
    from policylint.compare.run import configured, pick_format, run_diff
    from policylint.errors import PolicylintError
    from policylint.run.api import use_color

    terminal = output is None and sys.stdout.isatty()
    try:
        options, config_files = configured(packs, extend_packs, config_file, isolated)
        code = run_diff(old, new, pick_format(fmt, output, DIFF_FORMATS, terminal), output, options,
                        config_files, fail_on=fail_on, color=output is None and use_color(color))
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
    sys.exit(code)
