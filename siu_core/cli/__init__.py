"""The ``siu`` command line. Each subcommand lives in its own module and is imported only when run."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

#: subcommand name -> "module:attribute" of a click command (imported lazily to keep --help fast).
COMMANDS: dict[str, str] = {
    "channels": "siu_core.cli.channels:channels",
    "config": "siu_core.cli.config:config",
    "contract-test": "siu_core.cli.contract:contract_test",
    "simulate": "siu_core.cli.simulate:simulate",
    "dev": "siu_core.cli.dev:dev",
    "demo": "siu_core.cli.demo:demo",
    "token": "siu_core.cli.token:token",
    "digest": "siu_core.cli.digest:digest",
    "report": "siu_core.cli.report:report",
    "sla": "siu_core.cli.sla:sla",
    "taxonomy": "siu_core.cli.taxonomy:taxonomy",
    "labels": "siu_core.cli.labels:labels",
    "new-channel": "siu_core.cli.new_channel:new_channel",
    "build": "siu_core.cli.build:build",
    "deploy": "siu_core.cli.deploy:deploy",
    "cost": "siu_core.cli.cost:cost",
    "customer": "siu_core.cli.customer:customer",
    "search": "siu_core.cli.search:search",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name and module_name.startswith(exc.name):
                return None  # subcommand not built yet
            raise
        cmd: click.Command = getattr(module, attr)
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="siu-core", prog_name="siu")
@click.option("--state-dir", default=None, metavar="DIR",
              help="State dir of the `siu dev` that commands such as `token` talk to (sets $SIU_STATE_DIR).")
def cli(state_dir: str | None) -> None:
    """siu, the social inbox unifier: one shared team inbox for every channel your plugins bring (`siu channels`)."""
    if state_dir:
        import os

        os.environ["SIU_STATE_DIR"] = state_dir


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point; exit codes: 0 ok, 1 failure, 2 usage error."""
    return cli.main(args=argv if argv is not None else sys.argv[1:], prog_name="siu")
