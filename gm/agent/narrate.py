"""Narration: templates state the facts; a model may add flavor a check lets through.

The facts of every turn come from ``prompts/facts.j2`` (one macro per event
kind), so they are always true. A configured language model may add a short
flavor line, kept only when :func:`gm.agent.faithful.check_flavor` passes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

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


def namer(world: World) -> SceneNamer:
    return SceneNamer(world)


def descriptor(appearance: str) -> str:
    """'stout village headman, grey beard' -> 'a stout village headman': what someone looks like at a glance."""
    first = appearance.split(",")[0].strip()
    if not first or first.split()[0].lower() in ("a", "an", "the", "some"):
        return first
    return ("an " if first[0].lower() in "aeiou" else "a ") + first


class SceneNamer:
    """The ``n`` of the facts template: ``n(id)`` is a display name; ``n.place(location)`` the place as one
    arrives (who and what is there), ``n.hurt(id, hp)`` a wound in words (numbers stay in the roll line),
    ``n.person(id)`` whether the id is a character."""

    def __init__(self, world: World):
        self._world = world

    def __call__(self, key: str) -> str:
        world, camp = self._world, self._world.campaign
        for table in (world.characters, world.items, world.entities):
            if key in table:
                return table[key].name
        for table in (camp.locations, camp.skills):
            if key in table:
                return table[key].name
        if key in camp.quests:
            return camp.quests[key].title
        for loc in (camp.locations[world.party_location], *camp.locations.values()):
            if key in loc.features:
                return loc.features[key].name
        return key

    def place(self, location: str) -> str:
        """The place, who and what is there, in a few sentences (arriving, looking around, the opening)."""
        world = self._world
        spec = world.campaign.locations[location]
        lines = [spec.description] if spec.description else []
        people = [c for c in world.present(location) if not c.in_party]
        for ch in sorted(people, key=lambda c: (not c.alive, c.disposition != "hostile", c.key)):
            if not ch.alive:
                lines.append(f"{ch.name} lies defeated.")
            elif ch.disposition == "hostile":
                lines.append(f"{ch.name}, {descriptor(ch.appearance)}, is here, and hostile!")
            else:
                lines.append(f"{ch.name}, {descriptor(ch.appearance)}, is here.")
        for ent in world.entities_at(location):
            lines.append(f"{descriptor(ent.appearance).capitalize() or ent.name} ({ent.name}) is here.")
        items = world.items_at(location)
        if items:
            lines.append("Lying here: " + ", ".join(f"the {i.name}" for i in items) + ".")
        if location == world.party_location:
            features = [f.name for _, f in world.features_here()]
            if features:
                lines.append("Worth a closer look: " + ", ".join(f"the {f}" for f in features) + ".")
        ways = world.exits(location)
        if ways:
            lines.append("Ways on: " + ", ".join(f"{d} to {self(t)}" for d, t in ways.items()) + ".")
        return "\n".join(lines)

    def hurt(self, key: str, hp: int) -> str:
        ch = self._world.characters.get(key)
        share = hp / ch.max_hp if ch and ch.max_hp else 1.0
        if hp <= 0:
            return "goes down"
        if share > 0.66:
            return "takes a light wound"
        if share > 0.33:
            return "is hurt"
        return "is badly hurt and reeling"

    def person(self, key: str) -> bool:
        return key in self._world.characters


def scene_hints(world: World, limit: int = 5) -> list[str]:
    """Things one could do right here, named from this campaign's own scene, and the current goal.

    Only what the party can already see: present people, visible features, items lying here, exits.
    """
    here = world.party_location
    me = next((c for c in world.pcs() if c.alive), None)
    ideas: list[str] = []
    for ch in world.present():
        if ch.in_party or not ch.alive:
            continue
        ideas.append(f"attack {ch.name}" if ch.disposition == "hostile" else f"talk to {ch.name}")
    for _, feature in world.features_here():
        ideas += [f"{approach} the {feature.name}" for approach in list(feature.checks)[:1]]
    ideas += [f"take the {item.name}" for item in world.items_at(here)]
    ideas += [f"go {direction}" for direction in list(world.exits())[:2]]
    if me is not None:
        ideas += [f"use {world.campaign.skills[s].name}" for c, s in sorted(world.skills) if c == me.key][:1]
    out = ["Here you might: " + ", ".join(dict.fromkeys(ideas[:limit])) + "."] if ideas else []
    for key, quest in world.quests.items():
        if quest.status == "active":
            spec = world.campaign.quests[key]
            out.append(f"Goal ({spec.title}): {spec.stages[quest.stage].goal}")
            break
    return out


class FactWriter:
    """Renders events as sentences with the campaign's facts template."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.templates = templates(campaign)

    def scene(self, world: World) -> str:
        """The party's location as one looks around: the place, who and what is there."""
        return namer(world).place(world.party_location)

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
