"""Director events: ``/event A giant robot lands in the square`` adds a persistent entity.

The owner decides that something happens; the model (when one is configured)
only extracts the new entity's name and appearance, and what it returns is
kept only if it is drawn from the owner's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gm.state.world import World

_VERBS = {"appear", "appears", "arrive", "arrives", "land", "lands", "emerge", "emerges", "come", "comes", "is", "are",
          "was", "were", "walk", "walks", "shows", "rise", "rises", "descend", "descends", "fly", "flies", "fall",
          "falls", "crash", "crashes", "burst", "bursts", "step", "steps", "stand", "stands", "sit", "sits",
          "materialises", "materializes", "wanders", "runs", "rolls", "drops", "has", "have", "stomps", "crawls"}
_AFTER_VERB = {"the", "a", "an", "onto", "into", "in", "on", "at", "from", "through", "across", "over", "near", "by",
               "toward", "towards", "to", "beside", "behind", "under", "out", "up", "down", "around", "here", "there",
               "nearby", "overhead", "suddenly", "slowly", "quietly", "loudly"}
_LEADING = {"suddenly", "then", "now", "meanwhile", "a", "an", "the", "some"}
_CLAUSE = re.compile(r"\s+(with|wearing|holding|carrying|that|who|which)\b.*$", re.I)

Extractor = Callable[[str], tuple[str, str] | None]


def _subject(text: str, stop_at_prepositions: bool) -> list[str]:
    """The words before the sentence's verb: 'A giant red robot stomps onto the road' -> giant red robot."""
    tokens = [t.strip(",.!;:") for t in text.split()]
    while tokens and tokens[0].lower() in _LEADING:
        tokens.pop(0)
    subject: list[str] = []
    for i, token in enumerate(tokens):
        word = token.lower()
        following = tokens[i + 1].lower() if i + 1 < len(tokens) else None
        verb_like = word.endswith("s") and not word.endswith("ss") and (following is None or following in _AFTER_VERB)
        preposition = stop_at_prepositions and word in _AFTER_VERB and word not in ("a", "an", "the")
        if subject and (word in _VERBS or verb_like or preposition):
            break
        subject.append(token)
    return subject


def heuristic_entity(text: str) -> tuple[str, str]:
    """(name, appearance) from an event sentence without a model."""
    appearance = " ".join(_subject(text.strip(), stop_at_prepositions=False)) or text.strip()
    head = _CLAUSE.sub("", " ".join(_subject(text.strip(), stop_at_prepositions=True))).split()
    name = " ".join(head if " of " in f" {' '.join(head)} " or len(head) <= 3 else head[-3:])
    return (name.title()[:80] or "Visitor"), appearance[:300]


def grounded(text: str, name: str, appearance: str) -> bool:
    """A model's extraction is kept only if its words come from the owner's text."""
    source = set(re.findall(r"[a-z]+", text.lower()))
    words = re.findall(r"[a-z]+", f"{name} {appearance}".lower())
    return bool(words) and all(w in source for w in re.findall(r"[a-z]+", name.lower())) and \
        sum(w in source for w in words) >= 0.8 * len(words)


def entity_from_event(world: World, text: str, extractor: Extractor | None = None) -> tuple[str, str, str]:
    """(id, name, appearance) for the entity a director event adds; the id is unique in the game."""
    found = extractor(text) if extractor else None
    name, appearance = found if found and grounded(text, *found) else heuristic_entity(text)
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "entity"
    key, n = base, 2
    taken = set(world.characters) | set(world.items) | set(world.entities) | set(world.campaign.locations)
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key, name, appearance
