"""The ``worldkeeper`` Typer application and its console output, shared by the command modules.

Command modules (:mod:`gm.cli_campaign`, :mod:`gm.cli_play`, :mod:`gm.cli_eval`) register their commands on
``app``; :mod:`gm.cli` imports them all and is the entry point. Nothing here imports a command module.
"""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="Worldkeeper: a game master that remembers.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
campaign_app = typer.Typer(help="Author and check campaign files.", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", markup=True)
    return typer.Exit(code)
