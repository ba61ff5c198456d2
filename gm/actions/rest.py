"""rest: the party recovers its hit points, when no enemy is near."""

from __future__ import annotations

from gm import events as ev
from gm.actions.base import ActionSpec, Candidate
from gm.intent import Action, Intent
from gm.rules.engine import Refusal, Resolution
from gm.state.world import CharacterState, World


class Rest(ActionSpec):
    action = Action.rest
    verbs = ("rest", "sleep", "heal")
    usage = "rest"
    help = "recover your strength when no enemy is near"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('rest', 'sleep', 'nap', 'breather', 'take a break', 'have a break', 'short break', 'quick break', 'little break', 'a break', 'recover', 'sit down', 'catch my breath', 'make camp', 'pitch camp',
            'set up camp', 'bed down', 'kick back', 'lie down', 'strength back', 'take a load off',
            'camp', 'lie down')

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        return [Candidate.of(world, Intent(action=self.action), "rest",
                             ["take a break", "sleep for a while", "catch my breath", "sit down and recover",
                              "heal up"])]

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        world = r.world
        if world.combat is not None or world.hostiles_here():
            raise Refusal("You cannot rest with enemies close by.")
        for ch in world.party():
            if ch.hp < ch.max_hp:
                r.emit(ev.Healed(character=ch.key, hp=ch.max_hp))
            r.emit(ev.Pose(character=ch.key, pose="sitting"))


SPEC = Rest()
