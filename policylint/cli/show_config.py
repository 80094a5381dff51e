"""``policylint show-config``: the merged configuration and where each value came from."""

from __future__ import annotations

import json
import sys

import click

from policylint.cli import error


@click.command("show-config")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None,
              help="Use this configuration file instead of searching for one.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def show_config(config_file: str | None, isolated: bool, fmt: str) -> None:
    """Show the configuration `check` would use, with the file and line of each value."""
    from policylint.errors import PolicylintError
    from policylint.run import config as configuration

    try:
        config = configuration.resolve(explicit=config_file, isolated=isolated)
    except PolicylintError as exc:
        error(exc)
        sys.exit(exc.exit_code)
    rows = configuration.explain(config)
    if fmt == "json":
        click.echo(json.dumps({"files": config.files,
                               "values": [{"key": k, "value": v, "source": s} for k, v, s in rows]},
                              indent=2, default=str))
        return
    click.echo("# files: " + (", ".join(config.files) if config.files else
                              "none (defaults only)" + (" — --isolated" if isolated else "")))
    width = max(len(k) for k, _, _ in rows)
    for key, value, source in rows:
        click.echo(f"{key.ljust(width)}  {json.dumps(value, default=str)}  # {source}")
