"""check: the open action, anything a character attempts that no other action covers, settled by a stat roll."""

from __future__ import annotations

from gm.actions.base import ActionSpec
from gm.intent import Action, Intent
from gm.rules.dice import modifier
from gm.campaign.fields import CharacterKind
from gm.rules import conversation
from gm.rules.engine import Refusal, Resolution, present_character
from gm.state.world import CharacterState, World


class Check(ActionSpec):
    action = Action.check
    help = "attempt something no other action covers (search, climb, force, sneak ...): a stat roll"

    def parse(self, rest: str, world: World) -> Intent | None:
        return None

    def resolve(self, r: Resolution, actor: CharacterState, intent: Intent) -> None:
        world = r.world
        if intent.approach in conversation.SOCIAL_APPROACHES and intent.target in world.characters:
            target = present_character(world, intent.target, intent.approach)  # persuading, intimidating someone
            if target.key == actor.key or not target.alive or target.kind is CharacterKind.pc:
                raise Refusal(f"You cannot {intent.approach} {target.name}.")
            conversation.social_check(r, actor, target, intent)
            return
        stat = intent.stat or "wits"
        if stat not in world.campaign.rules.stats:
            raise Refusal(f"There is no {stat} here; the stats are {', '.join(world.campaign.rules.stats)}.")
        dc_name = intent.target if intent.target in world.campaign.rules.difficulty else "medium"
        dc = world.campaign.rules.difficulty.get(dc_name, 12)
        r.dice.roll(f"1d20{modifier(actor.stat(stat))}", dc=dc, who=actor.key, purpose=f"{stat} check")


SPEC = Check()
