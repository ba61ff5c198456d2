"""move: the party goes through an exit of the current location."""

from __future__ import annotations

import re

from gm import events as ev
from gm.actions.base import ActionSpec, Candidate
from gm.actions.naming import DIRECTIONS, name_words, resolve_name
from gm.campaign.schema import CharacterKind
from gm.intent import Action, Intent
from gm.rules.engine import Refusal, Resolution
from gm.state.world import CharacterState, World


def exits_text(world: World) -> str:
    """'Exits: north to the Hall, east to the Yard.' for the party's location."""
    exits = ", ".join(f"{d} to {world.campaign.locations[loc].name}" for d, loc in world.exits().items())
    return f"Exits: {exits}." if exits else "There is no way out."


class Move(ActionSpec):
    action = Action.move
    verbs = ("go", "walk", "head", "move", "run", "climb", "travel", "flee")
    usage = "go <exit>"
    help = "the party goes through an exit (a direction, or the place it leads to)"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('go', 'walk', 'head', 'move', 'run', 'travel', 'flee', 'leave', 'exit', 'return', 'enter',
            'retreat', 'crawl', 'continue', 'proceed', 'descend', 'ascend', 'jump', 'swim', 'hurry', 'step',
            'march', 'wander', 'go back', 'head back', 'fall back', 'turn back', 'back to', 'back outside',
            'back out', 'the way i came', 'toward', 'towards', 'upstairs', 'downstairs', 'get out', 'set off', 'head off', 'onward', 'press on',
            'move on', 'keep going', 'follow the', 'further in',
            'make my way', 'sprint', 'dash', 'jog', 'stroll', 'stride', 'amble', 'trudge', 'hike', 'dart', 'wade',
            'scramble', 'slip out', 'duck out', 'push through', 'push on', 'go aboard', 'climb aboard',
            'go ashore', 'disembark', 'trek')
    targeted = True

    def parse(self, rest: str, world: World) -> Intent | None:
        rest = re.sub(r"^(to|towards|into)\s+", "", rest.removeprefix("the ").strip())
        target = DIRECTIONS.get(rest, rest)
        if target in world.exits():  # the campaign's exits and the hidden ones opened in play
            return Intent(action=self.action, target=target)
        key = resolve_name(world, rest)
        direction = next((d for d, loc in world.exits().items() if loc == key), None)
        return Intent(action=self.action, target=direction) if direction else None

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        camp = world.campaign
        here = camp.locations[world.party_location]
        out = []
        for direction, dest in world.exits().items():
            name = camp.locations[dest].name
            cand = Candidate.of(
                world, Intent(action=self.action, target=direction), f"go {direction} to {name}",
                [f"walk {direction}", f"head to {name}", f"go to the {name}", f"travel toward {name}",
                 f"go back to the {name}", f"return to {name}", f"leave the {here.name}", "get out of here",
                 f"retreat {direction}", f"make my way {direction}",
                 f"climb {direction}" if direction in ("up", "down") else f"run {direction}"], dest)
            cand.names |= {direction} | name_words(world, world.party_location)  # "leave the hut"
            out.append(cand)
        return out

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        world = r.world
        here = world.campaign.locations[world.party_location]
        target = (intent.target or "").lower()
        ways = world.exits()
        direction = next((d for d, loc in ways.items() if target in (d.lower(), loc)), None)
        if direction is None:
            raise Refusal(f"There is no way {intent.target or 'there'} from {here.name}. {exits_text(world)}")
        fleeing = world.combat is not None
        party = [c.key for c in world.party()]
        r.emit(ev.Moved(characters=party, origin=world.party_location, to=ways[direction], direction=direction))
        if fleeing:
            r.emit(ev.CombatEnded(reason="fled"))
        for key in party:  # arrivals stand still: nobody keeps walking once the move is over
            ch = world.characters[key]
            if ch.alive and ch.pose not in ("standing", "following"):
                r.emit(ev.Pose(character=key,
                               pose="following" if ch.kind is CharacterKind.companion else "standing"))


SPEC = Move()
