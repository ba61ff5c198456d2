"""Intents: what a player means to do, grounded in ids that exist in the world.

Words become an :class:`Intent` (in :mod:`gm.agent.interpret`); the rules engine
turns an intent into an outcome. An intent never carries numbers or results:
only the rules decide those.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict


class Action(str, Enum):
    look = "look"
    move = "move"
    talk = "talk"
    take = "take"
    drop = "drop"
    give = "give"
    learn = "learn"
    recruit = "recruit"
    attack = "attack"
    use_skill = "use_skill"
    rest = "rest"
    wait = "wait"
    check = "check"


class Intent(BaseModel):
    model_config = ConfigDict(frozen=True)

    action: Action
    target: str | None = None  # a character, entity, exit direction or location id (for check: a feature id too)
    item: str | None = None
    skill: str | None = None
    stat: str | None = None  # for a free stat check
    actor: str | None = None  # the pc acting; None means the first pc in the party
    text: str | None = None  # the player's own words that matter: what they say (talk), what they attempt (check)
    approach: str | None = None  # for check: a short lower-case verb for what is attempted (search, climb, force ...)
    dc: str | None = None  # a difficulty tier name from rules.difficulty
    topic: str | None = None  # for talk: the fact or topic id the words ask about, from the NPC's own, or None

    def as_dict(self) -> dict:
        return {"action": self.action.value, "target": self.target, "item": self.item, "skill": self.skill}
