"""Director events: ``/event A giant robot lands in the square`` adds a persistent entity.

The owner decides that something happens; the model (when one is configured)
only extracts the new entity's name and appearance, and what it returns is
kept only if it is drawn from the owner's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gm.state.world import World

_VERBS = (r"\b(appears?|arrives?|lands?|emerges?|shows? up|comes?|walks?|crashes|crawls?|rises?|descends?|"
          r"flies|fly|drops?|falls?|bursts?|steps?|materiali[sz]es?|is|are|stands?|sits?|wanders?|runs?|rolls?)\b")
_LEADING = re.compile(r"^(suddenly|then|now|meanwhile)[, ]+|^(a|an|the|some)\s+", re.I)
_TAIL = re.compile(r"\s+(with|wearing|holding|carrying|that|who|which)\b.*$", re.I)

Extractor = Callable[[str], tuple[str, str] | None]


def heuristic_entity(text: str) -> tuple[str, str]:
    """(name, appearance) from an event sentence without a model."""
    text = text.strip().rstrip(".!")
    subject = re.split(_VERBS, text, maxsplit=1, flags=re.I)[0].strip(" ,") or text
    appearance = _LEADING.sub("", _LEADING.sub("", subject)).strip()
    name = _TAIL.sub("", appearance).strip() or appearance
    name = " ".join(name.split()[-3:])  # the head of the noun phrase: "giant red robot"
    return name.title()[:80] or "Visitor", (appearance or text)[:300]


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
