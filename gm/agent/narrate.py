"""Narration: templates state the facts; a model may add flavor a check lets through.

The facts of every turn come from ``prompts/facts.j2`` (one macro per event
kind), so they are always true. A configured language model may add a short
flavor line, kept only when :func:`gm.agent.faithful.check_flavor` passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from jinja2.sandbox import SandboxedEnvironment

from gm import events as ev
from gm.campaign.schema import Campaign
from gm.state.world import World
from prompts import environment


def prompt_environment(campaign: Campaign | None = None) -> SandboxedEnvironment:
    """Templates from ``prompts/``, overridable per campaign. Sandboxed: campaign files are untrusted."""
    return environment(campaign.prompts if campaign is not None else None)


def namer(world: World) -> Callable[[str], str]:
    camp = world.campaign

    def name(key: str) -> str:
        for table in (world.characters, world.items, world.entities):
            if key in table:
                return table[key].name
        for table in (camp.locations, camp.skills):
            if key in table:
                return table[key].name
        if key in camp.quests:
            return camp.quests[key].title
        return key

    return name


class FactWriter:
    """Renders events as sentences with the campaign's facts template."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.module = prompt_environment(campaign).get_template("facts.j2").module

    def lines(self, world: World, events: list[ev.Event]) -> list[str]:
        name = namer(world)
        out: list[str] = []
        for e in events:
            macro = getattr(self.module, e.kind, None)
            if macro is None:
                continue
            if isinstance(e, ev.QuestStage):
                stages = {s.id: s.goal for s in self.campaign.quests[e.quest].stages}
                text = str(macro(e, name, stages.get(e.stage, ""))).strip()
            else:
                text = str(macro(e, name)).strip()
            if text:
                out.append(text)
        return out


def stream_words(text: str) -> Iterator[str]:
    """Yield text in word-sized chunks, as a model would, so callers handle one streaming path."""
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word + (" " if i < len(words) - 1 else "")
