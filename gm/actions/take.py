"""take: pick up an item lying here."""

from __future__ import annotations

from gm import events as ev
from gm.actions.base import ActionSpec, Candidate
from gm.actions.naming import resolve_name
from gm.intent import Action, Intent
from gm.rules.engine import Refusal, Resolution
from gm.state.world import CharacterState, World


class Take(ActionSpec):
    action = Action.take
    verbs = ("take", "pick up", "grab", "get")
    usage = "take <item>"
    help = "pick up something lying here"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('take', 'pick up', 'grab', 'get', 'snatch', 'collect', 'pocket', 'snag', 'loot', 'steal', 'lift',
            'slip', 'scoop')
    targeted = True

    def parse(self, rest: str, world: World) -> Intent | None:
        key = resolve_name(world, rest) if rest else None
        return Intent(action=self.action, item=key) if key in world.items else None

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        return [Candidate.of(world, Intent(action=self.action, item=item.key), f"take the {item.name}",
                             [f"pick up the {item.name}", f"grab the {item.name}", f"get the {item.name}",
                              f"snatch the {item.name}", f"collect the {item.name}"], item.key)
                for item in world.items_at()]

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        world = r.world
        item = world.items.get(intent.item or intent.target or "")
        if item is None:
            raise Refusal("You don't see that here.")
        if item.holder == actor.key:
            raise Refusal(f"You already have the {item.name}.")
        if item.holder is not None:
            holder = world.characters[item.holder]
            if holder.location == world.party_location:
                raise Refusal(f"{holder.name} has the {item.name}.")
            raise Refusal(f"You don't see the {item.name} here.")
        if item.location != world.party_location:
            raise Refusal(f"You don't see the {item.name} here.")
        r.emit(ev.Took(character=actor.key, item=item.key))


SPEC = Take()
