"""wait: let time pass (in a fight, give up the turn)."""

from __future__ import annotations

from gm.actions.base import ActionSpec, Candidate
from gm.intent import Action, Intent
from gm.rules.engine import Resolution
from gm.state.world import CharacterState, World


class Wait(ActionSpec):
    action = Action.wait
    verbs = ("wait", "pass")
    usage = "wait"
    help = "let time pass; in a fight, give up your turn"
    # words that say this action in everyday English (general language, never a campaign's words)
    cues = ('wait', 'pause', 'stay', 'hold', 'do nothing', 'idle', 'linger', 'hang around', 'hang out', 'stick around',
            'bide', 'hunker down', 'sit tight', 'sit out')

    def candidates(self, world: World, actor: CharacterState | None) -> list[Candidate]:
        return [Candidate.of(world, Intent(action=self.action), "wait",
                             ["do nothing", "stay put", "wait and watch", "hold still"])]

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        """Waiting changes nothing by itself; the rules advance the fight."""


SPEC = Wait()
