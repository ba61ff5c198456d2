"""The terminal game (Typer + Rich): a thin adapter over :class:`gm.session.PlaySession`."""

from __future__ import annotations

import threading
from pathlib import Path

from rich.columns import Columns
from rich.panel import Panel
from rich.prompt import Prompt
from rich.table import Table

from gm.actions import usage_lines
from gm.campaign.loader import load_campaign, shipped_campaigns
from gm.game import TurnError
from gm.safe_text import TerminalConsole
from gm.safe_text import for_terminal as esc
from gm.session import PlaySession
from gm.settings import Settings

# Player and campaign text is data: the console strips control characters from every string, and
# `esc` escapes the text that goes into markup (panel titles, f-strings with [bold]).
console = TerminalConsole(highlight=False)

TUI_COMMANDS = ("[bold]Commands[/bold]: /look  /status  /quests  /roll 1d20+2  /event <something happens>  /save  "
                "/help  /quit")


def tui_help(session: PlaySession) -> str:
    """How to play, with examples from the scene of the campaign being played (never another campaign's)."""
    from gm.agent.narrate import scene_hints

    hints = "\n".join(esc(line) for line in scene_hints(session.game.world()))
    return ("[bold]Play[/bold] by saying what you do in your own words.\n" + (hints + "\n" if hints else "")
            + f"[bold]Plain commands[/bold]: {esc('  '.join(usage_lines()))}\n" + TUI_COMMANDS)


def choose_campaign() -> str | None:
    shipped = sorted(shipped_campaigns().items())
    table = Table(title="Campaigns", show_header=False, box=None)
    for i, (name, path) in enumerate(shipped, 1):
        c = load_campaign(path)
        table.add_row(f"[bold]{i}[/bold]", f"[bold]{esc(c.title)}[/bold]", esc(" ".join(c.summary.split())))
    console.print(table)
    try:
        answer = Prompt.ask("Play which", choices=[str(i) for i in range(1, len(shipped) + 1)], default="1")
    except KeyboardInterrupt:
        return None
    except EOFError:  # no terminal to ask on (stdin closed or redirected)
        raise ValueError("no campaign chosen: standard input is closed. Name one "
                         f"(worldkeeper play {shipped[0][0]}) or play from a file with --script FILE") from None
    return shipped[int(answer) - 1][0]


def status_panel(session: PlaySession) -> Panel:
    """The party, quest and place; every name in it is escaped, whoever wrote it."""
    state = session.state()
    party = Table(show_header=False, box=None, padding=(0, 1))
    for c in state["party"]:
        party.add_row(f"[bold]{esc(c['name'])}[/bold]", f"{c['hp']}/{c['max_hp']} hp",
                      esc(", ".join(c["inventory"])) or "—")
    quests = "\n".join(f"{esc(q['title'])}: {esc(q['goal'])}" for q in state["quests"]) or "—"
    exits = "  ".join(f"{esc(e['direction'])} → {esc(e['to'])}" for e in state["exits"]) or "none"
    here = esc(", ".join(e["name"] for e in state["scene"] if not e["in_party"])) or "nobody else"
    body = Columns([Panel(party, title="Party"), Panel(quests, title="Quest"),
                    Panel(f"{here}\n[dim]Exits:[/dim] {exits}", title=esc(state["location"]["name"]))])
    combat = " · [red]combat[/red]" if state["in_combat"] else ""
    return Panel(body, title=f"{esc(state['title'])} · turn {state['turn']}{combat}", border_style="dim")


def _history(settings: Settings) -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return
    path = settings.data_dir / "history"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        readline.read_history_file(path)
    except OSError:
        pass
    import atexit
    atexit.register(lambda: readline.write_history_file(path))


def _answer(waiting: dict) -> object:
    """Ask the player what a waiting turn needs: which reading they meant, or to roll."""
    if waiting.get("type") == "choice":
        console.print()
        for i, label in enumerate(waiting["options"], 1):
            console.print(f"  [bold]{i}[/bold]. {esc(label)}")
        try:
            # a number picks; "no" or "neither" declines; anything else is what you do instead
            picked = console.input("Did you mean [bold](number, no, or what you do instead)[/bold] [1]: ").strip()
        except (EOFError, KeyboardInterrupt):
            picked = "1"
        picked = picked or "1"
        return int(picked) - 1 if picked.isdigit() else picked
    if waiting.get("type") == "roll":
        try:
            console.input("[bold]Press Enter to roll the dice 🎲[/bold] ")
        except (EOFError, KeyboardInterrupt):
            pass
        return {"rolled": True}
    return None


def play_interactive(session: PlaySession, settings: Settings, view_url: str | None = None) -> None:
    _history(settings)
    world = session.game.world()
    console.print(Panel(esc(" ".join(world.campaign.summary.split())), title=esc(world.campaign.title),
                        border_style="yellow"))
    if world.turn == 0:  # the opening sets the scene
        console.print(session.game.opening_scene(), markup=False)
    if view_url:
        console.print(f"Live viewer: {esc(view_url)}")
    console.print(tui_help(session))
    pending = session.game.pending()
    if pending is not None and pending.get("type") in ("choice", "roll"):  # the last run stopped while waiting
        try:
            session.resume(_answer(pending), on_text=lambda chunk: console.print(chunk, end="", markup=False))
        except TurnError as exc:  # undone: the game goes on from its last stored turn
            console.print(str(exc), markup=False, style="red")
        console.print()
    console.print(status_panel(session))
    terminal = threading.get_ident()

    def from_elsewhere(result) -> None:
        """A turn played on this game from the web viewer: show it here too."""
        if threading.get_ident() != terminal:
            console.print(f"\n[dim](from the viewer)[/dim] > {esc(result.input)}")
            console.print(result.narration, markup=False)

    session.listeners.append(from_elsewhere)
    while True:
        try:
            line = console.input("[bold yellow]> [/bold yellow]").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        if line == "/save":
            console.print(f"Saved. Every turn is stored as it happens; continue with "
                          f"[bold]worldkeeper play --resume {esc(session.game.name)}[/bold].")
            continue
        if line == "/help":
            console.print(tui_help(session))
            continue
        # the spinner stops at the first words of the answer: a live display redraws (and so erases) the
        # line it sits on, and narration streams without a newline until the turn ends
        spinner = console.status("[dim]the game master considers…[/dim]", spinner="dots")
        spinner.start()

        def show(chunk: str) -> None:
            spinner.stop()
            console.print(chunk, end="", markup=False)

        try:
            result = session.act(line, on_text=show)
        except TurnError as exc:
            result = None
            spinner.stop()
            console.print(str(exc), markup=False, style="red")
        finally:
            spinner.stop()
        try:
            while result is not None and result.waiting is not None:
                result = session.resume(_answer(result.waiting), on_text=show)
        except TurnError as exc:
            result = None
            console.print(str(exc), markup=False, style="red")
        console.print()
        if result is None:
            continue
        if session.last_clip:
            # soft wrap: a path is never broken by a hard newline, so it can be copied (or clicked) whole
            console.print(f"[dim]clip: {esc(session.last_clip)}[/dim]", soft_wrap=True)
        if result.kind != "info":
            console.print(status_panel(session))
    console.print(f"Game saved as [bold]{esc(session.game.name)}[/bold] in {esc(Path(session.game.folder))}.")
