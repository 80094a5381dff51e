"""The ``policylint`` command group; subcommands are imported only when invoked."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from policylint import __version__

#: name -> "module:attribute" of each subcommand.  Importing lazily keeps
#: ``policylint check one.yaml`` from paying for every other command's imports.
COMMANDS: dict[str, str] = {
    "baseline": "policylint.cli.baseline:baseline",
    "check": "policylint.cli.check:check_command",
    "compare": "policylint.cli.compare:compare",
    "diff": "policylint.cli.diff:diff",
    "explain": "policylint.cli.explain:explain",
    "extract": "policylint.cli.extract:extract",
    "init": "policylint.cli.init:init",
    "new-rule": "policylint.cli.new_rule:new_rule",
    "packs": "policylint.cli.packs:packs",
    "rules": "policylint.cli.rules:rules",
    "schema": "policylint.cli.schema:schema",
    "show-config": "policylint.cli.show_config:show_config",
}


def split_ids(ctx: click.Context | None, param: click.Parameter | None,
              values: tuple[str, ...]) -> tuple[str, ...]:
    """Click callback: repeatable id options also take comma lists (--pack a,b --pack c)."""
    return tuple(v.strip() for value in values or () for v in value.split(",") if v.strip())


def error(message: object) -> None:
    """Print ``policylint: error: MESSAGE`` on standard error.  Messages quote files (a
    pack's ids, a configuration's values, file names): their control characters and bidi
    overrides are escaped, as in every human output."""
    from policylint.report.environment import control_safe

    click.echo(f"policylint: error: {control_safe(str(message))}", err=True)


class LazyGroup(click.Group):
    """A click group that imports a subcommand's module only when it is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, _, attr = target.partition(":")
        return getattr(importlib.import_module(module), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="policylint")
def cli() -> None:
    """Lint police policies on cooperation with federal immigration enforcement."""


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; no traceback ever reaches the user (exit code 2 instead)."""
    from policylint.errors import PolicylintError

    try:
        return cli.main(args=argv, prog_name="policylint", standalone_mode=True)
    except PolicylintError as exc:  # pragma: no cover - commands handle their own
        error(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("policylint: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        click.echo(
            f"policylint: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in policylint; please report it with the command you ran.",
            err=True,
        )
        sys.exit(2)
