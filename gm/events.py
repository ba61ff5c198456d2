"""Events: the only way the world changes.

The rules engine decides outcomes as a list of events; :func:`gm.state.world.World.apply`
is the one reducer that turns an event into a state change; the store writes the
resulting state and appends the events to the turn log. Narration and the
world-model plan read events, never the other way round.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Moved(_Event):
    kind: Literal["moved"] = "moved"
    characters: list[str]
    origin: str
    to: str
    direction: str | None = None


class Learned(_Event):
    kind: Literal["learned"] = "learned"
    fact: str
    source: str  # the character who told it


class Took(_Event):
    kind: Literal["took"] = "took"
    character: str
    item: str


class Dropped(_Event):
    kind: Literal["dropped"] = "dropped"
    character: str
    item: str
    location: str


class Gave(_Event):
    kind: Literal["gave"] = "gave"
    giver: str
    item: str
    to: str


class Recruited(_Event):
    kind: Literal["recruited"] = "recruited"
    character: str


class RecruitFailed(_Event):
    kind: Literal["recruit_failed"] = "recruit_failed"
    character: str


class SkillLearned(_Event):
    kind: Literal["skill_learned"] = "skill_learned"
    character: str
    skill: str
    teacher: str


Manner = Literal["tells", "recalls", "doesnt_know", "declines", "greets", "reacts", "gestures"]


class Said(_Event):
    """Words (or, for a creature without speech, a gesture) from a character or an /event entity.

    A line of a conversation names who it was said to (``to``), the words it answers (``asked``),
    what it was about (``topic``: a fact or topic id, when the rules answered one) and how it was
    said (``manner``); the world keeps those in its conversation log.
    """

    kind: Literal["said"] = "said"
    speaker: str
    text: str
    to: str | None = None
    asked: str | None = None
    topic: str | None = None
    manner: Manner | None = None


class AttitudeChanged(_Event):
    kind: Literal["attitude"] = "attitude"
    character: str
    attitude: Literal["hostile", "wary", "neutral", "friendly"]
    was: str
    cause: str  # persuaded, intimidated, gift, attacked, ...


class Attack(_Event):
    kind: Literal["attack"] = "attack"
    actor: str
    target: str
    hit: bool
    name: str  # the attack or skill used


class Damage(_Event):
    kind: Literal["damage"] = "damage"
    target: str
    amount: int = Field(ge=0)
    hp: int  # hp after the damage


class Healed(_Event):
    kind: Literal["healed"] = "healed"
    character: str
    hp: int


class Defeated(_Event):
    kind: Literal["defeated"] = "defeated"
    character: str


class Pose(_Event):
    kind: Literal["pose"] = "pose"
    character: str
    pose: str


class CombatStarted(_Event):
    kind: Literal["combat_started"] = "combat_started"
    location: str
    order: list[str]


class CombatEnded(_Event):
    kind: Literal["combat_ended"] = "combat_ended"
    reason: Literal["victory", "fled", "routed"]


class TurnPassed(_Event):
    """The initiative pointer moves to the next combatant."""

    kind: Literal["turn_passed"] = "turn_passed"
    to: str


class Routed(_Event):
    kind: Literal["routed"] = "routed"
    to: str


class QuestStage(_Event):
    kind: Literal["quest_stage"] = "quest_stage"
    quest: str
    stage: str  # the stage now current, or the last one when completed
    completed_stage: str
    quest_completed: bool = False


class EntityAdded(_Event):
    kind: Literal["entity_added"] = "entity_added"
    id: str
    name: str
    appearance: str
    location: str


class EntityRemoved(_Event):
    kind: Literal["entity_removed"] = "entity_removed"
    id: str


class CharacterJoined(_Event):
    """A new player character joins the party during play (a player joining a campaign)."""

    kind: Literal["character_joined"] = "character_joined"
    id: str
    name: str
    appearance: str
    stats: dict[str, int]
    hp: int


class Checked(_Event):
    """An open action settled by a check: what was attempted, on what, and whether it worked."""

    kind: Literal["checked"] = "checked"
    actor: str
    approach: str  # a short verb: search, climb, force, read ...
    target: str | None = None  # a feature, character or item id
    stat: str
    success: bool
    text: str = ""  # the campaign's own words for what happens, when it has some
    spent: bool = False  # it worked before: nothing more comes of it


class FeatureRevealed(_Event):
    kind: Literal["feature_revealed"] = "feature_revealed"
    location: str
    feature: str


class ExitOpened(_Event):
    kind: Literal["exit_opened"] = "exit_opened"
    location: str
    direction: str
    to: str


class Alarmed(_Event):
    """A character comes to the location, hostile (a check that failed loudly)."""

    kind: Literal["alarmed"] = "alarmed"
    character: str
    location: str


class Narrated(_Event):
    """The campaign's own words for something that happens (a quest stage's outcome)."""

    kind: Literal["narrated"] = "narrated"
    text: str


class CampaignCompleted(_Event):
    kind: Literal["campaign_completed"] = "campaign_completed"


Event = Annotated[
    Union[Moved, Learned, Took, Dropped, Gave, Recruited, RecruitFailed, SkillLearned, Said, AttitudeChanged, Attack,
          Damage, Healed, Defeated, Pose, CombatStarted, CombatEnded, TurnPassed, Routed, QuestStage,
          EntityAdded, EntityRemoved, CharacterJoined, Checked, FeatureRevealed, ExitOpened, Alarmed, Narrated,
          CampaignCompleted],
    Field(discriminator="kind"),
]
EVENTS = TypeAdapter(list[Event])


def dump_events(events: list[Event]) -> list[dict]:
    return [e.model_dump(mode="json") for e in events]


def load_events(data: list[dict]) -> list[Event]:
    return EVENTS.validate_python(data)
