"""The terminal game (Rich): a thin adapter over :class:`gm.game.Game`."""

from __future__ import annotations

from rich.console import Console
from rich.prompt import Prompt

from gm.campaign.loader import load_campaign, shipped_campaigns
from gm.game import Game
from gm.settings import Settings

console = Console(highlight=False)


def choose_campaign() -> str | None:
    shipped = sorted(shipped_campaigns().items())
    for i, (name, path) in enumerate(shipped, 1):
        c = load_campaign(path)
        console.print(f"[bold]{i}[/bold]. {c.title} — {' '.join(c.summary.split())}")
    answer = Prompt.ask("Which campaign", choices=[str(i) for i in range(1, len(shipped) + 1)], default="1")
    return shipped[int(answer) - 1][0]


def play_interactive(game: Game, settings: Settings, recorder, view: bool = False) -> None:
    while True:
        try:
            line = Prompt.ask("[bold]>[/bold]")
        except (EOFError, KeyboardInterrupt):
            break
        if line.strip() in ("/quit", "/exit"):
            break
        result = game.act(line, on_text=lambda chunk: console.print(chunk, end="", markup=False))
        console.print()
