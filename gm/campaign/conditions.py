"""The campaign condition language: one class per condition.

A condition is a one-key mapping in a campaign file (``{learned: thief-route}``,
``{any: [...]}``). Each class owns all there is to know about its kind, in the
manner of Avrae's automation effects: its schema (the pydantic fields), the
references it makes into the campaign (``problems``, located by path), whether
play can ever make it true (``can_ever_hold``), and its truth in a world
(``holds``). Adding a condition is adding one class to :data:`CONDITIONS`.

The world and dice are used through their interfaces only (``World`` from
:mod:`gm.state.world`, ``Dice`` from :mod:`gm.rules.dice`), so the campaign
format stays at the bottom of the data path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Union

from pydantic import Discriminator, Field, Tag

from gm.campaign.fields import ATTITUDES, Attitude, CharacterKind, Id, Int, Strict

if TYPE_CHECKING:
    from gm.campaign.schema import Campaign
    from gm.rules.dice import Dice
    from gm.state.world import World

Problem = tuple[tuple, str]  # (path into the campaign file, message)


class BaseCondition(Strict):
    key: ClassVar[str]  # the mapping key that names this condition in a campaign file

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        """References to things the campaign does not have, located under ``path``."""
        return iter(())

    def can_ever_hold(self, campaign: Campaign, *, checks_allowed: bool) -> bool:
        """Whether play can ever make this true (assuming its references exist)."""
        return True

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        """Whether this is true now. A ``check`` rolls only when ``dice`` is given (an action such as
        recruiting); passive evaluation (quest stages) never rolls. ``who`` rolls any check."""
        raise NotImplementedError


class KnowsSkillArgs(Strict):
    character: Id
    skill: Id


class GaveArgs(Strict):
    item: Id
    to: Id


class Learned(BaseCondition):
    key: ClassVar[str] = "learned"
    learned: Id = Field(description="A fact id from some character's `knows`.")

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        if self.learned not in campaign.facts():
            yield path + ("learned",), f"unknown fact {self.learned!r}: no character `knows` it"

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        return self.learned in world.facts


class Recruited(BaseCondition):
    key: ClassVar[str] = "recruited"
    recruited: Id = Field(description="A companion's id.")

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        who = campaign.characters.get(self.recruited)
        if who is None:
            yield path + ("recruited",), f"unknown character {self.recruited!r}"
        elif who.kind is not CharacterKind.companion:
            yield path + ("recruited",), (f"{self.recruited!r} is a {who.kind.value}, "
                                          "only companions can be recruited")

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        return world.characters[self.recruited].in_party


class KnowsSkill(BaseCondition):
    key: ClassVar[str] = "knows_skill"
    knows_skill: KnowsSkillArgs

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        args = self.knows_skill
        if args.character not in campaign.characters:
            yield path + ("knows_skill", "character"), f"unknown character {args.character!r}"
        if args.skill not in campaign.skills:
            yield path + ("knows_skill", "skill"), f"unknown skill {args.skill!r}"

    def can_ever_hold(self, campaign: Campaign, *, checks_allowed: bool) -> bool:
        args = self.knows_skill
        learner = campaign.characters[args.character]
        taught = any(args.skill in ch.teaches for ch in campaign.characters.values())
        return args.skill in learner.skills or (taught and learner.kind is CharacterKind.pc)

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        return world.knows_skill(self.knows_skill.character, self.knows_skill.skill)


class Defeated(BaseCondition):
    key: ClassVar[str] = "defeated"
    defeated: Id = Field(description="A character brought to 0 hp.")

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        if self.defeated not in campaign.characters:
            yield path + ("defeated",), f"unknown character {self.defeated!r}"

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        return not world.characters[self.defeated].alive


class Gave(BaseCondition):
    key: ClassVar[str] = "gave"
    gave: GaveArgs

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        if self.gave.item not in campaign.items:
            yield path + ("gave", "item"), f"unknown item {self.gave.item!r}"
        if self.gave.to not in campaign.characters:
            yield path + ("gave", "to"), f"unknown character {self.gave.to!r}"

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        return any(item == self.gave.item and to == self.gave.to for item, _, to in world.gifts)


class At(BaseCondition):
    key: ClassVar[str] = "at"
    at: Id = Field(description="The party is at this location.")

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        if self.at not in campaign.locations:
            yield path + ("at",), f"unknown location {self.at!r}"

    def can_ever_hold(self, campaign: Campaign, *, checks_allowed: bool) -> bool:
        return self.at in reachable_locations(campaign)

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        return world.party_location == self.at


class Holds(BaseCondition):
    key: ClassVar[str] = "holds"
    holds_: Id = Field(alias="holds", description="A party member holds this item.")

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        if self.holds_ not in campaign.items:
            yield path + ("holds",), f"unknown item {self.holds_!r}"

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        return world.items[self.holds_].holder in {c.key for c in world.party()}


class Check(BaseCondition):
    key: ClassVar[str] = "check"
    check: str = Field(description="A stat name from `rules.stats`.")
    dc: Int | str = Field(description="A number or a name from `rules.difficulty`.")

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        rules = campaign.rules
        if self.check not in rules.stats:
            yield path + ("check",), f"unknown stat {self.check!r} (rules.stats: {', '.join(rules.stats)})"
        if isinstance(self.dc, str) and self.dc not in rules.difficulty:
            yield path + ("dc",), f"unknown difficulty {self.dc!r} (rules.difficulty: {', '.join(rules.difficulty)})"

    def can_ever_hold(self, campaign: Campaign, *, checks_allowed: bool) -> bool:
        return checks_allowed

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        if dice is None:
            return False
        roller = world.characters[who] if who else world.pcs()[0]
        roll = dice.roll(f"1d20{roller.stat(self.check):+d}", dc=world.campaign.dc(self.dc), who=roller.key,
                         purpose=f"{self.check} check")
        return bool(roll.success)


class AttitudeAtLeast(BaseCondition):
    key: ClassVar[str] = "attitude"
    attitude: Attitude = Field(description="The character feels at least this well about the party.")
    of: Id | None = Field(default=None, description="The character; in a character's own `recruit` or `teach` "
                                                    "it may be left out (it means that character).")

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        if self.of is None:
            yield path + ("attitude",), ("say whose attitude: `of: CHARACTER` (only a character's own `recruit` "
                                         "or `teach` may leave it out)")
        elif self.of not in campaign.characters:
            yield path + ("of",), f"unknown character {self.of!r}"

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        ch = world.characters.get(self.of or "")
        return ch is not None and ATTITUDES.index(ch.attitude) >= ATTITUDES.index(self.attitude)


class AnyOf(BaseCondition):
    key: ClassVar[str] = "any"
    any: list[Condition] = Field(min_length=1)

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        for i, child in enumerate(self.any):
            yield from child.problems(campaign, path + ("any", i))

    def can_ever_hold(self, campaign: Campaign, *, checks_allowed: bool) -> bool:
        return any(c.can_ever_hold(campaign, checks_allowed=checks_allowed) for c in self.any)

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        return any(c.holds(world, dice, who) for c in self.any)


class AllOf(BaseCondition):
    key: ClassVar[str] = "all"
    all: list[Condition] = Field(min_length=1)

    def problems(self, campaign: Campaign, path: tuple) -> Iterator[Problem]:
        for i, child in enumerate(self.all):
            yield from child.problems(campaign, path + ("all", i))

    def can_ever_hold(self, campaign: Campaign, *, checks_allowed: bool) -> bool:
        return all(c.can_ever_hold(campaign, checks_allowed=checks_allowed) for c in self.all)

    def holds(self, world: World, dice: Dice | None = None, who: str | None = None) -> bool:
        return all(c.holds(world, dice, who) for c in self.all)


CONDITIONS: tuple[type[BaseCondition], ...] = (Learned, Recruited, KnowsSkill, Defeated, Gave, At, Holds, Check,
                                               AttitudeAtLeast, AnyOf, AllOf)
_BY_KEY = {cls.key: cls for cls in CONDITIONS}


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, BaseCondition):
        return value.key
    if isinstance(value, dict):
        return next((key for key in _BY_KEY if key in value), None)
    return None


Condition = Annotated[
    Union[tuple(Annotated[cls, Tag(cls.key)] for cls in CONDITIONS)],  # noqa: UP007 - built from the registry
    Discriminator(_condition_tag, custom_error_type="condition",
                  custom_error_message="not a condition: expected one of " + ", ".join(_BY_KEY)),
]
AnyOf.model_rebuild()
AllOf.model_rebuild()


def leaves(cond: Condition) -> Iterator[BaseCondition]:
    """The plain conditions inside ``cond`` (through every ``any`` and ``all``)."""
    if isinstance(cond, AnyOf):
        for child in cond.any:
            yield from leaves(child)
    elif isinstance(cond, AllOf):
        for child in cond.all:
            yield from leaves(child)
    else:
        yield cond


def about(cond: Condition, character: str) -> Condition:
    """A character's own `recruit` or `teach` condition, with every `attitude` that names no one meaning it."""
    if isinstance(cond, AttitudeAtLeast) and cond.of is None:
        return cond.model_copy(update={"of": character})
    if isinstance(cond, AnyOf):
        return cond.model_copy(update={"any": [about(c, character) for c in cond.any]})
    if isinstance(cond, AllOf):
        return cond.model_copy(update={"all": [about(c, character) for c in cond.all]})
    return cond


def reachable_locations(campaign: Campaign) -> set[str]:
    seen = {campaign.start.location}
    queue = deque(seen)
    while queue:
        loc = campaign.locations.get(queue.popleft())
        hidden = [c.exit.to for f in loc.features.values() for check in f.checks.values()
                  for c in (check.success, check.failure) if c.exit] if loc else []  # opened by checks in play
        for target in [*(loc.exits.values() if loc else ()), *hidden]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen
