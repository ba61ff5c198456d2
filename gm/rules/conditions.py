"""Evaluating the campaign condition language against a world."""

from __future__ import annotations

from gm.campaign.schema import (
    ATTITUDES, AllOf, AnyOf, At, AttitudeAtLeast, Check, Condition, Defeated, Gave, Holds, KnowsSkill, Learned, Recruited,
)
from gm.rules.dice import Dice, modifier
from gm.state.world import World


def holds(world: World, cond: Condition, dice: Dice | None = None, who: str | None = None,
          subject: str | None = None) -> bool:
    """Whether ``cond`` is true now. ``check`` conditions roll only when ``dice`` is given
    (an action such as recruiting); passive evaluation (quest stages) never rolls. ``subject`` is the
    character whose `recruit` or `teach` condition it is (an ``attitude`` condition's default)."""
    match cond:
        case AnyOf(any=children):
            return any(holds(world, c, dice, who, subject) for c in children)
        case AllOf(all=children):
            return all(holds(world, c, dice, who, subject) for c in children)
        case AttitudeAtLeast(attitude=least, of=of):
            key = of or subject
            return key in world.characters and \
                ATTITUDES.index(world.characters[key].attitude) >= ATTITUDES.index(least)
        case Learned(learned=fact):
            return fact in world.facts
        case Recruited(recruited=key):
            return world.characters[key].in_party
        case KnowsSkill(knows_skill=args):
            return world.knows_skill(args.character, args.skill)
        case Defeated(defeated=key):
            return not world.characters[key].alive
        case Gave(gave=args):
            return any(item == args.item and to == args.to for item, _, to in world.gifts)
        case At(at=loc):
            return world.party_location == loc
        case Holds(holds=item):
            return world.items[item].holder in {c.key for c in world.party()}
        case Check(check=stat, dc=dc):
            if dice is None:
                return False
            roller = world.characters[who] if who else world.pcs()[0]
            roll = dice.roll(f"1d20{modifier(roller.stat(stat))}", dc=world.campaign.dc(dc), who=roller.key,
                             purpose=f"{stat} check")
            return bool(roll.success)
    raise TypeError(f"not a condition: {cond!r}")
