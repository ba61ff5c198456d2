"""Narration: templates state the facts; a model may add flavor a check lets through.

The facts of every turn come from ``prompts/facts.j2`` (one macro per event
kind), so they are always true. A configured language model may add a short
flavor line, kept only when :func:`gm.agent.faithful.check_flavor` passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from importlib import resources

from jinja2 import ChoiceLoader, DictLoader, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from gm import events as ev
from gm.campaign.schema import Campaign
from gm.state.world import World


def prompt_environment(campaign: Campaign | None = None) -> SandboxedEnvironment:
    """Templates from ``prompts/``, overridable per campaign. Sandboxed: campaign files are untrusted."""
    shipped = str(resources.files("prompts"))
    overrides = dict(campaign.prompts) if campaign is not None else {}
    return SandboxedEnvironment(
        loader=ChoiceLoader([DictLoader(overrides), FileSystemLoader(shipped)]),
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
    )


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
        for loc in (camp.locations[world.party_location], *camp.locations.values()):
            if key in loc.features:
                return loc.features[key].name
        return key

    return name


def descriptor(appearance: str) -> str:
    """'stout village headman, grey beard' -> 'a stout village headman': what someone looks like at a glance."""
    first = appearance.split(",")[0].strip()
    if not first or first.split()[0].lower() in ("a", "an", "the", "some"):
        return first
    return ("an " if first[0].lower() in "aeiou" else "a ") + first


class SceneWords:
    """What the facts template may ask about the world: a place as one arrives, how hurt someone is."""

    def __init__(self, world: World):
        self._world = world

    def place(self, location: str) -> str:
        """The place, who and what is there, in a few sentences (arriving, looking around, the opening)."""
        world, name = self._world, namer(self._world)
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
            lines.append("Ways on: " + ", ".join(f"{d} to {name(t)}" for d, t in ways.items()) + ".")
        return "\n".join(lines)

    def hurt(self, key: str, hp: int) -> str:
        """How a wound looks, in words: the numbers stay in the roll line."""
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
            out.append(f"Goal ({world.campaign.quests[key].title}): {world.campaign.quests[key].stages[quest.stage].goal}")
            break
    return out


class FactWriter:
    """Renders events as sentences with the campaign's facts template."""

    def __init__(self, campaign: Campaign):
        self.campaign = campaign
        self.template = prompt_environment(campaign).get_template("facts.j2")

    def scene(self, world: World) -> str:
        """The party's location as one looks around: the place, who and what is there."""
        return SceneWords(world).place(world.party_location)

    def opening(self, world: World) -> str:
        """The first words of a game: the story's premise, then the scene."""
        summary = " ".join(world.campaign.summary.split())
        return "\n".join(part for part in (summary, self.scene(world)) if part)

    def lines(self, world: World, events: list[ev.Event]) -> list[str]:
        name = namer(world)
        module = self.template.make_module({"w": SceneWords(world)})
        out: list[str] = []
        for e in events:
            macro = getattr(module, e.kind, None)
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
