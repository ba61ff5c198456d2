"""What follows from an action: companions react, monsters take their turns, the plot moves.

Runs after :func:`gm.rules.engine.resolve` on the same working world.
"""

from __future__ import annotations

from gm import events as ev
from gm.campaign.schema import CharacterKind, Consequence
from gm.intent import Intent
from gm.rules.dice import Dice
from gm.rules.engine import FREE_ACTIONS, Outcome, Resolution, attack_roll, start_combat, weapon
from gm.state.world import CharacterState, World


def advance(world: World, dice: Dice, acted: Intent | None = None, actor: str | None = None) -> Outcome:
    """Everything the world does after ``actor`` did ``acted`` (None: time passes on its own)."""
    r = Resolution(world, dice)
    if world.status != "active":
        return r.outcome()
    _recruit_by_condition(r)
    used_turn = acted is not None and acted.action not in FREE_ACTIONS
    if world.combat is not None and used_turn and world.combat.up == actor:
        _run_others(r)
    elif world.combat is None and world.hostiles_here() and any(c.alive for c in world.pcs()):
        start_combat(r)  # an ambush: whoever rolled best goes first
        if world.combat is not None and world.characters[world.combat.up].kind is not CharacterKind.pc:
            _npc_turn(r, world.characters[world.combat.up])
            if not _combat_over(r):
                _run_others(r)
    _advance_quests(r)
    if world.quests and all(q.status == "completed" for q in world.quests.values()):
        r.emit(ev.CampaignCompleted())
    return r.outcome()


def _recruit_by_condition(r: Resolution) -> None:
    """A companion whose recruit condition holds without a roll (a gift, a fact) joins at once."""
    for ch in r.world.present():
        spec = r.world.campaign.characters.get(ch.key)
        if (spec and spec.recruit is not None and ch.kind is CharacterKind.companion and not ch.in_party
                and ch.alive and spec.recruit.holds(r.world)):
            r.emit(ev.Recruited(character=ch.key))
            r.emit(ev.Pose(character=ch.key, pose="following"))


def _next_up(world: World) -> str | None:
    combat = world.combat
    assert combat is not None
    n = len(combat.order)
    for step in range(1, n + 1):
        key = combat.order[(combat.current + step) % n]
        ch = world.characters[key]
        if ch.alive and ch.location == combat.location:
            return key
    return None


def _run_others(r: Resolution) -> None:
    """Pass the turn along the initiative order until a player character is up again."""
    world = r.world
    for _ in range(4 * len(world.combat.order) if world.combat else 0):
        if world.combat is None or _combat_over(r):
            return
        key = _next_up(world)
        if key is None:
            return
        r.emit(ev.TurnPassed(to=key))
        ch = world.characters[key]
        if ch.kind is CharacterKind.pc:
            return
        _npc_turn(r, ch)


def _npc_turn(r: Resolution, ch: CharacterState) -> None:
    world = r.world
    if ch.in_party:
        foes = world.hostiles_here()
    else:
        foes = [c for c in world.present() if c.in_party and c.alive]
    if not foes:
        return
    target = foes[0] if len(foes) == 1 else foes[r.dice.roll(f"1d{len(foes)}", who=ch.key,
                                                              purpose="choose a target").total - 1]
    name, bonus, damage = weapon(world, ch)
    r.emit(ev.Pose(character=ch.key, pose="fighting"))
    attack_roll(r, ch, target, bonus=bonus, damage=damage, name=name)


def _combat_over(r: Resolution) -> bool:
    """End the fight when one side is down; a routed party wakes where it came from."""
    world = r.world
    if world.combat is None:
        return True
    if not world.hostiles_here():
        r.emit(ev.CombatEnded(reason="victory"))
        for ch in world.party():
            if ch.alive:
                r.emit(ev.Pose(character=ch.key, pose="standing"))
        return True
    if not any(c.alive for c in world.pcs()):
        r.emit(ev.CombatEnded(reason="routed"))
        retreat = world.previous_location or world.campaign.start.location
        if retreat == world.party_location:
            retreat = world.campaign.start.location
        r.emit(ev.Routed(to=retreat))
        for ch in world.party():
            r.emit(ev.Healed(character=ch.key, hp=max(1, ch.hp)))
        return True
    return False


def _stage_outcome(r: Resolution, outcome: Consequence) -> None:
    """A completed stage's authored payoff: words to tell, a fact, an item for the party."""
    world = r.world
    if outcome.text:
        r.emit(ev.Narrated(text=outcome.text))
    if outcome.learn is not None and outcome.learn.id not in world.facts:
        r.emit(ev.Learned(fact=outcome.learn.id, source=world.party_location))
    receiver = next((c for c in world.pcs() if c.alive), None)
    if outcome.item is not None and receiver is not None:
        item = world.items[outcome.item]
        if item.holder is None and item.location is None:
            r.emit(ev.Took(character=receiver.key, item=outcome.item))


def _advance_quests(r: Resolution) -> None:
    world = r.world
    for key, quest in world.quests.items():
        stages = world.campaign.quests[key].stages
        while quest.status == "active" and stages[quest.stage].complete_when.holds(world):
            done = stages[quest.stage].id
            last = quest.stage == len(stages) - 1
            nxt = stages[quest.stage + 1].id if not last else done
            outcome = stages[quest.stage].outcome
            r.emit(ev.QuestStage(quest=key, stage=nxt, completed_stage=done, quest_completed=last))
            if outcome is not None:
                _stage_outcome(r, outcome)
