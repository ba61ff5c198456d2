"""The ``worldkeeper`` command line: a thin adapter over :mod:`gm.game`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gm.campaign.loader import CampaignError, json_schema, load_campaign, shipped_campaigns
from gm.safe_text import for_terminal, plain

app = typer.Typer(help="Worldkeeper: a game master that remembers.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)
campaign_app = typer.Typer(help="Author and check campaign files.", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")
err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {for_terminal(message)}", markup=True)
    return typer.Exit(code)


@campaign_app.command("validate")
def campaign_validate(files: Annotated[list[Path], typer.Argument(help="Campaign YAML files.")]) -> None:
    """Check campaign files; print a summary for each good one and located errors for each bad one."""
    bad = 0
    for path in files:
        try:
            c = load_campaign(path)
        except CampaignError as exc:
            bad += 1
            for problem in exc.problems:
                err.print(plain(problem), markup=False)
            continue
        stages = sum(len(q.stages) for q in c.quests.values())
        out.print(plain(f"{path}: ok: {c.title!r}, {len(c.locations)} locations, {len(c.characters)} characters, "
                        f"{len(c.items)} items, {len(c.skills)} skills, {len(c.quests)} quests ({stages} stages)"),
                  markup=False)
    if bad:
        raise typer.Exit(1)


@campaign_app.command("schema")
def campaign_schema() -> None:
    """Print the JSON Schema of campaign files (for editor validation and completion)."""
    sys.stdout.write(json_schema() + "\n")


@campaign_app.command("list")
def campaign_list() -> None:
    """List the campaigns shipped with Worldkeeper."""
    for name, path in sorted(shipped_campaigns().items()):
        c = load_campaign(path)
        out.print(plain(f"{name}: {c.title} — {' '.join(c.summary.split())}"), markup=False)


@app.command("bot")
def bot_command() -> None:
    """Run the Discord bot (token from WORLDKEEPER_DISCORD_TOKEN)."""
    from bot.run import run_bot
    from gm.settings import Settings

    try:
        run_bot(Settings())
    except ValueError as exc:
        raise fail(str(exc))


def main() -> None:  # pragma: no cover - the console script entry point
    app()


# The play, saves, eval, serve and bot commands live in their own modules to keep start-up light.
from gm import cli_eval, cli_play  # noqa: E402,F401  (register commands on ``app``)
