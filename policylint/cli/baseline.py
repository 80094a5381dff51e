"""``policylint baseline create|prune``: record today's findings so that only new ones fail."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from policylint.cli import error

if TYPE_CHECKING:
    from policylint.run.api import CheckSettings

_FILE_HELP = "The baseline file (default: `baseline` in the configuration, else policylint-baseline.json)."


def _settings(paths: tuple[str, ...], config_file: str | None, isolated: bool) -> tuple[CheckSettings, str | None]:
    from policylint.run import config as configuration
    from policylint.run.api import build_settings

    if not paths:
        raise click.UsageError("give the files or directories whose findings to record")
    config = configuration.resolve(explicit=config_file, isolated=isolated)
    # The baseline records findings, so it must not hide them while it is being built.
    settings = build_settings(config, paths=paths)
    return settings, config.get("baseline")


def _run(action: str, paths: tuple[str, ...], file: str | None, config_file: str | None,
         isolated: bool) -> None:
    from dataclasses import replace

    from policylint.errors import PolicylintError
    from policylint.report.outputs import create_baseline, prune_baseline
    from policylint.run.baseline import DEFAULT_FILE

    try:
        settings, configured = _settings(paths, config_file, isolated)
        path = file or configured or DEFAULT_FILE
        settings = replace(settings, baseline=None, outputs=())
        if action == "create":
            made, errors = create_baseline(settings, path)
            click.echo(f"policylint: recorded {sum(made.counts.values())} finding(s) in {path}", err=True)
            if errors:
                click.echo(f"policylint: {errors} file(s) could not be read; their problems "
                           "are not recorded", err=True)
                sys.exit(2)
        else:
            kept, removed = prune_baseline(settings, path)
            click.echo(f"policylint: removed {removed} stale finding(s) from {path}; "
                       f"{sum(kept.counts.values())} remain", err=True)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)


_paths = click.argument("paths", nargs=-1, type=click.Path())
_file = click.option("--file", "file", type=click.Path(dir_okay=False), default=None, help=_FILE_HELP)
_config = click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
                       help="Use this configuration file instead of searching for one.")
_isolated = click.option("--isolated", is_flag=True, help="Ignore every configuration file.")


@click.group()
def baseline() -> None:
    """Record existing findings so that `check --baseline` fails only on new ones.

    Entries are keyed by document, rule, JSON pointer and a hash of the offending value,
    never by line number: edits elsewhere in a document do not invalidate them.
    """


@baseline.command()
@_paths
@_file
@_config
@_isolated
def create(paths: tuple[str, ...], file: str | None, config_file: str | None, isolated: bool) -> None:
    """Write every current finding of PATHS to the baseline file (replacing it)."""
    _run("create", paths, file, config_file, isolated)


@baseline.command()
@_paths
@_file
@_config
@_isolated
def prune(paths: tuple[str, ...], file: str | None, config_file: str | None, isolated: bool) -> None:
    """Drop the entries of the baseline that no finding of PATHS matches any more."""
    _run("prune", paths, file, config_file, isolated)
