"""The fast path from words to an intent: plain commands that need no model.

``go north``, ``talk to <someone>``, ``give <item> to <someone>``, ``use <skill> on
<enemy>``. The verbs and the parsing of what follows them belong to each action
(:mod:`gm.actions`); names resolve against what exists in the world (ids,
names, aliases, and any unambiguous word of a name), so a parsed intent only
ever names something real. Anything else returns ``None`` and goes to the
grounder.
"""

from __future__ import annotations

from gm.actions import ACTIONS
from gm.actions.naming import DIRECTIONS, normalize
from gm.intent import Action, Intent
from gm.state.world import World


def parse_command(world: World, text: str) -> Intent | None:
    """A plain command to an intent, or None when the words are not a plain command."""
    words = normalize(text)
    if not words:
        return None
    if words in DIRECTIONS or words in DIRECTIONS.values():
        return Intent(action=Action.move, target=DIRECTIONS.get(words, words))
    for spec in ACTIONS:
        for verb in spec.verbs:
            if words == verb or words.startswith(verb + " "):
                return spec.parse(words[len(verb):].strip(), world)
    return None
