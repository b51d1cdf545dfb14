"""The ``drawdown`` command group.

Subcommands live one per module and are imported only when used, so ``drawdown --help``
and shell completion stay fast. Every subcommand runs under
:func:`drawdown.cli.signals.stopping_on_signals`: SIGINT and SIGTERM stop it cleanly,
with exit status 130 and 143.
"""

from __future__ import annotations

import importlib

import click

# name -> "module:function", the module relative to this package
COMMANDS = {
    "list": ".list_cmd:list_cmd",
    "show": ".show:show",
    "validate": ".validate:validate",
    "run": ".run:run",
    "trace": ".trace:trace",
    "compare": ".compare:compare",
    "plot": ".plot:plot",
    "sweep": ".sweep:sweep",
    "merge": ".merge:merge",
    "analyze": ".analyze:analyze",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The subcommands' names, without importing them."""
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        """Subcommand ``name``, imported now (None for no such command)."""
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        # A subcommand that fails to import is a bug to see, not "No such command".
        return getattr(importlib.import_module(module, __package__), attr)

    def invoke(self, ctx: click.Context) -> object:
        """Run the subcommand; SIGINT and SIGTERM stop it cleanly, exit status 130 and 143
        (:func:`drawdown.cli.signals.stopping_on_signals`)."""
        from .signals import stopping_on_signals

        with stopping_on_signals():
            return super().invoke(ctx)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="drawdown", prog_name="drawdown")
def main() -> None:
    """drawdown: simulate phased military drawdowns under deadlines and conditions.

    \b
    Examples:
      drawdown list
      drawdown show doha-2021-05-01
      drawdown run
      drawdown run doha-2021-05-01 --reps 20000 --seed 1 --out results/doha
      drawdown compare doha-2021-05-01 announced-2021-09-11
      drawdown plot results/doha
      drawdown sweep deadline-and-threat --out results/sweep --workers 4
      drawdown merge results/big
    """


if __name__ == "__main__":
    main()
