"""drop: put down an item you carry."""

from __future__ import annotations

from gm import events as ev
from gm.actions.base import ActionSpec, Candidate
from gm.actions.naming import resolve_name
from gm.intent import Action, Intent
from gm.rules.engine import Resolution, held_item
from gm.state.world import CharacterState, World


class Drop(ActionSpec):
    action = Action.drop
    verbs = ("drop", "put down", "leave")
    usage = "drop <item>"
    help = "put down something you carry"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('drop', 'put down', 'set down', 'put it down', 'set it down', 'throw away', 'discard', 'leave it', 'get rid of', 'ditch',
            'put it back', 'put that back', 'put them back', 'set it back')
    targeted = True

    def parse(self, rest: str, world: World) -> Intent | None:
        key = resolve_name(world, rest) if rest else None
        return Intent(action=self.action, item=key) if key in world.items else None

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        if actor is None:
            return []
        return [Candidate.of(world, Intent(action=self.action, item=item.key), f"drop the {item.name}",
                             [f"put down the {item.name}", f"leave the {item.name} here",
                              f"throw away the {item.name}"], item.key)
                for item in world.inventory(actor.key)]

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        item = held_item(r.world, actor, intent.item or intent.target)
        r.emit(ev.Dropped(character=actor.key, item=item.key, location=r.world.party_location))


SPEC = Drop()
