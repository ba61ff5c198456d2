"""The action registry: one module per action, each owning its verbs, help, parsing, phrasings and rules.

``ACTIONS`` is in plain-command parsing order (the first verb that matches a
line wins). The help text, the command parser (:mod:`gm.agent.commands`), the
grounder's candidates (:mod:`gm.agent.grounding`) and :func:`resolve` all read
from here, so adding an action is adding one module.
"""

from __future__ import annotations

from gm.actions import attack, check, drop, give, learn, look, move, recruit, rest, take, talk, use_skill, wait
from gm.actions.base import ActionSpec, Candidate
from gm.intent import Action, Intent
from gm.rules.dice import Dice
from gm.rules.engine import FREE_ACTIONS, Outcome, Refusal, Resolution, actor_for, name_of
from gm.state.world import CharacterState, World

ACTIONS: tuple[ActionSpec, ...] = tuple(module.SPEC for module in (
    move, talk, give, take, drop, learn, recruit, use_skill, attack, rest, look, wait, check))
REGISTRY: dict[Action, ActionSpec] = {spec.action: spec for spec in ACTIONS}
assert set(REGISTRY) == set(Action), "every Action has exactly one spec"

__all__ = ["ACTIONS", "REGISTRY", "ActionSpec", "Candidate", "candidates", "resolve", "usage_lines"]


def usage_lines() -> list[str]:
    """The plain commands, in the registry's order, for help texts."""
    return [spec.usage for spec in ACTIONS if spec.usage]


def candidates(world: World, actor: CharacterState | None) -> list[Candidate]:
    """Every intent that could apply in the current scene for ``actor``, with phrasings to match against."""
    return [cand for spec in ACTIONS for cand in spec.candidates(world, actor)]


def resolve(world: World, intent: Intent, dice: Dice) -> Outcome:
    """Decide the outcome of one intent. A refused intent changes nothing."""
    r = Resolution(world, dice)
    try:
        if world.status != "active":
            raise Refusal("The story is over. Start a new game to play again.")
        actor = actor_for(world, intent)
        if world.combat is not None and intent.action not in FREE_ACTIONS and world.combat.up != actor.key:
            raise Refusal(f"It is {name_of(world, world.combat.up)}'s turn.")
        REGISTRY[intent.action].resolve(r, actor, intent)
    except Refusal as refusal:
        assert not r.events, "a refusal must come before any event"
        return r.outcome(ok=False, reason=refusal.reason)
    return r.outcome()
