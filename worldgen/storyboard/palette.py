"""Colours and shapes read from appearance descriptors ("red pleated skirt" -> a red skirt)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

from lemminflect import getAllLemmas

RGB = tuple[int, int, int]

COLORS: dict[str, RGB] = {
    "black": (28, 28, 32), "white": (236, 236, 232), "red": (200, 40, 45), "crimson": (160, 20, 40),
    "vermilion": (227, 66, 52), "blue": (45, 90, 200), "navy": (30, 40, 90), "teal": (30, 128, 128),
    "cyan": (40, 200, 220), "green": (50, 140, 70), "moss-green": (85, 110, 60), "olive": (110, 110, 50),
    "yellow": (230, 200, 40), "gold": (212, 175, 55), "amber": (255, 176, 40), "orange": (235, 120, 30),
    "brown": (110, 70, 40), "tan": (200, 160, 110), "beige": (220, 205, 170), "purple": (120, 60, 150),
    "pink": (235, 130, 170), "grey": (128, 128, 132), "gray": (128, 128, 132), "silver": (190, 192, 200),
    "bronze": (176, 120, 60), "copper": (184, 115, 51), "auburn": (145, 50, 30), "magenta": (220, 40, 180),
}

PARTS = {
    "hair": ("hair", "bob", "braid", "ponytail", "dreadlocks", "curls", "mohawk"),
    "top": ("top", "shirt", "coat", "jacket", "haori", "cloak", "apron", "suit", "robe", "shawl", "dress", "hoodie",
            "armor", "armour", "tunic", "vest", "kimono", "uniform", "sweater", "plates"),
    "bottom": ("skirt", "hakama", "pants", "trousers", "jeans", "shorts", "leggings"),
    "shoes": ("sneakers", "boots", "shoes", "sandals", "mag-boots"),
    "accent": ("collar", "headband", "ribbon", "scarf", "visor", "eye", "eyes", "shell"),
}

ANIMALS = ("dog", "inu", "shiba", "wolf", "fox", "cat", "hound", "puppy", "kitten", "bear", "horse", "pony", "mule",
           "donkey", "deer", "stag", "elk", "moose", "goat", "sheep", "cow", "ox", "pig", "boar", "rabbit", "hare",
           "mouse", "rat", "squirrel", "otter", "badger", "ferret", "weasel", "lynx", "lion", "tiger", "panther",
           "leopard", "jaguar", "coyote", "jackal", "hyena", "monkey", "ape", "bat", "raven", "crow", "bird", "owl",
           "hawk", "eagle", "falcon", "heron", "crane", "duck", "goose", "swan", "frog", "toad", "lizard", "tortoise")
BEASTS = ("leviathan", "dragon", "serpent", "sea beast", "kraken", "wyrm", "beast", "whale", "hydra", "sea")
BRUTES = ("troll", "ogre", "giant", "golem", "brute", "demon", "yeti", "monster", "zombie")
MACHINES = ("mech", "robot", "android", "drone", "sentry", "turret", "machine", "automaton")
PEOPLE = ("man", "woman", "person", "boy", "girl", "child", "people", "headman", "witch", "wizard", "villager")


SMALL = ("little", "small", "tiny", "miniature", "wee", "petite", "diminutive")
LARGE = ("huge", "giant", "colossal", "towering", "enormous", "massive", "gigantic", "hulking", "immense", "titanic")
GLOWING = ("glow", "glowing", "luminous", "shining", "radiant", "neon", "incandescent", "phosphorescent")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+(?:-[a-z]+)?", text.lower())


@lru_cache(maxsize=8192)
def _forms(token: str) -> frozenset[str]:
    """A word and its dictionary forms ("wolves" -> wolf, "glowing" -> glow), never a part of it: "beard" is
    not a bear and "catwalks" are not cats."""
    return frozenset({token, *(lemma for lemmas in getAllLemmas(token).values() for lemma in lemmas)})


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[frozenset[str], ...]:
    return tuple(_forms(t) for t in re.findall(r"[a-z]+", text.lower()))


def has(text: str, *needles: str) -> bool:
    """Whether ``text`` contains any of ``needles`` as whole words (in any inflection); a needle of several
    words matches them in a row ("lantern post", "white hair")."""
    tokens = _tokens(text)
    for needle in needles:
        parts = re.findall(r"[a-z]+", needle.lower())
        if not parts:
            continue
        for i in range(len(tokens) - len(parts) + 1):
            if all(_forms(part) & tokens[i + j] for j, part in enumerate(parts)):
                return True
    return False


def size_of(appearance: str) -> float:
    """How much bigger or smaller than usual for its kind the descriptor says a figure is."""
    if has(appearance, *SMALL):
        return 0.5
    if has(appearance, *LARGE):
        return 1.35
    return 1.0


def hashed_color(key: str, lightness: float = 1.0) -> RGB:
    h = hashlib.blake2b(key.encode(), digest_size=3).digest()
    return tuple(int(40 + (c / 255) * 170 * lightness) for c in h)  # type: ignore[return-value]


@dataclass
class Look:
    """What a figure looks like, read from its appearance text."""

    body: str  # humanoid, animal, beast, brute, machine, drone, item
    parts: dict[str, RGB] = field(default_factory=dict)
    skin: RGB = (226, 184, 150)
    glow: RGB | None = None
    size: float = 1.0  # relative to the usual height of its kind: "little" 0.5, "towering" 1.35
    long_hair: bool = False
    beard: bool = False
    bald: bool = False
    item_shape: str = "round"


def body_of(kind: str, appearance: str) -> str:
    text = appearance.lower()
    if kind == "item":
        return "item"
    if has(text, "drone") or (has(text, "spherical") and has(text, *MACHINES)):
        return "drone"
    if has(text, *MACHINES):
        return "machine"
    if has(text, *ANIMALS) and not has(text, *PEOPLE):
        return "animal"
    if has(text, *BEASTS) and kind in ("monster", "entity"):
        return "beast"
    if has(text, *BRUTES) or (kind == "monster" and not has(text, "man", "woman")):
        return "brute"
    return "humanoid"


def read_look(kind: str, appearance: str, key: str) -> Look:
    look = Look(body=body_of(kind, appearance), size=size_of(appearance))
    tokens = words(appearance)
    for i, token in enumerate(tokens):
        color = COLORS.get(token)
        if color is None or (i and tokens[i - 1].startswith("glow")):
            continue  # "glowing blue" is a light, not the colour of the body
        for ahead in tokens[i + 1:i + 4]:
            part = next((p for p, names in PARTS.items() if ahead in names or ahead.rstrip("s") in names), None)
            if part and part not in look.parts:
                look.parts[part] = color
                break
        else:
            look.parts.setdefault("main", color)
    glow_at = next((i for i, t in enumerate(tokens) if has(t, *GLOWING)), None)
    if glow_at is not None:
        near = [COLORS[t] for t in tokens[max(0, glow_at - 3):glow_at + 4] if t in COLORS]
        look.glow = near[0] if near else (120, 220, 255)
    if has(appearance, "dark skin", "dark-skinned"):
        look.skin = (120, 80, 55)
    elif has(appearance, "pale"):
        look.skin = (240, 215, 200)
    look.long_hair = has(appearance, "long") and has(appearance, "hair", "braid")
    look.beard = has(appearance, "beard", "moustache", "mustache")
    look.bald = has(appearance, "shaved head", "bald")
    if has(appearance, "elderly", "old", "grey", "white hair") and "hair" not in look.parts:
        look.parts["hair"] = COLORS["grey"] if not has(appearance, "white hair") else COLORS["white"]
    if has(appearance, "shiba") and "main" not in look.parts:
        look.parts["main"] = (214, 140, 70)
    if look.body == "item":
        look.item_shape = next((s for s in ("onigiri", "bell", "bag", "ball", "key", "card", "crystal", "stone",
                                            "fish", "knife", "cell", "cutter") if has(appearance + key, s)), "round")
    return look


def main_color(look: Look, key: str) -> RGB:
    return look.parts.get("main") or look.parts.get("top") or hashed_color(key)
