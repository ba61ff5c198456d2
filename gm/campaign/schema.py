"""The campaign authoring format: a pydantic v2 schema for campaign YAML files.

Every model forbids unknown keys so that a typo in a campaign file is reported
instead of silently ignored. Fields that Worldkeeper adds beyond the external
conformance format (``aliases``, ``description`` ...) are all optional, so that
files written against the plain format keep loading.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator

Id = Annotated[
    str,
    Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$",
          description="A lower-case identifier: letters, digits, '-' and '_'."),
]
Text = Annotated[str, Field(max_length=4000)]
DiceExpr = Annotated[str, Field(min_length=1, max_length=40, description="Dice in d20 notation, e.g. 2d6+1.")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- the condition language ------------------------------------------------

class KnowsSkillArgs(Strict):
    character: Id
    skill: Id


class GaveArgs(Strict):
    item: Id
    to: Id


class Learned(Strict):
    learned: Id = Field(description="A fact id from some character's `knows`.")


class Recruited(Strict):
    recruited: Id = Field(description="A companion's id.")


class KnowsSkill(Strict):
    knows_skill: KnowsSkillArgs


class Defeated(Strict):
    defeated: Id = Field(description="A character brought to 0 hp.")


class Gave(Strict):
    gave: GaveArgs


class At(Strict):
    at: Id = Field(description="The party is at this location.")


class Holds(Strict):
    holds: Id = Field(description="A party member holds this item.")


class Check(Strict):
    check: str = Field(description="A stat name from `rules.stats`.")
    dc: int | str = Field(description="A number or a name from `rules.difficulty`.")


class AttitudeAtLeast(Strict):
    attitude: Literal["hostile", "wary", "neutral", "friendly"] = Field(
        description="The character feels at least this well about the party.")
    of: Id | None = Field(default=None, description="The character; defaults to the one whose `recruit` or "
                                                    "`teach` condition this is (required in quest stages).")


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


_CONDITION_KEYS = ("learned", "recruited", "knows_skill", "defeated", "gave", "at", "holds", "check", "attitude", "any",
                   "all")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return type(value).__name__.lower()
    if isinstance(value, dict):
        for key in _CONDITION_KEYS:
            if key in value:
                return key
    return None


Condition = Annotated[
    Union[
        Annotated[Learned, Tag("learned")],
        Annotated[Recruited, Tag("recruited")],
        Annotated[KnowsSkill, Tag("knows_skill")],
        Annotated[Defeated, Tag("defeated")],
        Annotated[Gave, Tag("gave")],
        Annotated[At, Tag("at")],
        Annotated[Holds, Tag("holds")],
        Annotated[Check, Tag("check")],
        Annotated[AttitudeAtLeast, Tag("attitude")],
        Annotated[AnyOf, Tag("any")],
        Annotated[AllOf, Tag("all")],
    ],
    Discriminator(
        lambda v: {"knowsskill": "knows_skill", "anyof": "any", "allof": "all", "attitudeatleast": "attitude"}.get(t, t)
        if (t := _condition_tag(v)) else None,
        custom_error_type="condition",
        custom_error_message="not a condition: expected one of " + ", ".join(_CONDITION_KEYS),
    ),
]
AnyOf.model_rebuild()
AllOf.model_rebuild()


# --- the world ---------------------------------------------------------------

class Style(Strict):
    visual: Text = ""
    negative: Text = ""
    aspect: str = "16:9"
    camera: str = "third-person"


class Rules(Strict):
    system: Literal["d20"] = "d20"
    stats: list[Id] = Field(default_factory=lambda: ["might", "grace", "wits", "spirit"], min_length=1)
    difficulty: dict[Id, int] = Field(default_factory=lambda: {"easy": 8, "medium": 12, "hard": 16, "heroic": 20})


class Start(Strict):
    location: Id
    party: list[Id] = Field(min_length=1)
    time: str | None = None


class Location(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: Text = ""
    visual: Text = ""
    exits: dict[str, Id] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)


class CharacterKind(str, Enum):
    pc = "pc"
    npc = "npc"
    companion = "companion"
    monster = "monster"


class Fact(Strict):
    id: Id
    text: Text


Attitude = Literal["hostile", "wary", "neutral", "friendly"]
ATTITUDES: tuple[str, ...] = ("hostile", "wary", "neutral", "friendly")  # from worst to best


class TopicRequires(Strict):
    attitude: Attitude = Field(description="The least favourable attitude at which the character answers.")


class Topic(Strict):
    """Something a character can be asked about, beyond its `knows` facts."""

    about: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, description="Words and phrases a question about this topic uses.")
    says: Text = Field(min_length=1, description="What the character answers, in its own voice.")
    reveals: Id | None = Field(default=None, description="A fact id from this character's `knows`, learned "
                                                         "when it answers.")
    requires: TopicRequires | None = Field(default=None, description="Answered only at this attitude or better "
                                                                     "(default: neutral).")


class Attack(Strict):
    name: str = Field(min_length=1, max_length=100)
    bonus: int = 0
    damage: DiceExpr


class Character(Strict):
    kind: CharacterKind
    name: str = Field(min_length=1, max_length=200)
    appearance: Text = Field(min_length=1)
    location: Id | None = None
    stats: dict[Id, int] = Field(default_factory=dict)
    hp: int | None = Field(default=None, ge=1, le=100000)
    defense: int | None = Field(default=None, ge=0, le=100)
    inventory: list[Id] = Field(default_factory=list)
    persona: Text = ""
    knows: list[Fact] = Field(default_factory=list)
    teaches: list[Id] = Field(default_factory=list)
    skills: list[Id] = Field(default_factory=list)
    recruit: Condition | None = None
    teach: Condition | None = Field(default=None, description="When it teaches its `teaches` skills, e.g. "
                                                                "`{attitude: friendly}`. Default: always.")
    attacks: list[Attack] = Field(default_factory=list)
    tactics: Text = ""
    aliases: list[str] = Field(default_factory=list)
    pose: str = "standing"
    attitude: Attitude | None = Field(
        default=None, description="How the character feels about the party at the start (hostile, wary, neutral, "
                                  "friendly). Default: hostile for monsters, neutral for everyone else.")
    topics: dict[Id, Topic] = Field(default_factory=dict, description="What the character can be asked about.")
    speaks: bool | None = Field(
        default=None, description="Whether it talks. Default: pcs and npcs do; companions and monsters do when "
                                  "they have a persona, `knows` or `topics`; others answer by gesture and sound.")

    @field_validator("stats")
    @classmethod
    def _stat_range(cls, stats: dict[str, int]) -> dict[str, int]:
        for name, value in stats.items():
            if not -10 <= value <= 30:
                raise ValueError(f"stat {name!r} is {value}; stats must be between -10 and 30")
        return stats


class Item(Strict):
    name: str = Field(min_length=1, max_length=200)
    appearance: Text = ""
    description: Text = ""
    location: Id | None = None
    aliases: list[str] = Field(default_factory=list)


class Skill(Strict):
    name: str = Field(min_length=1, max_length=200)
    stat: Id
    damage: DiceExpr | None = None
    effective_against: list[Id] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)


class Stage(Strict):
    id: Id
    goal: Text
    complete_when: Condition


class Quest(Strict):
    title: str = Field(min_length=1, max_length=200)
    giver: Id | None = None
    stages: list[Stage] = Field(min_length=1)
    rewards: dict[str, int] = Field(default_factory=dict)


class Campaign(Strict):
    """A whole campaign file."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Worldkeeper campaign")

    id: Id
    title: str = Field(min_length=1, max_length=200)
    summary: Text = ""
    version: int = 1
    style: Style = Field(default_factory=Style)
    rules: Rules = Field(default_factory=Rules)
    start: Start
    locations: dict[Id, Location] = Field(min_length=1)
    characters: dict[Id, Character] = Field(default_factory=dict)
    items: dict[Id, Item] = Field(default_factory=dict)
    skills: dict[Id, Skill] = Field(default_factory=dict)
    quests: dict[Id, Quest] = Field(default_factory=dict)
    prompts: dict[str, Text] = Field(
        default_factory=dict,
        description="Overrides of Worldkeeper's Jinja2 templates by file name, e.g. `facts.j2`.")

    def facts(self) -> dict[str, Fact]:
        """Every fact any character knows, by id."""
        return {fact.id: fact for ch in self.characters.values() for fact in ch.knows}

    def dc(self, value: int | str) -> int:
        return value if isinstance(value, int) else self.rules.difficulty[value]
