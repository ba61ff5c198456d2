"""Measure interpretation accuracy and latency on a development set of free-text inputs."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from gm.agent.commands import parse_command
from gm.agent.interpret import Grounder, interpret
from gm.campaign.loader import load_campaign, resolve_campaign
from gm.rules.advance import advance
from gm.rules.dice import Dice
from gm.actions import resolve
from gm.state.world import World


@dataclass
class Miss:
    campaign: str
    text: str
    expected: dict
    got: dict | None
    candidates: list


@dataclass
class Report:
    total: int = 0
    correct: int = 0
    by_route: dict[str, list[bool]] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies_ms)
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else 0.0

    def summary(self) -> str:
        lines = [f"interpretation accuracy: {self.correct}/{self.total} = {self.accuracy:.1%}",
                 f"intent latency: median {statistics.median(self.latencies_ms):.1f} ms, "
                 f"p95 {self.percentile(0.95):.1f} ms"]
        for route, hits in sorted(self.by_route.items()):
            lines.append(f"  via {route}: {sum(hits)}/{len(hits)}")
        return "\n".join(lines)


def scene_world(campaign_name: str, setup: list[str], seed: int = 1) -> World:
    """A new game of the campaign with ``setup`` (plain commands) played through the rules."""
    world = World.new(load_campaign(resolve_campaign(campaign_name)), seed)
    for line in setup:
        intent = parse_command(world, line)
        if intent is None:
            raise ValueError(f"setup line is not a plain command: {line!r}")
        world.turn += 1
        dice = Dice(seed, world.turn)
        outcome = resolve(world, intent, dice)
        if not outcome.ok:
            raise ValueError(f"setup line {line!r} was refused: {outcome.reason}")
        advance(world, dice, intent, world.pcs()[0].key)
    return world


def matches(expected: dict, got: dict | None) -> bool:
    return got is not None and all(got.get(k) == v for k, v in expected.items())


def evaluate(devset: Path, grounder: Grounder | None) -> Report:
    data = yaml.safe_load(devset.read_text(encoding="utf-8"))
    report = Report()
    for scene in data["scenes"]:
        world = scene_world(scene["campaign"], scene.get("setup", []))
        for case in scene["inputs"]:
            start = time.perf_counter()
            found = interpret(world, case["text"], grounder)
            report.latencies_ms.append((time.perf_counter() - start) * 1000)
            got = found.intent.as_dict() if found.intent else None
            ok = matches(case["expect"], got)
            report.total += 1
            report.correct += ok
            report.by_route.setdefault(found.via if found.kind != "clarify" else "clarify", []).append(ok)
            if not ok:
                report.misses.append(Miss(scene["campaign"], case["text"], case["expect"], got, found.candidates))
    return report
