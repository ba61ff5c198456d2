"""The rules engine: intents in, events out. Deterministic given the dice.

``resolve`` decides the acting character's outcome; ``advance`` decides what
follows from it (recruitment, monsters' turns, quest stages). Both apply
their events to the world they are given as they go, so callers pass a
working copy and persist it only when the whole turn is done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gm import events as ev
from gm.campaign.schema import CharacterKind
from gm.intent import Action, Intent
from gm.rules import conversation
from gm.rules.conditions import holds
from gm.rules.dice import Dice, Roll, modifier
from gm.state.world import CharacterState, World

FREE_ACTIONS = {Action.look, Action.check}  # these never use up a combat turn


class Refusal(Exception):
    """The action cannot happen; ``reason`` says why, in the fiction."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Outcome:
    ok: bool
    events: list[ev.Event] = field(default_factory=list)
    rolls: list[Roll] = field(default_factory=list)
    reason: str | None = None


class Resolution:
    """Events emitted so far in a turn; each is applied to the world as it is emitted."""

    def __init__(self, world: World, dice: Dice):
        self.world, self.dice = world, dice
        self.events: list[ev.Event] = []

    def emit(self, event: ev.Event) -> None:
        self.world.apply(event)
        self.events.append(event)

    def outcome(self, ok: bool = True, reason: str | None = None) -> Outcome:
        return Outcome(ok, list(self.events), list(self.dice.log), reason)


# --- helpers -------------------------------------------------------------------

def _name(world: World, key: str) -> str:
    if key in world.characters:
        return world.characters[key].name
    if key in world.items:
        return world.items[key].name
    if key in world.entities:
        return world.entities[key].name
    return key


def actor_for(world: World, intent: Intent) -> CharacterState:
    if intent.actor:
        actor = world.characters.get(intent.actor)
        if actor is None or actor.kind is not CharacterKind.pc or not actor.in_party:
            raise Refusal(f"{intent.actor} is not a player character in this game.")
    else:
        pcs = [c for c in world.pcs() if c.alive] or world.pcs()
        if not pcs:
            raise Refusal("Nobody is left to act.")
        actor = pcs[0]
    if not actor.alive:
        raise Refusal(f"{actor.name} is down and cannot act.")
    return actor


def _present_character(world: World, key: str | None, what: str) -> CharacterState:
    if key is None or key not in world.characters:
        raise Refusal(f"There is no one like that to {what} here.")
    ch = world.characters[key]
    if ch.location != world.party_location:
        raise Refusal(f"{ch.name} is not here.")
    return ch


def _only(candidates: list[CharacterState], what: str) -> str:
    if len(candidates) == 1:
        return candidates[0].key
    if not candidates:
        raise Refusal(f"There is no one to {what} here.")
    raise Refusal(f"Who do you want to {what}: {', '.join(c.name for c in candidates)}?")


def attack_roll(r: Resolution, attacker: CharacterState, target: CharacterState, *, bonus: int,
                damage: str, name: str, advantage: bool = False) -> None:
    """Roll to hit against the target's defense, then damage and defeat."""
    d20 = "2d20kh1" if advantage else "1d20"
    roll = r.dice.roll(f"{d20}{modifier(bonus)}", dc=target.defense, who=attacker.key, purpose=f"{name} to hit")
    hit = bool(roll.success) and roll.natural != 1 or roll.natural == 20
    r.emit(ev.Attack(actor=attacker.key, target=target.key, hit=hit, name=name))
    if not hit:
        return
    amount = max(1, r.dice.roll(damage, who=attacker.key, purpose=f"{name} damage").total)
    if roll.natural == 20:
        amount *= 2
    remaining = max(0, target.hp - amount)
    r.emit(ev.Damage(target=target.key, amount=amount, hp=remaining))
    if remaining == 0:
        r.emit(ev.Defeated(character=target.key))


def weapon(world: World, ch: CharacterState) -> tuple[str, int, str]:
    """(name, to-hit bonus, damage) of a character's first listed attack, or a plain strike."""
    spec = world.campaign.characters.get(ch.key)
    if spec is not None and spec.attacks:
        attack = spec.attacks[(world.combat.round - 1 if world.combat else 0) % len(spec.attacks)]
        return attack.name, attack.bonus, attack.damage
    might = ch.stat("might")
    best = max(might, ch.stat("grace"))
    die = "1d6" if ch.kind is CharacterKind.pc else "1d4"
    return "strike", best, f"{die}{modifier(might)}"


def start_combat(r: Resolution, first: str | None = None) -> None:
    world = r.world
    fighters = [c for c in world.present() if c.alive and (c.in_party or c.disposition == "hostile")]
    initiative = {c.key: r.dice.roll(f"1d20{modifier(c.stat('grace'))}", who=c.key, purpose="initiative").total
                  for c in fighters}
    order = sorted(initiative, key=lambda k: (-initiative[k], k))
    if first in order:  # whoever strikes first acts first
        i = order.index(first)
        order = order[i:] + order[:i]
    r.emit(ev.CombatStarted(location=world.party_location, order=order))


# --- the actions -------------------------------------------------------------------

def _time_passes(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    """Looking and waiting change nothing by themselves (in a fight, waiting gives up the turn)."""


def _move(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    world = r.world
    here = world.campaign.locations[world.party_location]
    target = (intent.target or "").lower()
    direction = next((d for d, loc in here.exits.items() if target in (d.lower(), loc)), None)
    if direction is None:
        exits = ", ".join(f"{d} to {world.campaign.locations[l].name}" for d, l in here.exits.items())
        raise Refusal(f"There is no way {intent.target or 'there'} from {here.name}."
                      + (f" Exits: {exits}." if exits else " There is no way out."))
    fleeing = world.combat is not None
    party = [c.key for c in world.party()]
    r.emit(ev.Moved(characters=party, origin=world.party_location, to=here.exits[direction], direction=direction))
    if fleeing:
        r.emit(ev.CombatEnded(reason="fled"))
    for key in party:  # arrivals stand still: nobody keeps walking once the move is over
        ch = world.characters[key]
        if ch.alive and ch.pose not in ("standing", "following"):
            r.emit(ev.Pose(character=key, pose="following" if ch.kind is CharacterKind.companion else "standing"))


def _talk(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    world = r.world
    key = intent.target or _only([c for c in world.present() if not c.in_party], "talk to")
    if key in world.entities and world.entities[key].location == world.party_location:
        conversation.answer_stranger(r, actor, key, intent)
        return
    npc = _present_character(world, key, "talk to")
    if npc.key == actor.key:
        raise Refusal("You mutter to yourself.")
    if not npc.alive:
        raise Refusal(f"{npc.name} cannot answer any more.")
    if npc.disposition == "hostile":
        raise Refusal(f"{npc.name} is in no mood to talk.")
    conversation.answer(r, actor, npc, intent)


def _take(r: Resolution, actor: CharacterState, intent: Intent) -> None:
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


def _held_item(world: World, actor: CharacterState, intent: Intent):
    item = world.items.get(intent.item or "")
    if item is None or item.holder != actor.key:
        raise Refusal(f"You are not carrying {'the ' + item.name if item else 'that'}.")
    return item


def _drop(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    item = _held_item(r.world, actor, Intent(action=Action.drop, item=intent.item or intent.target))
    r.emit(ev.Dropped(character=actor.key, item=item.key, location=r.world.party_location))


def _give(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    item = _held_item(r.world, actor, intent)
    to = _present_character(r.world, intent.target, "give that to")
    if to.key == actor.key:
        raise Refusal(f"You already have the {item.name}.")
    if not to.alive:
        raise Refusal(f"{to.name} cannot take anything now.")
    first = not any(i == item.key and t == to.key for i, _, t in r.world.gifts)
    r.emit(ev.Gave(giver=actor.key, item=item.key, to=to.key))
    conversation.gift_received(r, actor, to, first)


def _teacher_and_skill(world: World, actor: CharacterState, intent: Intent) -> tuple[CharacterState, str]:
    present = [c for c in world.present() if c.alive and world.spec(c.key).teaches]
    skill = intent.skill or (intent.target if intent.target in world.campaign.skills else None)
    teacher_key = intent.target if intent.target in world.characters else None
    for teacher in present:
        teaches = world.spec(teacher.key).teaches
        if teacher_key not in (None, teacher.key):
            continue
        wanted = [s for s in teaches if (skill is None or s == skill) and not world.knows_skill(actor.key, s)]
        if wanted:
            return teacher, wanted[0]
    if skill and world.knows_skill(actor.key, skill):
        raise Refusal(f"You already know the {world.campaign.skills[skill].name}.")
    if teacher_key and teacher_key in world.characters:
        raise Refusal(f"{world.characters[teacher_key].name} has nothing to teach you.")
    raise Refusal("No one here can teach you that.")


def _learn(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    teacher, skill = _teacher_and_skill(r.world, actor, intent)
    if not conversation.will_teach(r.world, teacher, r.dice, actor):
        conversation.decline_teaching(r, actor, teacher)
        return
    name = r.world.campaign.skills[skill].name
    r.emit(ev.Said(speaker=teacher.key, text=f"Listen closely. This is the {name}."))
    r.emit(ev.SkillLearned(character=actor.key, skill=skill, teacher=teacher.key))


def _recruit(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    world = r.world
    key = intent.target or _only([c for c in world.present() if c.kind is CharacterKind.companion
                                  and not c.in_party], "ask to join you")
    who = _present_character(world, key, "recruit")
    if who.in_party:
        raise Refusal(f"{who.name} is already with you.")
    if who.kind is not CharacterKind.companion or not who.alive or "hostile" in (who.disposition, who.attitude):
        raise Refusal(f"{who.name} will not join you.")
    condition = world.spec(who.key).recruit
    if condition is None or holds(world, condition, r.dice, actor.key, subject=who.key):
        r.emit(ev.Recruited(character=who.key))
        r.emit(ev.Pose(character=who.key, pose="following"))
    else:
        r.emit(ev.RecruitFailed(character=who.key))


def _hostile_target(world: World, actor: CharacterState, intent: Intent, verb: str) -> CharacterState:
    if intent.target in world.entities:
        raise Refusal(f"You cannot fight the {world.entities[intent.target].name}.")
    key = intent.target or _only(world.hostiles_here(), verb)
    target = _present_character(world, key, verb)
    if target.key == actor.key or target.in_party:
        raise Refusal(f"{target.name} is on your side.")
    if not target.alive:
        raise Refusal(f"{target.name} is already defeated.")
    if target.disposition != "hostile" and target.kind is not CharacterKind.monster:
        raise Refusal(f"{target.name} is no enemy of yours.")
    return target


def _attack(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    target = _hostile_target(r.world, actor, intent, "attack")
    conversation.witnessed_attack(r, actor, target)
    if r.world.combat is None:
        start_combat(r, first=actor.key)
    r.emit(ev.Pose(character=actor.key, pose="fighting"))
    name, bonus, damage = weapon(r.world, actor)
    attack_roll(r, actor, target, bonus=bonus, damage=damage, name=name)


def _use_skill(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    world = r.world
    known = [s for (c, s) in sorted(world.skills) if c == actor.key]
    skill_key = intent.skill or (known[0] if len(known) == 1 else None)
    if skill_key is None or skill_key not in world.campaign.skills:
        raise Refusal("Which skill? You know: " + (", ".join(world.campaign.skills[s].name for s in known) or "none yet") + ".")
    skill = world.campaign.skills[skill_key]
    if not world.knows_skill(actor.key, skill_key):
        raise Refusal(f"You do not know the {skill.name}.")
    if skill.damage is None:
        r.emit(ev.Pose(character=actor.key, pose="casting"))
        return
    target = _hostile_target(world, actor, intent, f"use the {skill.name} on")
    if world.combat is None:
        start_combat(r, first=actor.key)
    r.emit(ev.Pose(character=actor.key, pose="casting"))
    attack_roll(r, actor, target, bonus=actor.stat(skill.stat), damage=skill.damage, name=skill.name,
                advantage=target.key in skill.effective_against)


def _rest(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    world = r.world
    if world.combat is not None or world.hostiles_here():
        raise Refusal("You cannot rest with enemies close by.")
    for ch in world.party():
        if ch.hp < ch.max_hp:
            r.emit(ev.Healed(character=ch.key, hp=ch.max_hp))
        r.emit(ev.Pose(character=ch.key, pose="sitting"))


def _check(r: Resolution, actor: CharacterState, intent: Intent) -> None:
    world = r.world
    if intent.approach in conversation.SOCIAL_APPROACHES and intent.target in world.characters:
        target = _present_character(world, intent.target, intent.approach)
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


HANDLERS: dict[Action, Callable[[Resolution, CharacterState, Intent], None]] = {
    Action.look: _time_passes, Action.wait: _time_passes, Action.move: _move, Action.talk: _talk, Action.take: _take,
    Action.drop: _drop, Action.give: _give, Action.learn: _learn, Action.recruit: _recruit,
    Action.attack: _attack, Action.use_skill: _use_skill, Action.rest: _rest, Action.check: _check,
}


def resolve(world: World, intent: Intent, dice: Dice) -> Outcome:
    """Decide the outcome of one intent. A refused intent changes nothing."""
    r = Resolution(world, dice)
    try:
        if world.status != "active":
            raise Refusal("The story is over. Start a new game to play again.")
        actor = actor_for(world, intent)
        if world.combat is not None and intent.action not in FREE_ACTIONS and world.combat.up != actor.key:
            raise Refusal(f"It is {_name(world, world.combat.up)}'s turn.")
        HANDLERS[intent.action](r, actor, intent)
    except Refusal as refusal:
        assert not r.events, "a refusal must come before any event"
        return r.outcome(ok=False, reason=refusal.reason)
    return r.outcome()
