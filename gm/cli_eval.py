"""``worldkeeper eval``: interpretation accuracy and turn latency on a development set."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from gm.cli import app, fail, out
from gm.settings import Settings


@app.command("eval")
def evaluate_command(
    devset: Annotated[Path, typer.Argument(help="A development set (see bench/devset.yaml).")] = Path("bench/devset.yaml"),
    llm: Annotated[Optional[str], typer.Option(help="embedded, openai, transformers or none.")] = None,
    turns: Annotated[int, typer.Option(help="Free-text turns to time end to end.")] = 12,
    show_misses: Annotated[bool, typer.Option(help="List the inputs interpreted wrongly.")] = True,
) -> None:
    """Report interpretation accuracy, intent latency, and turn / narration latency with the configured model."""
    from gm.agent.evaluate import evaluate
    from gm.runtime import build_components, load_llm

    if not devset.exists():
        raise fail(f"no development set at {devset}")
    settings = Settings(**({"llm": llm} if llm else {}))
    model = load_llm(settings)
    components = build_components(settings, llm=model)
    report = evaluate(devset, components.grounder)
    out.print(report.summary(), markup=False)
    if show_misses:
        for miss in report.misses:
            out.print(f"  miss [{miss.campaign}] {miss.text!r}: expected {miss.expected}, got {miss.got}", markup=False)
    if turns:
        out.print(_turn_latency(components, settings, turns), markup=False)


def _turn_latency(components, settings: Settings, turns: int) -> str:
    from gm.campaign.loader import resolve_campaign
    from gm.game import Game

    lines = ["let's go see the witch in her hut", "ask the witch about the troll", "grab the fish",
             "ask maud to teach me the sunfire ward", "head back out to the green", "chat with the headman",
             "walk along the boardwalk to the east", "feed the fish to the wolf", "look around",
             "continue east to the chapel", "burn the troll with sunfire", "burn the troll with sunfire"]
    game = Game.create(resolve_campaign("lantern-of-mirefen"), Path(tempfile.mkdtemp()), seed=1, components=components)
    whole, first_text, first_model = [], [], []
    for line in (lines * 2)[:turns]:
        start = time.perf_counter()
        marks: list[float] = []
        game.act(line, on_text=lambda chunk: marks.append(time.perf_counter()))
        whole.append((time.perf_counter() - start) * 1000)
        if marks:
            first_text.append((marks[0] - start) * 1000)
        if len(marks) > 1:
            first_model.append((marks[1] - start) * 1000)
    game.close()
    pct = lambda v, q: sorted(v)[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else float("nan")
    med = lambda v: statistics.median(v) if v else float("nan")
    return (f"turn latency over {len(whole)} free-text turns: median {med(whole):.0f} ms, p95 {pct(whole, 0.95):.0f} ms\n"
            f"narration first token (templated facts): median {med(first_text):.0f} ms, "
            f"p95 {pct(first_text, 0.95):.0f} ms\n"
            f"model flavor first token, when one passed the check ({len(first_model)}/{len(whole)} turns): "
            f"median {med(first_model):.0f} ms")
