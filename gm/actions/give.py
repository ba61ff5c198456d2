"""give: hand an item you carry to someone here."""

from __future__ import annotations

import re

from gm import events as ev
from gm.actions.base import ActionSpec, Candidate, others_here
from gm.actions.naming import descriptor, resolve_name
from gm.campaign.conditions import Gave, leaves
from gm.intent import Action, Intent
from gm.rules import conversation
from gm.rules.engine import Refusal, Resolution, held_item, present_character
from gm.state.world import CharacterState, World


class Give(ActionSpec):
    action = Action.give
    verbs = ("give", "hand", "offer")
    usage = "give <item> to <someone>"
    help = "hand something you carry to someone here"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('give', 'hand', 'offer', 'feed', 'toss', 'throw', 'pass', 'return', 'here you go', 'there you go',
            'take this', 'present', 'hold out', 'hand over', 'power up', 'want my', 'would you like', 'you can have',
            'for you', 'belongs to you', 'is yours', 'yours now', 'keep it', 'here have')
    targeted = True

    def parse(self, rest: str, world: World) -> Intent | None:
        m = re.match(r"(.+?)\s+to\s+(.+)", rest)
        if not m:
            return None
        item, to = resolve_name(world, m.group(1)), resolve_name(world, m.group(2))
        if item in world.items and to in world.characters:
            return Intent(action=self.action, item=item, target=to)
        return None

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        if actor is None:
            return []
        out = []
        receivers = [ch for ch in others_here(world, actor) if ch.alive and ch.disposition != "hostile"]
        for item in world.inventory(actor.key):
            for ch in receivers:  # nobody hands gifts to a raging monster
                desc = descriptor(ch.appearance)
                out.append(Candidate.of(
                    world, Intent(action=self.action, item=item.key, target=ch.key),
                    f"give the {item.name} to {ch.name}",
                    [f"hand the {item.name} to {ch.name}", f"offer {ch.name} the {item.name}",
                     f"feed the {item.name} to the {desc}", f"return the {item.name} to {ch.name}",
                     f"toss the {item.name} to {ch.name}", f"feed the {desc} the {item.appearance}"],
                    item.key, ch.key))
        return out

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        item = held_item(r.world, actor, intent.item)
        to = present_character(r.world, intent.target, "give that to")
        if to.key == actor.key:
            raise Refusal(f"You already have the {item.name}.")
        if not to.alive:
            raise Refusal(f"{to.name} cannot take anything now.")
        first = not any(i == item.key and t == to.key for i, _, t in r.world.gifts)
        r.emit(ev.Gave(giver=actor.key, item=item.key, to=to.key))
        conversation.gift_received(r, actor, to, first)


def wanted_gifts(world: World) -> set[tuple[str, str]]:
    """The (item, receiver) gifts the campaign waits for and play has not made yet: every ``gave`` in a quest
    stage, a recruit or a teach condition. Campaign data, so "feed the wolf" or "here you go, it's back" with
    no item named can mean the one gift the story expects of that receiver."""
    camp = world.campaign
    conditions = [stage.complete_when for quest in camp.quests.values() for stage in quest.stages]
    conditions += [c for ch in camp.characters.values() for c in (ch.recruit, ch.teach) if c is not None]
    found = {(leaf.gave.item, leaf.gave.to) for cond in conditions for leaf in leaves(cond) if isinstance(leaf, Gave)}
    return {(item, to) for item, to in found if not any(i == item and t == to for i, _, t in world.gifts)}


SPEC = Give()
