"""The ``worldkeeper`` Typer application and its console output, shared by the command modules.

Command modules (:mod:`gm.cli_campaign`, :mod:`gm.cli_play`, :mod:`gm.cli_eval`) register their commands on
``app``; :mod:`gm.cli` imports them all and is the entry point. Nothing here imports a command module.
"""

from __future__ import annotations

import typer

from gm.safe_text import TerminalConsole, for_terminal

app = typer.Typer(help="Worldkeeper: a game master that remembers.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
campaign_app = typer.Typer(help="Author and check campaign files.", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")
# Every string printed loses its control characters: names, narration and player lines are data.
err = TerminalConsole(stderr=True, highlight=False, soft_wrap=True)
out = TerminalConsole(highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {for_terminal(message)}", markup=True)
    return typer.Exit(code)
