"""How the world's things are named in words: the vocabulary both the command parser and the grounder use.

Every name comes from campaign data (ids, names, aliases, appearance) or from
what happened in play (entities); nothing here knows a particular campaign.
"""

from __future__ import annotations

import re

from gm.state.world import World

ARTICLES = re.compile(r"\b(the|a|an|my|your|some|to|at|with|on|from|for)\b")
DIRECTIONS = {"n": "north", "s": "south", "e": "east", "w": "west", "u": "up", "d": "down"}
STOP = {"the", "a", "an", "of", "to", "and", "with", "on", "in", "at", "my", "your", "his", "her", "its", "some",
        "from", "for", "into", "onto", "that", "this", "is", "are", "be", "i", "me", "you", "one", "two", "or", "by",
        "it", "our", "their"}

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
    phrase = normalize(ARTICLES.sub(" ", normalize(phrase)))
    return names(world).get(phrase) if phrase else None


def words(text: str) -> set[str]:
    """The content words of a text."""
    return {w for w in normalize(text).replace("-", " ").split() if w not in STOP and len(w) > 1}


def descriptor(appearance: str) -> str:
    """'elderly ramen vendor, white headband' -> 'elderly ramen vendor'."""
    return appearance.split(",")[0].strip()


def name_words(world: World, key: str) -> set[str]:
    """Every word that names the thing ``key`` (a character, item, skill, location, entity or feature here)."""
    camp = world.campaign
    found = words(key)
    if key in world.characters:
        spec = world.spec(key)
        found |= words(spec.name) | words(" ".join(spec.aliases)) | words(descriptor(spec.appearance))
    elif key in camp.items:
        spec = camp.items[key]
        found |= words(spec.name) | words(" ".join(spec.aliases)) | words(spec.appearance)
    elif key in camp.skills:
        spec = camp.skills[key]
        found |= words(spec.name) | words(" ".join(spec.aliases))
    elif key in camp.locations:
        spec = camp.locations[key]
        found |= words(spec.name) | words(" ".join(spec.aliases))
    elif key in world.entities:
        found |= words(world.entities[key].name)
    elif key in (features := dict(world.features_here())):
        found |= words(features[key].name) | words(" ".join(features[key].aliases))
    joined = [key, *(label for label in labels_of(world, key))]
    found |= {normalize(label).replace("-", "").replace(" ", "") for label in joined if "-" in label or " " in label}
    return found


def labels_of(world: World, key: str) -> list[str]:
    """The name and aliases of a character, item, skill or location (an entity's name)."""
    camp = world.campaign
    for table in (camp.characters, camp.items, camp.skills, camp.locations):
        if key in table:
            return [table[key].name, *table[key].aliases]
    return [world.entities[key].name] if key in world.entities else []
