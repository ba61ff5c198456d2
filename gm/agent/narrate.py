"""Narration: templates state the facts; a model may add flavor a check lets through.

The facts of every turn come from ``prompts/facts.j2`` (one macro per event
kind), so they are always true. A configured language model may add a short
flavor line, kept only when :func:`gm.agent.faithful.check_flavor` passes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

from gm import events as ev
from gm.campaign.schema import Campaign
from gm.campaign.templates import Templates
from gm.state.world import World


def templates(campaign: Campaign | None = None) -> Templates:
    """The templates of ``prompts/`` with the campaign's overrides, budgeted, with the shipped ones as fallback.

    One :class:`Templates` per campaign content, so an override that failed once stays replaced.
    """
    if campaign is None:
        return _templates("", ())
    return _templates(campaign.id, tuple(sorted(campaign.prompts.items())))


@functools.lru_cache(maxsize=64)
def _templates(campaign_id: str, prompts: tuple[tuple[str, str], ...]) -> Templates:
    return Templates(dict(prompts), label=f"campaign {campaign_id!r}" if campaign_id else "Worldkeeper")


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
        self.templates = templates(campaign)

    def lines(self, world: World, events: list[ev.Event]) -> list[str]:
        name = namer(world)
        out: list[str] = []
        for e in events:
            if isinstance(e, ev.QuestStage):
                stages = {s.id: s.goal for s in self.campaign.quests[e.quest].stages}
                text = self.templates.macro("facts.j2", e.kind, e, name, stages.get(e.stage, ""))
            else:
                text = self.templates.macro("facts.j2", e.kind, e, name)
            if text and text.strip():
                out.append(text.strip())
        return out


def stream_words(text: str) -> Iterator[str]:
    """Yield text in word-sized chunks, as a model would, so callers handle one streaming path."""
    words = text.split(" ")
    for i, word in enumerate(words):
        yield word + (" " if i < len(words) - 1 else "")
