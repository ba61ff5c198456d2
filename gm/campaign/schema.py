"""The campaign authoring format: a pydantic v2 schema for campaign YAML files.

Every model forbids unknown keys so that a typo in a campaign file is reported
instead of silently ignored. Fields that Worldkeeper adds beyond the external
conformance format (``aliases``, ``description`` ...) are all optional, so that
files written against the plain format keep loading.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, field_validator

from gm.campaign.conditions import Condition
from gm.campaign.fields import ATTITUDES, Attitude, CharacterKind, DiceExpr, Id, Int, Strict, Text

__all__ = ["ATTITUDES", "Attitude", "Campaign", "Character", "CharacterKind", "Condition", "DiceExpr", "Id", "Strict",
           "Text", "Topic"]

# The condition language lives in gm.campaign.conditions, one class per condition.


# --- the world ---------------------------------------------------------------

class Style(Strict):
    visual: Text = ""
    negative: Text = ""
    aspect: str = "16:9"
    camera: str = "third-person"


class Rules(Strict):
    system: Literal["d20"] = "d20"
    stats: list[Id] = Field(default_factory=lambda: ["might", "grace", "wits", "spirit"], min_length=1)
    difficulty: dict[Id, Int] = Field(default_factory=lambda: {"easy": 8, "medium": 12, "hard": 16, "heroic": 20})
    stat_descriptions: dict[Id, Text] = Field(
        default_factory=dict,
        description="What each stat covers, in a few words (e.g. `might: strength, climbing, forcing things`): "
                    "open actions are settled by the stat whose description fits what is attempted.")


class Start(Strict):
    location: Id
    party: list[Id] = Field(min_length=1)
    time: str | None = None


class Fact(Strict):
    id: Id
    text: Text


class HiddenExit(Strict):
    direction: str = Field(min_length=1, max_length=40)
    to: Id = Field(description="The location the exit leads to.")


class AttitudeShift(Strict):
    character: Id
    shift: Int = Field(ge=-3, le=3, description="Steps toward friendly (positive) or hostile (negative).")


class Consequence(Strict):
    """What a check's success or failure does. Every field is optional; `text` is what the narration says."""

    text: Text = Field("", description="What happens, as the narration tells it.")
    learn: Fact | None = Field(None, description="A fact the party learns (quest stages may wait for it).")
    item: Id | None = Field(None, description="An item the character finds and takes; it must start nowhere.")
    exit: HiddenExit | None = Field(None, description="A hidden way out of this location that opens.")
    reveal: list[Id] = Field(default_factory=list, description="Hidden features of this location that show.")
    damage: DiceExpr | None = Field(None, description="Dice of damage the character takes.")
    alarm: Id | None = Field(None, description="A character who comes here and turns hostile.")
    attitude: AttitudeShift | None = Field(
        None, description="A change of heart: a character's attitude moves `shift` steps (hostile, wary, neutral, "
                          "friendly).")


class FeatureCheck(Strict):
    stat: Id | None = Field(None, description="The stat rolled; left out, the game master picks one.")
    dc: Int | Id = Field("medium", description="A number or a name from `rules.difficulty`.")
    success: Consequence = Field(default_factory=Consequence)
    failure: Consequence = Field(default_factory=Consequence)


class Feature(Strict):
    """Something in a location a character can search, climb, force, read ... (an open action's target)."""

    name: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list)
    description: Text = ""
    hidden: bool = Field(False, description="Unseen until a check's `reveal` shows it.")
    checks: dict[Id, FeatureCheck] = Field(
        default_factory=dict,
        description="What can be attempted, by a short verb (`search`, `climb`, `force`, `read` ...).")


class Location(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: Text = ""
    visual: Text = ""
    exits: dict[str, Id] = Field(default_factory=dict)
    aliases: list[str] = Field(default_factory=list)
    features: dict[Id, Feature] = Field(default_factory=dict)




class Attack(Strict):
    name: str = Field(min_length=1, max_length=100)
    bonus: Int = 0
    damage: DiceExpr


class TopicRequires(Strict):
    attitude: Attitude = Field(description="The least favourable attitude at which the character answers.")


class Topic(Strict):
    """Something a character can be asked about, beyond its `knows` facts."""

    about: list[str] = Field(min_length=1, description="Words and phrases a question about this topic uses.")
    says: Text = Field(min_length=1, description="What the character answers, in its own voice.")
    reveals: Id | None = Field(default=None, description="A fact id from this character's `knows`, learned "
                                                         "when it answers.")
    requires: TopicRequires | None = Field(default=None, description="Answered only at this attitude or better "
                                                                     "(default: neutral).")


class Character(Strict):
    kind: CharacterKind
    name: str = Field(min_length=1, max_length=200)
    appearance: Text = Field(min_length=1)
    location: Id | None = None
    stats: dict[Id, Int] = Field(default_factory=dict)
    hp: Int | None = Field(default=None, ge=1, le=100000)
    defense: Int | None = Field(default=None, ge=0, le=100)
    inventory: list[Id] = Field(default_factory=list)
    persona: Text = ""
    knows: list[Fact] = Field(default_factory=list)
    teaches: list[Id] = Field(default_factory=list)
    skills: list[Id] = Field(default_factory=list)
    recruit: Condition | None = None
    attacks: list[Attack] = Field(default_factory=list)
    tactics: Text = ""
    aliases: list[str] = Field(default_factory=list)
    pose: str = "standing"
    teach: Condition | None = Field(default=None, description="When it teaches its `teaches` skills, e.g. "
                                                                "`{attitude: friendly}`. Default: always.")
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
    description: Text = Field(
        "", description="What the skill does, in a sentence (`Wraps its bearer in a shield of light.`): a player "
                        "who uses or asks for it by its effect (\"put a ward of light around her\") is understood by it.")


class Stage(Strict):
    id: Id
    goal: Text
    complete_when: Condition
    outcome: Consequence | None = Field(
        None, description="What happens when the stage completes: `text` to tell, a fact to `learn`, an `item` "
                          "the party receives.")


class Quest(Strict):
    title: str = Field(min_length=1, max_length=200)
    giver: Id | None = None
    stages: list[Stage] = Field(min_length=1)
    rewards: dict[str, Int] = Field(default_factory=dict)


class Campaign(Strict):
    """A whole campaign file."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="Worldkeeper campaign")

    id: Id
    title: str = Field(min_length=1, max_length=200)
    summary: Text = ""
    version: Int = 1
    style: Style = Field(default_factory=Style)
    rules: Rules = Field(default_factory=Rules)
    start: Start
    locations: dict[Id, Location] = Field(min_length=1)
    characters: dict[Id, Character] = Field(default_factory=dict)
    items: dict[Id, Item] = Field(default_factory=dict)
    skills: dict[Id, Skill] = Field(default_factory=dict)
    quests: dict[Id, Quest] = Field(default_factory=dict)
    prompts: dict[str, Annotated[str, Field(max_length=20_000)]] = Field(  # room for a copy of facts.j2
        default_factory=dict,
        description="Overrides of Worldkeeper's Jinja2 templates by file name, e.g. `facts.j2`.")

    def facts(self) -> dict[str, Fact]:
        """Every fact any character knows or a check on a feature teaches, by id."""
        found = {fact.id: fact for ch in self.characters.values() for fact in ch.knows}
        for consequence in self.consequences():
            if consequence.learn is not None:
                found.setdefault(consequence.learn.id, consequence.learn)
        return found

    def consequences(self) -> list[Consequence]:
        """Every authored consequence: of checks on features, and of quest stages."""
        return [outcome for loc in self.locations.values() for feature in loc.features.values()
                for check in feature.checks.values() for outcome in (check.success, check.failure)] + \
            [stage.outcome for quest in self.quests.values() for stage in quest.stages if stage.outcome]

    def dc(self, value: int | str) -> int:
        return value if isinstance(value, int) else self.rules.difficulty[value]
