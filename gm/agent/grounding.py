"""Grounding free text against the scene: enumerate what can happen here, then choose.

Every candidate intent that can exist in the current scene (each action with
each entity, exit, item or skill it can apply to) gets a few natural phrasings.
A sentence-embedding model ranks candidates by similarity to the player's
words, with a bonus when the words name the candidate's target; the language
model is asked to choose among the top few only when they are close (or when a
stronger model is configured). A choice can only ever be one of the
candidates, so an intent can only name something real; too weak a match is a
clarification that changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from gm.agent.commands import normalize
from gm.agent.interpret import Interpretation
from gm.campaign.schema import CharacterKind
from gm.intent import Action, Intent
from gm.state.world import World

# Words that ask the game master to break its rules. Never an action.
_INJECTION = re.compile(r"\b(ignore (all |your |the |previous |prior )*(instructions|rules|prompt)|system prompt|"
                        r"you are now|developer mode|give me \d+|set my (hp|health|stats?)|\d{3,} ?(hp|health|gold))\b",
                        re.I)
_FOES = {"monster", "enemy", "creature", "foe", "it", "them", "beast", "thing", "robot", "machine", "brute"}
_FOOD = ("fish", "rice", "ball", "onigiri", "bread", "meat", "apple", "food", "snack", "cake", "jerky", "cheese")
_STOP = {"the", "a", "an", "of", "to", "and", "with", "on", "in", "at", "my", "your", "his", "her", "its", "some",
         "from", "for", "into", "onto", "that", "this", "is", "are", "be", "i", "me", "you"}


# Everyday words players use for what a descriptor names precisely.
_HYPERNYMS = {
    "shiba": "dog pup puppy doggo animal", "inu": "dog pup puppy animal", "wolf": "dog animal beast",
    "hound": "dog animal", "raven": "bird", "drone": "robot bot machine", "mech": "robot machine",
    "robot": "machine bot", "maiden": "woman girl priestess", "witch": "woman lady", "vendor": "man cook chef",
    "headman": "man elder chief", "scientist": "doctor doc", "troll": "monster brute", "beast": "monster creature",
    "leviathan": "monster creature beast", "onigiri": "food rice", "bell": "bell", "keycard": "card key",
}


@dataclass
class Candidate:
    intent: Intent
    label: str
    phrasings: list[str]
    names: set[str] = field(default_factory=set)  # words that name its target, item or skill
    keys: tuple[str, ...] = ()  # the ids it involves


Embedder = Callable[[Sequence[str]], np.ndarray]  # texts -> L2-normalised rows
Chooser = Callable[[World, str, list[Candidate]], int | None]  # the language model's pick, or None


def _words(text: str) -> set[str]:
    return {w for w in normalize(text).replace("-", " ").split() if w not in _STOP and len(w) > 1}


def _descriptor(appearance: str) -> str:
    """'elderly ramen vendor, white headband' -> 'elderly ramen vendor'."""
    return appearance.split(",")[0].strip()


def _name_words(world: World, key: str) -> set[str]:
    camp = world.campaign
    words = _words(key)
    if key in world.characters:
        spec = world.spec(key)
        words |= _words(spec.name) | _words(" ".join(spec.aliases)) | _words(_descriptor(spec.appearance))
    elif key in camp.items:
        spec = camp.items[key]
        words |= _words(spec.name) | _words(" ".join(spec.aliases)) | _words(spec.appearance)
    elif key in camp.skills:
        spec = camp.skills[key]
        words |= _words(spec.name) | _words(" ".join(spec.aliases))
    elif key in camp.locations:
        spec = camp.locations[key]
        words |= _words(spec.name) | _words(" ".join(spec.aliases))
    elif key in world.entities:
        words |= _words(world.entities[key].name)
    for word in words | (_words(world.characters[key].appearance) if key in world.characters else set()):
        words |= set(_HYPERNYMS.get(word, "").split())
    return words


def candidates(world: World, actor: str | None = None) -> list[Candidate]:
    """Every intent that could apply in the current scene, with phrasings to match against."""
    camp = world.campaign
    pcs = world.pcs()
    me = world.characters[actor] if actor else (pcs[0] if pcs else None)
    here = camp.locations[world.party_location]
    out: list[Candidate] = []

    def add(intent: Intent, label: str, phrasings: list[str], *keys: str) -> None:
        names: set[str] = set()
        for key in keys:
            names |= _name_words(world, key)
        out.append(Candidate(intent, label, [label, *phrasings], names, keys))

    for direction, dest in here.exits.items():
        name = camp.locations[dest].name
        add(Intent(action=Action.move, target=direction), f"go {direction} to {name}",
            [f"walk {direction}", f"head to {name}", f"go to the {name}", f"travel toward {name}",
             f"go back to the {name}", f"return to {name}", f"leave the {here.name}", "get out of here",
             f"retreat {direction}", f"make my way {direction}", f"climb {direction}" if direction in ("up", "down")
             else f"run {direction}"], dest)
        out[-1].names |= {direction} | _name_words(world, world.party_location)  # "leave the hut"
    people = [c for c in world.present() if me is None or c.key != me.key]
    for ch in people:
        desc = _descriptor(ch.appearance)
        if ch.alive and ch.disposition != "hostile":
            add(Intent(action=Action.talk, target=ch.key), f"talk to {ch.name}",
                [f"speak with {ch.name}", f"ask {ch.name} what happened", f"chat with the {desc}",
                 f"say hello to {ch.name}", f"ask {ch.name} for help", f"greet the {desc}",
                 f"ask {ch.name} about the trouble", f"question {ch.name}"]
                # what they know and who they are: "ask the old man about the light" finds the lamplighter
                + [f"ask {ch.name} about {fact.text}" for fact in world.spec(ch.key).knows]
                + ([f"talk to {ch.name}. {world.spec(ch.key).persona}"] if world.spec(ch.key).persona else []),
                ch.key)
        if ch.kind is CharacterKind.companion and not ch.in_party and ch.alive:
            add(Intent(action=Action.recruit, target=ch.key), f"ask {ch.name} to join the party",
                [f"recruit {ch.name}", f"invite {ch.name} to come along", f"befriend the {desc}",
                 f"ask {ch.name} to follow me", f"convince {ch.name} to help me fight"], ch.key)
        hostile = ch.alive and not ch.in_party and (ch.disposition == "hostile" or ch.kind is CharacterKind.monster)
        if hostile:
            add(Intent(action=Action.attack, target=ch.key), f"attack {ch.name}",
                [f"fight the {desc}", f"hit {ch.name}", f"strike at {ch.name}", f"charge at the {desc}",
                 f"swing at {ch.name}", f"shoot {ch.name}", f"stab the {desc}", f"hit {ch.name} with my weapon",
                 f"fire at the {desc}", "attack the monster"], ch.key)
            out[-1].names |= _FOES
            if me is not None:  # "stab the troll with my knife": the weapon in hand takes part in the attack
                out[-1].keys += tuple(i.key for i in world.inventory(me.key))
            for (who, skill_key) in sorted(world.skills):
                skill = camp.skills[skill_key]
                if me is not None and who == me.key and skill.damage:
                    add(Intent(action=Action.use_skill, skill=skill_key, target=ch.key),
                        f"use {skill.name} on {ch.name}",
                        [f"cast {skill.name} at {ch.name}", f"unleash the {skill.name}", f"hit {ch.name} with {skill.name}",
                         f"use my {skill.name}"], ch.key, skill_key)
        for skill_key in world.spec(ch.key).teaches if ch.alive else []:
            if me is not None and not world.knows_skill(me.key, skill_key):
                skill = camp.skills[skill_key]
                add(Intent(action=Action.learn, skill=skill_key, target=ch.key),
                    f"learn {skill.name} from {ch.name}",
                    [f"ask {ch.name} to teach me the {skill.name}", f"study the {skill.name} with {ch.name}",
                     f"train with {ch.name}", f"learn the {skill.name}", f"please teach me, {ch.name}"],
                    ch.key, skill_key)
    for ent in world.entities_at():  # whatever an /event brought can be spoken to
        add(Intent(action=Action.talk, target=ent.key), f"talk to the {ent.name}",
            [f"speak with the {ent.name}", f"ask the {ent.name} a question", f"greet the {ent.name}"], ent.key)
    for item in world.items_at():
        add(Intent(action=Action.take, item=item.key), f"take the {item.name}",
            [f"pick up the {item.name}", f"grab the {item.name}", f"get the {item.name}",
             f"snatch the {item.name}", f"collect the {item.name}"], item.key)
    if me is not None:
        for item in world.inventory(me.key):
            add(Intent(action=Action.drop, item=item.key), f"drop the {item.name}",
                [f"put down the {item.name}", f"leave the {item.name} here", f"throw away the {item.name}"], item.key)
            food = any(f in f"{item.key} {item.appearance}".lower() for f in _FOOD)
            for ch in people:
                if ch.alive and ch.disposition != "hostile":  # nobody hands gifts to a raging monster
                    desc = _descriptor(ch.appearance)
                    add(Intent(action=Action.give, item=item.key, target=ch.key), f"give the {item.name} to {ch.name}",
                        [f"hand the {item.name} to {ch.name}", f"offer {ch.name} the {item.name}",
                         f"feed the {item.name} to the {desc}", f"return the {item.name} to {ch.name}",
                         f"toss the {item.name} to {ch.name}"]
                        + ([f"give {ch.name} something to eat", f"feed the {desc}"] if food else []),
                        item.key, ch.key)
    add(Intent(action=Action.look), "look around",
        ["examine the area", "what do I see", "describe the scene", "inspect my surroundings", "where am I",
         "have a look", "take a look"], world.party_location)
    out[-1].names |= _words(here.visual) | _words(here.description) | {"around", "surroundings", "area"}
    add(Intent(action=Action.rest), "rest",
        ["take a break", "sleep for a while", "catch my breath", "sit down and recover", "heal up"])
    add(Intent(action=Action.wait), "wait",
        ["do nothing", "stay put", "wait and watch", "hold still"])
    return out


_TARGETED = {Action.move, Action.talk, Action.recruit, Action.attack, Action.use_skill, Action.learn, Action.take,
             Action.drop, Action.give}


class EmbeddingGrounder:
    """Ranks the scene's candidate intents by embedding similarity, with a name bonus."""

    def __init__(self, embed: Embedder, chooser: Chooser | None = None, *, floor: float = 0.35,
                 close: float = 0.03, name_bonus: float = 0.12, always_ask_model: bool = False):
        self.embed = embed
        self.chooser = chooser
        self.floor, self.close, self.name_bonus = floor, close, name_bonus
        self.always_ask_model = always_ask_model
        self._cache: dict[str, np.ndarray] = {}

    def _vectors(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, row in zip(missing, self.embed(missing)):
                self._cache[text] = row
        return np.stack([self._cache[t] for t in texts])

    def rank(self, world: World, text: str, actor: str | None = None) -> list[tuple[Candidate, float]]:
        options = candidates(world, actor)
        phrases = [p.lower() for c in options for p in c.phrasings]
        matrix = self._vectors(phrases)
        query = self.embed([text.lower()])[0]
        sims = matrix @ query
        said = _words(text)
        involved = {key for cand in options for key in cand.keys} - {world.party_location}
        mentioned = {key for key in involved if said & _name_words(world, key)}
        scored, i = [], 0
        for cand in options:
            n = len(cand.phrasings)
            score = float(sims[i:i + n].max())
            i += n
            if cand.names and said & cand.names:
                score += self.name_bonus
            elif cand.intent.action in _TARGETED:
                score -= self.name_bonus / 2  # a targeted action whose target the player never named
            # everything the player named should take part: "toss the rice ball to the dog" is no drop
            score -= self.name_bonus * len(mentioned - set(cand.keys))
            scored.append((cand, score))
        return sorted(scored, key=lambda cs: -cs[1])

    def ground(self, world: World, text: str) -> Interpretation:
        if _INJECTION.search(text):
            return Interpretation("clarify", clarification="The world does not bend to that. What does your "
                                                           "character do?", via="embedding")
        ranked = self.rank(world, text)
        top = [(c.label, round(s, 3)) for c, s in ranked[:3]]
        best, score = ranked[0]
        if score < self.floor:
            options = " or ".join(c.label for c, _ in ranked[:2])
            return Interpretation("clarify", clarification=f"I'm not sure what you mean. Do you want to {options}?",
                                  via="embedding", candidates=top)
        margin = score - ranked[1][1] if len(ranked) > 1 else 1.0
        close = [c for c, s in ranked[:3] if score - s < self.close]
        options = [(c.label, c.intent) for c in close] if len(close) > 1 else []
        if self.chooser is not None and (self.always_ask_model or margin < self.close):
            shortlist = [c for c, _ in ranked[:3]]
            pick = self.chooser(world, text, shortlist)
            if pick is not None:
                return Interpretation("action", intent=shortlist[pick].intent, via="model", candidates=top,
                                      options=options)
        return Interpretation("action", intent=best.intent, via="embedding", candidates=top, options=options)
