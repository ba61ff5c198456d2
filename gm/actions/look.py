"""look: take in the scene. Changes nothing and costs no combat turn."""

from __future__ import annotations

from gm.actions.base import ActionSpec, Candidate
from gm.actions.naming import words
from gm.intent import Action, Intent
from gm.rules.engine import Resolution
from gm.state.world import CharacterState, World


class Look(ActionSpec):
    action = Action.look
    verbs = ("look", "l", "look around")
    usage = "look"
    help = "describe where you are and who is here"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('look', 'glance', 'observe', 'survey', 'take in', 'look around', 'what do i see', 'where am i',
            'scan', 'gaze', 'peer', 'describe')

    def parse(self, rest: str, world: World) -> Intent | None:
        return Intent(action=self.action) if rest in ("", "around") else None

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        here = world.campaign.locations[world.party_location]
        cand = Candidate.of(world, Intent(action=self.action), "look around",
                            ["examine the area", "what do I see", "describe the scene", "inspect my surroundings",
                             "where am I", "have a look", "take a look"], world.party_location)
        cand.names |= words(here.visual) | words(here.description) | {"around", "surroundings", "area"}
        return [cand]

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        """Looking changes nothing by itself."""


SPEC = Look()
