"""The fast path from words to an intent: plain commands that need no model.

``go north``, ``talk to kenji``, ``give rice ball to hachi``, ``use purifying
chant on leviathan``. Names resolve against what exists in the world (ids,
names, aliases, and any unambiguous word of a name), so a parsed intent only
ever names something real. Anything else returns ``None`` and goes to the
grounding model.
"""

from __future__ import annotations

import re

from gm.intent import Action, Intent
from gm.state.world import World

_ARTICLES = re.compile(r"\b(the|a|an|my|your|some|to|at|with|on|from|for)\b")
_VERBS: list[tuple[Action, tuple[str, ...]]] = [
    (Action.move, ("go", "walk", "head", "move", "run", "climb", "travel", "flee")),
    (Action.talk, ("talk to", "talk with", "talk", "speak to", "speak with", "ask", "chat with")),
    (Action.give, ("give", "hand", "offer")),
    (Action.take, ("take", "pick up", "grab", "get")),
    (Action.drop, ("drop", "put down", "leave")),
    (Action.learn, ("learn",)),
    (Action.recruit, ("recruit", "invite")),
    (Action.use_skill, ("use", "cast", "chant")),
    (Action.attack, ("attack", "fight", "hit", "strike", "kill")),
    (Action.rest, ("rest", "sleep", "heal")),
    (Action.look, ("look", "l", "look around")),
    (Action.wait, ("wait", "pass")),
]
_DIRECTIONS = {"n": "north", "s": "south", "e": "east", "w": "west", "u": "up", "d": "down"}


def normalize(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^a-z0-9' -]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def names(world: World) -> dict[str, str]:
    """Every way of naming something here, lower-cased, to its id."""
    table: dict[str, str] = {}
    camp = world.campaign

    def add(key: str, *labels: str) -> None:
        for label in labels:
            table.setdefault(normalize(label), key)

    for key in world.characters:
        ch = world.spec(key)
        add(key, key, key.replace("-", " "), ch.name, *ch.aliases)
    for key, item in camp.items.items():
        add(key, key, key.replace("-", " "), item.name, *item.aliases)
    for key, skill in camp.skills.items():
        add(key, key, key.replace("-", " "), skill.name, *skill.aliases)
    for key, loc in camp.locations.items():
        add(key, key, key.replace("-", " "), loc.name, *loc.aliases)
    for key, ent in world.entities.items():
        add(key, key, key.replace("-", " "), ent.name)
    # single words that name exactly one thing ("bell", "leviathan")
    words: dict[str, set[str]] = {}
    for label, key in list(table.items()):
        for word in label.split():
            if len(word) > 2:
                words.setdefault(word, set()).add(key)
    for word, keys in words.items():
        if len(keys) == 1:
            table.setdefault(word, next(iter(keys)))
    return table


def resolve_name(world: World, phrase: str) -> str | None:
    """The id a phrase names exactly (an id, name, alias, or a word only one thing has), else None.

    Exact on purpose: "ask the headman what happened" is not a plain command, and goes to the grounder.
    """
    phrase = normalize(_ARTICLES.sub(" ", normalize(phrase)))
    return names(world).get(phrase) if phrase else None


def parse_command(world: World, text: str) -> Intent | None:
    """A plain command to an intent, or None when the words are not a plain command."""
    words = normalize(text)
    if not words:
        return None
    if words in _DIRECTIONS or words in _DIRECTIONS.values():
        return Intent(action=Action.move, target=_DIRECTIONS.get(words, words))
    social = re.match(r"(persuade|intimidate)\s+(.+)", words)  # a social check on someone here
    if social:
        key = resolve_name(world, social.group(2))
        return Intent(action=Action.check, target=key, approach=social.group(1)) if key in world.characters else None
    for action, verbs in _VERBS:
        for verb in verbs:
            if words == verb or words.startswith(verb + " "):
                rest = words[len(verb):].strip()
                return _with_arguments(world, action, rest)
    return None


def _with_arguments(world: World, action: Action, rest: str) -> Intent | None:
    if action in (Action.look, Action.rest, Action.wait):
        return Intent(action=action) if not rest or rest in ("around",) else None
    if action is Action.move:
        rest = re.sub(r"^(to|towards|into)\s+", "", rest.removeprefix("the ").strip())
        target = _DIRECTIONS.get(rest, rest)
        here = world.campaign.locations[world.party_location]
        if target in here.exits:
            return Intent(action=action, target=target)
        key = resolve_name(world, rest)
        direction = next((d for d, loc in here.exits.items() if loc == key), None)
        return Intent(action=action, target=direction) if direction else None
    if action is Action.give:
        m = re.match(r"(.+?)\s+to\s+(.+)", rest)
        if not m:
            return None
        item, to = resolve_name(world, m.group(1)), resolve_name(world, m.group(2))
        if item in world.items and to in world.characters:
            return Intent(action=action, item=item, target=to)
        return None
    if action is Action.use_skill:
        m = re.match(r"(.+?)\s+(?:on|against|at)\s+(.+)", rest)
        skill = resolve_name(world, m.group(1) if m else rest)
        target = resolve_name(world, m.group(2)) if m else None
        if skill in world.campaign.skills:
            return Intent(action=action, skill=skill, target=target)
        return None
    if action is Action.learn:
        m = re.match(r"(.+?)\s+from\s+(.+)", rest)
        skill = resolve_name(world, m.group(1) if m else rest)
        teacher = resolve_name(world, m.group(2)) if m else None
        if skill in world.campaign.skills:
            return Intent(action=action, skill=skill, target=teacher)
        return None
    if not rest:
        return Intent(action=action) if action in (Action.attack, Action.talk, Action.recruit) else None
    key = resolve_name(world, rest)
    if key is None:
        return None
    if action in (Action.take, Action.drop):
        return Intent(action=action, item=key) if key in world.items else None
    return Intent(action=action, target=key)
