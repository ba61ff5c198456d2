"""The rules' shared machinery: refusals, outcomes, rolls to hit, combat. Deterministic given the dice.

Each action's own rules live with the action (:mod:`gm.actions`, whose
``resolve`` decides the acting character's outcome); :mod:`gm.rules.advance`
decides what follows from it (recruitment, monsters' turns, quest stages).
Both apply their events to the world they are given as they go, so callers
pass a working copy and persist it only when the whole turn is done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gm import events as ev
from gm.campaign.schema import CharacterKind
from gm.intent import Action, Intent
from gm.rules.dice import CritType, Dice, Roll, modifier
from gm.state.world import CharacterState, ItemState, World

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

def name_of(world: World, key: str) -> str:
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
        actor = world.lead()  # solo play: the party's first member, as the campaign's start lists it
        if actor is None:
            raise Refusal("Nobody is left to act.")
    if not actor.alive:
        raise Refusal(f"{actor.name} is down and cannot act.")
    return actor


def present_character(world: World, key: str | None, what: str) -> CharacterState:
    if key is None or key not in world.characters:
        raise Refusal(f"There is no one like that to {what} here.")
    ch = world.characters[key]
    if ch.location != world.party_location:
        raise Refusal(f"{ch.name} is not here.")
    return ch


def only_one(candidates: list[CharacterState], what: str) -> str:
    if len(candidates) == 1:
        return candidates[0].key
    if not candidates:
        raise Refusal(f"There is no one to {what} here.")
    raise Refusal(f"Who do you want to {what}: {', '.join(c.name for c in candidates)}?")


def held_item(world: World, actor: CharacterState, item_key: str | None) -> ItemState:
    item = world.items.get(item_key or "")
    if item is None or item.holder != actor.key:
        raise Refusal(f"You are not carrying {'the ' + item.name if item else 'that'}.")
    return item


def hostile_target(world: World, actor: CharacterState, intent: Intent, verb: str) -> CharacterState:
    """The enemy an attack or skill is aimed at: the one named, or the only one here."""
    if intent.target in world.entities:
        raise Refusal(f"You cannot fight the {world.entities[intent.target].name}.")
    key = intent.target or only_one(world.hostiles_here(), verb)
    target = present_character(world, key, verb)
    if target.key == actor.key or target.in_party:
        raise Refusal(f"{target.name} is on your side.")
    if not target.alive:
        raise Refusal(f"{target.name} is already defeated.")
    if target.disposition != "hostile" and target.kind is not CharacterKind.monster:
        raise Refusal(f"{target.name} is no enemy of yours.")
    return target


def attack_roll(r: Resolution, attacker: CharacterState, target: CharacterState, *, bonus: int,
                damage: str, name: str, advantage: bool = False) -> None:
    """Roll to hit against the target's defense, then damage and defeat."""
    d20 = "2d20kh1" if advantage else "1d20"
    roll = r.dice.roll(f"{d20}{modifier(bonus)}", dc=target.defense, who=attacker.key, purpose=f"{name} to hit")
    # a natural 20 always hits and doubles the damage; a natural 1 always misses
    hit = roll.crit is CritType.CRIT or (bool(roll.success) and roll.crit is not CritType.FAIL)
    r.emit(ev.Attack(actor=attacker.key, target=target.key, hit=hit, name=name))
    if not hit:
        return
    amount = max(1, r.dice.roll(damage, who=attacker.key, purpose=f"{name} damage").total)
    if roll.crit is CritType.CRIT:
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
