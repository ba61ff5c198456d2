"""``worldkeeper eval``: how well free text is understood, and how fast, on development sets."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from gm.cli_app import app, fail, out
from gm.settings import Settings


@app.command("eval")
def evaluate_command(
    devsets: Annotated[Optional[list[Path]], typer.Argument(
        help="Development sets (YAML, see gm/evalsets/devset.yaml). Default: the shipped main and untuned sets.")] = None,
    llm: Annotated[Optional[str], typer.Option(help="embedded, openai, transformers or none.")] = None,
    no_model: Annotated[bool, typer.Option("--no-model", help="Only measure grounding without the language model.")] = False,
    turns: Annotated[int, typer.Option(help="Free-text turns to time end to end through the turn graph (0: none).")] = 0,
    show_misses: Annotated[bool, typer.Option(help="List the inputs not understood.")] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Write one JSON object to stdout.")] = False,
) -> None:
    """Accuracy overall, per category, per action and per part (tuned / untuned), the wrong-action rate, and
    intent latency, with the configured model's tie-break and without any model."""
    from gm.agent.evaluate import DevsetError, compare, default_sets, evaluate
    from gm.runtime import build_components, load_llm

    paths = devsets or default_sets()
    for path in paths:
        if not path.exists():
            raise fail(f"no development set at {path}")
    settings = Settings(**({"llm": llm} if llm else {}))
    configs = {"without model": lambda: build_components(settings.model_copy(update={"llm": "none"}), progress=False)}
    if not no_model and settings.llm != "none":
        configs[f"with model ({settings.llm})"] = lambda: build_components(
            settings, progress=False, llm=load_llm(settings, progress=not json_out))
    reports, components = {}, None
    for name, build in configs.items():  # each report is printed as soon as it is done: the model pass is slow
        components = build()
        try:
            reports[name] = report = evaluate(paths, components.grounder, getattr(components, "topics", None))
        except (DevsetError, ValueError) as exc:
            raise fail(str(exc))
        if json_out:
            continue
        out.print(f"== {name}: {report.total} inputs from {', '.join(p.name for p in paths)}", markup=False)
        out.print(report.summary(), markup=False)
        if show_misses:
            for miss in report.misses:
                verdict = "WRONG" if miss.wrong else "miss"
                out.print(f"  {verdict} [{miss.case.part}/{miss.case.category}] {miss.case.text!r}: expected "
                          f"{_brief(miss.case.expected)}, got {_brief(miss.got) if miss.got else miss.kind}",
                          markup=False)
        out.file.flush()
    names = list(reports)
    changed = compare(reports[names[0]], reports[names[-1]]) if len(names) > 1 else None
    latency = _turn_latency(components, turns) if turns else None
    if json_out:
        out.print_json(json.dumps({"sets": [str(p) for p in paths],
                                   "reports": {n: r.as_dict() for n, r in reports.items()},
                                   **({"model_changes": dict(zip(("changed", "better", "worse"), changed))}
                                      if changed else {}),
                                   **({"turns": latency} if latency else {})}))
        return
    if changed:
        out.print(f"the model changes {changed[0]} answers of {reports[names[0]].total}: {changed[1]} better, "
                  f"{changed[2]} worse", markup=False)
    if latency:
        out.print(f"turn latency over {latency['turns']} free-text turns: median {latency['median_ms']:.0f} ms, "
                  f"p95 {latency['p95_ms']:.0f} ms", markup=False)


def _brief(steps: list[dict] | None) -> str:
    if not steps:
        return "nothing"
    return " then ".join("/".join(str(v) for k, v in s.items() if v is not None and k not in ("actor", "text"))
                         for s in steps)


def _turn_latency(components, turns: int) -> dict:
    """Whole turns through the real game (graph, rules, narration, plans) on a shipped campaign."""
    from gm.campaign.loader import resolve_campaign
    from gm.game import Game

    lines = ["let's go see the witch in her hut", "ask the witch about the troll", "grab the fish",
             "ask maud to teach me the sunfire ward", "head back out to the green", "chat with the headman",
             "walk along the boardwalk to the east", "feed the fish to the wolf", "look around",
             "continue east to the chapel", "burn the troll with sunfire", "burn the troll with sunfire"]
    game = Game.create(resolve_campaign("lantern-of-mirefen"), Path(tempfile.mkdtemp()), seed=1, components=components)
    whole = []
    try:
        for line in (lines * (turns // len(lines) + 1))[:turns]:
            start = time.perf_counter()
            game.act(line)
            whole.append((time.perf_counter() - start) * 1000)
    finally:
        game.close()
    ordered = sorted(whole)
    return {"turns": len(whole), "median_ms": statistics.median(whole),
            "p95_ms": ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]}
